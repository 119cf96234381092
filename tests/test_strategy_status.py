"""Status rule, pinned with hand-computed values (see docs/strategie.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from ifn.strategy.content import Baseline, Indicator
from ifn.strategy.status import (
    AT_RISK,
    LATE,
    NO_DATA,
    NO_TARGET,
    ON_TRACK,
    assess,
    expected_share,
    format_number,
    target_warning,
)
from ifn.strategy.storage import Entry

T0 = dt.date(2022, 6, 30)


def indicator(kind="quantitatif", direction="hausse", base=110.0, date=T0) -> Indicator:
    refs = (Baseline(base, date, "002", "s"),) if base is not None else ()
    return Indicator("i", "Indicateur", kind, "u", direction, "o", "Externe", refs, "" if refs else "aucune")


def entry(n, kind, value=None, date=None, boolean=None, supersedes=None) -> Entry:
    return Entry(n, "i", kind, value, boolean, None, date, "", "", "alice", f"t{n}", supersedes)


def test_expected_share_by_hand():
    # 2022-06-30 → 2025-12-31: 365 + 366 + 365 + 184 = 1280 days; → 2023-12-31: 365 + 184 = 549 days
    assert expected_share(T0, dt.date(2023, 12, 31)) == 549 / 1280
    assert expected_share(T0, T0) == 0.0
    assert expected_share(T0, dt.date(2026, 6, 1)) == 1.0
    assert expected_share(T0, dt.date(2020, 1, 1)) == 0.0


@pytest.mark.parametrize("value, status, progress", [
    (127.5, ON_TRACK, 17.5 / 40),      # 0.4375 ≥ 0.42890625
    (125.0, AT_RISK, 15 / 40),         # 0.375 ≥ 0.8 × 0.42890625 = 0.343125
    (123.0, LATE, 13 / 40),            # 0.325 < 0.343125
])
def test_quantitative_higher_is_better(value, status, progress):
    entries = [entry(1, "cible", 150.0), entry(2, "mesure", value, dt.date(2023, 12, 31))]
    a = assess(indicator(), entries)
    assert a.status == status
    assert a.progress == pytest.approx(progress)
    assert a.expected_share == 549 / 1280
    assert a.expected_value == pytest.approx(110 + 40 * 549 / 1280)  # 127.15625


def test_lower_is_better():
    # baseline 20 %, target 10 % (lower is better), measured exactly half way (640 of 1280 days)
    ind = indicator(direction="baisse", base=20.0)
    t = T0 + dt.timedelta(days=640)  # exactly half way: share 0.5, expected value 15
    assert assess(ind, [entry(1, "cible", 10.0), entry(2, "mesure", 15.0, t)]).status == ON_TRACK
    assert assess(ind, [entry(1, "cible", 10.0), entry(2, "mesure", 16.0, t)]).status == AT_RISK   # p=0.4 ≥ 0.4
    assert assess(ind, [entry(1, "cible", 10.0), entry(2, "mesure", 17.0, t)]).status == LATE      # p=0.3
    assert assess(ind, [entry(1, "cible", 10.0), entry(2, "mesure", 22.0, t)]).progress == pytest.approx(-0.2)


def test_no_target_no_data_and_latest_target_wins():
    ind = indicator()
    assert assess(ind, []).status == NO_TARGET
    assert assess(ind, [entry(1, "cible", 150.0)]).status == NO_DATA  # only the baseline
    assert assess(indicator(base=None), [entry(1, "cible", 150.0)]).status == NO_DATA
    a = assess(ind, [entry(1, "cible", 200.0), entry(2, "cible", 150.0), entry(3, "mesure", 127.5, dt.date(2023, 12, 31))])
    assert a.target == 150.0 and a.status == ON_TRACK


def test_correction_supersedes_measurement():
    entries = [entry(1, "cible", 150.0), entry(2, "mesure", 150.0, dt.date(2023, 12, 31)),
               entry(3, "mesure", 123.0, dt.date(2023, 12, 31), supersedes=2)]
    a = assess(indicator(), entries)
    assert a.latest.value == 123.0 and a.status == LATE


def test_first_measurement_is_baseline_when_documents_have_none():
    ind = indicator(base=None)
    entries = [entry(1, "mesure", 10.0, dt.date(2023, 1, 1)), entry(2, "cible", 30.0),
               entry(3, "mesure", 20.0, dt.date(2024, 6, 30))]
    a = assess(ind, entries)
    # t0 = 2023-01-01; T − t0 = 1095 days; t − t0 = 546 days → share 0.4986…; progress 10/20 = 0.5 → on track
    assert a.baseline.value == 10.0 and a.expected_share == 546 / 1095
    assert a.progress == 0.5 and a.status == ON_TRACK


def test_target_equal_to_baseline():
    assert assess(indicator(), [entry(1, "cible", 110.0), entry(2, "mesure", 111.0, dt.date(2023, 1, 1))]).status == ON_TRACK
    assert assess(indicator(), [entry(1, "cible", 110.0), entry(2, "mesure", 109.0, dt.date(2023, 1, 1))]).status == LATE


def test_qualitative_target_reached_or_not():
    ind = indicator(kind="qualitatif", base=None)
    ind = Indicator("i", "q", "qualitatif", "", "hausse", "o", "Interne", (Baseline(False, T0, "002", "s"),))
    yes = [entry(1, "cible", boolean=True), entry(2, "mesure", None, dt.date(2024, 1, 1), boolean=True)]
    no_before = [entry(1, "cible", boolean=True), entry(2, "mesure", None, dt.date(2024, 1, 1), boolean=False)]
    no_after = [entry(1, "cible", boolean=True), entry(2, "mesure", None, dt.date(2025, 12, 31), boolean=False)]
    assert assess(ind, yes).status == ON_TRACK
    assert assess(ind, no_before).status == AT_RISK
    assert assess(ind, no_after).status == LATE


def test_wrong_side_target_warning():
    base = assess(indicator(), []).baseline
    assert "mauvais côté de la référence 110" in target_warning(indicator(), 100.0, base)
    assert target_warning(indicator(), 150.0, base) is None
    low = indicator(direction="baisse", base=20.0)
    assert target_warning(low, 25.0, assess(low, []).baseline) is not None
    assert target_warning(low, 10.0, assess(low, []).baseline) is None


def test_format_number():
    assert format_number(1234.5) == "1 234,5" and format_number(110.0) == "110" and format_number(None) == "—"


# ------------------------------------------------------------------ final assessment (deadline passed)
from ifn.strategy.status import NOT_REACHED, REACHED, final_assessment, is_over  # noqa: E402

DEADLINE = dt.date(2025, 12, 31)


def test_is_over_from_the_day_after_the_deadline():
    assert not is_over(DEADLINE) and not is_over(dt.date(2024, 1, 1))
    assert is_over(dt.date(2026, 1, 1)) and is_over(dt.date(2026, 12, 1))


@pytest.mark.parametrize("value, outcome, progress", [
    (150.0, REACHED, 1.0),          # exactly the target
    (160.0, REACHED, 50 / 40),      # beyond it
    (149.0, NOT_REACHED, 39 / 40),  # just below
])
def test_final_higher_is_better(value, outcome, progress):
    entries = [entry(1, "cible", 150.0), entry(2, "mesure", value, DEADLINE)]
    f = final_assessment(indicator(), entries)
    assert f.outcome == outcome and f.progress == pytest.approx(progress)
    assert f.final.value == value and f.after is None and f.target == 150.0


def test_final_ignores_measurements_after_the_deadline():
    # 140 at 30/06/2025 counts; 155 at 01/01/2026 comes one day late: kept apart, target not reached
    entries = [entry(1, "cible", 150.0), entry(2, "mesure", 140.0, dt.date(2025, 6, 30)),
               entry(3, "mesure", 155.0, dt.date(2026, 1, 1))]
    f = final_assessment(indicator(), entries)
    assert f.outcome == NOT_REACHED and f.final.value == 140.0 and f.final.date == dt.date(2025, 6, 30)
    assert f.after.value == 155.0 and f.progress == pytest.approx(30 / 40)
    # the trajectory rule would have counted the late value
    assert assess(indicator(), entries).latest.value == 155.0


def test_final_lower_is_better_and_correction():
    ind = indicator(direction="baisse", base=20.0)
    entries = [entry(1, "cible", 10.0), entry(2, "mesure", 9.0, dt.date(2025, 3, 1)),
               entry(3, "mesure", 12.0, dt.date(2025, 3, 1), supersedes=2)]
    f = final_assessment(ind, entries)
    assert f.outcome == NOT_REACHED and f.final.value == 12.0 and f.progress == pytest.approx(0.8)
    assert final_assessment(ind, entries[:2]).outcome == REACHED


def test_final_without_target_or_data():
    assert final_assessment(indicator(), [entry(1, "mesure", 160.0, DEADLINE)]).outcome == NO_TARGET
    assert final_assessment(indicator(), [entry(1, "cible", 150.0)]).outcome == NO_DATA  # baseline only
    only_late = [entry(1, "cible", 150.0), entry(2, "mesure", 160.0, dt.date(2026, 2, 1))]
    f = final_assessment(indicator(), only_late)
    assert f.outcome == NO_DATA and f.final is None and f.after.value == 160.0


def test_final_target_equal_to_baseline_has_no_progress():
    f = final_assessment(indicator(), [entry(1, "cible", 110.0), entry(2, "mesure", 110.0, dt.date(2024, 1, 1))])
    assert f.outcome == REACHED and f.progress is None


def test_final_yes_no():
    ind = Indicator("i", "q", "qualitatif", "", "hausse", "o", "Interne", (Baseline(False, T0, "002", "s"),))
    yes = [entry(1, "cible", boolean=True), entry(2, "mesure", None, dt.date(2025, 11, 1), boolean=True)]
    no = [entry(1, "cible", boolean=True), entry(2, "mesure", None, dt.date(2025, 11, 1), boolean=False)]
    assert final_assessment(ind, yes).outcome == REACHED
    assert final_assessment(ind, no).outcome == NOT_REACHED
    # without a reference in the documents the first answer is the final one
    free = Indicator("i", "q", "qualitatif", "", "hausse", "o", "Interne", (), "aucune")
    assert final_assessment(free, yes).outcome == REACHED
