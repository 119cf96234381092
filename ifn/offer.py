"""The offer: mediation places, France Services sites and libraries as one table of points.

Three layers, read from the bundle by their source modules (``ifn.sources``)
and validated there (``ifn.places``: a point with missing or out-of-France
coordinates is counted and listed, never drawn):

- ``mediation``: places where a Conseiller numérique France Services worked
  (ANCT, December 2022), with services, OSM opening hours, access conditions,
  update date;
- ``france_services``: fixed France Services sites (ANCT, mid-2023; buses left
  out), opening hours per weekday turned into the OSM syntax;
- ``bibliotheque``: public libraries open to the public (Ministère de la
  Culture, 2019).

Each located point takes the 2026 commune whose polygon holds it
(``lieux_mediation.assign_communes``, same rule for the three layers), so that
a territory's places are the places of its communes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from ifn import places
from ifn.hours import french_hours


@dataclass(frozen=True)
class Layer:
    """One layer of places: its id, French label, the source line of popups and exports, colour."""

    id: str
    label: str
    source: str
    colour: str
    distance_column: str
    count_column: str


LAYERS: dict[str, Layer] = {
    "mediation": Layer("mediation", "Lieux de médiation numérique (Conseillers numériques)",
                       "lieux CNFS, décembre 2022 (ANCT, cartographie nationale des lieux de médiation numérique)",
                       "#d7301f", "dist_mediation", "nb_lieux_mediation"),
    "france_services": Layer("france_services", "France Services",
                             "France Services, mi-2023 (ANCT, liste des espaces France Services)",
                             "#2b5aa8", "dist_france_services", "nb_france_services"),
    "bibliotheque": Layer("bibliotheque", "Bibliothèques publiques",
                          "bibliothèques publiques, 2019 (ministère de la Culture, adresses des bibliothèques)",
                          "#1a9850", "dist_bibliotheque", "nb_bibliotheques"),
}
COLUMNS = {"couche": pl.String, "id": pl.String, "nom": pl.String, "adresse": pl.String, "code_postal": pl.String,
           "commune_source": pl.String, "services": pl.String, "horaires": pl.String, "horaires_fr": pl.String,
           "conditions_acces": pl.String, "date_maj": pl.String, "source": pl.String, "lat": pl.Float64,
           "lon": pl.Float64, "ligne": pl.Int64}
FS_DAYS = {"h_lundi": "Mo", "h_mardi": "Tu", "h_mercredi": "We", "h_jeudi": "Th", "h_vendredi": "Fr", "h_samedi": "Sa"}


@dataclass(frozen=True)
class Offer:
    """Located places (``COLUMNS`` + ``code``: 2026 commune, null outside every commune) and the places
    left out (``couche, nom, commune_source, ligne, lat, lon, motif``).
    """

    places: pl.DataFrame
    rejected: pl.DataFrame
    duplicates: int = 0  # mediation places listed again under another id (same name, same coordinates)

    def layer(self, id: str) -> pl.DataFrame:
        return self.places.filter(pl.col("couche") == id)


def fs_opening_hours(row: dict) -> str | None:
    """France Services weekday columns (« 09:00 - 12:00 / 13:30 - 17:00 ») as one OSM expression."""
    rules = []
    for column, day in FS_DAYS.items():
        cell = (row.get(column) or "").strip()
        if not cell:
            continue
        spans = [s.replace(" ", "") for s in cell.split("/")]
        rules.append(f"{day} {','.join(spans)}")
    return "; ".join(rules) or None


def _frame(df: pl.DataFrame, layer: str, **exprs: pl.Expr) -> pl.DataFrame:
    cols = []
    for name, dtype in COLUMNS.items():
        if name == "couche":
            cols.append(pl.lit(layer).alias(name))
        elif name in exprs:
            cols.append(exprs[name].cast(dtype).alias(name))
        elif name in df.columns:
            cols.append(pl.col(name).cast(dtype))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    return df.select(cols)


def mediation_places(root: Path) -> pl.DataFrame:
    from ifn.sources import lieux_mediation

    df = lieux_mediation.read(root)
    return _frame(df, "mediation", commune_source=pl.col("commune"), services=pl.col("services").list.join(" ; "),
                  conditions_acces=pl.col("conditions_access"), source=pl.lit(LAYERS["mediation"].source))


def france_services_places(root: Path) -> pl.DataFrame:
    from ifn.sources import france_services as fs

    spec = replace(fs.FRANCE_SERVICES, columns={**fs.FRANCE_SERVICES.columns, **{c: c for c in FS_DAYS}})
    df = fs.fixed_sites(fs.read_france_services(root, spec))
    hours = [fs_opening_hours(r) for r in df.select(list(FS_DAYS)).iter_rows(named=True)]
    address = pl.concat_str([pl.col("adresse"), pl.col("complement_adresse")], separator=", ", ignore_nulls=True)
    return _frame(df.with_columns(pl.Series("horaires", hours, dtype=pl.String)), "france_services",
                  adresse=address, commune_source=pl.col("commune"), source=pl.lit(LAYERS["france_services"].source))


def library_places(root: Path) -> pl.DataFrame:
    from ifn.sources import bibliotheques

    df = bibliotheques.read(root).with_row_index("_n")
    return _frame(df, "bibliotheque", id=pl.col("code") + "-" + pl.col("_n").cast(pl.String),
                  commune_source=pl.col("commune"), services=pl.col("type_bibliotheque"),
                  source=pl.lit(LAYERS["bibliotheque"].source))


def with_french_hours(df: pl.DataFrame) -> pl.DataFrame:
    """``horaires_fr``: the opening hours in French (each distinct expression rendered once)."""
    distinct = df["horaires"].unique().to_list()
    rendered = {h: french_hours(h) for h in distinct}
    return df.with_columns(pl.col("horaires").replace_strict(rendered, default=None, return_dtype=pl.String)
                           .fill_null(french_hours(None)).alias("horaires_fr"))


def read_offer(root: Path, communes_geo) -> Offer:
    """The three layers with French hours and their 2026 commune (``communes_geo``: ``code, geometry``)."""
    from ifn.sources.lieux_mediation import assign_communes, place_key

    frames = [mediation_places(root), france_services_places(root), library_places(root)]
    all_places = with_french_hours(pl.concat(frames, how="vertical"))
    located, rejected = places.check_points(all_places)
    # a CNFS place is listed once per adviser's record: one point per place (first record kept)
    key = pl.when(pl.col("couche") == "mediation").then(place_key()).otherwise(pl.col("couche") + pl.col("id"))
    unique = located.filter(key.is_first_distinct())
    assigned = assign_communes(unique.drop("territoire"), communes_geo)
    return Offer(assigned, rejected.select("couche", "nom", "commune_source", "ligne", "lat", "lon", "motif"),
                 located.height - unique.height)


def in_area(offer_places: pl.DataFrame, communes: pl.DataFrame, area_level: str | None, area_code: str | None
            ) -> pl.DataFrame:
    """The places of the communes of an area (``communes``: ``code, dep, epci, reg``); everything without area."""
    from ifn.mapview import area_filter

    if not area_level:
        return offer_places
    codes = area_filter(communes, area_level, area_code)["code"]
    return offer_places.filter(pl.col("code").is_in(codes.implode()))


def near_box(offer_places: pl.DataFrame, box: tuple[float, float, float, float], margin_deg: float = 0.1
             ) -> pl.DataFrame:
    """Places inside ``box`` (west, south, east, north) widened by ``margin_deg`` (about 10 km): the map also
    shows the places just across the border, where the nearest one may be.
    """
    west, south, east, north = box
    return offer_places.filter(pl.col("lon").is_between(west - margin_deg, east + margin_deg)
                               & pl.col("lat").is_between(south - margin_deg, north + margin_deg))


PLACE_EXPORT = {"couche": "type_de_lieu", "nom": "nom", "adresse": "adresse", "code_postal": "code_postal",
                "commune_source": "commune_indiquee", "code": "code_commune_2026", "services": "services",
                "horaires_fr": "horaires", "horaires": "horaires_osm", "conditions_acces": "acces",
                "date_maj": "date_mise_a_jour", "source": "source", "lat": "latitude", "lon": "longitude"}


def export_frame(offer_places: pl.DataFrame, territory: str) -> pl.DataFrame:
    """The places as exported: French column names, layer label, territory in every row."""
    labels = {k: v.label for k, v in LAYERS.items()}
    return (offer_places.select(list(PLACE_EXPORT)).with_columns(pl.col("couche").replace_strict(labels))
            .rename(PLACE_EXPORT).with_columns(pl.lit(territory).alias("territoire")))


def export_metadata(territory: str, rejected: int) -> dict[str, str]:
    return {"Territoire": territory, "Lieux": "lieux des communes du territoire (point dans le contour de la commune)",
            **{f"Source — {layer.label}": layer.source for layer in LAYERS.values()},
            "Lieux écartés (national)": f"{rejected} lieu(x) sans coordonnées utilisables ou hors de France"}


def to_geojson_bytes(frame: pl.DataFrame, metadata: dict[str, str]) -> bytes:
    """GeoJSON points of ``export_frame`` (``latitude, longitude``) with the settings as ``reglages``."""
    import json

    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]},
                 "properties": {k: v for k, v in r.items() if k not in ("latitude", "longitude")}}
                for r in frame.iter_rows(named=True)]
    fc = {"type": "FeatureCollection", "reglages": metadata, "features": features}
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
