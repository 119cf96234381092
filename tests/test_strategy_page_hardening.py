"""Strategy page state transitions (issue 10): dates, reset, yes/no, confirmation, throttling, failures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from ifn.strategy import auth
from ifn.strategy.storage import Repository
from tests.markdown_safety import shown

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "strategie.py")
HASH = bcrypt.hashpw(b"motdepasse", bcrypt.gensalt(10)).decode()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("IFN_STRATEGY_DB", str(tmp_path / "strategie.sqlite"))
    monkeypatch.setenv("IFN_EDITORS", f"alice:{HASH}")
    monkeypatch.setenv("IFN_STRATEGY_BUSY_MS", "200")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("IFN_DATABASE_URL", raising=False)
    reset = getattr(getattr(auth, "THROTTLE", None), "reset", lambda: None)
    reset()
    yield tmp_path / "strategie.sqlite"
    reset()


def start() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def sign_in(at, password="motdepasse", user="alice") -> AppTest:
    at.text_input(key="st_user").set_value(user)
    at.text_input(key="st_password").set_value(password)
    return at.button(key="st_login_btn").click().run()


def editor_at(indicator="ext1_societaires") -> AppTest:
    at = sign_in(start())
    assert "Connecté·e : alice" in [c.value for c in at.sidebar.caption]
    return at.selectbox(key="st_indicator").set_value(indicator).run()


def form_column(at, key="st_save_measure"):
    """The column holding a form's submit button (where its outcome must be shown)."""
    return next(c for c in at.columns if any(b.key == key for b in c.button))


def stored(env) -> list:
    return Repository(path=env).entries() if env.exists() else []


def row(at, label):
    """The overview row of ``label``, as read on screen (st.table cells are escaped Markdown, statuses badges)."""
    from tests.test_strategy_page import readable

    for frame in at.table:
        table = readable(frame.value)
        if "Indicateur" in table.columns and (table["Indicateur"] == label).any():
            return table[table["Indicateur"] == label].iloc[0]
    raise AssertionError(label)


@pytest.mark.parametrize("date, message", [
    (dt.date(2030, 12, 31), "La date 31/12/2030 est postérieure à aujourd'hui"),
    (dt.date(2010, 1, 1), "La date 01/01/2010 est antérieure à 2016"),
])
def test_out_of_range_date_refused_in_french_nothing_saved(env, date, message):
    at = editor_at()
    at.text_input(key="st_value").set_value("125")
    at.date_input(key="st_date").set_value(date)
    at.button(key="st_save_measure").click().run()
    assert not at.exception
    errors = [shown(e.value) for e in form_column(at).error]
    assert len(errors) == 1 and errors[0].startswith(message)
    assert stored(env) == []
    assert at.text_input(key="st_value").value == "125"  # kept to be corrected


def test_result_next_to_the_form_and_form_reset(env):
    at = editor_at()
    at.text_input(key="st_value").set_value("125")
    at.date_input(key="st_date").set_value(dt.date(2023, 12, 31))
    at.text_input(key="st_source").set_value("registre")
    at.text_area(key="st_comment").set_value("AG de décembre")
    at.button(key="st_save_measure").click().run()
    assert [shown(s.value) for s in form_column(at).success] == ["Entrée n° 1 enregistrée (mesure)."]
    assert not at.main.success or all(s in form_column(at).success for s in at.success)
    assert at.text_input(key="st_value").value == ""
    assert at.text_input(key="st_source").value == "" and at.text_area(key="st_comment").value == ""
    assert at.selectbox(key="st_corrects").value == "—"
    # correct entry 1, then the form is reset again: a second click records nothing
    at.text_input(key="st_value").set_value("126")
    at.selectbox(key="st_corrects").set_value(at.selectbox(key="st_corrects").options[1])
    at.button(key="st_save_measure").click().run()
    assert [shown(s.value) for s in form_column(at).success] == ["Entrée n° 2 enregistrée (mesure)."]
    assert at.selectbox(key="st_corrects").value == "—"
    at.button(key="st_save_measure").click().run()
    assert "non numérique" in form_column(at).error[0].value
    assert [(e.id, e.value_num, e.supersedes) for e in stored(env)] == [(1, 125.0, None), (2, 126.0, 1)]
    # the target form shows its own outcome in its own column
    at.text_input(key="st_target").set_value("150")
    at.button(key="st_save_target").click().run()
    assert [shown(s.value) for s in form_column(at, "st_save_target").success] == ["Entrée n° 3 enregistrée (cible)."]
    assert not form_column(at).success and at.text_input(key="st_target").value == ""


