"""Status of an indicator against its 2025 target (linear trajectory).

Rule (documented in docs/strategie.md, pinned by hand-computed tests):

* baseline ``b`` at date ``t0``: the latest reference of the seed documents, or, when
  the documents have none, the earliest recorded measurement;
* latest value ``v`` at date ``t``: the recorded measurement with the latest date
  (superseded entries ignored), later than ``t0``;
* target ``c``: the latest target entry (superseded entries ignored);
* expected share ``e = clamp((t − t0) / (T − t0), 0, 1)`` with ``T = 2025-12-31``;
  expected value ``b + (c − b)·e``;
* progress ``p = (v − b) / (c − b)`` (the sign handles « plus bas = mieux »);
* status: ``sans cible`` when no target; ``sans donnée`` when no baseline or no
  measurement after it; otherwise ``en bonne voie`` if ``p ≥ e``, ``à surveiller`` if
  ``p ≥ 0,8·e``, ``en retard`` below. When ``c = b`` : ``en bonne voie`` if ``v`` is at
  least as good as ``c`` in the indicator's direction, ``en retard`` otherwise.
* qualitative (oui / non) indicators: ``en bonne voie`` when the latest answer equals the
  target, ``à surveiller`` when it does not and ``t`` is before ``T``, ``en retard`` after; without
  a reference in the documents, the first recorded answer already counts as the latest one.

Once the deadline has passed (``is_over``) the trajectory gives way to the final assessment
(``final_assessment``): the final value is the latest measurement dated on or before ``T``
(later ones are kept apart, for information); the target is ``atteinte`` when that value is at
least as good as ``c`` in the indicator's direction (the same answer for oui / non indicators),
``non atteinte`` otherwise; ``sans cible`` / ``sans donnée`` as above.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ifn.strategy.content import DEADLINE, Indicator
from ifn.strategy.storage import Entry

ON_TRACK = "en bonne voie"
AT_RISK = "à surveiller"
LATE = "en retard"
NO_TARGET = "sans cible"
NO_DATA = "sans donnée"
STATUSES = (ON_TRACK, AT_RISK, LATE, NO_TARGET, NO_DATA)
REACHED = "atteinte"
NOT_REACHED = "non atteinte"
OUTCOMES = (REACHED, NOT_REACHED, NO_TARGET, NO_DATA)
TOLERANCE = 0.8


@dataclass(frozen=True)
class Point:
    """A value at a date, with where it comes from."""

    value: float | bool | None
    date: dt.date
    origin: str  # "document" or "saisie"
    entry_id: int | None = None


@dataclass(frozen=True)
class Assessment:
    indicator_id: str
    baseline: Point | None
    latest: Point | None
    target: float | bool | None
    expected_share: float | None
    expected_value: float | None
    progress: float | None
    status: str


def effective(entries: list[Entry]) -> list[Entry]:
    """Entries not superseded by a later correction (creation order kept)."""
    replaced = {e.supersedes for e in entries if e.supersedes is not None}
    return [e for e in entries if e.id not in replaced]


def entry_value(indicator: Indicator, entry: Entry):
    return entry.value_num if indicator.quantitative else entry.value_bool


def current_target(indicator: Indicator, entries: list[Entry]):
    """The value of the latest effective target entry, or None."""
    targets = [e for e in effective(entries) if e.kind == "cible" and e.indicator_id == indicator.id]
    return entry_value(indicator, targets[-1]) if targets else None


def measurements(indicator: Indicator, entries: list[Entry]) -> list[Point]:
    """Effective measurements with a value, sorted by date then entry order."""
    points = [Point(entry_value(indicator, e), e.observed_on, "saisie", e.id)
              for e in effective(entries)
              if e.kind == "mesure" and e.indicator_id == indicator.id and e.observed_on is not None
              and entry_value(indicator, e) is not None]
    return sorted(points, key=lambda p: (p.date, p.entry_id))


def baseline_point(indicator: Indicator, entries: list[Entry]) -> Point | None:
    ref = indicator.baseline
    if ref is not None:
        return Point(ref.value, ref.date, "document")
    points = measurements(indicator, entries)
    return points[0] if points else None


def expected_share(t0: dt.date, t: dt.date, deadline: dt.date = DEADLINE) -> float:
    """Share of the way from ``t0`` to ``deadline`` elapsed at ``t``, clamped to [0, 1]."""
    span = (deadline - t0).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (t - t0).days / span))


def _better_or_equal(direction: str, value: float, target: float) -> bool:
    return value >= target if direction == "hausse" else value <= target


def _after_baseline(indicator: Indicator, entries: list[Entry], base: Point | None) -> list[Point]:
    """Measurements that count against the baseline (all of them for a yes/no indicator without reference)."""
    if not indicator.quantitative and base is not None and base.origin == "saisie":
        return measurements(indicator, entries)  # a yes/no answer is its own status: no trajectory needed
    return [p for p in measurements(indicator, entries)
            if base is not None and (p.date > base.date or (base.origin == "saisie" and p.entry_id != base.entry_id
                                                             and p.date >= base.date))]


def assess(indicator: Indicator, entries: list[Entry], deadline: dt.date = DEADLINE) -> Assessment:
    """Apply the status rule to one indicator."""
    base = baseline_point(indicator, entries)
    target = current_target(indicator, entries)
    later = _after_baseline(indicator, entries, base)
    latest = later[-1] if later else None
    shown = latest or base
    if target is None:
        return Assessment(indicator.id, base, shown, None, None, None, None, NO_TARGET)
    if base is None or latest is None:
        return Assessment(indicator.id, base, shown, target, None, None, None, NO_DATA)
    share = expected_share(base.date, latest.date, deadline)
    if not indicator.quantitative:
        if latest.value == target:
            status = ON_TRACK
        else:
            status = AT_RISK if latest.date < deadline else LATE
        return Assessment(indicator.id, base, latest, target, share, None, None, status)
    b, v, c = float(base.value), float(latest.value), float(target)
    expected = b + (c - b) * share
    if c == b:
        status = ON_TRACK if _better_or_equal(indicator.direction, v, c) else LATE
        return Assessment(indicator.id, base, latest, target, share, expected, None, status)
    progress = (v - b) / (c - b)
    if progress >= share:
        status = ON_TRACK
    elif progress >= TOLERANCE * share:
        status = AT_RISK
    else:
        status = LATE
    return Assessment(indicator.id, base, latest, target, share, expected, progress, status)


def is_over(today: dt.date, deadline: dt.date = DEADLINE) -> bool:
    """Whether the strategy's deadline has passed on ``today`` (the deadline day itself still counts)."""
    return today > deadline


