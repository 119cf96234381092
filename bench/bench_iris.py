"""Benchmark of the IRIS level (issue 13; prints figures, asserts nothing).

Needs the cache (``python -m ifn build``); the browser part needs Debian's ``/usr/bin/chromium`` and
``playwright``.

1. scores of all IRIS: full run (``ifn.iris.score_iris``) and a weight change (``ifn.score.rescore`` on
   ``ifn.iris.prepare_iris``; target ≤ 20 ms);
2. GeoJSON payload of IRIS views (one commune, one EPCI, one département; target ≤ 3 MB);
3. the IRIS map of Paris in headless Chromium, from ``page.goto`` of a shared link until the map is drawn
   and the run is over (target ≤ 2 s), and the bytes received on the websocket;
4. with ``--build``: the whole build into a temporary folder (child process: seconds and peak memory;
   targets ≤ 90 s and ≤ 2.5 GiB), the IRIS step included.

Usage: ``python bench/bench_iris.py [--repeat 20] [--browser] [--build]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEIGHTS = ({"fibre": 2, "couv4g": 1, "age65": 1, "diplome": 1, "pauvrete": 1},
           {"fibre": 1, "couv4g": 1, "age65": 3, "diplome": 1, "pauvrete": 2},
           {"fibre": 1, "couv4g": 0, "age65": 1, "diplome": 1, "pauvrete": 1, "chomage": 1})
VIEWS = (("IRIS de Paris (commune 75056)", "commune", "75056"),
         ("IRIS de Marseille (commune 13055, sans contours)", "commune", "13055"),
         ("IRIS de la Métropole de Lyon (EPCI 200046977)", "epci", "200046977"),
         ("IRIS de la Seine-Saint-Denis (département 93)", "departement", "93"),
         ("IRIS du Nord (département 59)", "departement", "59"))


def scoring(repeat: int) -> None:
    from ifn.cache import load_iris
    from ifn.iris import prepare_iris, score_iris
    from ifn.score import rescore

    iris = load_iris().collect()
    t0 = time.perf_counter()
    scored = score_iris(iris)
    print(f"Score de tous les IRIS ({scored.height}) : {time.perf_counter() - t0:.2f} s (imputation, "
          "normalisation parmi les IRIS, indice)")
    prepared = prepare_iris(iris)
    times = []
    for n in range(repeat):
        t0 = time.perf_counter()
        rescore(prepared, WEIGHTS[n % len(WEIGHTS)])
        times.append((time.perf_counter() - t0) * 1000)
    print(f"Changement de poids, tous les IRIS : médiane {statistics.median(times):.1f} ms "
          f"(min {min(times):.1f}, max {max(times):.1f}, n={len(times)})")


def payloads() -> None:
    from ifn.cache import load_geometries, load_iris
    from ifn.classify import classify
    from ifn.iris import area_iris, score_iris
    from ifn.mapview import feature_collection, payload_size

    scored = score_iris(load_iris().collect())
    classes = classify(scored["ifn"], "equal")
    geo = load_geometries("iris", simplified=True)
    print("GeoJSON envoyé au navigateur (calculé par ifn comme la page) :")
    for name, level, code in VIEWS:
        t0 = time.perf_counter()
        table = area_iris(scored, level, code)
        fc = feature_collection(geo, table, classes)
        seconds = time.perf_counter() - t0
        print(f"  {name:<52} {table.height:>5} IRIS, {len(fc['features']):>5} dessinés, "
              f"{payload_size(fc) / 1e6:5.2f} Mo, préparé en {seconds:.2f} s")


def browser(repeat: int) -> None:
    from bench.bench_map import Session
    from bench.browser_app import fmt, served_app
    from tests.browser.conftest import CHROMIUM

    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} absent : installez le paquet Debian chromium.")
        return
    path, text = "/carte?carte=iris&niveau=commune&code=75056", "IRIS — 75056 : 992 territoires affichés"
    with served_app() as (chromium, base, ready):
        print(f"Serveur prêt en {ready:.2f} s")
        s = Session(chromium, base)
        seconds, received = s.open(path, text)
        s.close()
        print(f"Carte des IRIS de Paris, premier affichage (scores de tous les niveaux calculés) : {seconds:.2f} s, "
              f"{received / 1e6:.2f} Mo reçus")
        times, sizes, after_start = [], [], []
        for _ in range(repeat):
            s = Session(chromium, base)
            seconds, received = s.open(path, text)
            times.append(seconds)
            after_start.append(seconds - s.started_after)
            sizes.append(received)
            s.close()
        print(f"Carte des IRIS de Paris (lien partagé), serveur chaud : {fmt(times)} ; "
              f"{statistics.median(sizes) / 1e6:.2f} Mo reçus")
        print(f"  dont après le démarrage du frontend Streamlit : {fmt(after_start)}")
        # Reference on the same machine at the same moment: a commune view of bench_map.py
        path, text = "/carte?carte=commune&niveau=commune&code=42218", "Saint-Étienne (Commune 42218)"
        times = []
        for _ in range(repeat):
            s = Session(chromium, base)
            times.append(s.open(path, text)[0])
            s.close()
        print(f"Référence : lien partagé d'une commune (42218, carte des communes de la Loire) : {fmt(times)}")


BUILD_CHILD = r"""
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


def build() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", BUILD_CHILD, str(Path(tmp) / "cache")], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"Construction complète avec les IRIS : {figures['seconds']:.1f} s, pic mémoire "
          f"{figures['peak_mib']:.0f} Mio")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="répétitions du changement de poids (défaut : 20)")
    parser.add_argument("--browser", action="store_true", help="mesurer aussi la carte dans Chromium")
    parser.add_argument("--build", action="store_true", help="mesurer aussi la construction complète")
    args = parser.parse_args(argv)
    scoring(args.repeat)
    payloads()
    if args.browser:
        browser(3)
    if args.build:
        build()
    return 0


if __name__ == "__main__":
    sys.exit(main())
