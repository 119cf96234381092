"""Append-only storage of measurements and targets: SQLite (default) or PostgreSQL.

One repository interface over both back ends. Every change is a new row of
``entries`` (author, creation time); nothing is updated or deleted. A correction is
a new entry whose ``supersedes`` names the entry it replaces; both stay in the history.

Configuration: ``IFN_DATABASE_URL`` or ``DATABASE_URL`` (``postgresql://…``) selects
PostgreSQL; otherwise the SQLite file ``IFN_STRATEGY_DB`` (default
``data/strategie.sqlite``) is created on first use, in WAL mode.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ifn.config import PROJECT_ROOT
from ifn.errors import IFNError

log = logging.getLogger(__name__)

DEFAULT_DB = PROJECT_ROOT / "data" / "strategie.sqlite"
SCHEMA_VERSION = 1
KINDS = ("mesure", "cible")

_MIGRATIONS = {
    1: [
        """CREATE TABLE IF NOT EXISTS entries (
            id {pk},
            indicator_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('mesure', 'cible')),
            value_num DOUBLE PRECISION,
            value_bool INTEGER,
            value_text TEXT,
            observed_on TEXT,
            source TEXT NOT NULL DEFAULT '',
            comment TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            supersedes INTEGER REFERENCES entries(id)
        )""",
        "CREATE INDEX IF NOT EXISTS entries_indicator ON entries (indicator_id, kind)",
    ],
}


class StorageError(IFNError):
    """The database cannot be opened, read or written (French message)."""


class ReadOnlyError(StorageError):
    """The database is readable but not writable (read-only file or locked)."""


@dataclass(frozen=True)
class Entry:
    """One row of the append-only journal."""

    id: int
    indicator_id: str
    kind: str
    value_num: float | None
    value_bool: bool | None
    value_text: str | None
    observed_on: dt.date | None
    source: str
    comment: str
    author: str
    created_at: str
    supersedes: int | None = None


def database_url(env: dict | None = None) -> str | None:
    """The PostgreSQL URL from ``IFN_DATABASE_URL`` / ``DATABASE_URL``, if any."""
    env = os.environ if env is None else env
    return env.get("IFN_DATABASE_URL") or env.get("DATABASE_URL") or None


def sqlite_path(env: dict | None = None) -> Path:
    env = os.environ if env is None else env
    path = Path(env.get("IFN_STRATEGY_DB") or DEFAULT_DB)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _file_writable(path: Path) -> bool:
    """Whether the SQLite file (or its folder, when absent) is writable by this process."""
    target = path if path.exists() else path.parent
    return os.access(target, os.W_OK)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _row_entry(row) -> Entry:
    (eid, ind, kind, num, boolean, text, observed, source, comment, author, created, supersedes) = row
    return Entry(int(eid), ind, kind, None if num is None else float(num),
                 None if boolean is None else bool(boolean), text,
                 dt.date.fromisoformat(observed) if observed else None,
                 source or "", comment or "", author, created, supersedes)


_COLUMNS = ("id, indicator_id, kind, value_num, value_bool, value_text, observed_on, source, comment, "
            "author, created_at, supersedes")


READ_ONLY_NOTICE = ("l'enregistrement est indisponible (fichier ou disque en lecture seule, ou disque plein) ; "
                    "la consultation reste possible.")


def _french(exc: Exception, where: str) -> StorageError:
    """French error for a database failure; the driver's own text (host, port, paths) goes to the log only."""
    text = str(exc).lower()
    log.warning("strategy database error (%s): %s", where, exc)
    if "readonly" in text or "read-only" in text or "read only" in text:
        return ReadOnlyError(f"La base de la stratégie ({where}) est en lecture seule : {READ_ONLY_NOTICE}")
    if "locked" in text or "busy" in text:
        return ReadOnlyError(f"La base de la stratégie ({where}) est verrouillée par un autre programme : "
                             "réessayez dans un instant ; la consultation reste possible.")
    if "disk is full" in text or "disk i/o" in text or "unable to open" in text or "no space" in text:
        return ReadOnlyError(f"La base de la stratégie ({where}) ne peut pas être écrite (disque plein, en lecture "
                             f"seule ou inaccessible) : {READ_ONLY_NOTICE}")
    if type(exc).__module__.startswith("psycopg"):
        return StorageError("La base PostgreSQL de la stratégie ne répond pas ou a refusé l'opération : rien n'a été "
                            "enregistré ; réessayez plus tard (le détail est dans le journal du serveur).")
    return StorageError(f"Erreur de la base de la stratégie ({where}) : rien n'a été enregistré (le détail est dans "
                        "le journal du serveur).")


