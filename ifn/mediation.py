"""Need against offer: where fragile communes lie far from any mediation place (pure functions).

The *priority list* of a territory is its communes whose IFN is at least
``ifn_min`` and whose population centre is more than ``distance_km`` from the
nearest mediation place (``dist_mediation`` of the cache: great-circle km to
the nearest CNFS place of France, across département borders), ranked by
population. The same function serves every level (a région, a département,
an EPCI or France: the communes of the area), the page and ``python -m ifn
priorites``, so that they agree. ``by_unit`` sums the list per EPCI,
département or région.

A commune without an IFN (too few indicators) or without a distance (no
outline, hence no centre) is never listed: it is counted apart in the totals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from ifn import levels
from ifn.errors import InputError

DEFAULT_IFN_MIN = 7.0
DEFAULT_DISTANCE_KM = 10.0
DEFAULT_RADIUS_KM = 5.0
MAX_KM = 200.0
DISTANCE_COLUMNS = ("dist_mediation", "dist_france_services", "dist_bibliotheque")


@dataclass(frozen=True)
class Thresholds:
    """The user's settings: IFN at least ``ifn_min``, nearest mediation place farther than ``distance_km``,
    places counted within ``radius_km`` of each commune's centre.
    """

    ifn_min: float = DEFAULT_IFN_MIN
    distance_km: float = DEFAULT_DISTANCE_KM
    radius_km: float = DEFAULT_RADIUS_KM

    def described(self) -> dict[str, str]:
        """French settings, written in every export."""
        return {"IFN minimal": fr(self.ifn_min), "Distance au lieu de médiation le plus proche (km, plus de)":
                fr(self.distance_km), "Rayon de comptage des lieux (km)": fr(self.radius_km)}


def fr(value: float, decimals: int = 1) -> str:
    """« 7 », « 7,5 », « 12,25 » (decimal comma, no useless zero)."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    return text.replace(".", ",").replace("-", "−")


def fr_int(value: int | float) -> str:
    """« 48 200 » (no-break space between thousands)."""
    return f"{int(round(value)):,}".replace(",", "\u00a0")


