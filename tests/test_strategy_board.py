"""What the board's page shows (ifn.strategy.board, ifn.strategy.formats): French dates and numbers,
dates typed both ways, final assessment or trajectory, status colours and filter, escaped cells, chart spec."""

from __future__ import annotations

import datetime as dt

import pytest

from ifn.errors import InputError
from ifn.strategy import board, editing, report
from ifn.strategy.content import load_strategy
from ifn.strategy.formats import VEGA_LOCALE, blank, french_date, french_timestamp, parse_date, percent
from ifn.strategy.storage import Entry, Repository
from tests.markdown_safety import PAYLOADS, active_content

BEFORE = dt.date(2024, 6, 1)
AFTER = dt.date(2026, 12, 1)
HEADER = "indicateur;nature;valeur;date;source;commentaire\n"


@pytest.fixture(scope="module")
def strategy():
    return load_strategy()


def entry(n, indicator, kind, value=None, date=None, boolean=None, supersedes=None) -> Entry:
    return Entry(n, indicator, kind, value, boolean, None, date, "", "", "alice", "2026-12-01T20:15:00+00:00",
                 supersedes)


def row(frame, indicator_id):
    return frame.filter(frame["indicateur"] == indicator_id).row(0, named=True)


# ------------------------------------------------------------------ formats
@pytest.mark.parametrize("text, expected", [
    ("30/06/2024", dt.date(2024, 6, 30)), ("2024-06-30", dt.date(2024, 6, 30)), ("1/2/2024", dt.date(2024, 2, 1)),
    (" 31/12/2025 ", dt.date(2025, 12, 31)), ("2024-6-3", dt.date(2024, 6, 3)),
])
def test_parse_date_both_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, message", [
    ("2024/06/30", "Date « 2024/06/30 » invalide : format JJ/MM/AAAA ou AAAA-MM-JJ attendu"),
    ("30-06-2024", "format JJ/MM/AAAA ou AAAA-MM-JJ attendu"),
    ("06/30/24", "format JJ/MM/AAAA ou AAAA-MM-JJ attendu"),
    ("juin 2024", "format JJ/MM/AAAA ou AAAA-MM-JJ attendu"),
    ("31/02/2024", "Date « 31/02/2024 » invalide : ce jour n'existe pas"),
    ("2024-13-01", "ce jour n'existe pas"),
])
def test_parse_date_refused_in_french(text, message):
    with pytest.raises(InputError, match=message):
        parse_date(text)


def test_french_display():
    assert french_date(dt.date(2025, 12, 31)) == "31/12/2025" and french_date("2022-06-30") == "30/06/2022"
    assert french_date(None) == "—" and blank(None) == "—" and blank("  ") == "—" and blank(3) == "3"
    assert blank(1234.5) == "1 234,5"
    assert percent(37.5) == "37,5\u00a0%" and percent(None) == "—" and percent(2975.0) == "2 975\u00a0%"
    # stored UTC → Paris time (UTC+1 in December, UTC+2 in July)
    assert french_timestamp("2026-12-01T20:15:00.123456+00:00") == "01/12/2026 21:15"
    assert french_timestamp("2025-07-14T08:00:00+00:00") == "14/07/2025 10:00"
    assert french_timestamp(None) == "—"


def test_vega_locale_is_french():
    assert VEGA_LOCALE["number"]["decimal"] == "," and VEGA_LOCALE["number"]["thousands"] == "\u00a0"
    assert VEGA_LOCALE["time"]["months"][6] == "juillet" and VEGA_LOCALE["time"]["shortDays"][4] == "jeu."
    assert len(VEGA_LOCALE["time"]["shortMonths"]) == 12 and len(VEGA_LOCALE["time"]["days"]) == 7


def test_form_date_typed_french_or_iso(tmp_path, strategy):
    repo = Repository(path=tmp_path / "s.sqlite")
    a = editing.record_measurement(repo, strategy, "ext1_societaires", "120", "31/12/2023", author="a", today=AFTER)
    b = editing.record_measurement(repo, strategy, "ext1_societaires", "121", "2024-01-31", author="a", today=AFTER)
    assert (a.entry.observed_on, b.entry.observed_on) == (dt.date(2023, 12, 31), dt.date(2024, 1, 31))


