"""Opening hours (OpenStreetMap ``opening_hours`` syntax) written in French.

The expression is parsed and evaluated by ``opening-hours-py`` (the Python
binding of the ``opening-hours`` Rust crate, MIT / Apache-2.0): later rules
override earlier ones as the OSM specification says (« Mo-Fr 09:00-17:00;
Tu 14:00-17:00 » opens Tuesday at 14 h only). This module only writes the
result in French: the open intervals of a reference week, one day after the
other, consecutive days with the same hours grouped (« du lundi au vendredi :
9 h – 12 h et 14 h – 17 h »). When the hours change over the year (months,
weeks, holidays), the French week is followed by the expression as written.

A malformed expression (57 of the CNFS file, e.g. « Tu 09:00-12:00-14:00 ») is
shown as written, never raised.
"""

from __future__ import annotations

from datetime import datetime, timedelta

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# Monday 8 January 2024 (no French public holiday that week); the other weeks test seasonal rules.
REFERENCE_MONDAYS = (datetime(2024, 1, 8), datetime(2024, 4, 8), datetime(2024, 7, 8), datetime(2024, 10, 7))
NOT_GIVEN = "horaires non renseignés"
CLOSED = "fermé"


def _parse(text: str):
    import opening_hours

    try:
        return opening_hours.OpeningHours(text)
    except (opening_hours.ParserError, SyntaxError, ValueError, TypeError):
        return None
    except Exception:  # noqa: BLE001 - any other refusal of the library: the text is shown as written
        return None


def clock(moment: datetime, day_start: datetime) -> str:
    """« 9 h », « 13 h 30 », « 24 h » (end of the day)."""
    minutes = int((moment - day_start).total_seconds() // 60)
    h, m = divmod(minutes, 60)
    return f"{h} h" if m == 0 else f"{h} h {m:02d}"


def week(parsed, monday: datetime) -> tuple[tuple[str, ...], ...]:
    """Per day (Monday first), the open intervals as French text, with their comment (« sur rendez-vous »)."""
    from opening_hours import State

    days: list[list[str]] = [[] for _ in range(7)]
    end_of_week = monday + timedelta(days=7)
    for start, end, state, comment in parsed.intervals(monday, end_of_week):
        if state not in (State.OPEN, State.UNKNOWN):
            continue
        end = end or end_of_week
        for d in range(7):  # an interval over midnight is written on each day it touches
            d0, d1 = monday + timedelta(days=d), monday + timedelta(days=d + 1)
            a, b = max(start, d0), min(end, d1)
            if a >= b:
                continue
            text = f"{clock(a, d0)} – {clock(b, d0)}"
            notes = [n for n in (comment.strip() if comment else "",
                                 "horaires à confirmer" if state == State.UNKNOWN else "") if n]
            if notes:
                text += f" ({', '.join(notes)})"
            days[d].append(text)
    return tuple(tuple(d) for d in days)


def _day_span(first: int, last: int) -> str:
    if first == last:
        return DAYS[first]
    if last == first + 1:
        return f"{DAYS[first]} et {DAYS[last]}"
    return f"du {DAYS[first]} au {DAYS[last]}"


def week_text(days: tuple[tuple[str, ...], ...]) -> str:
    """« du lundi au vendredi : 9 h – 12 h et 14 h – 17 h ; samedi : 9 h – 12 h » (closed days left out)."""
    if all(d == ("0 h – 24 h",) for d in days):
        return "tous les jours, 24 h sur 24"
    parts, d = [], 0
    while d < 7:
        last = d
        while last + 1 < 7 and days[last + 1] == days[d]:
            last += 1
        if days[d]:
            label = "tous les jours" if (d, last) == (0, 6) else _day_span(d, last)
            parts.append(f"{label} : {' et '.join(days[d])}")
        d = last + 1
    return " ; ".join(parts) if parts else CLOSED


def french_hours(text: str | None) -> str:
    """The opening hours of ``text`` in French; the text itself when the library cannot read it."""
    if text is None or not str(text).strip():
        return NOT_GIVEN
    raw = str(text).strip()
    parsed = _parse(raw)
    if parsed is None:
        return raw
    try:
        weeks = [week(parsed, monday) for monday in REFERENCE_MONDAYS]
    except Exception:  # noqa: BLE001 - evaluation refused (e.g. sun times without coordinates)
        return raw
    out = week_text(weeks[0])
    if any(w != weeks[0] for w in weeks[1:]):
        out = f"semaine de janvier : {out} (horaires variables selon la période : « {raw} »)"
    return out


def is_readable(text: str | None) -> bool:
    """Whether the library reads ``text`` (False for an empty or malformed expression)."""
    return bool(text and str(text).strip()) and _parse(str(text).strip()) is not None
