"""ARCEP « Mon réseau mobile », 4G coverage maps of 2019 Q3 intersected with the communes.

``arcep/mon-reseau-mobile-2019T3/couverture_4g_3g_surface_communes_2019T3.csv``:
one row per metropolitan commune of the COG 2019 (34,832; no Paris, Lyon,
Marseille, no DROM): the share (0–1) of the commune's **surface** covered in 4G
by the best operator (``tx_4G_max``) and by the worst one (``tx_4G_min``).
17 best-operator values exceed 1 (overlapping coverage polygons): clipped to 1
and counted.

Merged communes are pooled by surface: covered km² summed over the source
communes ÷ their km² (``source_surfaces`` measures each 2019 commune on the
COG 2018 polygons, in Lambert-93, adding the 2018 communes merged on
2019-01-01 into their commune nouvelle).

Communes absent from the file:

- Paris (75056) and Lyon (69123) are counted as fully covered by every
  operator (``FULLY_COVERED``): dense cities where all bordering communes are
  covered at 100 % by the best operator in the same maps;
- Marseille (13055) is left without a value: its territory includes the
  Calanques massif and islands, and its neighbours are not fully covered
  (Allauch 95.4 %, Le Rove 98.9 % by the best operator);
- the 6 uninhabited « villages détruits » of the Meuse are absent as well: no value;
- the DROM: ``drom_4g_surface`` computes a substitute from the 2020 site lists.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ifn.errors import DataError
from ifn.readers import CsvSpec, read_csv_spec
from ifn.reconcile import final_code

SOURCE_ID = "arcep_mobile_2019"
MOBILE_2019 = CsvSpec(
    "arcep/mon-reseau-mobile-2019T3/couverture_4g_3g_surface_communes_2019T3.csv",
    ",",
    {"code": "code", "lib_com": "nom", "tx_4G_max": "tx_4g_max", "best_op_4G": "meilleur_operateur_4g",
     "tx_4G_min": "tx_4g_min", "worst_op_4G": "moins_bon_operateur_4g"},
    numeric=("tx_4g_max", "tx_4g_min"),
    min_rows=30_000,
    required=("code", "tx_4g_max", "tx_4g_min"),
)
# Above this a share is not an overlap artefact but a wrong file (largest value of the file: 1.557).
MAX_RAW_SHARE = 2.0
FULLY_COVERED = {
    "75056": "Paris, absente du fichier : entièrement couverte en 4G par chaque opérateur (ville dense).",
    "69123": "Lyon, absente du fichier : entièrement couverte en 4G (toutes ses communes limitrophes le sont à 100 % "
             "par le meilleur opérateur).",
}
NO_VALUE = {
    "13055": "Marseille, absente du fichier : le massif des Calanques et les îles ne permettent pas de la supposer "
             "entièrement couverte (Allauch 95,4 %, Le Rove 98,9 % pour le meilleur opérateur).",
}
LAMBERT93 = 2154
# Pool columns (km²): the indicator is 100 · (1 − covered ÷ surface) at every level.
SURFACE = "surface_4g_km2"
COVERED_BEST = "surface_couverte_4g_km2"
COVERED_WORST = "surface_couverte_4g_min_km2"


def files(root: Path) -> list[Path]:
    """The 2019 coverage file, the COG 2018 polygons (source-commune surfaces) and the DROM site lists."""
    from ifn.sources import geo_2018

    return [root / MOBILE_2019.relpath, *geo_2018.files(root), *(root / drom_site_file(dep) for dep in UTM_BY_DEPARTEMENT)]


def read(root: Path, spec: CsvSpec = MOBILE_2019) -> pl.DataFrame:
    """``code, nom, tx_4g_max, tx_4g_min`` (clipped to [0, 1]), operators, and ``ecrete`` (a value was > 1)."""
    df = read_csv_spec(root, spec)
    path = root / spec.relpath
    dup = df.filter(pl.col("code").is_duplicated())
    if dup.height:
        raise DataError(path, f"le code « {dup['code'][0]} » apparaît plusieurs fois.")
    checked = df.with_row_index("_i")
    for col in ("tx_4g_max", "tx_4g_min"):
        bad = checked.filter((pl.col(col) < 0) | (pl.col(col) > MAX_RAW_SHARE) | pl.col(col).is_nan())
        if bad.height:
            raise DataError(
                path,
                f"part de surface couverte « {bad[col][0]} » hors de [0, 1] dans la colonne "
                f"« {col.replace('tx_4g', 'tx_4G')} » à la ligne {bad['_i'][0] + 2} (commune « {bad['code'][0]} »).",
            )
    bad = checked.filter(pl.col("tx_4g_min") > pl.col("tx_4g_max") + 1e-9)
    if bad.height:
        raise DataError(path, f"commune « {bad['code'][0]} » (ligne {bad['_i'][0] + 2}) : le moins bon opérateur "
                              f"couvre plus ({bad['tx_4g_min'][0]}) que le meilleur ({bad['tx_4g_max'][0]}).")
    return df.with_columns(
        ((pl.col("tx_4g_max") > 1) | (pl.col("tx_4g_min") > 1)).alias("ecrete"),
        pl.col("tx_4g_max").clip(0, 1),
        pl.col("tx_4g_min").clip(0, 1),
    )


def report(frame: pl.DataFrame) -> dict:
    """Counts for the build report (``frame``: output of ``read``)."""
    return {
        "valeurs_ecretees_a_1": int(frame["ecrete"].sum()),
        "communes_supposees_couvertes": sorted(FULLY_COVERED),
        "communes_sans_valeur": sorted(NO_VALUE),
    }


# --------------------------------------------------------------------------- surfaces
UTM_BY_DEPARTEMENT = {"971": 32620, "972": 32620, "973": 32622, "974": 32740, "976": 32738}


def surface_km2(codes, geometries) -> np.ndarray:
    """Area in km² of WGS84 polygons: Lambert-93 (EPSG:2154) in metropolitan France, the UTM zone of
    each DROM elsewhere (areas within 0.1 % of the ellipsoidal ones at commune scale).
    """
    import geopandas as gpd

    codes = np.asarray(codes).astype(str)
    gs = gpd.GeoSeries(list(geometries), crs=4326)
    out = np.full(len(codes), np.nan)
    prefix = np.array([c[:3] for c in codes])
    for crs, mask in [(LAMBERT93, ~np.isin(prefix, list(UTM_BY_DEPARTEMENT)))] + [
        (epsg, prefix == dep) for dep, epsg in UTM_BY_DEPARTEMENT.items()
    ]:
        if mask.any():
            out[mask] = gs[mask].to_crs(crs).area.to_numpy() / 1e6
    return out


def source_surfaces(root: Path, geometries=None, movements: pl.DataFrame | None = None) -> pl.DataFrame:
    """``code, surface_km2`` of each commune of the COG 2019 (the codes of the 2019 file).

    Measured on the COG 2018 polygons (``geo/communes``); a 2018 commune merged on
    2019-01-01 adds its area to its commune nouvelle (COG history of changes). Codes
    absent from the 2019 file (Paris, Lyon, Marseille, DROM) keep their own area.
    """
    from ifn.sources import cog_2026, geo_2018

    geo = geometries if geometries is not None else geo_2018.read_commune_geometries(root)
    movements = movements if movements is not None else cog_2026.read_movements(root)
    areas = pl.DataFrame({"code_2018": geo["code"].astype(str).to_numpy(),
                          "surface_km2": surface_km2(geo["code"], geo.geometry.values)})
    merged_2019 = dict(
        movements.filter(
            (pl.col("date") > "2018-01-01") & (pl.col("date") <= "2019-01-01")
            & pl.col("mod").is_in(["31", "32", "33", "34"])
            & (pl.col("type_av") == "COM") & (pl.col("type_ap") == "COM") & (pl.col("code_av") != pl.col("code_ap"))
        ).select("code_av", "code_ap").unique("code_av", keep="first").iter_rows()
    )

    return (
        areas.with_columns(pl.col("code_2018").map_elements(lambda c: final_code(merged_2019, c),
                                                            return_dtype=pl.String).alias("code"))
        .group_by("code").agg(pl.col("surface_km2").sum()).sort("code")
    )


# --------------------------------------------------------------------------- per commune
def to_communes_2026(mapped: pl.DataFrame, root: Path, source_surfaces: pl.DataFrame,
                     communes_geo) -> pl.DataFrame:
    """The build's entry: metropolitan communes pooled by surface (``to_communes``) and the DROM
    substitute (``drom_4g_surface``) on the 2026 DROM polygons (``communes_geo``).
    """
    metro = to_communes(mapped, surfaces=source_surfaces)
    drom_geo = communes_geo[communes_geo["code"].astype(str).str.startswith("97")]
    drom = drom_4g_surface(root, drom_geo)
    return pl.concat([metro.filter(~pl.col("code").str.starts_with("97")), drom], how="vertical_relaxed").sort("code")


def to_communes(mapped: pl.DataFrame, surfaces: pl.DataFrame | None = None, **context) -> pl.DataFrame:
    """Surface-weighted 4G indicators per 2026 code.

    ``surfaces``: ``code, surface_km2`` of the *source* communes (``source_surfaces``).
    Returns ``code, couv4g, couv4g_min`` (percent of the surface not covered by the
    best / worst operator) and the pool columns ``surface_4g_km2``,
    ``surface_couverte_4g_km2``, ``surface_couverte_4g_min_km2``. Paris and Lyon
    (``FULLY_COVERED``) are added fully covered when absent.
    """
    if surfaces is None:
        raise ValueError("to_communes needs surfaces= (source_surfaces)")
    joined = mapped.join(surfaces.rename({"code": "code_source"}), on="code_source", how="left")
    no_area = joined.filter(pl.col("surface_km2").is_null() | (pl.col("surface_km2") <= 0))
    if no_area.height:
        raise DataError(MOBILE_2019.relpath, f"commune « {no_area['code_source'][0]} » sans surface connue "
                                             f"({no_area.height} commune(s)) : pondération impossible.")
    extra = [c for c in FULLY_COVERED if c not in set(mapped["code"].to_list())]
    pooled = joined.group_by("code").agg(
        pl.col("surface_km2").sum().alias(SURFACE),
        (pl.col("tx_4g_max") * pl.col("surface_km2")).sum().alias(COVERED_BEST),
        (pl.col("tx_4g_min") * pl.col("surface_km2")).sum().alias(COVERED_WORST),
    )
    if extra:
        full = surfaces.filter(pl.col("code").is_in(extra)).select(
            "code", pl.col("surface_km2").alias(SURFACE), pl.col("surface_km2").alias(COVERED_BEST),
            pl.col("surface_km2").alias(COVERED_WORST))
        pooled = pl.concat([pooled, full])
    return pooled_shares(pooled).sort("code")


def pooled_shares(pooled: pl.DataFrame) -> pl.DataFrame:
    """``couv4g`` and ``couv4g_min`` from the summed km² (clipped to [0, 100] against rounding)."""
    return pooled.select(
        "code",
        (100 * (1 - pl.col(COVERED_BEST) / pl.col(SURFACE))).clip(0, 100).alias("couv4g"),
        (100 * (1 - pl.col(COVERED_WORST) / pl.col(SURFACE))).clip(0, 100).alias("couv4g_min"),
        SURFACE, COVERED_BEST, COVERED_WORST,
    )


# --------------------------------------------------------------------------- DROM substitute
DROM_SITES = {"971": "GUA", "972": "MAR", "973": "GUY", "974": "REU", "976": "MAY"}
SITES_SPEC = {"Operateur": "operateur", "X": "lon", "Y": "lat", "C4G": "c4g"}
# Radius around a 4G site counted as covered by its operator: calibrated on the metropolitan
# maps (scripts/calibrate_4g_radius.py: at 7 km the discs around the sites of the best
# operator cover 0.8 point less surface than the 2019 maps, surface-weighted, over 12
# départements). No radius reproduces the worst operator's maps (−28 points at 7 km): the
# worst-operator value of the DROM is left null (reason in NO_WORST_REASON).
DROM_RADIUS_KM = 7.0
NO_WORST_REASON = ("DROM : aucun rayon ne reproduit en métropole les cartes du moins bon opérateur "
                   "(écart de −28 points à 7 km) ; valeur non calculée.")


def drom_site_file(dep: str) -> str:
    return f"arcep/{DROM_SITES[dep]}_sites_mobiles_2020_T2.csv"


def read_drom_sites(root: Path, dep: str) -> pl.DataFrame:
    """4G sites of one DROM (2020 Q2): ``operateur, lon, lat`` (``C4G`` = 1), coordinates checked."""
    from ifn.places import check_points

    rel = drom_site_file(dep)
    spec = CsvSpec(rel, ";", SITES_SPEC, numeric=("lon", "lat", "c4g"), code_columns=(), min_rows=10,
                   required=("operateur", "lon", "lat", "c4g"))
    df = read_csv_spec(root, spec)
    bad = df.with_row_index("_i").filter(~pl.col("c4g").is_in([0.0, 1.0]))
    if bad.height:
        raise DataError(root / rel, f"valeur « {bad['c4g'][0]} » inattendue dans la colonne « C4G » à la ligne "
                                    f"{bad['_i'][0] + 2} (0 ou 1 attendu).")
    located, outside = check_points(df.with_row_index("_i"), territories=(dep,))
    if outside.height:
        raise DataError(root / rel, f"site hors de {dep} à la ligne {outside['_i'][0] + 2} "
                                    f"(longitude {outside['lon'][0]}, latitude {outside['lat'][0]}).")
    return located.filter(pl.col("c4g") == 1).select("operateur", "lon", "lat")


def _covered_by_operator(sites: pl.DataFrame, polys, epsg: int, radius: float) -> np.ndarray:
    """Area (m²) of each polygon within ``radius`` km of a site, one row per operator."""
    import geopandas as gpd
    import shapely

    covered = []
    for _, op in sorted(sites.group_by("operateur")):
        pts = gpd.GeoSeries(gpd.points_from_xy(op["lon"], op["lat"]), crs=4326).to_crs(epsg).values
        discs = shapely.union_all(shapely.buffer(pts, radius * 1000, quad_segs=16))
        covered.append(shapely.area(shapely.intersection(polys, discs)))
    return np.vstack(covered)


def drom_4g_surface(root: Path, communes_gdf, radius_km: float = DROM_RADIUS_KM,
                    worst_radius_km: float | None = None) -> pl.DataFrame:
    """Share of each DROM commune's surface within ``radius_km`` of a 4G site (2020 Q2 site lists).

    ``communes_gdf``: ``code, geometry`` (WGS84), DROM communes. For each operator
    with 4G sites in the territory, the union of the discs of radius ``radius_km``
    (UTM zone of the DROM) is intersected with each commune; best operator = the
    largest covered area, worst = the smallest, computed only with an explicit
    ``worst_radius_km`` (null otherwise: no calibrated radius, see ``NO_WORST_REASON``).
    Same columns as ``to_communes``.
    """
    import geopandas as gpd
    import shapely

    codes = communes_gdf["code"].astype(str).to_numpy()
    rows = []
    for dep, epsg in UTM_BY_DEPARTEMENT.items():
        mask = np.array([c.startswith(dep) for c in codes])
        if not mask.any():
            continue
        polys = gpd.GeoSeries(communes_gdf.geometry.values[mask], crs=4326).to_crs(epsg).values
        polys = shapely.make_valid(polys)
        area = shapely.area(polys)
        sites = read_drom_sites(root, dep)
        best = _covered_by_operator(sites, polys, epsg, radius_km).max(axis=0)
        worst = (_covered_by_operator(sites, polys, epsg, worst_radius_km).min(axis=0) if worst_radius_km is not None
                 else np.full(len(area), np.nan))
        for c, a, b, w in zip(codes[mask], area, best, worst):
            rows.append((c, a / 1e6, min(b, a) / 1e6, None if np.isnan(w) else min(w, a) / 1e6))
    pooled = pl.DataFrame(rows, schema={"code": pl.String, SURFACE: pl.Float64, COVERED_BEST: pl.Float64,
                                        COVERED_WORST: pl.Float64}, orient="row")
    return pooled_shares(pooled).sort("code")
