"""Strategy page (AppTest): anonymous read, sign-in, record, bad value, read-only and locked base;
final assessment after the deadline, trajectory before it, status filter, French journal."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from pathlib import Path

import bcrypt
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ifn.strategy import board
from ifn.strategy.storage import Repository
from tests.markdown_safety import shown

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "strategie.py")
HASH = bcrypt.hashpw(b"motdepasse", bcrypt.gensalt(10)).decode()
BADGE = re.compile(r":(\w+)-badge\[(.*)\]")
NNBSP = "\u202f"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("IFN_STRATEGY_DB", str(tmp_path / "strategie.sqlite"))
    monkeypatch.setenv("IFN_EDITORS", f"alice:{HASH}")
    monkeypatch.setenv("IFN_STRATEGY_BUSY_MS", "200")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("IFN_DATABASE_URL", raising=False)
    monkeypatch.setattr(board, "today", lambda: dt.date(2026, 12, 1))  # the deadline 31/12/2025 has passed
    return tmp_path / "strategie.sqlite"


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """A st.table frame as read on screen: escapes removed, a badge read as its word."""
    def text(cell):
        match = BADGE.fullmatch(str(cell))
        return shown(match.group(2) if match else str(cell))
    return table.map(text).rename(columns=text)


def tables(at) -> list[pd.DataFrame]:
    return [readable(t.value) for t in at.table]


def badges(at) -> list[str]:
    return [str(c) for t in at.table for c in t.value["Statut"]]


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
    table = tables(at)[0]  # GT Externe, objective 1
    return table[table["Indicateur"] == "Nombre de sociétaires"].iloc[0]


def infos(at) -> str:
    return " ".join(i.value for i in at.info)


def test_anonymous_sees_no_form_then_editor_records(env):
    at = start()
    assert metrics(at)["Sans cible"] == "26"
    assert not [t for t in at.text_input if t.key == "st_value"]
    assert "Connectez-vous" in infos(at)
    assert "L'échéance de la stratégie (31/12/2025) est passée" in infos(at)
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
    # final assessment: 125 at 31/12/2023 is the latest value up to the deadline, below the target 150;
    # progress 15/40 = 37.5 %
    assert row["Valeur finale"] == "125 sociétaires" and row["Date"] == "31/12/2023"
    assert row["Avancement"] == "37,5\u00a0%" and row["Statut"] == "non atteinte"
    assert "Attendu" not in row.index
    assert metrics(at)["Non atteinte"] == "1" and metrics(at)["Atteinte"] == "0"
    journal = at.dataframe[-1].value
    assert list(journal["Auteur"])[-2:] == ["alice", "alice"]
    assert "registre des sociétaires" in list(journal["Source"])
    assert list(journal["Date"])[-1] == "31/12/2023" and "None" not in journal.to_string()


def test_bad_value_french_error_page_still_works(env):
    at = sign_in(start())
    at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
    at.text_input(key="st_value").set_value("cent vingt")
    button(at, "st_save_measure").click().run()
    assert not at.exception
    assert "Valeur « cent vingt » non numérique" in shown(at.error[0].value)
    assert metrics(at)["Sans cible"] == "26"
    at.text_input(key="st_value").set_value("120")
    button(at, "st_save_measure").click().run()
    assert not at.error and at.success


def test_wrong_side_target_is_warned_not_refused(env):
    at = sign_in(start())
    at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
    at.text_input(key="st_target").set_value("100")
    button(at, "st_save_target").click().run()
    assert "mauvais côté de la référence 110" in " ".join(shown(w.value) for w in at.warning)
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
    # the form offers the deadline as the date once it has passed: the value counts in the final assessment
    assert at.success and societaires_row(at)["Valeur finale"] == "120 sociétaires"
    assert societaires_row(at)["Date"] == "31/12/2025"


def test_two_sessions_same_indicator_both_kept(env):
    first, second = sign_in(start()), sign_in(start())
    for at, value in ((first, "121"), (second, "122")):
        at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
        at.text_input(key="st_value").set_value(value)
    button(first, "st_save_measure").click().run()
    button(second, "st_save_measure").click().run()
    assert first.success and second.success
    journal = second.dataframe[-1].value
    assert list(journal[journal["Nature"] == "mesure"]["Valeur"]) == ["121 sociétaires", "122 sociétaires"]


# ------------------------------------------------------------------ final assessment, trajectory, filter
def seed(env) -> None:
    repo = Repository(path=env)
    repo.append("ext1_societaires", "cible", author="ca", value_num=150.0)
    repo.append("ext1_societaires", "mesure", author="ca", value_num=160.0, observed_on=dt.date(2025, 6, 30))
    repo.append("ext1_participation_demarches", "cible", author="ca", value_num=400.0)
    repo.append("ext1_participation_demarches", "mesure", author="ca", value_num=350.0, observed_on=dt.date(2025, 12, 31))
    repo.append("ext1_participation_demarches", "mesure", author="ca", value_num=450.0, observed_on=dt.date(2026, 1, 15))
    repo.append("ext1_societaires", "mesure", author="ca", value_num=123.0, observed_on=dt.date(2023, 12, 31))


def statuses(at) -> dict[str, str]:
    return {r["Indicateur"]: r["Statut"] for t in tables(at) for _, r in t.iterrows()}


def test_final_assessment_filter_and_detail(env):
    seed(env)
    at = start()
    assert metrics(at) == {"Atteinte": "1", "Non atteinte": "1", "Sans cible": "24", "Sans donnée": "0"}
    assert len(at.table) == 9 and ":green-badge[atteinte]" in badges(at) and ":red-badge[non atteinte]" in badges(at)
    assert list(tables(at)[0].columns) == ["Indicateur", "Statut", "Valeur finale", "Date", "Cible 2025", "Avancement",
                                           "Référence", "Date réf."]
    pills = at.button_group(key="st_statuts_bilan")
    assert pills.options == ["atteinte (1)", "non atteinte (1)", "sans cible (24)", "sans donnée (0)"]
    pills.set_value(["non atteinte"]).run()
    assert statuses(at) == {"Participation aux démarches lancées (ex. contributions à l'Observatoire)": "non atteinte"}
    assert len(at.table) == 1 and [t.label for t in at.tabs] == ["GT « Externe » (1)", "GT « Interne » (0)",
                                                               "GT « Ensemble » (0)"]
    part = tables(at)[0].iloc[0]  # 450 on 15/01/2026 came after the deadline: 350 counts
    assert part["Valeur finale"] == "350 contributions" and part["Date"] == "31/12/2025" and part["Avancement"] == "50\u00a0%"
    at.button_group(key="st_statuts_bilan").set_value(["sans donnée"]).run()
    assert not at.table and "Aucun indicateur n'a le statut choisi." in infos(at)
    at.button_group(key="st_statuts_bilan").set_value([]).run()
    assert len(at.table) == 9
    # detail: the final assessment, the late measurement for information, no trajectory
    at.selectbox(key="st_indicator").set_value("ext1_participation_demarches").run()
    texts = [shown(m.value) for m in at.markdown] + [shown(c.value) for c in at.caption]
    assert "Bilan au 31/12/2025 : :red-badge[non atteinte] · cible 2025 : **400 contributions**" in texts
    assert "Mesure postérieure à l'échéance (non comptée dans le bilan) : 450 contributions au 15/01/2026." in texts
    assert any("pointillés gris : échéance du 31/12/2025" in t for t in texts)


def test_before_the_deadline_trajectory_and_late_filter(env, monkeypatch):
    monkeypatch.setattr(board, "today", lambda: dt.date(2024, 6, 1))
    repo = Repository(path=env)
    repo.append("ext1_societaires", "cible", author="ca", value_num=150.0)
    repo.append("ext1_societaires", "mesure", author="ca", value_num=123.0, observed_on=dt.date(2023, 12, 31))
    repo.append("ext1_interventions", "cible", author="ca", value_num=10.0)
    at = start()
    assert "L'échéance de la stratégie" not in infos(at)
    assert metrics(at)["En retard"] == "1" and metrics(at)["Sans donnée"] == "1"
    row = societaires_row(at)  # 13/40 = 32,5 % < 0,8 × 42,9 %
    assert row["Statut"] == "en retard" and row["Avancement"] == "32,5\u00a0%" and row["Attendu"] == "42,9\u00a0%"
    assert ":red-badge[en retard]" in badges(at) and ":gray-badge[sans donnée]" in badges(at)
    at.button_group(key="st_statuts_trajectoire").set_value(["en retard"]).run()
    assert statuses(at) == {"Nombre de sociétaires": "en retard"}
    at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
    assert any("trajectoire de la référence à la cible" in shown(c.value) for c in at.caption)
