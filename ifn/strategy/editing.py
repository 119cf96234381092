"""Validated writes: record a measurement, set a target, correct an entry.

Every function takes the signed-in author (``None`` refused: no write path without
signing in) and appends one entry; nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ifn.errors import InputError
from ifn.strategy.content import EARLIEST, Indicator, Strategy
from ifn.strategy.formats import parse_date
from ifn.strategy.status import baseline_point, format_number, measurements, target_warning
from ifn.strategy.storage import Entry, Repository

YES = {"oui", "o", "yes", "vrai", "true", "1"}
MAX_TEXT = 5000       # characters of a comment, a source or a text (an xlsx cell holds 32,767)
MAX_MAGNITUDE = 1e12  # larger values make the progress computation meaningless (and 1e308 overflows)
JUMP = 10             # a value ten times above or below the previous one asks for confirmation
NO = {"non", "n", "no", "faux", "false", "0"}


class NotSignedIn(InputError):
    """A write was attempted without a signed-in editor."""


class NeedsConfirmation(InputError):
    """A value implausible against the history: recorded only once the editor confirms it."""


@dataclass(frozen=True)
class WriteResult:
    entry: Entry
    warning: str | None = None


def require_author(author: str | None) -> str:
    if not author or not str(author).strip():
        raise NotSignedIn("Connectez-vous avec un compte d'éditeur pour enregistrer une modification.")
    return str(author).strip()


def parse_number(text: str | float | int, indicator: Indicator) -> float:
    """Parse a French or English number (« 1 234,5 », « 1234.5 »); French error otherwise."""
    if isinstance(text, bool):
        raise InputError(f"Valeur « {text} » non numérique pour l'indicateur « {indicator.label} ».")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        cleaned = str(text).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        cleaned = cleaned.rstrip("%€").strip()
        try:
            value = float(cleaned)
        except ValueError:
            raise InputError(f"Valeur « {text} » non numérique pour l'indicateur « {indicator.label} » "
                             f"(exemple : 125 ou 12,5).") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(f"Valeur « {text} » invalide pour l'indicateur « {indicator.label} ».")
    if abs(value) > MAX_MAGNITUDE:
        raise InputError(f"Valeur « {text} » hors d'échelle pour l'indicateur « {indicator.label} » : "
                         f"au plus mille milliards en valeur absolue.")
    return value


def check_text(text: str | None, what: str) -> str:
    """A comment, source or text within ``MAX_TEXT`` characters (stripped)."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise InputError(f"{what} trop long : {len(text)} caractères, {MAX_TEXT} au plus.")
    return text


def implausibility(indicator: Indicator, value: float, previous: float | None) -> str | None:
    """Why ``value`` looks wrong against the previous value (negative count, tenfold jump), or None."""
    if not indicator.quantitative:
        return None
    if value < 0:
        return f"la valeur {format_number(value)} est négative"
    if previous is not None and previous > 0 and (value > JUMP * previous or value * JUMP < previous):
        return (f"la valeur {format_number(value)} est plus de {JUMP} fois {'plus grande' if value > previous else 'plus petite'} "
                f"que la précédente ({format_number(previous)})")
    return None


def parse_yes_no(text: str | bool, indicator: Indicator) -> bool:
    if isinstance(text, bool):
        return text
    word = str(text).strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise InputError(f"Réponse « {text} » invalide pour l'indicateur « {indicator.label} » : « oui » ou « non » attendu.")


