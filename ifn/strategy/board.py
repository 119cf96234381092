"""What the board's page shows: the mode (trajectory or final assessment), the rows of the nine
objective tables, status colours, the status filter and the detail chart's Vega-Lite spec.

Everything here is pure: the page only lays the results out (``st.table``, ``st.pills``,
``st.vega_lite_chart``). Table cells are Markdown (``st.table`` renders its cells as Markdown): every
text is escaped with ``ifn.text.plain`` and the status is drawn as a coloured badge next to its word.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection

import polars as pl

from ifn.strategy.content import DEADLINE, Indicator, Strategy
from ifn.strategy.formats import (
    AXIS_DATE,
    AXIS_NUMBER,
    BLANK,
    CHART_DATE,
    VEGA_LOCALE,
    blank,
    french_date,
    french_timestamp,
    percent,
)
from ifn.strategy.status import (
    AT_RISK,
    LATE,
    NO_DATA,
    NO_TARGET,
    NOT_REACHED,
    ON_TRACK,
    OUTCOMES,
    REACHED,
    STATUSES,
    Assessment,
    FinalAssessment,
    assess,
    baseline_point,
    final_assessment,
    format_number,
    is_over,
    measurements,
)
from ifn.strategy.storage import Entry
from ifn.text import plain

TRAJECTORY = "trajectoire"
FINAL = "bilan"

# Colour of each status (Streamlit Markdown badge colours); the word always stays next to the colour.
STATUS_COLOURS = {ON_TRACK: "green", AT_RISK: "orange", LATE: "red", NO_TARGET: "gray", NO_DATA: "gray",
                  REACHED: "green", NOT_REACHED: "red"}
# What « en retard » means in each mode: behind the trajectory, then target not reached at the deadline.
LATE_STATUS = {TRAJECTORY: LATE, FINAL: NOT_REACHED}

TRAJECTORY_COLUMNS = ("Indicateur", "Statut", "Dernière valeur", "Date", "Cible 2025", "Avancement", "Attendu",
                      "Référence", "Date réf.")
FINAL_COLUMNS = ("Indicateur", "Statut", "Valeur finale", "Date", "Cible 2025", "Avancement", "Référence",
                 "Date réf.")
_DISPLAY = pl.String
# CSS of the objective tables (pandas Styler ``table_styles``): the indicator's label keeps a readable width
# on a phone (the table then scrolls sideways in its frame), and the status never wraps.
TABLE_STYLES = [{"selector": "th.col0, td.col0", "props": [("min-width", "11rem")]},
                {"selector": "td.col1", "props": [("white-space", "nowrap")]}]


def today() -> dt.date:
    """Today's date (one place, so that tests can set the page's calendar)."""
    return dt.date.today()


def mode(when: dt.date, deadline: dt.date = DEADLINE) -> str:
    """``FINAL`` once the deadline has passed, ``TRAJECTORY`` until then."""
    return FINAL if is_over(when, deadline) else TRAJECTORY


def default_measure_date(when: dt.date, deadline: dt.date = DEADLINE) -> dt.date:
    """Date first offered by the measurement form: today, or the deadline once it has passed (a final
    figure is usually recorded afterwards, and only measurements dated up to the deadline count).
    """
    return deadline if is_over(when, deadline) else when


def statuses(current: str) -> tuple[str, ...]:
    """The statuses a table can show in ``current`` mode, in display order."""
    return OUTCOMES if current == FINAL else STATUSES


def columns(current: str) -> tuple[str, ...]:
    return FINAL_COLUMNS if current == FINAL else TRAJECTORY_COLUMNS


def _value(value, indicator: Indicator) -> str:
    if value is None:
        return BLANK
    if not indicator.quantitative:
        return "oui" if value else "non"
    number = format_number(float(value)).replace(" ", "\u202f")  # a number never wraps inside a cell
    return f"{number} {indicator.unit}".strip()


def _by_indicator(entries: list[Entry]) -> dict[str, list[Entry]]:
    grouped: dict[str, list[Entry]] = {}
    for e in entries:
        grouped.setdefault(e.indicator_id, []).append(e)
    return grouped


def _pct(share: float | None) -> str:
    return BLANK if share is None else percent(round(100 * share, 1))


def _trajectory_row(ind: Indicator, a: Assessment) -> dict[str, str]:
    return {"Indicateur": ind.label, "Statut": a.status,
            "Dernière valeur": _value(a.latest.value if a.latest else None, ind),
            "Date": french_date(a.latest.date if a.latest else None),
            "Cible 2025": _value(a.target, ind), "Avancement": _pct(a.progress), "Attendu": _pct(a.expected_share),
            "Référence": _value(a.baseline.value if a.baseline else None, ind),
            "Date réf.": french_date(a.baseline.date if a.baseline else None)}


def _final_row(ind: Indicator, f: FinalAssessment) -> dict[str, str]:
    return {"Indicateur": ind.label, "Statut": f.outcome,
            "Valeur finale": _value(f.final.value if f.final else None, ind),
            "Date": french_date(f.final.date if f.final else None),
            "Cible 2025": _value(f.target, ind), "Avancement": _pct(f.progress),
            "Référence": _value(f.baseline.value if f.baseline else None, ind),
            "Date réf.": french_date(f.baseline.date if f.baseline else None)}


def board_frame(strategy: Strategy, entries: list[Entry], when: dt.date) -> pl.DataFrame:
    """One row per indicator: ``groupe``, ``objectif``, ``indicateur`` then the mode's display columns (text)."""
    current = mode(when, strategy.deadline)
    grouped = _by_indicator(entries)
    rows = []
    for obj in strategy.objectives:
        for ind in obj.indicators:
            own = grouped.get(ind.id, [])
            if current == FINAL:
                shown = _final_row(ind, final_assessment(ind, own, strategy.deadline))
            else:
                shown = _trajectory_row(ind, assess(ind, own, strategy.deadline))
            rows.append({"groupe": obj.group, "objectif": obj.id, "indicateur": ind.id, **shown})
    names = ("groupe", "objectif", "indicateur", *columns(current))
    return pl.DataFrame(rows, schema={n: _DISPLAY for n in names})


