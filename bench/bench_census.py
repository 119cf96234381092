"""Benchmark of the census 2022 source (prints figures).

Usage: python bench/bench_census.py [repeats]
Measures, in a fresh child process each time (so that the peak memory is the census part's own):
reading and validating the 96 IRIS files and the 5k commune file (``recensement_2022.read``), pooling
the 48,487 IRIS onto communes (``to_communes``), and reading the IRIS polygon codes and reconciling them.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, time
import polars as pl
from ifn.config import resolve_settings
from ifn.readers import read_movements
from ifn.sources import recensement_2022 as rp
root = resolve_settings().data_dir
t0 = time.perf_counter()
iris = rp.read(root)
t1 = time.perf_counter()
missing = rp.communes_missing_from_iris(iris["code"].unique(), read_movements(root))
mapped = iris.with_columns(pl.col("code").alias("code_source"), rp._whole_commune(pl.col("code")).alias("code"))
t2 = time.perf_counter()
communes = rp.to_communes(mapped, missing=missing)
t3 = time.perf_counter()
peak_census = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
rec = rp.reconcile_iris_codes(iris["iris"].to_list(), rp.polygon_iris_codes(root))
t4 = time.perf_counter()
print(json.dumps({"read": t1 - t0, "movements": t2 - t1, "pool": t3 - t2, "polygons": t4 - t3,
                  "peak_census_mib": peak_census,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "iris": iris.height, "communes": communes.height,
                  "rec": {k: v for k, v in rec.items() if not k.startswith("codes_")}}))
"""


def main(argv: list[str]) -> None:
    repeats = int(argv[0]) if argv else 3
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", CHILD], check=True, capture_output=True, text=True, cwd=ROOT)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in runs) for k in ("read", "movements", "pool", "polygons",
                                                               "peak_census_mib", "peak_mib")}
    last = runs[-1]
    print(f"census 2022, {repeats} run(s), median:")
    print(f"  read + validate 96 IRIS files and the 5k file: {med['read']:.2f} s ({last['iris']} IRIS)")
    print(f"  COG movements (communes missing from the IRIS file): {med['movements']:.2f} s")
    print(f"  pool onto communes: {med['pool'] * 1000:.0f} ms ({last['communes']} communes)")
    print(f"  peak memory after reading and pooling: {med['peak_census_mib']:.0f} MiB (whole process, Python + polars)")
    print(f"  IRIS polygon codes + reconciliation: {med['polygons']:.2f} s, peak memory then {med['peak_mib']:.0f} MiB")
    print(f"  reconciliation: {json.dumps(last['rec'], ensure_ascii=False)}")


if __name__ == "__main__":
    main(sys.argv[1:])
