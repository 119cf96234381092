"""Strategy 2025 content as data: ``data/strategie2025.toml`` loaded and validated.

Objectives and indicators are fixed by the board's working groups; baselines come
from the seed documents (value, date, document, section). Targets are not here:
they are entries of the storage.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ifn.config import PROJECT_ROOT
from ifn.errors import DataError

CONTENT_PATH = PROJECT_ROOT / "data" / "strategie2025.toml"
GROUPS = ("Externe", "Interne", "Ensemble")
KINDS = ("quantitatif", "qualitatif")
DIRECTIONS = ("hausse", "baisse")
DEADLINE = dt.date(2025, 12, 31)
EARLIEST = dt.date(2016, 1, 1)


@dataclass(frozen=True)
class Baseline:
    """A figure found in a seed document."""

    value: float | bool
    date: dt.date
    document: str
    section: str
    comment: str = ""


@dataclass(frozen=True)
class Indicator:
    """One indicator of an objective."""

    id: str
    label: str
    kind: str
    unit: str
    direction: str
    objective_id: str
    group: str
    references: tuple[Baseline, ...] = ()
    no_reference: str = ""

    @property
    def baseline(self) -> Baseline | None:
        """The latest reference figure (the starting point of the trajectory)."""
        return max(self.references, key=lambda r: r.date) if self.references else None

    @property
    def quantitative(self) -> bool:
        return self.kind == "quantitatif"


@dataclass(frozen=True)
class Objective:
    id: str
    group: str
    title: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Strategy:
    objectives: tuple[Objective, ...]
    documents: dict[str, str]
    deadline: dt.date = DEADLINE

    @property
    def indicators(self) -> dict[str, Indicator]:
        return {i.id: i for o in self.objectives for i in o.indicators}

    def indicator(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            from ifn.errors import InputError

            raise InputError(f"Indicateur inconnu : « {indicator_id} ».") from None


def _require(path: Path, table: dict, key: str, where: str):
    if key not in table:
        raise DataError(path, f"clé « {key} » manquante dans {where}.")
    return table[key]


def _reference(path: Path, raw: dict, ind_id: str, kind: str, documents: dict) -> Baseline:
    where = f"une référence de l'indicateur « {ind_id} »"
    value = _require(path, raw, "valeur", where)
    date = _require(path, raw, "date", where)
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise DataError(path, f"date « {date} » invalide dans {where} (format AAAA-MM-JJ attendu).")
    if not EARLIEST <= date <= DEADLINE:
        raise DataError(path, f"date {date.isoformat()} hors de la période 2016-2025 dans {where}.")
    if kind == "qualitatif" and not isinstance(value, bool):
        raise DataError(path, f"valeur « {value} » non booléenne (true / false) dans {where}.")
    if kind == "quantitatif" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise DataError(path, f"valeur « {value} » non numérique dans {where}.")
    document = str(_require(path, raw, "document", where))
    if document not in documents:
        raise DataError(path, f"document « {document} » inconnu dans {where} (voir la table [documents]).")
    return Baseline(value if isinstance(value, bool) else float(value), date, document,
                    str(_require(path, raw, "section", where)), str(raw.get("commentaire", "")))


def parse_strategy(data: dict, path: Path = CONTENT_PATH) -> Strategy:
    """Validate the parsed TOML and build the strategy (French ``DataError`` on any problem)."""
    documents = {str(k): str(v) for k, v in data.get("documents", {}).items()}
    objectives, seen = [], set()
    for raw in _require(path, data, "objectif", "le fichier"):
        oid = str(_require(path, raw, "id", "un objectif"))
        group = _require(path, raw, "groupe", f"l'objectif « {oid} »")
        if group not in GROUPS:
            raise DataError(path, f"groupe « {group} » inconnu pour l'objectif « {oid} » ({', '.join(GROUPS)}).")
        indicators = []
        for ri in _require(path, raw, "indicateur", f"l'objectif « {oid} »"):
            iid = str(_require(path, ri, "id", f"un indicateur de « {oid} »"))
            if iid in seen:
                raise DataError(path, f"identifiant d'indicateur « {iid} » en double.")
            seen.add(iid)
            where = f"l'indicateur « {iid} »"
            kind = _require(path, ri, "type", where)
            if kind not in KINDS:
                raise DataError(path, f"type « {kind} » invalide pour {where} ({', '.join(KINDS)}).")
            direction = ri.get("sens", "hausse")
            if direction not in DIRECTIONS:
                raise DataError(path, f"sens « {direction} » invalide pour {where} ({', '.join(DIRECTIONS)}).")
            refs = tuple(_reference(path, r, iid, kind, documents) for r in ri.get("reference", []))
            no_ref = str(ri.get("sans_reference", ""))
            if not refs and not no_ref:
                raise DataError(path, f"{where} n'a ni référence ni « sans_reference » expliquant son absence.")
            indicators.append(Indicator(iid, str(_require(path, ri, "libelle", where)), kind,
                                        str(ri.get("unite", "")), direction, oid, group, refs, no_ref))
        objectives.append(Objective(oid, group, str(_require(path, raw, "titre", f"l'objectif « {oid} »")),
                                    tuple(indicators)))
    return Strategy(tuple(objectives), documents)


def load_strategy(path: Path | str = CONTENT_PATH) -> Strategy:
    """Load ``data/strategie2025.toml`` (or ``path``)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise DataError(path, "fichier introuvable.") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(path, f"TOML invalide ({exc}).") from exc
    return parse_strategy(data, path)
