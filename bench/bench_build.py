"""Benchmark of the open-data build and of the cache loading (prints figures).

Usage: python bench/bench_build.py
Measures: full build time and peak memory (in a child process), cache load
time for the app (communes table + simplified geometries), and the GeoJSON
size of the simplified national layers with their coverage quality.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from ifn.build import build_cache
from ifn.config import Settings, resolve_settings
s = resolve_settings()
t = time.perf_counter()
build_cache(Settings(data_dir=s.data_dir, cache_dir=Path(sys.argv[1])))
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    import numpy as np
    import shapely

    from ifn import cache, geometry
    from ifn.config import Settings, resolve_settings

    settings = resolve_settings()
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(Path(tmp) / "cache")],
            check=True, capture_output=True, text=True, cwd=ROOT,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"full build: {figures['seconds']:.1f} s, peak memory {figures['peak_mib']:.0f} MiB (targets: ≤ 60 s, ≤ 2048 MiB)")
        built = Settings(data_dir=settings.data_dir, cache_dir=Path(tmp) / "cache")

        loads = []
        for _ in range(5):
            t = time.perf_counter()
            cache.load_communes(built).collect()
            for level in ("departement", "epci"):
                cache.load_geometries(level, simplified=True, settings=built)
            loads.append(time.perf_counter() - t)
        print(f"cache load for the app (communes + simplified départements and EPCI): best {min(loads)*1000:.0f} ms, "
              f"median {sorted(loads)[2]*1000:.0f} ms (target ≤ 1 s)")

        targets = {"commune": 8.0, "epci": 2.0, "departement": 0.5, "region": None}
        for level, target in targets.items():
            gdf = cache.load_geometries(level, simplified=True, settings=built)
            size = len(geometry.to_geojson_bytes(gdf["code"].tolist(), gdf.geometry.values)) / 1e6
            quality = geometry.coverage_problems(np.asarray(gdf.geometry.values))
            full = cache.load_geometries(level, simplified=False, settings=built)
            ratio = shapely.area(gdf.geometry.values) / shapely.area(full.geometry.values)
            distorted = int(((ratio < 0.8) | (ratio > 1.25)).sum())
            print(f"simplified {level:<12} GeoJSON {size:6.2f} MB" + (f" (target ≤ {target} MB)" if target else "")
                  + f", {len(gdf)} units, invalid polygons {quality['polygones_invalides']}, "
                  f"mismatched shared edges {quality['bords_incoherents']}, units whose area moved > 20 %: {distorted}")


if __name__ == "__main__":
    main()