@dataclass(frozen=True)
class FinalAssessment:
    """Outcome of one indicator at the deadline."""

    indicator_id: str
    baseline: Point | None
    final: Point | None        # latest measurement dated on or before the deadline
    after: Point | None        # latest measurement dated after the deadline (not counted)
    target: float | bool | None
    progress: float | None     # share of the way from baseline to target covered by ``final``
    outcome: str               # REACHED, NOT_REACHED, NO_TARGET or NO_DATA


def final_assessment(indicator: Indicator, entries: list[Entry], deadline: dt.date = DEADLINE) -> FinalAssessment:
    """Reached or not reached at the deadline (see the module docstring)."""
    base = baseline_point(indicator, entries)
    target = current_target(indicator, entries)
    counted = _after_baseline(indicator, entries, base)
    on_time = [p for p in counted if p.date <= deadline]
    late = [p for p in measurements(indicator, entries) if p.date > deadline]
    final, after = (on_time[-1] if on_time else None), (late[-1] if late else None)
    progress = None
    if target is None:
        outcome = NO_TARGET
    elif base is None or final is None:
        outcome = NO_DATA
    elif not indicator.quantitative:
        outcome = REACHED if final.value == target else NOT_REACHED
    else:
        b, v, c = float(base.value), float(final.value), float(target)
        progress = None if c == b else (v - b) / (c - b)
        outcome = REACHED if _better_or_equal(indicator.direction, v, c) else NOT_REACHED
    return FinalAssessment(indicator.id, base, final, after, target, progress, outcome)


def target_warning(indicator: Indicator, target: float, baseline: Point | None) -> str | None:
    """French warning when a target lies on the wrong side of the baseline for the direction."""
    if not indicator.quantitative or baseline is None or baseline.value is None:
        return None
    b = float(baseline.value)
    if (indicator.direction == "hausse" and target < b) or (indicator.direction == "baisse" and target > b):
        sens = "plus haut = mieux" if indicator.direction == "hausse" else "plus bas = mieux"
        return (f"Attention : la cible {format_number(target)} est du mauvais côté de la référence "
                f"{format_number(b)} pour un indicateur « {sens} ». La cible est enregistrée quand même.")
    return None


def format_number(value: float | None) -> str:
    """French number: decimal comma, narrow spacing of thousands, no useless decimals."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",")