def test_import_accepts_both_date_forms_and_names_the_bad_line(tmp_path, strategy):
    repo = Repository(path=tmp_path / "s.sqlite")
    good = (HEADER + "ext1_societaires;mesure;120;30/06/2023;AG;\next1_societaires;mesure;125;2023-12-31;AG;\n").encode()
    assert report.import_csv(repo, strategy, good, author="a", today=AFTER, name="m.csv") == 2
    assert [e.observed_on for e in repo.entries()] == [dt.date(2023, 6, 30), dt.date(2023, 12, 31)]
    bad = (HEADER + "ext1_societaires;mesure;126;01/01/2024;AG;\next1_societaires;mesure;127;2024.01.02;AG;\n").encode()
    with pytest.raises(InputError) as err:
        report.import_csv(repo, strategy, bad, author="a", today=AFTER, name="m2.csv")
    assert str(err.value) == ("Import « m2.csv », ligne 3 : Date « 2024.01.02 » invalide : format JJ/MM/AAAA ou "
                              "AAAA-MM-JJ attendu (exemple : 31/12/2025). Aucune ligne n'a été importée.")
    assert len(repo.entries()) == 2


# ------------------------------------------------------------------ mode and tables
def test_mode_switches_the_day_after_the_deadline():
    assert board.mode(dt.date(2025, 12, 31)) == board.TRAJECTORY and board.mode(dt.date(2026, 1, 1)) == board.FINAL
    assert board.deadline_notice(dt.date(2025, 12, 31)) is None
    assert board.deadline_notice(AFTER).startswith("L'échéance de la stratégie (31/12/2025) est passée")
    assert board.default_measure_date(BEFORE) == BEFORE and board.default_measure_date(AFTER) == dt.date(2025, 12, 31)


def test_trajectory_rows_by_hand(strategy):
    # sociétaires: reference 110 at 30/06/2022 (document 002), target 150, 125 at 31/12/2023
    entries = [entry(1, "ext1_societaires", "cible", 150.0), entry(2, "ext1_societaires", "mesure", 125.0, dt.date(2023, 12, 31))]
    frame = board.board_frame(strategy, entries, BEFORE)
    assert frame.columns[3:] == list(board.TRAJECTORY_COLUMNS) and frame.height == 26
    r = row(frame, "ext1_societaires")
    assert r["Statut"] == "à surveiller" and r["Dernière valeur"] == "125 sociétaires" and r["Date"] == "31/12/2023"
    assert r["Avancement"] == "37,5\u00a0%" and r["Attendu"] == "42,9\u00a0%"  # 15/40 and 549/1280
    assert r["Référence"] == "110 sociétaires" and r["Date réf."] == "30/06/2022" and r["Cible 2025"] == "150 sociétaires"
    empty = row(frame, "ext1_enquete_notoriete")  # no reference, no entry: dashes, never None
    assert set(empty.values()) - {"Externe", "ext1", "ext1_enquete_notoriete", empty["Indicateur"]} == {"—", "sans cible"}
    assert board.status_counts(frame, board.TRAJECTORY) == {"en bonne voie": 0, "à surveiller": 1, "en retard": 0,
                                                           "sans cible": 25, "sans donnée": 0}