def filter_statuses(frame: pl.DataFrame, selected: Collection[str] | None) -> pl.DataFrame:
    """Rows whose status is one of ``selected``; every row when nothing is selected."""
    if not selected:
        return frame
    return frame.filter(pl.col("Statut").is_in(list(selected)))


def status_counts(frame: pl.DataFrame, current: str) -> dict[str, int]:
    """Number of indicators per status of ``current`` mode (zeros included)."""
    counts = Counter(frame["Statut"].to_list())
    return {s: counts.get(s, 0) for s in statuses(current)}


def status_badge(status: str) -> str:
    """The status word in a coloured Markdown badge (``:red-badge[en retard]``)."""
    return f":{STATUS_COLOURS.get(status, 'gray')}-badge[{plain(status)}]"


def table_cells(frame: pl.DataFrame, objective_id: str, current: str) -> list[dict[str, str]]:
    """Markdown cells of one objective's table: texts escaped, the status as a badge."""
    rows = frame.filter(pl.col("objectif") == objective_id).select(columns(current)).iter_rows(named=True)
    return [{k: status_badge(v) if k == "Statut" else plain(v) for k, v in row.items()} for row in rows]


def deadline_notice(when: dt.date, deadline: dt.date = DEADLINE) -> str | None:
    """French notice shown once the deadline has passed (None before)."""
    if not is_over(when, deadline):
        return None
    return (f"L'échéance de la stratégie ({french_date(deadline)}) est passée : la page présente le bilan final. "
            f"Pour chaque indicateur, la cible est « atteinte » ou « non atteinte » d'après la dernière mesure "
            f"datée au plus tard du {french_date(deadline)} ; les mesures postérieures sont données pour information "
            "et ne comptent pas dans le bilan.")


# ---------------------------------------------------------------- detail chart

def chart_points(indicator: Indicator, entries: list[Entry]) -> list[dict]:
    """The references of the documents and the recorded measurements, by date (ISO dates, float values)."""
    points = [{"date": r.date.isoformat(), "valeur": float(r.value), "origine": "document"}
              for r in indicator.references]
    points += [{"date": p.date.isoformat(), "valeur": float(p.value), "origine": "saisie"}
               for p in measurements(indicator, entries)]
    return sorted(points, key=lambda p: p["date"])


