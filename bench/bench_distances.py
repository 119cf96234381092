"""Time of the distance computation (all communes × three services) and of each reader of issue 12.

Prints figures, asserts nothing. Communes: the COG 2024 polygons of the bundle
(metropolitan ``geo/cog-2024/communes`` + ``communes-drom``), centres from the IRIS
of 2022. Run: ``/work/main/.venv/bin/python bench/bench_distances.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ifn.config import resolve_settings  # noqa: E402


def read_communes_2024(root: Path):
    """``code, geometry`` of the COG 2024 communes (metropolitan + DROM), WGS84."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    parts = []
    for path in sorted((root / "geo/cog-2024/communes").glob("dep*.geojson")):
        g = pyogrio.read_dataframe(path)
        parts.append(gpd.GeoDataFrame({"code": g["code_territoire"].str.removeprefix("com")}, geometry=g.geometry))
    for path in sorted((root / "geo/cog-2024/communes-drom").glob("*.geojson")):
        g = pyogrio.read_dataframe(path)
        parts.append(gpd.GeoDataFrame({"code": g["code_commune"].astype(str)}, geometry=g.geometry))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")


def timed(label: str, fn, *args, repeat: int = 1, **kwargs):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t)
    best = min(times)
    print(f"{label:<62} {best:8.3f} s" + (f"  (meilleur de {repeat})" if repeat > 1 else ""))
    return out


def main() -> None:
    from ifn import distances
    from ifn.sources import (
        arcep_fixe_2026,
        arcep_mobile_2019,
        bibliotheques,
        france_services,
        iris_population,
        lieux_mediation,
    )

    root = resolve_settings().data_dir
    print(f"Jeu de données : {root}")
    fixe = timed("Lecture ARCEP fixe 2026 (101 fichiers JSON)", arcep_fixe_2026.read, root)
    fixe_communes = timed("  to_communes (fibre, thd30)", arcep_fixe_2026.to_communes,
                          fixe.with_columns(code_source=fixe["code"]))
    for ind, fig in arcep_fixe_2026.national_figures(fixe_communes).items():
        print(f"  {ind:<6} {fig['part_des_locaux_pct']:6.2f} % des {fig['locaux']:,} locaux ; médiane communale "
              f"{fig['mediane_communes_pct']:.2f} % ; p90 {fig['p90_communes_pct']:.2f} % ; "
              f"{fig['communes_sans_local_eligible']} communes sans local éligible "
              f"({fig['communes_sans_local_eligible_pct']:.2f} %)".replace(",", "\u202f"))
    mobile = timed("Lecture ARCEP 4G 2019 (CSV)", arcep_mobile_2019.read, root)
    surfaces = timed("Surfaces des communes 2019 (contours COG 2018, Lambert-93)", arcep_mobile_2019.source_surfaces, root)
    timed("  to_communes (couv4g, couv4g_min)", arcep_mobile_2019.to_communes,
          mobile.with_columns(code_source=mobile["code"]), surfaces=surfaces)
    communes = timed("Contours des communes COG 2024 (métropole + DROM)", read_communes_2024, root)
    drom = communes[communes["code"].str.startswith("97")]
    timed(f"4G DROM : disques de {arcep_mobile_2019.DROM_RADIUS_KM:g} km ({len(drom)} communes)",
          arcep_mobile_2019.drom_4g_surface, root, drom)
    libs = timed("Lecture bibliothèques", bibliotheques.read, root)
    fs = timed("Lecture France Services", france_services.read, root)
    cnfs = timed("Lecture lieux de médiation (CNFS)", lieux_mediation.read, root)
    cnfs_pts = lieux_mediation.points(cnfs)
    timed("  commune des lieux CNFS (point dans polygone)", lieux_mediation.assign_communes, cnfs_pts, communes)
    iris, _ = timed("IRIS 2022 : contours + populations", iris_population.read, root)
    centres = timed("Centres de population des communes", distances.population_centres, iris, communes)
    services = {
        "dist_bibliotheque": bibliotheques.points(libs),
        "dist_france_services": france_services.points(fs),
        "dist_mediation": cnfs_pts,
    }
    print(f"Communes : {centres.height} ; cibles : " + ", ".join(f"{k} {v.height}" for k, v in services.items()))
    out = timed("DISTANCES : 3 services × toutes les communes (k-d tree)", distances.service_distances, centres,
                services, repeat=5)
    for col in services:
        km = out[col].to_numpy()
        print(f"  {col:<22} médiane {np.median(km):6.2f} km, p90 {np.quantile(km, 0.9):6.2f} km, max {km.max():7.2f} km")


if __name__ == "__main__":
    main()
