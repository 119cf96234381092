"""Places where a Conseiller numérique France Services works (ANCT, export of December 2022).

``services/lieux-mediation-numerique-cnfs-2022.csv``: the national « lieux de
médiation numérique » data standard, ``,`` separated, one row per place:
``id, nom, services`` (``;``-separated list), ``pivot`` (SIRET), ``commune,
code_postal, adresse, latitude, longitude, conditions_access,
labels_nationaux, horaires`` (OSM opening-hours syntax), ``source, date_maj``.
There is no commune code: ``assign_communes`` finds it by point in polygon.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ifn import places
from ifn.errors import DataError
from ifn.readers import CsvSpec, _check_required, _line_of, _read_raw
from ifn.sources.france_services import record_lines

SOURCE_ID = "lieux_mediation"
CNFS = CsvSpec(
    "services/lieux-mediation-numerique-cnfs-2022.csv", ",",
    {c: c for c in ("id", "nom", "services", "pivot", "commune", "code_postal", "adresse", "latitude", "longitude",
                    "conditions_access", "labels_nationaux", "horaires", "source", "date_maj")},
    code_columns=(), min_rows=4_000, required=("id", "nom"),
)
# A place within this distance of a commune polygon (simplified coast line) is given that commune.
NEAREST_COMMUNE_KM = 1.0


def files(root: Path) -> list[Path]:
    return [root / CNFS.relpath]


def read(root: Path, spec: CsvSpec = CNFS) -> pl.DataFrame:
    """One row per place, ``ligne`` (where its record starts), ``lat, lon`` (null when missing or unreadable)."""
    path = root / spec.relpath
    df = _read_raw(root, spec)
    starts = record_lines(path, spec.separator)
    lines = starts if len(starts) == df.height else [_line_of(i, spec) for i in range(df.height)]
    _check_required(df, spec, root, lambda i: lines[i])
    dup = df.with_row_index("_i").filter(pl.col("id").is_duplicated())
    if dup.height:
        raise DataError(path, f"l'identifiant de lieu « {dup['id'][0]} » apparaît plusieurs fois (lignes "
                              f"{', '.join(str(lines[i]) for i in dup['_i'].to_list()[:5])}).")
    bad = df.with_row_index("_i").filter(pl.col("date_maj").is_not_null() & ~pl.col("date_maj").str.contains(r"^\d{4}-\d{2}-\d{2}$"))
    if bad.height:
        raise DataError(path, f"date de mise à jour « {bad['date_maj'][0]} » invalide à la ligne {lines[bad['_i'][0]]} "
                              "(AAAA-MM-JJ attendu).")
    return df.with_columns(
        pl.Series("ligne", lines, dtype=pl.Int64),
        pl.col("latitude").str.strip_chars().cast(pl.Float64, strict=False).alias("lat"),
        pl.col("longitude").str.strip_chars().cast(pl.Float64, strict=False).alias("lon"),
        pl.col("services").str.split(";").alias("services"),
    ).drop("latitude", "longitude")


def points(frame: pl.DataFrame) -> pl.DataFrame:
    """Places located in France (metropolitan box or a DROM box)."""
    return places.check_points(frame)[0]


def report(frame: pl.DataFrame) -> dict:
    located, rejected = places.check_points(frame)
    return {"lieux_lus": frame.height, "localises": located.height,
            "lieux_en_double_meme_nom_memes_coordonnees": located.height - located.select(place_key().n_unique()).item(),
            **places.rejected_report(rejected)}


def assign_communes(points_frame: pl.DataFrame, communes) -> pl.DataFrame:
    """Add ``code``: the commune whose polygon holds the point (``communes``: GeoDataFrame ``code, geometry``,
    WGS84). A point outside every polygon (on the shore of a simplified coast line) takes the nearest
    commune within ``NEAREST_COMMUNE_KM``; beyond, ``code`` stays null (counted by ``unassigned``).
    """
    import geopandas as gpd
    import shapely

    polys = np.asarray(communes.geometry.values)
    codes = communes["code"].astype(str).to_numpy()
    pts = shapely.points(points_frame["lon"].to_numpy(), points_frame["lat"].to_numpy())
    tree = shapely.STRtree(polys)
    pi, gi = tree.query(pts, predicate="within")
    code = np.full(len(pts), None, dtype=object)
    # a point on a shared border may fall in two polygons: the first (smallest code order) wins
    order = np.lexsort((codes[gi], pi))
    pi, gi = pi[order], gi[order]
    first = np.unique(pi, return_index=True)[1]
    code[pi[first]] = codes[gi[first]]
    missing = np.flatnonzero(code == None)  # noqa: E711
    if len(missing):
        metric_pts = gpd.GeoSeries(pts[missing], crs=4326).to_crs(3857)
        metric_polys = gpd.GeoSeries(polys, crs=4326).to_crs(3857)
        scale = np.cos(np.radians(points_frame["lat"].to_numpy()[missing]))  # Web Mercator stretches by 1/cos(lat)
        idx, dist = metric_polys.sindex.nearest(metric_pts.values, return_distance=True, return_all=False)
        for k, (p, g) in enumerate(zip(idx[0], idx[1])):
            if dist[k] * scale[p] <= NEAREST_COMMUNE_KM * 1000:
                code[missing[p]] = codes[g]
    return points_frame.with_columns(pl.Series("code", code, dtype=pl.String))


def unassigned(assigned: pl.DataFrame) -> pl.DataFrame:
    return assigned.filter(pl.col("code").is_null())


def place_key() -> pl.Expr:
    """Same place: same name (case and surrounding spaces ignored) at the same coordinates. The export lists
    141 places twice or more under different ids (one row per adviser's record).
    """
    return pl.concat_str([pl.col("nom").str.strip_chars().str.to_lowercase(), pl.col("lat").cast(pl.String),
                          pl.col("lon").cast(pl.String)], separator="|", ignore_nulls=True)


def to_communes(mapped: pl.DataFrame, centres: pl.DataFrame | None = None, **context) -> pl.DataFrame:
    """``code, nb_lieux_mediation, dist_mediation``: distinct CNFS places per 2026 commune (a place listed
    twice counts once), and the km from each commune's population centre to the nearest place.
    """
    from ifn.distances import with_distance

    counts = mapped.group_by("code").agg(place_key().n_unique().cast(pl.Int64).alias("nb_lieux_mediation")).sort("code")
    return with_distance(counts, centres, points(mapped), "dist_mediation", "nb_lieux_mediation")


def build(root: Path, communes_geo, centres: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """The build's hook: the places have no commune code, so each located place takes the 2026 commune
    whose polygon holds it (``assign_communes``); places outside every commune are listed, not dropped.
    """
    frame = read(root)
    located = points(frame)
    assigned = assign_communes(located, communes_geo)
    lost = unassigned(assigned)
    entry = {"source": CNFS.relpath, **report(frame), "lieux_hors_commune": lost.height,
             "detail_lieux_hors_commune": [f"{n} ({la:.4f}, {lo:.4f})" for n, la, lo in
                                           lost.select("nom", "lat", "lon").head(50).iter_rows()]}
    counts = assigned.filter(pl.col("code").is_not_null()).group_by("code").agg(
        place_key().n_unique().cast(pl.Int64).alias("nb_lieux_mediation"))
    from ifn.distances import with_distance

    return with_distance(counts, centres, located, "dist_mediation", "nb_lieux_mediation"), entry
