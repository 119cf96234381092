"""The one registry of territorial levels.

Every module that needs to know how a level is keyed in the commune table, what
its parents are, or how to name it in French reads it here (aggregation,
scoring, map, card, search, shared links, pages).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    """One territorial level.

    Attributes
    ----------
    id : identifier used in code, URLs and files (``commune``, ``epci``…).
    key : column of the commune table holding the unit's code (None for France).
    name : column of the commune table holding the unit's name.
    parents : parent-code columns kept on each unit's row.
    label : French singular with a capital (« Commune »).
    plural : French plural (« Communes »), for menus and legends.
    noun : French singular in running text (« commune »).
    none : French « no such unit » (« Aucune commune »).
    """

    id: str
    key: str | None
    name: str | None
    parents: tuple[str, ...]
    label: str
    plural: str
    noun: str
    none: str


LEVELS: dict[str, Level] = {
    "commune": Level("commune", "code", "nom", ("dep", "reg", "epci"), "Commune", "Communes", "commune",
                     "Aucune commune"),
    "epci": Level("epci", "epci", "epci_nom", ("dep", "reg"), "EPCI", "EPCI", "EPCI", "Aucun EPCI"),
    "departement": Level("departement", "dep", "dep_nom", ("reg",), "Département", "Départements", "département",
                         "Aucun département"),
    "region": Level("region", "reg", "reg_nom", (), "Région", "Régions", "région", "Aucune région"),
    # Below the commune: its own table (``iris.parquet``, key ``code`` = IRIS code), metropolitan France only.
    "iris": Level("iris", "code", "nom", ("commune", "epci", "dep", "reg"), "IRIS", "IRIS", "IRIS", "Aucun IRIS"),
    "france": Level("france", None, None, (), "France", "France", "France", "Aucun territoire"),
}
SCORE_LEVELS: tuple[str, ...] = ("commune", "epci", "departement", "region")
MAP_LEVELS: tuple[str, ...] = ("region", "departement", "epci", "commune", "iris")
# The IRIS level is scored on its own table (``ifn.iris``) and drawn one area at a time, from these levels.
IRIS_LEVEL = "iris"
IRIS_AREAS: tuple[str, ...] = ("commune", "epci", "departement")
# Levels whose units can contain communes, with the commune-table column that says which.
AREA_COLUMNS: dict[str, str] = {"departement": "dep", "epci": "epci", "region": "reg"}


def level(id: str) -> Level:
    """The level ``id``; KeyError for an unknown one (callers validate user input first)."""
    return LEVELS[id]


def labels(kind: str = "label", ids: tuple[str, ...] = SCORE_LEVELS) -> dict[str, str]:
    """``{level id: French text}`` for ``kind`` in label / plural / noun / none."""
    return {i: getattr(LEVELS[i], kind) for i in ids}


def parents(id: str) -> tuple[str, ...]:
    return LEVELS[id].parents