def chart_spec(indicator: Indicator, entries: list[Entry], when: dt.date, deadline: dt.date = DEADLINE) -> dict | None:
    """Vega-Lite spec of the detail chart (French locale and formats), None without any point.

    Before the deadline: points, target line and the linear trajectory from the baseline to the target.
    After it: points, target line and a vertical rule at the deadline, no trajectory.
    """
    points = chart_points(indicator, entries)
    if not points:
        return None
    title = (indicator.unit or "valeur") if indicator.quantitative else "réponse (1 = oui, 0 = non)"
    x = {"field": "date", "type": "temporal", "title": "Date", "axis": {"format": AXIS_DATE}}
    y = {"field": "valeur", "type": "quantitative", "title": title, "axis": {"format": AXIS_NUMBER}}
    tooltip = [{"field": "date", "type": "temporal", "title": "Date", "format": CHART_DATE},
               {"field": "valeur", "type": "quantitative", "title": "Valeur", "format": AXIS_NUMBER},
               {"field": "origine", "type": "nominal", "title": "Origine"}]
    layers = [{"data": {"values": points}, "mark": {"type": "line", "point": True},
               "encoding": {"x": x, "y": y, "tooltip": tooltip,
                            "color": {"field": "origine", "type": "nominal", "title": "Origine"}}}]
    own = [e for e in entries if e.indicator_id == indicator.id]
    target = assess(indicator, own, deadline).target
    if target is not None:
        layers.append({"data": {"values": [{"cible": float(target)}]},
                       "mark": {"type": "rule", "strokeDash": [6, 4], "color": "red"},
                       "encoding": {"y": {"field": "cible", "type": "quantitative"},
                                    "tooltip": [{"field": "cible", "type": "quantitative", "title": "Cible 2025",
                                                 "format": AXIS_NUMBER}]}})
    base = baseline_point(indicator, own)
    if is_over(when, deadline):
        layers.append({"data": {"values": [{"date": deadline.isoformat()}]},
                       "mark": {"type": "rule", "strokeDash": [2, 2], "color": "gray"},
                       "encoding": {"x": {"field": "date", "type": "temporal"},
                                    "tooltip": [{"field": "date", "type": "temporal", "title": "Échéance",
                                                 "format": CHART_DATE}]}})
    elif target is not None and base is not None and indicator.quantitative:
        line = [{"date": base.date.isoformat(), "valeur": float(base.value)},
                {"date": deadline.isoformat(), "valeur": float(target)}]
        layers.append({"data": {"values": line}, "mark": {"type": "line", "strokeDash": [2, 2], "color": "gray"},
                       "encoding": {"x": {"field": "date", "type": "temporal"},
                                    "y": {"field": "valeur", "type": "quantitative"}}})
    return {"layer": layers, "config": {"locale": VEGA_LOCALE}}


# ---------------------------------------------------------------- journal

JOURNAL_COLUMNS = {"n": "N°", "nature": "Nature", "valeur": "Valeur", "date": "Date", "auteur": "Auteur",
                   "source": "Source", "commentaire": "Commentaire", "texte": "Texte",
                   "enregistre_le": "Enregistrée le", "corrige": "Corrige", "remplace_par": "Remplacée par"}


def journal_table(journal: pl.DataFrame) -> pl.DataFrame:
    """``report.journal_frame`` for reading: French headers and dates, every cell text, a dash when empty.

    Shown with ``st.dataframe`` (plain text, not Markdown): nothing to escape.
    """
    rows = []
    for row in journal.iter_rows(named=True):
        rows.append({"N°": blank(row["n"]), "Nature": blank(row["nature"]), "Valeur": blank(row["valeur"]),
                     "Date": french_date(row["date"]), "Auteur": blank(row["auteur"]),
                     "Source": blank(row["source"]), "Commentaire": blank(row["commentaire"]),
                     "Texte": blank(row["texte"]), "Enregistrée le": french_timestamp(row["enregistre_le"]),
                     "Corrige": blank(row["corrige"] and f"n° {row['corrige']}"),
                     "Remplacée par": blank(row["remplace_par"] and f"n° {row['remplace_par']}")})
    return pl.DataFrame(rows, schema={name: pl.String for name in JOURNAL_COLUMNS.values()})