def _number(value: object, name: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{name} : « {value} » n'est pas un nombre.")
    if isinstance(value, str):
        text = value.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{name} : « {value} » n'est pas un nombre (exemple : 7 ou 7,5).") from None
    if not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise InputError(f"{name} : « {value} » n'est pas un nombre fini.")
    return float(value)


def check_thresholds(ifn_min: object = DEFAULT_IFN_MIN, distance_km: object = DEFAULT_DISTANCE_KM,
                     radius_km: object = DEFAULT_RADIUS_KM) -> Thresholds:
    """Validated settings (numbers or French text such as « 7,5 »), or a French ``InputError``."""
    ifn = _number(ifn_min, "Seuil d'IFN")
    if not 1 <= ifn <= 10:
        raise InputError(f"Seuil d'IFN : {fr(ifn, 2)} est hors de l'échelle de l'indice (de 1 à 10).")
    dist = _number(distance_km, "Distance")
    if dist < 0:
        raise InputError(f"Distance : {fr(dist, 2)} km est négative ; donnez une distance de 0 à {fr(MAX_KM)} km.")
    if dist > MAX_KM:
        raise InputError(f"Distance : {fr(dist, 2)} km dépasse {fr(MAX_KM)} km (aucune commune n'est aussi loin "
                         "d'un lieu de médiation).")
    radius = _number(radius_km, "Rayon")
    if not 0 < radius <= 50:
        raise InputError(f"Rayon : {fr(radius, 2)} km doit être compris entre 0 (exclu) et 50 km.")
    return Thresholds(ifn, dist, radius)


# --------------------------------------------------------------------------- need against offer per commune
def commune_table(scored_communes: pl.DataFrame, cache_communes: pl.DataFrame) -> pl.DataFrame:
    """``code, nom, dep, epci, reg, dep_nom, epci_nom, population, ifn`` and the three distances (km, from
    the cache: not imputed) of every commune.
    """
    names = [c for c in ("dep_nom", "epci_nom", "reg_nom") if c in cache_communes.columns]
    extra = cache_communes.select("code", *names, *[c for c in DISTANCE_COLUMNS if c in cache_communes.columns])
    return (scored_communes.select("code", "nom", "dep", "epci", "reg", "population", "ifn")
            .join(extra, on="code", how="left"))


def within_radius(table: pl.DataFrame, centres: pl.DataFrame, layers: dict[str, pl.DataFrame],
                  radius_km: float) -> pl.DataFrame:
    """``table`` with ``lieux_<layer>_rayon``: the places of each layer (``lat, lon``, all of France) within
    ``radius_km`` of each commune's population centre (null without a centre).
    """
    from ifn.distances import count_within_km

    located = table.select("code").join(centres.select("code", "lat", "lon"), on="code", how="left")
    ok = located["lat"].is_not_null().to_numpy()
    lat, lon = located["lat"].to_numpy()[ok], located["lon"].to_numpy()[ok]
    out = table
    for name, pts in layers.items():
        counts = np.full(table.height, None, dtype=object)
        if ok.any() and pts.height:
            counts[ok] = count_within_km(lat, lon, pts["lat"].to_numpy(), pts["lon"].to_numpy(), radius_km)
        elif ok.any():
            counts[ok] = 0
        out = out.with_columns(pl.Series(f"lieux_{name}_rayon", counts.tolist(), dtype=pl.Int64))
    return out


# --------------------------------------------------------------------------- priority list
def is_priority(thresholds: Thresholds) -> pl.Expr:
    return (pl.col("ifn") >= thresholds.ifn_min) & (pl.col("dist_mediation") > thresholds.distance_km)


def priority_list(table: pl.DataFrame, thresholds: Thresholds) -> pl.DataFrame:
    """The communes of ``table`` (``commune_table``, restricted to an area) meeting both thresholds, most
    populated first (then highest IFN, then code), with their ``rang``.
    """
    return (table.filter(is_priority(thresholds))
            .sort(["population", "ifn", "code"], descending=[True, True, False], nulls_last=True)
            .with_row_index("rang", offset=1).with_columns(pl.col("rang").cast(pl.Int64)))


@dataclass(frozen=True)
class Totals:
    """Figures of a priority list."""

    communes: int            # communes listed
    habitants: int           # their population
    communes_territoire: int
    habitants_territoire: int
    sans_ifn: int            # communes of the area without an IFN
    sans_distance: int       # communes of the area without a distance (no outline)
    fragiles: int            # communes with IFN >= threshold, whatever the distance


def totals(table: pl.DataFrame, priority: pl.DataFrame, thresholds: Thresholds) -> Totals:
    return Totals(
        communes=priority.height, habitants=int(priority["population"].fill_null(0).sum()),
        communes_territoire=table.height, habitants_territoire=int(table["population"].fill_null(0).sum()),
        sans_ifn=int(table["ifn"].is_null().sum()), sans_distance=int(table["dist_mediation"].is_null().sum()),
        fragiles=int((table["ifn"] >= thresholds.ifn_min).sum()),
    )


def sentence(t: Totals, thresholds: Thresholds, territory: str | None = None) -> str:
    """« Aveyron : 66 929 habitants vivent dans 107 communes d'IFN ≥ 7 à plus de 10 km d'un lieu de médiation
    numérique, soit 23,9 % de la population. »
    """
    where = f"{territory} : " if territory else ""
    criterion = (f"d'IFN ≥ {fr(thresholds.ifn_min)} à plus de {fr(thresholds.distance_km)} km d'un lieu de "
                 "médiation numérique")
    if t.communes == 0:
        return f"{where}{'aucune' if where else 'Aucune'} commune {criterion}."
    people = "habitant vit" if t.habitants == 1 else "habitants vivent"
    communes = "commune" if t.communes == 1 else "communes"
    text = f"{where}{fr_int(t.habitants)} {people} dans {fr_int(t.communes)} {communes} {criterion}"
    if t.habitants_territoire:
        text += f", soit {fr(100 * t.habitants / t.habitants_territoire)} % de la population"
    return text + "."


def caveats(t: Totals) -> list[str]:
    """French notes on the communes the list cannot judge."""
    out = []
    if t.sans_ifn:
        out.append(f"{fr_int(t.sans_ifn)} commune(s) sans IFN (données insuffisantes) ne peuvent pas figurer dans la liste.")
    if t.sans_distance:
        out.append(f"{fr_int(t.sans_distance)} commune(s) sans distance (pas de contour en 2024, donc pas de centre) "
                   "ne peuvent pas figurer dans la liste.")
    return out


def by_unit(priority: pl.DataFrame, table: pl.DataFrame, level: str) -> pl.DataFrame:
    """The priority list summed per unit of ``level`` (epci, departement, region): ``code, nom,
    communes_prioritaires, habitants_concernes, population, part_population`` (%), most concerned first.
    """
    lvl = levels.level(level)
    if level not in levels.AREA_COLUMNS:
        raise InputError(f"Niveau « {level} » : la liste se résume par EPCI, département ou région.")
    key, name = lvl.key, lvl.name
    units = table.group_by(key).agg(pl.col("population").sum().alias("population"),
                                    *([pl.col(name).first().alias("nom")] if name in table.columns else []))
    concerned = priority.group_by(key).agg(pl.len().cast(pl.Int64).alias("communes_prioritaires"),
                                           pl.col("population").sum().alias("habitants_concernes"))
    out = (concerned.join(units, on=key, how="left").rename({key: "code"})
           .with_columns((100 * pl.col("habitants_concernes") / pl.col("population")).round(1).alias("part_population")))
    if "nom" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("nom"))
    return (out.select("code", "nom", "communes_prioritaires", "habitants_concernes", "population", "part_population")
            .sort(["habitants_concernes", "code"], descending=[True, False]))


