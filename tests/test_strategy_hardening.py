"""Strategy hardening (issue 10): editors setting, sign-in throttling, import, storage failures, statuses."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

import bcrypt
import pytest

from ifn import cli
from ifn.errors import InputError
from ifn.strategy import auth, editing, report, storage
from ifn.strategy.__main__ import main as strategy_main
from ifn.strategy.content import load_strategy
from ifn.strategy.status import assess
from ifn.strategy.storage import ReadOnlyError, Repository, StorageError

TODAY = dt.date(2024, 3, 1)
HASH10 = bcrypt.hashpw(b"motdepasse", bcrypt.gensalt(10)).decode()
HASH4 = bcrypt.hashpw(b"motdepasse", bcrypt.gensalt(4)).decode()
HEADER = "indicateur;nature;valeur;date;source;commentaire\n"


@pytest.fixture
def repo(tmp_path):
    return Repository(path=tmp_path / "e.sqlite")


@pytest.fixture(scope="module")
def strategy():
    return load_strategy()


# ------------------------------------------------------------------ editors setting
@pytest.mark.parametrize("setting", ["alice=MyPassw0rd", f"alice{HASH10}", "MyPassw0rd", f"alice:{HASH4}",
                                     "alice:$2b$12$tropcourt"])
def test_malformed_editor_ignored_with_a_log_warning_without_the_value(setting, caplog):
    caplog.set_level(logging.WARNING, logger="ifn.strategy.auth")
    loaded = auth.load_editors({}, {"IFN_EDITORS": f"{setting},bob:{HASH10}"})
    assert loaded.hashes == {"bob": HASH10} and loaded.ignored == 1
    assert "IFN_EDITORS item 1 ignored" in caplog.text
    for secret in ("MyPassw0rd", HASH10, HASH4, "tropcourt"):
        assert secret not in caplog.text


def test_weak_cost_refused_with_its_reason(caplog):
    caplog.set_level(logging.WARNING, logger="ifn.strategy.auth")
    assert auth.load_editors({"editors": {"alice": HASH4}}, {}).hashes == {}
    assert "bcrypt cost 4 is below the minimum 10" in caplog.text


def test_editors_as_a_string_does_not_crash(caplog):
    caplog.set_level(logging.WARNING, logger="ifn.strategy.auth")
    loaded = auth.load_editors({"editors": "alice"}, {"IFN_EDITORS": f"bob:{HASH10}"})
    assert loaded.hashes == {"bob": HASH10} and loaded.ignored == 1
    assert "a table [auth.editors]" in caplog.text
    assert auth.load_editors({"editors": {"carol": "motdepasse"}}, {}).ignored == 1


def test_user_names_are_case_insensitive():
    editors = auth.editors_from({"editors": {"Alice": HASH10}}, {})
    assert auth.check_password(editors, "ALICE ", "motdepasse")
    assert auth.check_password(editors, "alice", "motdepasse")
    assert not auth.check_password(editors, "alice", "Motdepasse")


def test_unknown_user_costs_one_bcrypt_check_at_the_same_cost(monkeypatch):
    editors = auth.editors_from({}, {"IFN_EDITORS": f"alice:{HASH10}"})
    calls = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, h: calls.append(h[:7]) or real(pw, h))
    for user, password in (("alice", "faux"), ("inconnu", "faux"), ("inconnu", ""), ("alice", "é" * 40)):
        assert not auth.check_password(editors, user, password)
    assert calls == [b"$2b$10$"] * 4


def test_hash_password_over_72_bytes_refused_in_french(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("é" * 37 + "\n"))  # 74 bytes
    assert cli.main(["hash-password", "--stdin"]) == 2
    assert "Mot de passe trop long : 74 octets" in capsys.readouterr().err


# ------------------------------------------------------------------ throttling (state transitions)
@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: now[0])
    return now


def test_throttle_per_user_then_released_after_the_delay(clock, caplog):
    caplog.set_level(logging.INFO, logger="ifn.strategy.auth")
    throttle = auth.Throttle()
    editors = {"alice": HASH10}
    for n in range(3):
        assert auth.sign_in(editors, "alice", f"faux{n}", f"s{n}", throttle).message == \
            "Identifiant ou mot de passe incorrect."
    # 4th try, right password, another session: refused for the user name
    assert auth.sign_in(editors, "Alice", "motdepasse", "s9", throttle).message == \
        "Trop d'essais infructueux : réessayez dans 3 s."
    clock[0] += 2.1
    assert auth.sign_in(editors, "alice", "motdepasse", "s9", throttle).editor == "alice"
    assert "faux" not in caplog.text and "motdepasse" not in caplog.text
    assert "sign-in failed for editor alice" in caplog.text


def test_throttle_grows_and_is_per_session(clock):
    throttle = auth.Throttle()
    editors = {"alice": HASH10}
    for n in range(3):  # three different unknown names from one session
        auth.sign_in(editors, f"nom{n}", "x", "s1", throttle)
    assert auth.sign_in(editors, "alice", "motdepasse", "s1", throttle).editor is None
    assert throttle.wait(["session:s1"]) == pytest.approx(2.0)
    clock[0] += 2.0
    auth.sign_in(editors, "nom9", "x", "s1", throttle)  # 4th failure: 4 s
    assert throttle.wait(["session:s1"]) == pytest.approx(4.0)
    assert [auth.Throttle.delay_after(n) for n in range(1, 7)] == [0, 0, 2, 4, 8, 16]
    assert auth.sign_in(editors, "alice", "motdepasse", "s2", throttle).editor == "alice"  # other session


# ------------------------------------------------------------------ import
def _import(repo, strategy, data: bytes, name="i.csv"):
    return report.import_csv(repo, strategy, data, author="a", today=TODAY, name=name)


@pytest.mark.parametrize("data, expected", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "Import « i.csv » : Le fichier n'est pas un fichier CSV (texte)"),
    (b"", "Import « i.csv » : Le fichier est vide"),
    (b"\xef\xbb\xbf\n\n", "Import « i.csv » : Le fichier est vide"),
    ((HEADER + "ext1_societaires;mesure;120;2023-06-30;;" + "x" * 140_000 + "\n").encode(),
     "Import « i.csv », ligne 2 : champ trop long."),
    ((HEADER + "ext1_societaires;mesure;120;2023-06-30;;ligne\ncoupée\n").encode(),
     "Import « i.csv », ligne 3 : 1 champ(s) au lieu de 6"),
    ((HEADER + "ext1_societaires;mesure;120;2023-06-30;;c;en trop\n").encode(),
     "Import « i.csv », ligne 2 : 7 champ(s) au lieu de 6"),
    (b"indicateur;nature;valeur;valeur;date\next1_societaires;mesure;120;130;2023-06-30\n",
     "Import « i.csv », ligne 1 : colonne(s) en double : valeur."),
    (b"indicateur;nature;valeur;date;auteur\next1_societaires;mesure;120;2023-06-30;bob\n",
     "Import « i.csv », ligne 1 : colonne(s) inconnue(s) : auteur"),
    ((HEADER + "ext1_societaires;mesure;120;2023-06-30;;" + "x" * 5001 + "\n").encode(),
     "Import « i.csv », ligne 2 : Commentaire trop long : 5001 caractères, 5000 au plus."),
    ((HEADER + "ext1_societaires;mesure;1e308;2023-06-30;;\n").encode(), "hors d'échelle"),
])
def test_bad_import_french_message_nothing_written(repo, strategy, data, expected):
    with pytest.raises(InputError) as err:
        _import(repo, strategy, data)
    assert str(err.value).startswith(expected) or expected in str(err.value)
    assert repo.entries() == []


def test_latin1_import_reads_accents(repo, strategy):
    assert _import(repo, strategy, (HEADER + "ext1_societaires;mesure;120;2023-06-30;AG;réunion d'été\n")
                   .encode("latin-1")) == 1
    assert repo.entries()[0].comment == "réunion d'été"


def test_import_is_atomic(repo, strategy, monkeypatch):
    rows = "".join(f"ext1_societaires;mesure;{120 + n % 5};2023-06-30;s{n};\n" for n in range(3000))
    calls = []
    real = Repository._insert

    def failing(self, cur, row):
        calls.append(1)
        if len(calls) == 643:
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, cur, row)

    monkeypatch.setattr(Repository, "_insert", failing)
    with pytest.raises(ReadOnlyError, match="ne peut pas être écrite"):
        _import(repo, strategy, (HEADER + rows).encode())
    assert repo.entries() == []
    monkeypatch.setattr(Repository, "_insert", real)
    assert _import(repo, strategy, (HEADER + rows).encode()) == 3000


def test_reimport_is_detected_not_duplicated(repo, strategy):
    data = (HEADER + "ext1_societaires;mesure;120;2023-06-30;AG;\next1_societaires;cible;150;;;CA du 12/01\n").encode()
    assert _import(repo, strategy, data) == 2
    with pytest.raises(InputError, match=r"2 ligne\(s\) sur 2 sont déjà enregistrées à l'identique : "
                                         r"ligne\(s\) 2 \(entrée n° 1\), 3 \(entrée n° 2\)"):
        _import(repo, strategy, data)
    assert len(repo.entries()) == 2


@pytest.mark.parametrize("content, expected", [
    (b"\x00\x01\x02binaire", "n'est pas un fichier CSV"),
    (b"", "est vide"),
    ((HEADER + "ext1_societaires;mesure;1;2023-01-01;;" + "x" * 140_000 + "\n").encode(), "ligne 2 : champ trop long"),
    ((HEADER + "ext1_societaires;mesure;1;2023-01-01;;a\nb\n").encode(), "ligne 3 : 1 champ(s) au lieu de 6"),
])
def test_cli_import_bad_files_french_no_traceback(tmp_path, monkeypatch, capsys, content, expected):
    monkeypatch.setenv("IFN_STRATEGY_DB", str(tmp_path / "c.sqlite"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("IFN_DATABASE_URL", raising=False)
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert strategy_main(["import", str(path), "--author", "alice"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Erreur : Import « {path} »") and expected in err and "Traceback" not in err
    assert Repository(path=tmp_path / "c.sqlite").entries() == []


def test_cli_import_latin1_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IFN_STRATEGY_DB", str(tmp_path / "c.sqlite"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("IFN_DATABASE_URL", raising=False)
    path = tmp_path / "f.csv"
    path.write_bytes((HEADER + "ext1_societaires;mesure;120;2023-06-30;;été\n").encode("latin-1"))
    assert strategy_main(["import", str(path), "--author", "alice"]) == 0
    assert strategy_main(["import", str(path), "--author", "alice"]) == 2
    assert "déjà enregistrées" in capsys.readouterr().err


# ------------------------------------------------------------------ storage failures
def test_read_only_wal_base_opened_mode_ro_then_immutable(tmp_path, monkeypatch):
    path = tmp_path / "ro.sqlite"
    Repository(path=path).append("ext1_societaires", "cible", author="x", value_num=150.0)
    monkeypatch.setattr(storage, "_file_writable", lambda p: False)
    uris = []
    real = sqlite3.connect

    def connect(target, *args, **kwargs):
        uris.append(str(target))
        if "mode=ro" in str(target) and "immutable" not in str(target):  # as in a read-only folder
            raise sqlite3.OperationalError("unable to open database file")
        return real(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    repo = Repository(path=path)
    assert repo.read_only
    assert [e.value_num for e in repo.entries()] == [150.0]
    assert any(u.endswith("?mode=ro") for u in uris) and any(u.endswith("?mode=ro&immutable=1") for u in uris)
    with pytest.raises(ReadOnlyError, match="enregistrement est indisponible"):
        repo.append("ext1_societaires", "cible", author="x", value_num=160.0)


def test_full_disk_french_message(tmp_path, monkeypatch):
    path = tmp_path / "full.sqlite"
    repo = Repository(path=path)
    real = Repository._connect

    def small(self):
        conn = real(self)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")
        return conn

    monkeypatch.setattr(Repository, "_connect", small)
    with pytest.raises(ReadOnlyError) as err:
        for _ in range(200):
            repo.append("ext1_societaires", "mesure", author="x", value_num=1.0, comment="x" * 4000,
                        observed_on=TODAY)
    assert "disque plein" in str(err.value) and "database or disk" not in str(err.value)


def test_postgresql_down_french_without_host_or_port():
    with pytest.raises(StorageError) as err:
        Repository(url="postgresql://ifn@127.0.0.1:1/strategie")
    text = str(err.value)
    assert text.startswith("Connexion à la base PostgreSQL de la stratégie impossible")
    assert "127.0.0.1" not in text and "port" not in text.lower() and "ifn@" not in text


# ------------------------------------------------------------------ values and statuses
def test_yes_no_answer_matching_target_is_on_track(repo, strategy):
    editing.set_target(repo, strategy, "ext1_enquete_notoriete", "oui", author="a")
    editing.record_measurement(repo, strategy, "ext1_enquete_notoriete", "oui", "2024-01-15", author="a", today=TODAY)
    result = assess(strategy.indicators["ext1_enquete_notoriete"], repo.entries())
    assert result.status == "en bonne voie" and result.latest.value is True


def test_implausible_values_need_confirmation(repo, strategy):
    with pytest.raises(editing.NeedsConfirmation, match="la valeur -5 est négative"):
        editing.record_measurement(repo, strategy, "ext1_societaires", "-5", "2024-01-15", author="a", today=TODAY)
    with pytest.raises(editing.NeedsConfirmation, match=r"plus de 10 fois plus grande que la précédente \(110\)"):
        editing.record_measurement(repo, strategy, "ext1_societaires", "1200", "2024-01-15", author="a", today=TODAY)
    assert repo.entries() == []
    editing.record_measurement(repo, strategy, "ext1_societaires", "1200", "2024-01-15", author="a", today=TODAY,
                               confirmed=True)
    editing.record_measurement(repo, strategy, "ext1_societaires", "1300", "2024-02-15", author="a", today=TODAY)
    assert [e.value_num for e in repo.entries()] == [1200.0, 1300.0]


@pytest.mark.parametrize("value", ["1e308", "-1e300", "1e13"])
def test_huge_values_refused(repo, strategy, value):
    with pytest.raises(InputError, match="hors d'échelle"):
        editing.set_target(repo, strategy, "ext1_societaires", value, author="a")


def test_comment_size_limit(repo, strategy):
    with pytest.raises(InputError, match="Commentaire trop long : 32768 caractères"):
        editing.set_target(repo, strategy, "ext1_societaires", "150", author="a", comment="x" * 32768)
    assert repo.entries() == []


@pytest.mark.skipif(not __import__("os").environ.get("IFN_TEST_DATABASE_URL"),
                    reason="IFN_TEST_DATABASE_URL non défini : pas de serveur PostgreSQL de test")
def test_postgresql_import_atomic_and_reimport_detected(strategy, monkeypatch):
    import os

    import psycopg

    url = os.environ["IFN_TEST_DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS entries, schema_version")
    repo = Repository(url=url)
    rows = "".join(f"ext1_societaires;mesure;{120 + n % 5};2023-06-30;s{n};\n" for n in range(50))
    real = Repository._insert
    calls = []

    def failing(self, cur, row):
        calls.append(1)
        if len(calls) == 20:
            raise psycopg.OperationalError("server closed the connection unexpectedly (host 10.0.0.1 port 5432)")
        return real(self, cur, row)

    monkeypatch.setattr(Repository, "_insert", failing)
    with pytest.raises(StorageError) as err:
        _import(repo, strategy, (HEADER + rows).encode())
    assert "10.0.0.1" not in str(err.value) and repo.entries() == []
    monkeypatch.setattr(Repository, "_insert", real)
    assert _import(repo, strategy, (HEADER + rows).encode()) == 50
    with pytest.raises(InputError, match="50 ligne\\(s\\) sur 50 sont déjà enregistrées"):
        _import(repo, strategy, (HEADER + rows).encode())
    assert len(repo.entries()) == 50
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS entries, schema_version")
