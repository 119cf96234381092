"""Benchmark of the analyst page after a settings change (prints figures; no assertion).

On the real cache (``python -m ifn build`` first), measures what the page does after a
weight change, with the prepared indicator scores already cached (as in the app):

1. ranking update: weighted IFN of the level (``ifn.sensitivity.level_ifn``) for the new and the
   default weights, territory filter, comparison with ranks, sort; plus the sensitivity figures
   (Spearman, class changes, movers) and the leave-one-out influence, reported separately;
2. map update: classes + folium choropleth + HTML rendering of the map (geometries already loaded);
3. the preparation of the level after a change of method/imputation/custom indicator
   (``ifn.sensitivity.prepare_level``);
4. optionally (``--apptest``) a whole page rerun through AppTest after a weight change.

Cases: communes of one département (``--dep``, default 29) and the national EPCI view.
Usage: ``python bench/bench_analyse.py [--repeat N] [--dep 29] [--apptest]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ifn import sensitivity as sens  # noqa: E402
from ifn.cache import load_communes, load_geometries  # noqa: E402
from ifn.classify import classify  # noqa: E402
from ifn.mapview import build_map, feature_collection  # noqa: E402
from ifn.score import ScoreOptions, prepare_levels  # noqa: E402

NEW_WEIGHTS = {"thd": 1.0, "mobile": 0.0, "age65": 1.0, "diplome": 1.0, "pauvrete": 2.0, "rsa": 1.0}


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def ranking(prepared, default_prepared, level: str, dep: str | None):
    def keep(frame):
        return frame.filter(pl.col("dep") == dep) if dep else frame
    new = keep(sens.level_ifn(prepared, level, NEW_WEIGHTS))
    default = keep(sens.level_ifn(default_prepared, level, None))
    return new, sens.compare(default, new).sort("ifn", descending=True, nulls_last=True)


def figures(compared):
    sens.spearman(compared["ifn_defaut"], compared["ifn"])
    sens.class_changes(compared["ifn_defaut"], compared["ifn"])
    return sens.movers(compared)


def map_html(gdf, new) -> int:
    classes = classify(new["ifn"], "equal", 5)
    fc = feature_collection(gdf, new.select("code", "nom", "ifn"), classes)
    return len(build_map(fc, classes, "IFN", height=520).get_root().render())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dep", default="29")
    parser.add_argument("--apptest", action="store_true")
    args = parser.parse_args()
    communes = load_communes().collect()
    t, _ = timed(lambda: prepare_levels(communes, ScoreOptions()), 1)
    print(f"préparation des 4 niveaux (prepare_levels, pour comparaison) : {t:.2f} s")
    for label, level, dep in ((f"communes du département {args.dep}", "commune", args.dep),
                              ("EPCI, France entière", "epci", None)):
        t, prepared = timed(lambda: sens.prepare_level(communes, level, ScoreOptions()), 3)
        default_prepared = prepared
        print(f"[{label}] préparation du niveau (changement de méthode / imputation / indicateur perso) : "
              f"{t * 1000:.0f} ms")
        t, (new, compared) = timed(lambda: ranking(prepared, default_prepared, level, dep), args.repeat)
        print(f"[{label}] {new.height} unités")
        print(f"  classement mis à jour : {t * 1000:.0f} ms (objectif ≤ 500 ms)")
        t, _ = timed(lambda: figures(compared), args.repeat)
        print(f"  Spearman + changements de classe + hausses/baisses : {t * 1000:.0f} ms")
        t, _ = timed(lambda: sens.influence(prepared, level, NEW_WEIGHTS, codes=new["code"]), args.repeat)
        print(f"  influence des indicateurs (retrait un par un) : {t * 1000:.0f} ms")
        t_geo, gdf = timed(lambda: load_geometries(level, simplified=True), 1)
        t, size = timed(lambda: map_html(gdf, new), max(1, args.repeat // 2))
        print(f"  carte mise à jour (classes + folium + HTML {size / 1e6:.1f} Mo) : {t:.2f} s "
              f"(objectif ≤ {'2' if dep else '3'} s) ; chargement des contours, une fois : {t_geo:.2f} s")
    if args.apptest:
        from streamlit.testing.v1 import AppTest

        page = str(Path(__file__).resolve().parent.parent / "pages" / "analyse.py")
        at = AppTest.from_file(page, default_timeout=300)
        t = time.perf_counter()
        at.run()
        print(f"AppTest, premier affichage (EPCI, calculs à froid) : {time.perf_counter() - t:.2f} s")
        at.number_input(key="an_w_pauvrete").set_value(2.0)
        at.button[[b.label for b in at.button].index("Appliquer")].click()
        t = time.perf_counter()
        at.run()
        print(f"AppTest, page entière après un changement de poids (EPCI, France) : {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
