"""Map page state ↔ URL query string.

Parameters: ``carte`` (map level, ``iris`` included: the IRIS of the selected commune, EPCI,
département, or of the selected IRIS's commune), ``niveau`` + ``code`` (selected territory),
``variante`` (catalogue variant), ``classes`` (class method), ``comparer``
(territories of the comparison list, ``niveau:code`` separated by commas).
Unknown values fall back to the defaults, each with a French notice that
names variants and methods by their French labels, never by their ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from ifn import levels
from ifn.classify import METHOD_LABELS, METHODS
from ifn.mapview import MAP_LEVELS

LEVEL_NAMES = levels.labels("noun", levels.MAP_LEVELS)
MAX_COMPARED = 12
IRIS = levels.IRIS_LEVEL
#: Levels a territory can be selected at for the IRIS view to open (an IRIS opens its commune's view).
IRIS_FROM = (*levels.IRIS_AREAS, IRIS)
NO_DROM_IRIS = ("Les DROM n'ont pas d'IRIS dans les données ouvertes utilisées (recensement 2022 par IRIS : "
                "France métropolitaine seulement) : la carte reste au niveau des communes.")
NO_AREA_IRIS = ("La carte des IRIS s'ouvre depuis une commune, un EPCI ou un département (jamais tous les IRIS "
                "de France à la fois) : choisissez d'abord un de ces territoires.")


@dataclass(frozen=True)
class MapState:
    """What the map page shows."""

    map_level: str = "departement"
    level: str | None = None      # level of the selected territory
    code: str | None = None       # selected territory
    variant: str = "tout_age"
    method: str = "equal"
    compared: tuple[tuple[str, str], ...] = ()   # (level, code) of the comparison list

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
    if state.compared:
        params["comparer"] = encode_compared(state.compared)
    return params


def encode_compared(items) -> str:
    """``commune:42218,departement:29`` for the comparison list."""
    return ",".join(f"{level}:{code}" for level, code in items)


def decode_compared(value: str | None, codes: Mapping[str, set[str]] | None = None
                    ) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """Comparison list from the ``comparer`` parameter, with a French notice per ignored item.

    Items are ``niveau:code``; unknown levels or codes, duplicates and items beyond ``MAX_COMPARED``
    are left out, each named in a notice.
    """
    if not value:
        return (), []
    items: list[tuple[str, str]] = []
    notices: list[str] = []
    for raw in value.split(","):
        raw = raw.strip()
        if not raw:
            continue
        level, sep, code = raw.partition(":")
        if not sep or level not in MAP_LEVELS or not code:
            notices.append(f"Élément « {raw} » de la comparaison illisible dans le lien (attendu : niveau:code) : ignoré.")
            continue
        if codes is not None and code not in codes.get(level, set()):
            notices.append(f"{levels.LEVELS[level].none} de code « {code} » : retiré de la comparaison.")
            continue
        if (level, code) in items:
            continue
        if len(items) == MAX_COMPARED:
            notices.append(f"La comparaison est limitée à {MAX_COMPARED} territoires : « {raw} » et les suivants sont ignorés.")
            break
        items.append((level, code))
    return tuple(items), notices


def _first(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else None
    return str(value)


def decode(params: Mapping[str, object], variants: Iterable[str] | Mapping[str, str],
           codes: Mapping[str, set[str]] | None = None, national_communes: bool = False) -> tuple[MapState, list[str]]:
    """State from query parameters, with French notices for the values that were ignored.

    Parameters
    ----------
    params : the query parameters (``st.query_params`` or a dict).
    variants : known variant ids, or ``{id: French label}`` (the notices then name the label).
    codes : optional known codes per level, to validate ``code``.
    """
    notices: list[str] = []
    names = dict(variants) if isinstance(variants, Mapping) else {v: v for v in variants}
    variants = list(names)
    map_level = _first(params.get("carte")) or DEFAULT.map_level
    if map_level not in MAP_LEVELS:
        notices.append(f"Niveau de carte inconnu « {map_level} » dans le lien : carte des départements affichée.")
        map_level = DEFAULT.map_level
    variant = _first(params.get("variante")) or DEFAULT.variant
    if variant not in variants:
        notices.append(f"Variante inconnue « {variant} » dans le lien : variante « {names.get(DEFAULT.variant, DEFAULT.variant)} » utilisée.")
        variant = DEFAULT.variant
    method = _first(params.get("classes")) or DEFAULT.method
    if method not in METHODS:
        notices.append(f"Méthode de classes inconnue « {method} » dans le lien : classes « {METHOD_LABELS[DEFAULT.method]} » utilisées.")
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
    compared, more = decode_compared(_first(params.get("comparer")), codes)
    notices += more
    state, notice = iris_fallback(MapState(map_level, level, code, variant, method, compared))
    return state, notices + ([notice] if notice else [])


def is_drom(code: str | None) -> bool:
    """Is ``code`` (commune, département, EPCI of a DROM département) overseas? EPCI SIREN codes are
    national: the DROM EPCI are told by the caller through the département of their communes.
    """
    return bool(code) and code.startswith("97") and len(code) != 9


def iris_fallback(state: MapState, drom: bool | None = None) -> tuple[MapState, str | None]:
    """The state shown when the IRIS map cannot open, with the French reason; unchanged otherwise.

    The IRIS view needs a commune, an EPCI, a département or an IRIS (else the départements are shown);
    the DROM have no IRIS (the map of their communes is shown). ``drom``: whether the selected territory
    is overseas when its code does not say so (an EPCI).
    """
    if state.map_level != IRIS:
        return state, None
    if not state.code or state.level not in IRIS_FROM:
        return replace(state, map_level=DEFAULT.map_level), NO_AREA_IRIS
    if drom or (drom is None and is_drom(state.code)):
        return replace(state, map_level="commune"), NO_DROM_IRIS
    return state, None


def select(state: MapState, level: str, code: str) -> MapState:
    """State after choosing a territory (click or search): it is selected and the map drills down.

    A région, département or EPCI shows its communes; a commune shows the communes of its département.
    On the IRIS map, a commune, EPCI or département shows its IRIS, and an IRIS those of its commune;
    an IRIS chosen from another map opens the IRIS map.
    """
    if level == IRIS or (state.map_level == IRIS and level in IRIS_FROM):
        return MapState(IRIS, level, code, state.variant, state.method, state.compared)
    return MapState("commune", level, code, state.variant, state.method, state.compared)


def with_compared(state: MapState, level: str, code: str) -> MapState:
    """State after adding a territory to the comparison (kept once, at most ``MAX_COMPARED``)."""
    if (level, code) in state.compared or len(state.compared) >= MAX_COMPARED:
        return state
    return replace(state, compared=(*state.compared, (level, code)))


def without_compared(state: MapState) -> MapState:
    """State after emptying the comparison list."""
    return replace(state, compared=())


def with_map_level(state: MapState, map_level: str) -> MapState:
    """State after choosing another map level; the communes need a selected territory (else départements).

    The IRIS map is kept as chosen: ``iris_fallback`` says why it cannot open when it cannot.
    """
    if map_level == "commune" and not state.code:
        map_level = "departement"
    return replace(state, map_level=map_level)


def view_area(state: MapState, commune_dep: str | None = None,
              iris_commune: str | None = None) -> tuple[str, str] | None:
    """(level, code) of the area whose communes (or IRIS) are drawn; None for the national views.

    ``commune_dep``: département of the selected commune (or of the selected IRIS's commune);
    ``iris_commune``: commune of the selected IRIS (when an IRIS is selected).
    """
    if state.map_level == IRIS and state.code:
        if state.level == IRIS:
            return ("commune", iris_commune) if iris_commune else None
        return (state.level, state.code) if state.level in levels.IRIS_AREAS else None
    if state.level == IRIS and state.map_level == "commune":
        return ("departement", commune_dep) if commune_dep else None
    if state.map_level != "commune" or not state.code:
        return None
    if state.level == "commune":
        return ("departement", commune_dep) if commune_dep else None
    return state.level, state.code
