"""Storage: SQLite by default, PostgreSQL when IFN_TEST_DATABASE_URL is set (scripts/pg-test-server.sh)."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading

import pytest

from ifn.errors import InputError
from ifn.strategy import storage
from ifn.strategy.storage import ReadOnlyError, Repository, StorageError

PG_URL = os.environ.get("IFN_TEST_DATABASE_URL")


def _reset_pg(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS entries, schema_version")


@pytest.fixture(params=["sqlite", "postgresql"])
def make_repo(request, tmp_path):
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("IFN_TEST_DATABASE_URL non défini : pas de serveur PostgreSQL de test")
        _reset_pg(PG_URL)
        yield lambda: Repository(url=PG_URL)
        _reset_pg(PG_URL)
    else:
        path = tmp_path / "s.sqlite"
        yield lambda: Repository(path=path)


def test_created_on_first_start_with_schema_version(make_repo):
    repo = make_repo()
    assert repo.schema_version() == storage.SCHEMA_VERSION
    assert repo.entries() == []
    assert make_repo().schema_version() == 1  # reopening does not migrate twice


def test_append_only_and_correction_keeps_both(make_repo):
    repo = make_repo()
    first = repo.append("ext1_societaires", "mesure", author="alice", value_num=120.0,
                        observed_on=dt.date(2023, 12, 31), source="registre")
    fix = repo.append("ext1_societaires", "mesure", author="bob", value_num=121.0,
                      observed_on=dt.date(2023, 12, 31), comment="oubli d'un sociétaire", supersedes=first.id)
    again = make_repo().entries("ext1_societaires")  # survives a restart
    assert [(e.id, e.value_num, e.author, e.supersedes) for e in again] == [(first.id, 120.0, "alice", None),
                                                                            (fix.id, 121.0, "bob", first.id)]
    assert again[0].observed_on == dt.date(2023, 12, 31) and again[0].source == "registre"
    with pytest.raises(InputError, match="n'existe pas"):
        repo.append("ext1_societaires", "mesure", author="a", value_num=1.0, supersedes=999)


def test_two_sessions_writing_at_once_lose_nothing(make_repo):
    repos = [make_repo(), make_repo()]
    errors = []

    def writer(repo, who):
        try:
            for k in range(10):
                repo.append("ext3_mentions_presse", "mesure", author=who, value_num=float(k),
                            observed_on=dt.date(2023, 6, 1))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(r, f"session{n}")) for n, r in enumerate(repos)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = make_repo().entries("ext3_mentions_presse")
    assert len(entries) == 20
    assert sorted(e.author for e in entries).count("session0") == 10
    assert len({e.id for e in entries}) == 20


def test_sqlite_uses_wal(tmp_path):
    path = tmp_path / "w.sqlite"
    Repository(path=path)
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_newer_schema_refused(tmp_path):
    path = tmp_path / "n.sqlite"
    Repository(path=path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99, 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="schéma 99"):
        Repository(path=path)


def test_read_only_file_reads_but_refuses_writes(tmp_path, monkeypatch):
    path = tmp_path / "r.sqlite"
    Repository(path=path).append("x", "cible", author="a", value_num=1.0)
    os.chmod(path, 0o444)
    if os.geteuid() == 0:
        monkeypatch.setattr(storage, "_file_writable", lambda p: False)
    repo = Repository(path=path)
    assert repo.read_only and [e.value_num for e in repo.entries()] == [1.0]
    with pytest.raises(ReadOnlyError, match="lecture seule"):
        repo.append("x", "cible", author="a", value_num=2.0)


def test_locked_file_french_message(tmp_path):
    path = tmp_path / "l.sqlite"
    repo = Repository(path=path, busy_ms=100)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ReadOnlyError, match="verrouillée"):
            repo.append("x", "cible", author="a", value_num=2.0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_open_repository_from_environment(tmp_path):
    env = {"IFN_STRATEGY_DB": str(tmp_path / "e.sqlite")}
    assert storage.open_repository(env).path == tmp_path / "e.sqlite"
    assert storage.database_url({"DATABASE_URL": "postgresql://u@h/db"}) == "postgresql://u@h/db"
    assert storage.database_url({"IFN_DATABASE_URL": "postgresql://a@h/x", "DATABASE_URL": "b"}) == "postgresql://a@h/x"
    assert storage.sqlite_path({}) == storage.DEFAULT_DB
