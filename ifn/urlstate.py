"""Map page state ↔ URL query string.

Parameters: ``carte`` (map level), ``niveau`` + ``code`` (selected territory),
``variante`` (catalogue variant), ``classes`` (class method). Unknown values
fall back to the defaults, each with a French notice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ifn.classify import METHODS
from ifn.mapview import MAP_LEVELS
from ifn import levels

LEVEL_NAMES = levels.labels("noun", levels.MAP_LEVELS)


@dataclass(frozen=True)
class MapState:
    """What the map page shows."""

    map_level: str = "departement"
    level: str | None = None      # level of the selected territory
    code: str | None = None       # selected territory
    variant: str = "tout_age"
    method: str = "equal"

    @property
    def area(self) -> tuple[str, str] | None:
        """(level, code) whose communes are drawn when ``map_level`` is ``commune``."""
        if self.map_level != "commune" or not self.code or not self.level:
            return None
        return (self.level, self.code) if self.level != "commune" else None


DEFAULT = MapState()


def encode(state: MapState) -> dict[str, str]:
    """Query parameters of ``state`` (defaults omitted)."""
    params = {"carte": state.map_level}
    if state.level and state.code:
        params["niveau"], params["code"] = state.level, state.code
    if state.variant != DEFAULT.variant:
        params["variante"] = state.variant
    if state.method != DEFAULT.method:
        params["classes"] = state.method
    return params


def _first(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else None
    return str(value)


def decode(params: Mapping[str, object], variants: Iterable[str], codes: Mapping[str, set[str]] | None = None,
           national_communes: bool = False) -> tuple[MapState, list[str]]:
    """State from query parameters, with French notices for the values that were ignored.

    Parameters
    ----------
    params : the query parameters (``st.query_params`` or a dict).
    variants : known variant ids.
    codes : optional known codes per level, to validate ``code``.
    """
    notices: list[str] = []
    variants = list(variants)
    map_level = _first(params.get("carte")) or DEFAULT.map_level
    if map_level not in MAP_LEVELS:
        notices.append(f"Niveau de carte inconnu « {map_level} » dans le lien : carte des départements affichée.")
        map_level = DEFAULT.map_level
    variant = _first(params.get("variante")) or DEFAULT.variant
    if variant not in variants:
        notices.append(f"Variante inconnue « {variant} » dans le lien : variante « {DEFAULT.variant} » utilisée.")
        variant = DEFAULT.variant
    method = _first(params.get("classes")) or DEFAULT.method
    if method not in METHODS:
        notices.append(f"Méthode de classes inconnue « {method} » dans le lien : pas égaux utilisés.")
        method = DEFAULT.method
    level, code = _first(params.get("niveau")), _first(params.get("code"))
    if level is not None and level not in MAP_LEVELS:
        notices.append(f"Niveau de territoire inconnu « {level} » dans le lien : aucun territoire sélectionné.")
        level, code = None, None
    if (level is None) != (code is None):
        if code is not None:
            notices.append(f"Le lien donne le code « {code} » sans son niveau : aucun territoire sélectionné.")
        level, code = None, None
    if level and codes is not None and code not in codes.get(level, set()):
        notices.append(f"{levels.LEVELS[level].none} de code « {code} » : aucun territoire sélectionné.")
        level, code = None, None
    if map_level == "commune" and not code and not national_communes:  # (the tile map draws them all)
        notices.append("La carte des communes demande un territoire : carte des départements affichée.")
        map_level = DEFAULT.map_level
    return MapState(map_level, level, code, variant, method), notices


def select(state: MapState, level: str, code: str) -> MapState:
    """State after choosing a territory (click or search): it is selected and the map drills down.

    A région, département or EPCI shows its communes; a commune shows the communes of its département.
    """
    return MapState("commune", level, code, state.variant, state.method)


def with_map_level(state: MapState, map_level: str) -> MapState:
    """State after choosing another map level; the communes need a selected territory (else départements)."""
    if map_level == "commune" and not state.code:
        map_level = "departement"
    return MapState(map_level, state.level, state.code, state.variant, state.method)


def view_area(state: MapState, commune_dep: str | None = None) -> tuple[str, str] | None:
    """(level, code) of the area whose communes are drawn; None for the national views.

    ``commune_dep``: département of the selected commune (when a commune is selected).
    """
    if state.map_level != "commune" or not state.code:
        return None
    if state.level == "commune":
        return ("departement", commune_dep) if commune_dep else None
    return state.level, state.code