def test_final_rows_by_hand(strategy):
    entries = [entry(1, "ext1_societaires", "cible", 150.0), entry(2, "ext1_societaires", "mesure", 1300.0, dt.date(2025, 6, 30)),
               entry(3, "ext1_participation_demarches", "cible", 400.0),
               entry(4, "ext1_participation_demarches", "mesure", 350.0, dt.date(2025, 12, 31)),
               entry(5, "ext1_participation_demarches", "mesure", 450.0, dt.date(2026, 1, 15)),
               entry(6, "ext1_interventions", "cible", 10.0)]
    frame = board.board_frame(strategy, entries, AFTER)
    assert frame.columns[3:] == list(board.FINAL_COLUMNS) and "Attendu" not in frame.columns
    soc = row(frame, "ext1_societaires")
    assert soc["Statut"] == "atteinte" and soc["Valeur finale"] == "1\u202f300 sociétaires"
    assert soc["Avancement"] == "2 975\u00a0%"  # (1300 − 110) / (150 − 110)
    part = row(frame, "ext1_participation_demarches")  # reference 300; 450 came after the deadline
    assert part["Statut"] == "non atteinte" and part["Valeur finale"] == "350 contributions"
    assert part["Date"] == "31/12/2025" and part["Avancement"] == "50\u00a0%"
    assert row(frame, "ext1_interventions")["Statut"] == "sans donnée"
    assert board.status_counts(frame, board.FINAL) == {"atteinte": 1, "non atteinte": 1, "sans cible": 23,
                                                      "sans donnée": 1}
    # the « en retard » filter of the final assessment keeps the target not reached, and only it
    late = board.filter_statuses(frame, [board.LATE_STATUS[board.FINAL]])
    assert late["indicateur"].to_list() == ["ext1_participation_demarches"]
    assert board.filter_statuses(frame, []).height == 26 and board.filter_statuses(frame, None).height == 26
    both = board.filter_statuses(frame, ["atteinte", "sans donnée"])
    assert both["indicateur"].to_list() == ["ext1_societaires", "ext1_interventions"]


def test_trajectory_late_filter(strategy):
    entries = [entry(1, "ext1_societaires", "cible", 150.0), entry(2, "ext1_societaires", "mesure", 123.0, dt.date(2023, 12, 31)),
               entry(3, "ext1_interventions", "cible", 10.0)]
    frame = board.board_frame(strategy, entries, BEFORE)
    assert board.LATE_STATUS[board.TRAJECTORY] == "en retard"
    assert board.filter_statuses(frame, ["en retard"])["indicateur"].to_list() == ["ext1_societaires"]


def test_status_colours_and_badges():
    assert board.status_badge("en retard") == ":red-badge[en retard]"
    assert board.status_badge("non atteinte") == ":red-badge[non atteinte]"
    assert board.status_badge("atteinte") == ":green-badge[atteinte]"
    assert board.status_badge("en bonne voie") == ":green-badge[en bonne voie]"
    assert board.status_badge("à surveiller") == ":orange-badge[à surveiller]"
    assert board.status_badge("sans cible") == ":gray-badge[sans cible]"
    assert set(board.STATUS_COLOURS) == set(board.statuses(board.FINAL)) | set(board.statuses(board.TRAJECTORY))


def test_table_cells_escaped_status_second(strategy):
    frame = board.board_frame(strategy, [], AFTER)
    cells = board.table_cells(frame, "ext1", board.FINAL)
    assert list(cells[0]) == list(board.FINAL_COLUMNS) and list(cells[0])[1] == "Statut"
    assert [c["Indicateur"] for c in cells][2] == "Nombre de sociétaires"
    assert cells[0]["Indicateur"] == "Participation aux démarches lancées \\(ex\\. contributions à l\\'Observatoire\\)"
    assert cells[0]["Date réf."] == "30\\/06\\/2022"
    assert len(cells) == 4 and board.table_cells(frame, "nope", board.FINAL) == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_table_cells_never_draw_links_images_or_html(strategy, payload):
    import polars as pl

    frame = board.board_frame(strategy, [], AFTER).with_columns(pl.lit(payload).alias("Indicateur"),
                                                                pl.lit(payload).alias("Cible 2025"))
    for cell in board.table_cells(frame, "ext1", board.FINAL):
        for text in cell.values():
            assert active_content(text) == []


# ------------------------------------------------------------------ chart
def _layers(spec):
    return [(layer["mark"]["type"], layer["mark"].get("color")) for layer in spec["layer"]]