EXPORT_COLUMNS = {"rang": "rang", "code": "code_commune", "nom": "commune", "dep": "departement",
                  "epci_nom": "epci", "population": "population", "ifn": "ifn",
                  "dist_mediation": "km_lieu_mediation", "dist_france_services": "km_france_services",
                  "dist_bibliotheque": "km_bibliotheque"}


def export_frame(priority: pl.DataFrame, thresholds: Thresholds, territory: str) -> pl.DataFrame:
    """The list as exported (page and command line alike): French column names, rounded figures and the
    settings in every row (a CSV has no other place for them).
    """
    cols = [c for c in EXPORT_COLUMNS if c in priority.columns]
    rounded = [pl.col(c).round(2) for c in ("ifn", *DISTANCE_COLUMNS) if c in cols]
    return (priority.select(cols).with_columns(rounded).rename({c: EXPORT_COLUMNS[c] for c in cols})
            .with_columns(pl.lit(territory).alias("territoire"), pl.lit(thresholds.ifn_min).alias("reglage_ifn_min"),
                          pl.lit(thresholds.distance_km).alias("reglage_distance_km")))


def export_metadata(thresholds: Thresholds, territory: str, t: Totals) -> dict[str, str]:
    return {"Territoire": territory, **thresholds.described(), "Résultat": sentence(t, thresholds, territory),
            "Distance": "à vol d'oiseau, du centre de population de la commune (IRIS 2022) au lieu le plus proche, "
                        "départements voisins compris",
            "Sources": "IFN (ce tableau de bord) ; lieux CNFS, décembre 2022 (ANCT)"}


AREA_PREFIXES = {"dep": "departement", "departement": "departement", "reg": "region", "region": "region",
                 "epci": "epci"}


def parse_area(text: str | None, table: pl.DataFrame) -> tuple[str | None, str | None, str]:
    """« dep:33 », « region:75 », « epci:200054781 » → (area level, code, French name); None → France.

    ``table`` is ``commune_table`` (all communes): an unknown code is refused in French.
    """
    if text is None or not text.strip():
        return None, None, "France"
    kind, sep, code = text.strip().partition(":")
    level = AREA_PREFIXES.get(kind.strip().lower())
    code = code.strip()
    if not sep or level is None or not code:
        raise InputError(f"Territoire « {text} » : écrivez dep:<code>, reg:<code> ou epci:<SIREN> "
                         "(par exemple dep:33).")
    lvl = levels.level(level)
    rows = table.filter(pl.col(lvl.key) == code)
    if not rows.height:
        raise InputError(f"Territoire « {text} » : {lvl.none} de code « {code} » (COG 2026).")
    name = rows[lvl.name][0] if lvl.name in rows.columns else None
    return level, code, name or code


def area_table(table: pl.DataFrame, area_level: str | None, area_code: str | None) -> pl.DataFrame:
    """The communes of one area (every commune of France without area)."""
    from ifn.mapview import area_filter

    return area_filter(table, area_level, area_code)


def unit_export_frame(units: pl.DataFrame, thresholds: Thresholds, territory: str) -> pl.DataFrame:
    """``by_unit`` as exported, with the settings in every row."""
    return units.with_columns(pl.lit(territory).alias("territoire"), pl.lit(thresholds.ifn_min).alias("reglage_ifn_min"),
                              pl.lit(thresholds.distance_km).alias("reglage_distance_km"))


def geojson_with_settings(data: bytes, metadata: dict[str, str]) -> bytes:
    """A GeoJSON FeatureCollection with a ``reglages`` member holding the settings (RFC 7946 foreign member)."""
    import json

    fc = json.loads(data)
    fc = {"type": fc["type"], "reglages": metadata, **{k: v for k, v in fc.items() if k != "type"}}
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