def test_yes_no_oui_with_target_oui_is_on_track(env, monkeypatch):
    from ifn.strategy import board

    monkeypatch.setattr(board, "today", lambda: dt.date(2025, 6, 1))  # before the deadline: trajectory statuses
    at = editor_at("ext1_enquete_notoriete")
    at.radio(key="st_target_answer").set_value("oui")
    at.button(key="st_save_target").click().run()
    at.radio(key="st_answer").set_value("oui")
    at.date_input(key="st_date").set_value(dt.date(2024, 5, 1))
    at.button(key="st_save_measure").click().run()
    assert not at.exception and not at.error
    assert row(at, "Enquête « panel » sur la notoriété de la Mednum / de son écosystème / de ses concepts réalisée")["Statut"] == "en bonne voie"


@pytest.mark.parametrize("value, reason", [("-5", "la valeur -5 est négative"),
                                           ("1200", "plus de 10 fois plus grande que la précédente (110)")])
def test_implausible_value_asks_confirmation(env, value, reason):
    at = editor_at()
    at.text_input(key="st_value").set_value(value)
    at.date_input(key="st_date").set_value(dt.date(2024, 1, 15))
    at.button(key="st_save_measure").click().run()
    warning = shown(form_column(at).warning[0].value)
    assert reason in warning and "Je confirme cette valeur" in warning
    assert stored(env) == [] and at.text_input(key="st_value").value == value
    at.checkbox(key="st_confirm").check()
    at.button(key="st_save_measure").click().run()
    assert form_column(at).success and [e.value_num for e in stored(env)] == [float(value)]
    assert not [c for c in at.checkbox if c.key == "st_confirm"]


def test_sign_in_throttled_after_three_failures(env, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: now[0], raising=False)
    at = start()
    for _ in range(3):
        at = sign_in(at, "mauvais")
        assert at.sidebar.error[0].value == "Identifiant ou mot de passe incorrect."
    at = sign_in(at, user="Alice")  # right password, refused while throttled
    assert at.sidebar.error[0].value == "Trop d'essais infructueux : réessayez dans 3 s."
    other = sign_in(start())  # another session: the user name is throttled too
    assert other.sidebar.error[0].value.startswith("Trop d'essais infructueux")
    now[0] += 2.5
    at = sign_in(at, user="ALICE")
    assert not at.sidebar.error and "Connecté·e : alice" in [c.value for c in at.sidebar.caption]


def test_malformed_editors_setting_never_shown(env, monkeypatch):
    monkeypatch.setenv("IFN_EDITORS", f"alice=MyPassw0rd,bob{HASH}")
    at = start()
    texts = " ".join(str(e.value) for kind in ("error", "warning", "info", "caption", "markdown")
                     for e in getattr(at.sidebar, kind))
    assert "MyPassw0rd" not in texts and HASH not in texts and "$2b$" not in texts
    assert "2 compte(s) d'éditeur mal écrit(s) ignoré(s)" in at.sidebar.warning[0].value
    assert at.dataframe  # the page stays readable


def test_editors_as_a_string_in_secrets_keeps_the_page(env):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["auth"] = {"editors": "alice"}
    at.run()
    assert not at.exception and at.dataframe
    assert "1 compte(s) d'éditeur mal écrit(s) ignoré(s)" in at.sidebar.warning[0].value


def test_postgresql_down_french_message_and_value_kept(env, monkeypatch):
    monkeypatch.setenv("IFN_DATABASE_URL", "postgresql://ifn@127.0.0.1:1/strategie")
    at = editor_at()
    page_text = " ".join(e.value for e in at.error)
    assert "Connexion à la base PostgreSQL de la stratégie impossible" in page_text
    at.text_input(key="st_value").set_value("125")
    at.text_area(key="st_comment").set_value("à garder")
    at.button(key="st_save_measure").click().run()
    assert not at.exception
    message = shown(form_column(at).error[0].value)
    assert "PostgreSQL" in message and "127" not in message and "port" not in message.lower()
    assert at.text_input(key="st_value").value == "125" and at.text_area(key="st_comment").value == "à garder"