class Repository:
    """Entries journal on SQLite or PostgreSQL (same methods, same results)."""

    def __init__(self, url: str | None = None, path: Path | str | None = None, busy_ms: int | None = None) -> None:
        self.url = url
        self.path = Path(path) if path is not None else None
        self.busy_ms = busy_ms if busy_ms is not None else int(os.environ.get("IFN_STRATEGY_BUSY_MS", "5000"))
        self.read_only = False
        self.where = "PostgreSQL" if url else f"fichier « {self.path} »"
        if url:
            self._migrate()
        else:
            self._open_sqlite()

    # ------------------------------------------------------------ connections
    @property
    def postgres(self) -> bool:
        return self.url is not None

    def _open_sqlite(self) -> None:
        assert self.path is not None
        if not _file_writable(self.path):
            if not self.path.exists():
                raise StorageError(f"Impossible de créer la base de la stratégie {self.where} : dossier non accessible en écriture.")
            self.read_only = True
            log.warning("strategy database %s is read-only", self.path)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.path.exists() and self._current_version() == SCHEMA_VERSION:
                return  # nothing to write: a locked base stays readable
            conn = self._connect()
            try:
                conn.execute("PRAGMA journal_mode=WAL")
            finally:
                conn.close()
            self._migrate()
        except sqlite3.OperationalError as exc:
            err = _french(exc, self.where)
            if isinstance(err, ReadOnlyError) and self.path.exists():
                self.read_only = True
                log.warning("strategy database %s not writable: %s", self.path, exc)
                return
            raise err from exc

    def _connect(self):
        if self.postgres:
            import psycopg

            try:
                return psycopg.connect(self.url, connect_timeout=5)
            except psycopg.Error as exc:
                log.warning("strategy database: PostgreSQL connection failed: %s", exc)
                raise StorageError("Connexion à la base PostgreSQL de la stratégie impossible : le serveur ne répond "
                                   "pas. Rien n'a été enregistré ; réessayez plus tard (le détail est dans le journal "
                                   "du serveur).") from exc
        if self.read_only:
            conn = self._connect_read_only()
        else:
            conn = sqlite3.connect(self.path, timeout=self.busy_ms / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_ms)}")
        return conn

    def _connect_read_only(self):
        """A read-only connection (``mode=ro``); ``immutable=1`` when the WAL files cannot be created.

        A WAL database opened ``mode=ro`` still needs its ``-shm`` file: in a read-only folder, or on a
        full disk, SQLite answers « unable to open database file » / « disk I/O error ». ``immutable``
        reads the main file as it is (what was checkpointed into it).
        """
        uri = self.path.resolve().as_uri()
        conn = None
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=self.busy_ms / 1000)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            return conn
        except sqlite3.OperationalError as exc:
            if conn is not None:
                conn.close()
            log.warning("strategy database %s unreadable in mode=ro (%s): opened immutable", self.path, exc)
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=self.busy_ms / 1000)

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s") if self.postgres else query

    def _transaction(self, work):
        """Run ``work(cursor)`` in one transaction; French errors on failure."""
        if self.read_only:
            raise ReadOnlyError(f"La base de la stratégie ({self.where}) est en lecture seule : {READ_ONLY_NOTICE}")
        conn = self._connect()
        try:
            if self.postgres:
                with conn.transaction():
                    return work(conn.cursor())
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                result = work(cur)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            return result
        except sqlite3.Error as exc:
            raise _french(exc, self.where) from exc
        except IFNError:
            raise
        except Exception as exc:  # psycopg errors
            if type(exc).__module__.startswith("psycopg"):
                raise _french(exc, self.where) from exc
            raise
        finally:
            conn.close()

    def _migrate(self) -> None:
        pk = "BIGSERIAL PRIMARY KEY" if self.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"

        def work(cur):
            if self.postgres:
                cur.execute("SELECT pg_advisory_xact_lock(20251231)")
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
            cur.execute("SELECT MAX(version) FROM schema_version")
            current = cur.fetchone()[0] or 0
            if current > SCHEMA_VERSION:
                raise StorageError(f"La base de la stratégie ({self.where}) a le schéma {current}, plus récent que "
                                   f"celui de l'application ({SCHEMA_VERSION}) : mettez l'application à jour.")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version]:
                    cur.execute(statement.format(pk=pk))
                cur.execute(self._sql("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"),
                            (version, _now()))
                log.info("strategy schema migrated to version %s", version)
        self._transaction(work)

    def _current_version(self) -> int:
        conn = self._connect()
        try:
            found = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
            if not found:
                return 0
            return int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)
        finally:
            conn.close()

    # ------------------------------------------------------------ queries
    def schema_version(self) -> int:
        return int(self._read("SELECT MAX(version) FROM schema_version")[0][0] or 0)

    def _read(self, query: str, params: tuple = ()) -> list[tuple]:
        if not self.postgres and self.path is not None and not self.path.exists():
            return []
        try:
            conn = self._connect()
        except sqlite3.Error as exc:
            return self._read_again(exc, query, params)
        try:
            cur = conn.cursor()
            cur.execute(self._sql(query), params)
            return list(cur.fetchall())
        except sqlite3.Error as exc:
            conn.close()
            return self._read_again(exc, query, params)
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg"):
                raise _french(exc, self.where) from exc
            raise
        finally:
            conn.close()

    def _read_again(self, exc: Exception, query: str, params: tuple) -> list[tuple]:
        """A SQLite read that failed for lack of write access (WAL files, full disk) is retried read-only."""
        err = _french(exc, self.where)
        if self.postgres or self.read_only or not isinstance(err, ReadOnlyError) or "verrouillée" in str(err):
            raise err from exc
        self.read_only = True
        return self._read(query, params)

    def entries(self, indicator_id: str | None = None) -> list[Entry]:
        """All entries (optionally of one indicator), in creation order."""
        query = f"SELECT {_COLUMNS} FROM entries"
        params: tuple = ()
        if indicator_id is not None:
            query += " WHERE indicator_id = ?"
            params = (indicator_id,)
        return [_row_entry(r) for r in self._read(query + " ORDER BY id", params)]

    def _row(self, indicator_id: str, kind: str, *, author: str, value_num: float | None = None,
             value_bool: bool | None = None, value_text: str | None = None, observed_on: dt.date | None = None,
             source: str = "", comment: str = "", supersedes: int | None = None) -> tuple:
        if kind not in KINDS:
            raise ValueError(kind)
        return (indicator_id, kind, value_num, None if value_bool is None else int(value_bool), value_text,
                observed_on.isoformat() if observed_on else None, source, comment, author, _now(), supersedes)

    def _insert(self, cur, row: tuple) -> int:
        indicator_id, supersedes = row[0], row[-1]
        if supersedes is not None:
            cur.execute(self._sql("SELECT indicator_id FROM entries WHERE id = ?"), (supersedes,))
            found = cur.fetchone()
            if found is None or found[0] != indicator_id:
                from ifn.errors import InputError

                raise InputError(f"L'entrée n° {supersedes} à corriger n'existe pas pour cet indicateur.")
        cur.execute(self._sql(
            "INSERT INTO entries (indicator_id, kind, value_num, value_bool, value_text, observed_on, "
            "source, comment, author, created_at, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id"), row)
        return cur.fetchone()[0]

    def append(self, indicator_id: str, kind: str, *, author: str, value_num: float | None = None,
               value_bool: bool | None = None, value_text: str | None = None,
               observed_on: dt.date | None = None, source: str = "", comment: str = "",
               supersedes: int | None = None) -> Entry:
        """Insert one entry in its own transaction and return it."""
        row = self._row(indicator_id, kind, author=author, value_num=value_num, value_bool=value_bool,
                        value_text=value_text, observed_on=observed_on, source=source, comment=comment,
                        supersedes=supersedes)
        new_id = self._transaction(lambda cur: self._insert(cur, row))
        return _row_entry((new_id, *row))

    def append_all(self, items: list[dict], check=None) -> list[Entry]:
        """Insert several entries (keyword arguments of ``append``) in one transaction: all or nothing.

        ``check(existing)`` runs first inside the transaction with every entry already stored; it may
        raise to refuse the whole batch (e.g. a file imported twice).
        """
        rows = [self._row(**item) for item in items]

        def work(cur):
            if check is not None:
                cur.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY id")
                check([_row_entry(r) for r in cur.fetchall()])
            return [self._insert(cur, row) for row in rows]

        ids = self._transaction(work)
        return [_row_entry((i, *row)) for i, row in zip(ids, rows)]


def open_repository(env: dict | None = None) -> Repository:
    """Repository from the environment: PostgreSQL when a URL is set, SQLite otherwise."""
    url = database_url(env)
    return Repository(url=url) if url else Repository(path=sqlite_path(env))
