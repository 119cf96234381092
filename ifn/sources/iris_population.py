"""IRIS polygons (IGN Contours IRIS ~2024) with their population of 2022 (INSEE RP 2022, base IRIS).

Used for the population-weighted centre of the communes split into IRIS
(``ifn.distances.population_centres``). Polygons: ``geo/cog-2024/iris/dep<XX>.geojson``
(``code_territoire`` = ``iris`` + IRIS code) and ``geo/cog-2024/iris-paris/75.geojson``
(``code_iris``); population: ``P22_POP`` of ``insee/rp-2022-iris/agg_iris_<dep>.parquet``,
joined by IRIS code. ``commune`` is the commune of the parquet's ``COM`` (COG 2025/2026),
the municipal arrondissements of Paris, Lyon and Marseille replaced by their commune.
No DROM IRIS: the DROM communes take the representative point of their polygon.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ifn.errors import DataError

SOURCE_ID = "iris_population_2022"
IRIS_DIR = "geo/cog-2024/iris"
IRIS_PARIS = "geo/cog-2024/iris-paris/75.geojson"
RP_DIR = "insee/rp-2022-iris"
ARRONDISSEMENT_PARENT = {"751": "75056", "693": "69123", "132": "13055"}


def files(root: Path) -> list[Path]:
    return (sorted((root / IRIS_DIR).glob("dep*.geojson")) + [root / IRIS_PARIS]
            + sorted((root / RP_DIR).glob("agg_iris_*.parquet")))


def commune_of(com: pl.Expr) -> pl.Expr:
    """Municipal arrondissement (75101…, 69381…, 13201…) → its commune; other codes unchanged."""
    expr = com
    for prefix, parent in ARRONDISSEMENT_PARENT.items():
        expr = pl.when(com.str.starts_with(prefix) & (com != parent)).then(pl.lit(parent)).otherwise(expr)
    return expr


def read_populations(root: Path) -> pl.DataFrame:
    """``iris, commune, population`` (RP 2022) of every metropolitan IRIS."""
    paths = sorted((root / RP_DIR).glob("agg_iris_*.parquet"))
    if not paths:
        raise DataError(root / RP_DIR, "aucun fichier agg_iris_<dep>.parquet trouvé.")
    parts = []
    for path in paths:
        try:
            df = pl.read_parquet(path, columns=["code", "COM", "P22_POP"])
        except Exception as exc:  # polars raises several types for a broken or foreign file
            raise DataError(path, f"fichier Parquet illisible ou colonnes code, COM, P22_POP absentes ({exc}).") from exc
        bad = df.filter(~pl.col("code").str.contains(r"^(?:\d{9}|2[AB]\d{7})$"))
        if bad.height:
            raise DataError(path, f"code IRIS « {bad['code'][0]} » invalide (9 caractères attendus).")
        neg = df.filter(pl.col("P22_POP") < 0)
        if neg.height:
            raise DataError(path, f"IRIS « {neg['code'][0]} » : population {neg['P22_POP'][0]} négative.")
        parts.append(df)
    out = pl.concat(parts)
    return out.select(pl.col("code").alias("iris"), commune_of(pl.col("COM")).alias("commune"),
                      pl.col("P22_POP").alias("population"))


def read_polygons(root: Path):
    """``iris, geometry`` (WGS84) of the metropolitan IRIS, Paris included."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    parts = []
    paths = sorted((root / IRIS_DIR).glob("dep*.geojson"))
    if not paths:
        raise DataError(root / IRIS_DIR, "aucun fichier dep<XX>.geojson trouvé.")
    for path in paths:
        gdf = _read(path, pyogrio)
        if "code_territoire" not in gdf.columns:
            raise DataError(path, "propriété « code_territoire » absente des entités.")
        gdf["iris"] = gdf["code_territoire"].astype(str).str.removeprefix("iris")
        parts.append(gdf[["iris", "geometry"]])
    paris = _read(root / IRIS_PARIS, pyogrio)
    if "code_iris" not in paris.columns:
        raise DataError(root / IRIS_PARIS, "propriété « code_iris » absente des entités.")
    paris["iris"] = paris["code_iris"].astype(str)
    parts.append(paris[["iris", "geometry"]])
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")


def _read(path: Path, pyogrio):
    if not path.is_file():
        raise DataError(path, "fichier manquant dans le jeu de données ouvertes.")
    try:
        return pyogrio.read_dataframe(path)
    except Exception as exc:
        raise DataError(path, f"GeoJSON illisible ({str(exc)[:200]}).") from exc


def read(root: Path):
    """IRIS polygons with ``iris, commune, population`` (GeoDataFrame), and the unmatched counts.

    Returns (gdf, report): polygons without a 2022 population row and population rows
    without a polygon are counted and listed in the report (never dropped silently:
    a polygon without population simply does not weigh in its commune's centre).
    """
    pop = read_populations(root)
    polys = read_polygons(root)
    keys = pl.DataFrame({"iris": polys["iris"].to_numpy().astype(str)}).with_row_index("_row")
    joined = keys.join(pop, on="iris", how="left")
    no_pop = joined.filter(pl.col("commune").is_null())["iris"].to_list()
    no_poly = pop.join(keys, on="iris", how="anti")
    joined = joined.with_columns(  # a polygon without population row: commune from its code, no weight
        pl.coalesce("commune", commune_of(pl.col("iris").str.slice(0, 5))).alias("commune"))
    gdf = polys.iloc[joined["_row"].to_numpy()].copy()
    gdf["commune"] = joined["commune"].to_numpy()
    gdf["population"] = joined["population"].to_numpy()
    report = {
        "iris_contours": int(len(polys)),
        "iris_population_2022": pop.height,
        "contours_sans_population": len(no_pop), "codes_contours_sans_population": no_pop[:50],
        "populations_sans_contour": no_poly.height, "codes_populations_sans_contour": no_poly["iris"].to_list()[:50],
        "population_sans_contour": float(np.nansum(no_poly["population"].to_numpy())) if no_poly.height else 0.0,
    }
    return gdf, report
