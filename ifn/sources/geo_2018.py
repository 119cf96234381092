"""Commune polygons of the COG 2018 (IGN Admin Express 2018, ``geo/communes/communes-<dep>-<name>.geojson``).

No longer the map's outlines (``ifn.sources.geo_2024`` is): kept to measure the surfaces of the
communes of 2018/2019, the codes of the 4G coverage file of 2019 (``ifn.sources.arcep_mobile_2019``).
"""

from __future__ import annotations

from pathlib import Path

from ifn.errors import DataError
from ifn.readers import CODE_RE, _short

SOURCE_ID = "geo_2018"
GEO_COMMUNES_DIR = "geo/communes"


def files(root: Path) -> list[Path]:
    folder = root / GEO_COMMUNES_DIR
    return sorted(folder.glob("communes-*.geojson")) if folder.is_dir() else []


def read_commune_geometries(root: Path, progress=None):
    """All commune polygons (COG 2018), one GeoDataFrame in WGS84: ``code, nom, geometry``."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    files = sorted((root / GEO_COMMUNES_DIR).glob("communes-*.geojson"))
    if not files:
        raise DataError(root / GEO_COMMUNES_DIR, "aucun fichier communes-*.geojson trouvé.")
    parts = []
    for n, path in enumerate(files):
        parts.append(_read_geojson(path))
        if progress:
            progress(n + 1, len(files))
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    invalid = ~shapely.is_valid(gdf.geometry.values)
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry.values[invalid], method="structure")
    return gdf


def _read_geojson(path: Path):
    import pyogrio

    head = path.read_bytes()[:200].lstrip()
    if not head.startswith(b"{"):
        raise DataError(path, "ce n'est pas un fichier GeoJSON (il devrait commencer par « { »).")
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as exc:
        raise DataError(path, f"GeoJSON illisible ({_short(exc)}).") from exc
    missing = [c for c in ("code", "nom") if c not in gdf.columns]
    if missing:
        raise DataError(path, f"propriété(s) absente(s) des entités : {', '.join(missing)}.")
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, None):
        gdf = gdf.to_crs(4326)
    bad = ~gdf["code"].astype(str).str.match(CODE_RE)
    if bad.any():
        raise DataError(path, f"code commune « {gdf['code'][bad].iloc[0]} » invalide dans les propriétés.")
    if gdf.geometry.isna().any():
        raise DataError(path, f"géométrie vide pour la commune « {gdf['code'][gdf.geometry.isna()].iloc[0]} ».")
    return gdf[["code", "nom", "geometry"]]