def check_date(date: dt.date | str | None, today: dt.date | None = None) -> dt.date:
    """A measurement date (``JJ/MM/AAAA`` or ``AAAA-MM-JJ`` when typed) between 2016-01-01 and today."""
    today = today or dt.date.today()
    if date is None or (isinstance(date, str) and not date.strip()):
        raise InputError("Donnez la date de la mesure (JJ/MM/AAAA).")
    if isinstance(date, dt.datetime):
        date = date.date()
    if isinstance(date, str):
        date = parse_date(date)  # JJ/MM/AAAA or AAAA-MM-JJ, refused in French otherwise
    if date > today:
        raise InputError(f"La date {date.strftime('%d/%m/%Y')} est postérieure à aujourd'hui "
                         f"({today.strftime('%d/%m/%Y')}) : une mesure ne peut pas être future.")
    if date < EARLIEST:
        raise InputError(f"La date {date.strftime('%d/%m/%Y')} est antérieure à 2016, année de création de La Mednum.")
    return date


def _value_fields(indicator: Indicator, value) -> dict:
    if indicator.quantitative:
        return {"value_num": parse_number(value, indicator)}
    return {"value_bool": parse_yes_no(value, indicator)}


def record_measurement(repo: Repository, strategy: Strategy, indicator_id: str, value, date, *,
                       author: str | None, source: str = "", comment: str = "", text: str | None = None,
                       supersedes: int | None = None, today: dt.date | None = None,
                       confirmed: bool = False) -> WriteResult:
    """Append a measurement (or, with ``supersedes``, a correction of an earlier one).

    Everything is checked before anything is written. A value implausible against the latest
    measurement or the baseline (``implausibility``) raises ``NeedsConfirmation`` unless ``confirmed``.
    """
    author = require_author(author)
    indicator = strategy.indicator(indicator_id)
    fields = _value_fields(indicator, value)
    observed_on = check_date(date, today)
    source, comment = check_text(source, "Source"), check_text(comment, "Commentaire")
    text = check_text(text, "Texte") or None
    if indicator.quantitative and not confirmed:
        own = repo.entries(indicator.id)
        points = [p for p in measurements(indicator, own) if p.entry_id != supersedes]
        previous = points[-1] if points else baseline_point(indicator, own)
        reason = implausibility(indicator, fields["value_num"], None if previous is None else float(previous.value))
        if reason:
            raise NeedsConfirmation(f"Valeur inhabituelle pour « {indicator.label} » : {reason}. Vérifiez-la, puis "
                                    "cochez « Je confirme cette valeur » et enregistrez de nouveau.")
    entry = repo.append(indicator.id, "mesure", author=author, observed_on=observed_on, source=source,
                        comment=comment, value_text=text, supersedes=supersedes, **fields)
    return WriteResult(entry)


def set_target(repo: Repository, strategy: Strategy, indicator_id: str, value, *, author: str | None,
               comment: str = "", supersedes: int | None = None) -> WriteResult:
    """Append a 2025 target; a target on the wrong side of the baseline is kept with a warning."""
    author = require_author(author)
    indicator = strategy.indicator(indicator_id)
    fields = _value_fields(indicator, value)
    comment = check_text(comment, "Commentaire")
    warning = None
    if indicator.quantitative:
        warning = target_warning(indicator, fields["value_num"], baseline_point(indicator, repo.entries(indicator.id)))
    entry = repo.append(indicator.id, "cible", author=author, comment=comment, supersedes=supersedes,
                        source="CA", **fields)
    return WriteResult(entry, warning)


NO_CORRECTION = "—"


def correction_choices(entries: list[Entry], indicator: Indicator) -> dict[str, int | None]:
    """« Corrige l'entrée » choices of ``indicator``: label → id of the measurement it corrects.

    ``NO_CORRECTION`` (first) maps to None; then one label per measurement entry of the indicator,
    « n° <id> (<value>, <date>) ». The page looks the chosen label up here: an id is never parsed back
    out of a label.
    """
    from ifn.strategy.report import show_value

    choices: dict[str, int | None] = {NO_CORRECTION: None}
    for e in entries:
        if e.indicator_id != indicator.id or e.kind != "mesure":
            continue
        value = e.value_num if indicator.quantitative else e.value_bool
        choices[f"n° {e.id} ({show_value(value, indicator.quantitative, indicator.unit)}, {e.observed_on})"] = e.id
    return choices
