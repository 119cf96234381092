"""Indicator catalogue, kept as data in ``ifn/catalogue.toml``.

Every indicator has an id, a French label, an axis (1 = the index, 2 = the
"contexte du territoire"), a unit, a direction (always "higher = more
fragile" for the raw values of the cache), a source and vintage, an optional
proxy note, and the way it is aggregated above the commune. Variants are sets
of indicators ("Tout âge" is shipped).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ifn.errors import ConfigError

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
DIRECTION = "plus_haut_plus_fragile"
AGGREGATIONS = ("population", "locaux")
_REQUIRED = ("label", "axis", "unit", "direction", "source", "vintage", "description")


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue."""

    id: str
    label: str
    axis: int
    unit: str
    direction: str
    source: str
    vintage: str
    proxy_note: str | None
    description: str
    aggregation: str = "population"
    pool_total: str | None = None
    pool_covered: str | None = None


@dataclass(frozen=True)
class Variant:
    """A set of indicators: ``indicators`` (axis 1) and ``context`` (axis 2)."""

    id: str
    label: str
    description: str
    indicators: tuple[str, ...]
    context: tuple[str, ...]
    missing_note: str | None = None

    @property
    def all_ids(self) -> tuple[str, ...]:
        return self.indicators + self.context


@dataclass(frozen=True)
class Catalogue:
    """Indicators and variants, with lookups raising French errors."""

    indicators: tuple[Indicator, ...]
    variants: tuple[Variant, ...]

    def indicator(self, id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == id:
                return ind
        known = ", ".join(i.id for i in self.indicators)
        raise ConfigError(f"Indicateur inconnu « {id} » : indicateurs connus : {known}.")

    def variant(self, id: str) -> Variant:
        for var in self.variants:
            if var.id == id:
                return var
        known = ", ".join(v.id for v in self.variants)
        raise ConfigError(f"Variante inconnue « {id} » : variantes connues : {known}.")

    def has_indicator(self, id: str) -> bool:
        return any(ind.id == id for ind in self.indicators)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(ind.id for ind in self.indicators)


def _fail(path: Path, message: str) -> None:
    raise ConfigError(f"Catalogue « {path} » : {message}")


def _parse_indicator(path: Path, id: str, raw: object) -> Indicator:
    if not isinstance(raw, dict):
        _fail(path, f"l'entrée « indicators.{id} » doit être une table.")
    for key in _REQUIRED:
        if key not in raw:
            _fail(path, f"l'indicateur « {id} » n'a pas de champ « {key} ».")
    for key in ("label", "unit", "source", "vintage", "description"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            _fail(path, f"le champ « {key} » de l'indicateur « {id} » doit être un texte non vide.")
    if raw["axis"] not in (1, 2) or isinstance(raw["axis"], bool):
        _fail(path, f"l'axe de l'indicateur « {id} » vaut « {raw['axis']} » : attendu 1 ou 2.")
    if raw["direction"] != DIRECTION:
        _fail(path, f"la direction de l'indicateur « {id} » vaut « {raw['direction']} » : "
                    f"attendu « {DIRECTION} » (valeurs orientées plus haut = plus fragile).")
    aggregation = raw.get("aggregation", "population")
    if aggregation not in AGGREGATIONS:
        _fail(path, f"l'agrégation de l'indicateur « {id} » vaut « {aggregation} » : "
                    f"attendu {' ou '.join(AGGREGATIONS)}.")
    if aggregation == "locaux" and not (raw.get("pool_total") and raw.get("pool_covered")):
        _fail(path, f"l'indicateur « {id} » agrégé par locaux doit donner « pool_total » et « pool_covered ».")
    proxy = raw.get("proxy_note")
    if proxy is not None and (not isinstance(proxy, str) or not proxy.strip()):
        _fail(path, f"la note d'approximation de l'indicateur « {id} » doit être un texte non vide.")
    return Indicator(
        id=id, label=raw["label"], axis=int(raw["axis"]), unit=raw["unit"],
        direction=raw["direction"], source=raw["source"], vintage=raw["vintage"],
        proxy_note=proxy, description=raw["description"], aggregation=aggregation,
        pool_total=raw.get("pool_total"), pool_covered=raw.get("pool_covered"),
    )


def _parse_variant(path: Path, id: str, raw: object, indicators: dict[str, Indicator]) -> Variant:
    if not isinstance(raw, dict):
        _fail(path, f"l'entrée « variants.{id} » doit être une table.")
    for key in ("label", "indicators"):
        if key not in raw:
            _fail(path, f"la variante « {id} » n'a pas de champ « {key} ».")
    lists = {}
    for key, axis in (("indicators", 1), ("context", 2)):
        ids = raw.get(key, [])
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            _fail(path, f"le champ « {key} » de la variante « {id} » doit être une liste de textes.")
        for ind in ids:
            if ind not in indicators:
                _fail(path, f"la variante « {id} » cite l'indicateur inconnu « {ind} ».")
            if indicators[ind].axis != axis:
                _fail(path, f"la variante « {id} » place l'indicateur « {ind} » (axe "
                            f"{indicators[ind].axis}) dans « {key} » (axe {axis}).")
        if len(set(ids)) != len(ids):
            _fail(path, f"le champ « {key} » de la variante « {id} » contient un doublon.")
        lists[key] = tuple(ids)
    if not lists["indicators"]:
        _fail(path, f"la variante « {id} » n'a aucun indicateur d'axe 1.")
    return Variant(id=id, label=str(raw["label"]), description=str(raw.get("description", "")),
                   indicators=lists["indicators"], context=lists["context"],
                   missing_note=raw.get("missing_note"))


def parse_catalogue(text: str, path: Path | str = "catalogue.toml") -> Catalogue:
    """Parse and validate the catalogue TOML text.

    Raises
    ------
    ConfigError
        With a French message naming the file and the faulty entry.
    """
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Catalogue « {path} » illisible : {exc}.") from exc
    raw_ind = data.get("indicators")
    if not isinstance(raw_ind, dict) or not raw_ind:
        _fail(path, "aucune table [indicators.<id>].")
    indicators = {id: _parse_indicator(path, id, raw) for id, raw in raw_ind.items()}
    raw_var = data.get("variants")
    if not isinstance(raw_var, dict) or not raw_var:
        _fail(path, "aucune table [variants.<id>].")
    variants = tuple(_parse_variant(path, id, raw, indicators) for id, raw in raw_var.items())
    return Catalogue(indicators=tuple(indicators.values()), variants=variants)


@lru_cache(maxsize=4)
def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read ``ifn/catalogue.toml`` (or ``path``) into a validated ``Catalogue``."""
    path = Path(path) if path else CATALOGUE_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Catalogue « {path} » introuvable ou illisible : {exc.strerror}.") from exc
    return parse_catalogue(text, path)
