"""Indicator catalogue, kept as data in ``ifn/catalogue.toml``.

Every indicator has an id, a French label, an axis (1 = the index, 2 = the
"contexte du territoire"), a unit, a direction (always "higher = more
fragile" for the raw values of the cache), a source and vintage, an optional
proxy note, and the way it is aggregated above the commune. Variants are sets
of indicators ("Tout âge" is shipped).

Sources are data too: ``[sources.<id>]`` names the module of ``ifn.sources``
that reads it, its French label, its vintage and the COG date of its codes.
An indicator names its source(s) by id (``source``, then ``fallback_sources``
for the communes the first one does not cover, e.g. the DROM); the build loops
over these sources, and the card shows each value's own source and vintage.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ifn.errors import ConfigError

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
DIRECTION = "plus_haut_plus_fragile"
AGGREGATIONS = ("population", "locaux", "surface", "menages")
_REQUIRED = ("label", "axis", "unit", "direction", "source", "description")
_SOURCE_REQUIRED = ("module", "label", "vintage")


@dataclass(frozen=True)
class Source:
    """One open-data source: the module that reads it and what users are told about it."""

    id: str
    module: str
    label: str
    vintage: str
    cog_date: str | None = None
    files: str = ""
    note: str | None = None


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
    definition: str = ""
    source_ids: tuple[str, ...] = ()
    range: tuple[float, float] | None = None
    short_label: str | None = None
    estimate: str | None = None  # cache column of the build's estimate where the value is secret

    @property
    def pooling_kind(self) -> str:
        """How ``ifn.aggregate`` pools it: ``population`` (weighted mean) or ``locaux`` (ratio of summed
        counts; a surface-pooled indicator is a ratio of summed areas).
        """
        return "locaux" if self.aggregation in ("locaux", "surface", "menages") else "population"


#: How an indicator of this tool stands for the official one (``[[variants.<id>.official]]``, ``status``).
OFFICIAL_STATUSES = {
    "identique": "identique",
    "approche": "approché",
    "manquant": "manquant",
    "ajoute": "ajouté (absent de l'IFN officiel)",
}


@dataclass(frozen=True)
class OfficialRow:
    """One official indicator of a variant beside ours: ``ours`` is empty when it is missing here, and
    ``official`` is empty for an indicator this tool adds.
    """

    axis: int
    official: str
    ours: str
    status: str
    why: str


@dataclass(frozen=True)
class Variant:
    """A set of indicators: ``indicators`` (axis 1) and ``context`` (axis 2), and how they stand for the
    official variant's indicators (``official``).
    """

    id: str
    label: str
    description: str
    indicators: tuple[str, ...]
    context: tuple[str, ...]
    missing_note: str | None = None
    official: tuple[OfficialRow, ...] = ()

    @property
    def all_ids(self) -> tuple[str, ...]:
        return self.indicators + self.context


@dataclass(frozen=True)
class Catalogue:
    """Indicators and variants, with lookups raising French errors."""

    indicators: tuple[Indicator, ...]
    variants: tuple[Variant, ...]
    sources: tuple[Source, ...] = ()
    retired: tuple[tuple[str, str], ...] = ()  # (former indicator id, French explanation)

    def retired_reason(self, id: str) -> str | None:
        """Why a former indicator left the catalogue (None if ``id`` never was one)."""
        return dict(self.retired).get(id)

    def source(self, id: str) -> Source:
        for src in self.sources:
            if src.id == id:
                return src
        raise ConfigError(f"Source inconnue « {id} » : sources connues : {', '.join(s.id for s in self.sources)}.")

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


def _parse_source(path: Path, id: str, raw: object) -> Source:
    if not isinstance(raw, dict):
        _fail(path, f"l'entrée « sources.{id} » doit être une table.")
    for key in _SOURCE_REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            _fail(path, f"la source « {id} » n'a pas de champ « {key} » texte non vide.")
    cog = raw.get("cog_date")
    if cog is not None and (not isinstance(cog, str) or len(cog) != 10):
        _fail(path, f"la date de COG de la source « {id} » doit s'écrire AAAA-MM-JJ (valeur : {cog!r}).")
    return Source(id=id, module=raw["module"], label=raw["label"], vintage=raw["vintage"], cog_date=cog,
                  files=str(raw.get("files", "")), note=raw.get("note"))


def _parse_range(path: Path, id: str, raw: object) -> tuple[float, float] | None:
    if raw is None:
        return None
    if (not isinstance(raw, list) or len(raw) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw) or raw[0] > raw[1]):
        _fail(path, f"le champ « range » de l'indicateur « {id} » doit être [minimum, maximum] (valeur : {raw!r}).")
    return float(raw[0]), float(raw[1])


def _parse_indicator(path: Path, id: str, raw: object, sources: dict[str, Source] | None = None) -> Indicator:
    if not isinstance(raw, dict):
        _fail(path, f"l'entrée « indicators.{id} » doit être une table.")
    for key in _REQUIRED:
        if key not in raw:
            _fail(path, f"l'indicateur « {id} » n'a pas de champ « {key} ».")
    source_ids: tuple[str, ...] = ()
    if sources and raw.get("source") in sources:
        fallback = raw.get("fallback_sources", [])
        if not isinstance(fallback, list) or not all(f in sources for f in fallback):
            _fail(path, f"« fallback_sources » de l'indicateur « {id} » cite une source inconnue ({fallback!r}).")
        source_ids = (raw["source"], *fallback)
        first = sources[raw["source"]]
        raw = {**raw, "source": first.label, "vintage": raw.get("vintage", first.vintage)}
    if "vintage" not in raw:
        _fail(path, f"l'indicateur « {id} » n'a pas de champ « vintage » (ni de source du catalogue qui le donne).")
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
    if aggregation in ("locaux", "surface", "menages") and not (raw.get("pool_total") and raw.get("pool_covered")):
        _fail(path, f"l'indicateur « {id} » agrégé par {aggregation} doit donner « pool_total » et « pool_covered ».")
    proxy = raw.get("proxy_note")
    if proxy is not None and (not isinstance(proxy, str) or not proxy.strip()):
        _fail(path, f"la note d'approximation de l'indicateur « {id} » doit être un texte non vide.")
    return Indicator(
        id=id, label=raw["label"], axis=int(raw["axis"]), unit=raw["unit"],
        direction=raw["direction"], source=raw["source"], vintage=raw["vintage"],
        proxy_note=proxy, description=raw["description"], aggregation=aggregation,
        pool_total=raw.get("pool_total"), pool_covered=raw.get("pool_covered"),
        definition=str(raw.get("definition", "")), source_ids=source_ids,
        range=_parse_range(path, id, raw.get("range")), short_label=raw.get("short_label"),
        estimate=raw.get("estimate"),
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
    official = tuple(_parse_official(path, id, n, row, lists["indicators"] + lists["context"])
                     for n, row in enumerate(raw.get("official", []), start=1))
    return Variant(id=id, label=str(raw["label"]), description=str(raw.get("description", "")),
                   indicators=lists["indicators"], context=lists["context"],
                   missing_note=raw.get("missing_note"), official=official)


def _parse_official(path: Path, variant: str, n: int, raw: object, ids: tuple[str, ...]) -> OfficialRow:
    """One ``[[variants.<id>.official]]`` row: the official indicator, ours, the status and why."""
    where = f"la ligne {n} de « variants.{variant}.official »"
    if not isinstance(raw, dict):
        _fail(path, f"{where} doit être une table.")
    unknown = set(raw) - {"axis", "official", "ours", "status", "why"}
    if unknown:
        _fail(path, f"{where} a une clé inconnue « {sorted(unknown)[0]} ».")
    status, ours, official = raw.get("status"), raw.get("ours", ""), raw.get("official", "")
    if status not in OFFICIAL_STATUSES:
        _fail(path, f"{where} : statut « {status} » inconnu (attendu {', '.join(OFFICIAL_STATUSES)}).")
    if raw.get("axis") not in (1, 2) or isinstance(raw.get("axis"), bool):
        _fail(path, f"{where} : l'axe doit valoir 1 ou 2 (valeur : {raw.get('axis')!r}).")
    if not isinstance(raw.get("why"), str) or not raw["why"].strip():
        _fail(path, f"{where} n'a pas de champ « why » texte non vide.")
    if not isinstance(ours, str) or not isinstance(official, str):
        _fail(path, f"{where} : « official » et « ours » sont des textes.")
    if (status == "manquant") != (ours == ""):
        _fail(path, f"{where} : « ours » est vide si et seulement si le statut est « manquant ».")
    if (status == "ajoute") != (official == ""):
        _fail(path, f"{where} : « official » est vide si et seulement si le statut est « ajoute ».")
    if ours and ours not in ids:
        _fail(path, f"{where} cite « {ours} », qui n'est pas un indicateur de la variante « {variant} ».")
    return OfficialRow(axis=int(raw["axis"]), official=official, ours=ours, status=status, why=raw["why"])


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
    raw_src = data.get("sources", {})
    if not isinstance(raw_src, dict):
        _fail(path, "« sources » doit être une table de tables [sources.<id>].")
    sources = {id: _parse_source(path, id, raw) for id, raw in raw_src.items()}
    raw_ind = data.get("indicators")
    if not isinstance(raw_ind, dict) or not raw_ind:
        _fail(path, "aucune table [indicators.<id>].")
    indicators = {id: _parse_indicator(path, id, raw, sources) for id, raw in raw_ind.items()}
    raw_var = data.get("variants")
    if not isinstance(raw_var, dict) or not raw_var:
        _fail(path, "aucune table [variants.<id>].")
    variants = tuple(_parse_variant(path, id, raw, indicators) for id, raw in raw_var.items())
    retired = data.get("retired", {})
    if not isinstance(retired, dict) or not all(isinstance(v, str) and v.strip() for v in retired.values()):
        _fail(path, "« retired » doit être une table id = \"raison\".")
    clash = [r for r in retired if r in indicators]
    if clash:
        _fail(path, f"l'indicateur « {clash[0]} » est à la fois dans le catalogue et dans [retired].")
    return Catalogue(indicators=tuple(indicators.values()), variants=variants, sources=tuple(sources.values()),
                     retired=tuple(retired.items()))


@lru_cache(maxsize=4)
def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read ``ifn/catalogue.toml`` (or ``path``) into a validated ``Catalogue``."""
    path = Path(path) if path else CATALOGUE_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Catalogue « {path} » introuvable ou illisible : {exc.strerror}.") from exc
    return parse_catalogue(text, path)
