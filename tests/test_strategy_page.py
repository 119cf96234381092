"""Strategy page (AppTest): anonymous read, sign-in, record, bad value, read-only and locked base."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "strategie.py")
HASH = bcrypt.hashpw(b"motdepasse", bcrypt.gensalt(10)).decode()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("IFN_STRATEGY_DB", str(tmp_path / "strategie.sqlite"))
    monkeypatch.setenv("IFN_EDITORS", f"alice:{HASH}")
    monkeypatch.setenv("IFN_STRATEGY_BUSY_MS", "200")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("IFN_DATABASE_URL", raising=False)
    return tmp_path / "strategie.sqlite"


def start() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def button(at, key):
    return at.button(key=key)


def sign_in(at, password="motdepasse") -> AppTest:
    at.text_input(key="st_user").set_value("alice")
    at.text_input(key="st_password").set_value(password)
    return button(at, "st_login_btn").click().run()


def societaires_row(at):
    table = at.dataframe[0].value  # GT Externe, objective 1
    return table[table["Indicateur"] == "Nombre de sociétaires"].iloc[0]


def test_anonymous_sees_no_form_then_editor_records(env):
    at = start()
    assert metrics(at)["Sans cible"] == "26"
    assert not [t for t in at.text_input if t.key == "st_value"]
    assert "Connectez-vous" in at.info[0].value
    at = sign_in(at, "mauvais")
    assert at.error[0].value == "Identifiant ou mot de passe incorrect."
    assert not [t for t in at.text_input if t.key == "st_value"]
    at = sign_in(at)
    assert not at.exception and not at.error
    at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
    at.text_input(key="st_target").set_value("150")
    button(at, "st_save_target").click().run()
    assert at.success[0].value.startswith("Entrée n° 1 enregistrée")
    assert metrics(at)["Sans cible"] == "25" and metrics(at)["Sans donnée"] == "1"
    row = societaires_row(at)
    assert row["Cible 2025"] == "150 sociétaires" and row["Statut"] == "sans donnée"
    at.text_input(key="st_value").set_value("125")
    at.date_input(key="st_date").set_value(dt.date(2023, 12, 31))
    at.text_input(key="st_source").set_value("registre des sociétaires")
    button(at, "st_save_measure").click().run()
    assert not at.error
    row = societaires_row(at)
    # hand-computed: progress 15/40 = 37.5 %, expected 549/1280 = 42.9 % → at risk (≥ 80 % of expected)
    assert row["Dernière valeur"] == "125 sociétaires"
    assert row["Avancement (%)"] == 37.5 and row["Attendu (%)"] == 42.9
    assert row["Statut"] == "à surveiller"
    assert metrics(at)["À surveiller"] == "1"
    journal = at.dataframe[-1].value
    assert list(journal["auteur"])[-2:] == ["alice", "alice"]
    assert "registre des sociétaires" in list(journal["source"])


def test_bad_value_french_error_page_still_works(env):
    at = sign_in(start())
    at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
    at.text_input(key="st_value").set_value("cent vingt")
    button(at, "st_save_measure").click().run()
    assert not at.exception
    assert "Valeur « cent vingt » non numérique" in at.error[0].value
    assert metrics(at)["Sans cible"] == "26"
    at.text_input(key="st_value").set_value("120")
    button(at, "st_save_measure").click().run()
    assert not at.error and at.success


def test_wrong_side_target_is_warned_not_refused(env):
    at = sign_in(start())
    at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
    at.text_input(key="st_target").set_value("100")
    button(at, "st_save_target").click().run()
    assert "mauvais côté de la référence 110" in at.warning[0].value
    assert societaires_row(at)["Cible 2025"] == "100 sociétaires"


def test_read_only_database_keeps_the_page_readable(env, monkeypatch):
    from ifn.strategy import storage

    storage.Repository(path=env).append("ext1_societaires", "cible", author="x", value_num=150.0)
    os.chmod(env, 0o444)
    if os.geteuid() == 0:  # root ignores file modes: simulate what a normal user would get
        monkeypatch.setattr(storage, "_file_writable", lambda path: False)
    at = sign_in(start())
    assert not at.exception
    assert "lecture seule" in at.warning[0].value
    assert societaires_row(at)["Cible 2025"] == "150 sociétaires"
    assert not [t for t in at.text_input if t.key == "st_value"]


def test_locked_database_french_message(env):
    at = sign_in(start())
    at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
    holder = sqlite3.connect(env, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        at.text_input(key="st_value").set_value("120")
        button(at, "st_save_measure").click().run()
        assert not at.exception
        assert "verrouillée" in " ".join(e.value for e in at.error)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    button(at, "st_save_measure").click().run()
    assert at.success and societaires_row(at)["Dernière valeur"] == "120 sociétaires"


def test_two_sessions_same_indicator_both_kept(env):
    first, second = sign_in(start()), sign_in(start())
    for at, value in ((first, "121"), (second, "122")):
        at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
        at.text_input(key="st_value").set_value(value)
    button(first, "st_save_measure").click().run()
    button(second, "st_save_measure").click().run()
    assert first.success and second.success
    journal = second.dataframe[-1].value
    assert list(journal[journal["nature"] == "mesure"]["valeur"]) == ["121 sociétaires", "122 sociétaires"]