def test_chart_before_the_deadline_draws_the_trajectory(strategy):
    ind = strategy.indicator("ext1_societaires")
    entries = [entry(1, "ext1_societaires", "cible", 150.0), entry(2, "ext1_societaires", "mesure", 1200.0, dt.date(2023, 12, 31))]
    spec = board.chart_spec(ind, entries, BEFORE)
    assert _layers(spec) == [("line", None), ("rule", "red"), ("line", "gray")]
    assert spec["layer"][2]["data"]["values"] == [{"date": "2022-06-30", "valeur": 110.0},
                                                   {"date": "2025-12-31", "valeur": 150.0}]
    assert spec["config"]["locale"] == VEGA_LOCALE
    points = spec["layer"][0]["data"]["values"]
    assert [p["date"] for p in points] == ["2016-12-31", "2017-12-31", "2019-12-31", "2020-12-31", "2022-06-30", "2023-12-31"]
    assert points[-1] == {"date": "2023-12-31", "valeur": 1200.0, "origine": "saisie"}
    enc = spec["layer"][0]["encoding"]
    assert enc["x"]["axis"]["format"] == "%b %Y" and enc["y"]["axis"]["format"] == ",~f"
    assert enc["tooltip"][0]["format"] == "%d/%m/%Y"


def test_chart_after_the_deadline_has_no_trajectory(strategy):
    ind = strategy.indicator("ext1_societaires")
    entries = [entry(1, "ext1_societaires", "cible", 150.0)]
    spec = board.chart_spec(ind, entries, AFTER)
    assert _layers(spec) == [("line", None), ("rule", "red"), ("rule", "gray")]
    assert spec["layer"][2]["data"]["values"] == [{"date": "2025-12-31"}]
    assert board.chart_spec(strategy.indicator("ext1_enquete_notoriete"), [], AFTER) is None


def test_journal_table_french_and_no_none(strategy):
    entries = [entry(1, "ext1_societaires", "mesure", 125.0, dt.date(2023, 12, 31)),
               entry(2, "ext1_societaires", "mesure", 126.0, dt.date(2023, 12, 31), supersedes=1)]
    table = board.journal_table(report.journal_frame(strategy, entries, "ext1_societaires"))
    assert table.columns == list(board.JOURNAL_COLUMNS.values())
    last = table.row(-1, named=True)
    assert last["N°"] == "2" and last["Corrige"] == "n° 1" and last["Remplacée par"] == "—"
    assert last["Date"] == "31/12/2023" and last["Enregistrée le"] == "01/12/2026 21:15"
    assert table.row(-2, named=True)["Remplacée par"] == "n° 2"
    assert table.row(0, named=True)["N°"] == "—" and table.row(0, named=True)["Date"] == "31/12/2016"
    assert all(v is not None and v != "None" for r in table.iter_rows() for v in r)


# ------------------------------------------------------------------ printable summaries
def test_summaries_after_the_deadline_give_the_final_assessment(strategy):
    import io

    import openpyxl

    entries = [entry(1, "ext1_societaires", "cible", 150.0), entry(2, "ext1_societaires", "mesure", 125.0, dt.date(2023, 12, 31)),
               entry(3, "ext1_societaires", "mesure", 155.0, dt.date(2026, 3, 1))]
    md = report.summary_markdown(strategy, entries, AFTER)
    assert md.startswith("# Stratégie Mednum 2025 — bilan final au 31/12/2025 (édité le 01/12/2026)")
    assert "**atteinte** : 0 · **non atteinte** : 1 · **sans cible** : 25 · **sans donnée** : 0" in md
    assert "| Indicateur | Référence | Valeur finale | Cible 2025 | Avancement | Bilan |" in md
    assert "| Nombre de sociétaires | 110 sociétaires | 125 sociétaires | 150 sociétaires | 37,5 % | non atteinte |" in md
    page = report.summary_html(strategy, entries, AFTER)
    assert "<td>125 sociétaires</td><td>150 sociétaires</td><td>37,5 %</td><td>non atteinte</td>" in page
    assert "Bilan au 31/12/2025" in page
    # before the deadline the same entries are a progress report (155 on 01/03/2026 does not exist yet)
    before = report.summary_markdown(strategy, entries[:2], BEFORE)
    assert before.startswith("# Stratégie Mednum 2025 — point d'étape du 01/06/2024")
    assert "| 37,5 % | à surveiller |" in before
    book = openpyxl.load_workbook(io.BytesIO(report.to_xlsx(strategy, entries, AFTER)))
    meta = {r[0]: r[1] for r in book["Métadonnées"].iter_rows(values_only=True)}
    assert meta["Bilan « non atteinte »"] == "1" and meta["Règle de statut"].startswith("Bilan au 31/12/2025")
