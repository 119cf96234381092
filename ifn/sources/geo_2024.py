"""Commune polygons of the COG 2024 (IGN Admin Express), metropolitan France and the DROM.

Files: ``geo/cog-2024/communes/dep<XX>.geojson`` (96 files; property
``code_territoire`` = ``"com"`` + INSEE code, ``libelle_territoire``) and
``geo/cog-2024/communes-drom/<971…976>.geojson`` (properties
``code_commune``, ``libelle_commune``), WGS84. Paris, Lyon and Marseille are
whole communes. The build takes them to 2026 by dissolving the communes merged
since (``ifn.reconcile``); communes re-established after 2024 have no polygon.
"""

from __future__ import annotations

import re
from pathlib import Path

from ifn.errors import DataError
from ifn.readers import CODE_RE

SOURCE_ID = "geo_2024"
METRO_DIR = "geo/cog-2024/communes"
DROM_DIR = "geo/cog-2024/communes-drom"
DROM_FILES = ("971", "972", "973", "974", "976")
COG_DATE = "2024-01-01"
MIN_METRO_FILES = 96


def files(root: Path) -> list[Path]:
    metro = sorted((root / METRO_DIR).glob("dep*.geojson")) if (root / METRO_DIR).is_dir() else []
    return metro + [root / DROM_DIR / f"{dep}.geojson" for dep in DROM_FILES]


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def read_file(path: Path, code_field: str, name_field: str, prefix: str = ""):
    """One GeoJSON file → GeoDataFrame ``code, nom, geometry`` (WGS84), validated."""
    import pyogrio

    if path.is_dir():
        raise DataError(path, "un dossier se trouve là où un fichier GeoJSON est attendu.")
    if not path.is_file():
        raise DataError(path, "fichier manquant dans le jeu de données ouvertes.")
    with path.open("rb") as fh:
        head = fh.read(200).lstrip()
    if not head.startswith(b"{"):
        raise DataError(path, "ce n'est pas un fichier GeoJSON (il devrait commencer par « { »).")
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises its own error types
        raise DataError(path, f"GeoJSON illisible ({_short(exc)}).") from exc
    missing = [c for c in (code_field, name_field) if c not in gdf.columns]
    if missing:
        raise DataError(path, f"propriété(s) absente(s) des entités : {', '.join(missing)} "
                              f"(propriétés trouvées : {', '.join(map(str, gdf.columns[:8]))}).")
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, None):
        gdf = gdf.to_crs(4326)
    raw = gdf[code_field].astype(str)
    codes = raw.str.removeprefix(prefix) if prefix else raw
    pattern = re.compile(CODE_RE)
    for n, (value, code) in enumerate(zip(raw, codes)):
        if (prefix and not value.startswith(prefix)) or not pattern.match(code):
            raise DataError(path, f"entité n° {n + 1} : code « {value} » invalide dans « {code_field} ».")
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise DataError(path, f"géométrie vide pour la commune « {codes[empty].iloc[0]} ».")
    out = gdf.assign(code=codes.values, nom=gdf[name_field].astype(str).values)[["code", "nom", "geometry"]]
    return out.set_crs(4326, allow_override=True)


def read(root: Path, progress=None):
    """All commune polygons of 2024 in one GeoDataFrame ``code, nom, geometry`` (invalid rings repaired)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    folder = root / METRO_DIR
    if not folder.is_dir():
        raise DataError(folder, "dossier des contours communaux 2024 manquant.")
    metro = sorted(folder.glob("dep*.geojson"))
    if len(metro) < MIN_METRO_FILES:
        raise DataError(folder, f"{len(metro)} fichiers dep*.geojson seulement, {MIN_METRO_FILES} attendus "
                                "(un département manque).")
    jobs = [(p, "code_territoire", "libelle_territoire", "com") for p in metro]
    jobs += [(root / DROM_DIR / f"{dep}.geojson", "code_commune", "libelle_commune", "") for dep in DROM_FILES]
    parts = []
    for n, job in enumerate(jobs):
        parts.append(read_file(*job))
        if progress:
            progress(n + 1, len(jobs))
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    dup = gdf["code"].duplicated()
    if dup.any():
        raise DataError(folder, f"la commune « {gdf['code'][dup].iloc[0]} » a plusieurs contours.")
    invalid = ~shapely.is_valid(gdf.geometry.values)
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry.values[invalid], method="structure")
    return gdf
