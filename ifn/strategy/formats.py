"""French dates and numbers of the strategy page: display, parsing of typed dates, chart locale.

The page and the CSV import accept a date as ``JJ/MM/AAAA`` (the form's format) or ``AAAA-MM-JJ``
(ISO, spreadsheets' exports); anything else is refused in French. Dates are shown ``JJ/MM/AAAA``,
numbers with a decimal comma and a narrow no-break space between thousands, missing values as a dash.
The Vega-Lite ``config.locale`` below makes chart axes and tooltips French (« juil. 2024 », « 1 200 »).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from ifn.errors import InputError
from ifn.strategy.status import format_number

BLANK = "—"
PARIS = ZoneInfo("Europe/Paris")
DATE_HINT = "JJ/MM/AAAA ou AAAA-MM-JJ"
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str | dt.date) -> dt.date:
    """A date typed ``JJ/MM/AAAA`` (``J/M/AAAA`` too) or ``AAAA-MM-JJ``; French ``InputError`` otherwise.

    >>> parse_date("30/06/2024"), parse_date("2024-06-30")
    (datetime.date(2024, 6, 30), datetime.date(2024, 6, 30))
    """
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    raw = str(text).strip()
    french, iso = _FRENCH_DATE.fullmatch(raw), _ISO_DATE.fullmatch(raw)
    if french:
        day, month, year = (int(g) for g in french.groups())
    elif iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        raise InputError(f"Date « {raw} » invalide : format {DATE_HINT} attendu (exemple : 31/12/2025).")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InputError(f"Date « {raw} » invalide : ce jour n'existe pas dans le calendrier.") from None


def french_date(value: dt.date | str | None) -> str:
    """``JJ/MM/AAAA`` (an ISO string is read first); a dash when missing."""
    if value is None or value == "":
        return BLANK
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def french_timestamp(value: str | None) -> str:
    """A stored UTC timestamp (ISO) as Paris time ``JJ/MM/AAAA HH:MM``; a dash when missing."""
    if not value:
        return BLANK
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def percent(value: float | None) -> str:
    """A percentage already multiplied by 100: « 37,5 % »; a dash when missing."""
    if value is None:
        return BLANK
    return f"{format_number(value)}\u00a0%"


def blank(value: object) -> str:
    """Any cell as text: ``None`` and empty text become a dash (never « None »)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return BLANK
    if isinstance(value, float):
        return format_number(value)
    return str(value)


# d3-format / d3-time-format definitions of fr-FR (https://github.com/d3/d3-format/blob/main/locale/fr-FR.json,
# https://github.com/d3/d3-time-format/blob/main/locale/fr-FR.json), used by Vega-Lite's ``config.locale``.
VEGA_LOCALE = {
    "number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0€"],
               "percent": "\u202f%"},
    "time": {
        "dateTime": "%A %e %B %Y à %X", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                   "octobre", "novembre", "décembre"],
        "shortMonths": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                        "nov.", "déc."],
    },
}
CHART_DATE = "%d/%m/%Y"     # tooltips
AXIS_DATE = "%b %Y"         # axis labels: « juil. 2024 » with VEGA_LOCALE
AXIS_NUMBER = ",~f"         # « 1 200 », « 12,5 » with VEGA_LOCALE
