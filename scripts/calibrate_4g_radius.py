"""Calibrate the radius of the DROM 4G substitute on the metropolitan coverage maps.

For a sample of metropolitan départements of varied relief, the share of each
commune's surface within R km of a 4G site of an operator (ARCEP site list of
January 2018, Lambert-93) is compared with the share covered in the ARCEP
coverage maps of 2019 Q3 (best and worst operator). Prints, per R, the mean
absolute error and the mean bias in percentage points. Asserts nothing.
Run: ``/work/main/.venv/bin/python scripts/calibrate_4g_radius.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SITES_2018 = "arcep/2018_01_Sites_mobiles_2G_3G_4G_France_metropolitaine_L93.csv"
SAMPLE = ("05", "15", "22", "29", "2A", "45", "48", "51", "64", "73", "76", "84")
RADII_KM = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0)


def main() -> None:
    import pyogrio
    import shapely

    from ifn.config import resolve_settings
    from ifn.sources import arcep_mobile_2019

    root = resolve_settings().data_dir
    maps = arcep_mobile_2019.read(root).select("code", "tx_4g_max", "tx_4g_min")
    sites = pl.read_csv(root / SITES_2018, separator=";", infer_schema=False).filter(pl.col("4G") == "1")
    sites = sites.with_columns(pl.col("x").cast(pl.Float64), pl.col("y").cast(pl.Float64))
    results = {r: [] for r in RADII_KM}
    for dep in SAMPLE:
        path = next((root / "geo/communes").glob(f"communes-{dep}-*.geojson"))
        g = pyogrio.read_dataframe(path).to_crs(2154)
        g = g[g["code"].isin(maps["code"].to_list())]
        polys = shapely.make_valid(g.geometry.values)
        area = shapely.area(polys)
        x0, y0, x1, y1 = shapely.total_bounds(polys)
        near = sites.filter(pl.col("x").is_between(x0 - 10_000, x1 + 10_000) & pl.col("y").is_between(y0 - 10_000, y1 + 10_000))
        ref = pl.DataFrame({"code": g["code"].to_numpy()}).join(maps, on="code", how="left")
        for r in RADII_KM:
            shares = []
            for _, op in sorted(near.group_by("Operateur")):
                discs = shapely.union_all(shapely.buffer(shapely.points(op["x"].to_numpy(), op["y"].to_numpy()), r * 1000, quad_segs=8))
                shares.append(shapely.area(shapely.intersection(polys, discs)) / area)
            shares = np.vstack(shares)
            results[r].append(pl.DataFrame({"dep": dep, "best": shares.max(0), "worst": shares.min(0),
                                            "ref_best": ref["tx_4g_max"].to_numpy(), "ref_worst": ref["tx_4g_min"].to_numpy(),
                                            "area": area / 1e6}))
        print(f"département {dep} : {len(polys)} communes, {near.height} sites 4G (tous opérateurs)", flush=True)
    print(f"\n{'R (km)':>7} {'EAM meilleur':>13} {'biais meilleur':>15} {'EAM moins bon':>14} {'biais moins bon':>16}"
          f" {'biais pondéré surface (meilleur)':>33}")
    for r, parts in results.items():
        df = pl.concat(parts)
        eb = 100 * (df["best"] - df["ref_best"])
        ew = 100 * (df["worst"] - df["ref_worst"])
        wb = float((eb * df["area"]).sum() / df["area"].sum())
        print(f"{r:>7.1f} {eb.abs().mean():>13.1f} {eb.mean():>15.1f} {ew.abs().mean():>14.1f} {ew.mean():>16.1f} {wb:>33.1f}")
    print("\nEAM : écart absolu moyen par commune, en points de pourcentage de surface couverte ;"
          " biais > 0 : les disques couvrent plus que les cartes ARCEP.")


if __name__ == "__main__":
    main()
