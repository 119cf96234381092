"""Benchmark of the analyst page in a real headless Chromium against ``streamlit run`` (prints figures).

Complements ``bench_analyse.py`` (server-side computation only): here the clock runs from the click on
« Appliquer » until the browser shows the result, as a user sees it:

- ranking: the sensitivity metric computed with the new ranking shows its new value;
- map: a new map document is drawn in the map frame (Leaflet vector layer).

Cases: the national EPCI view (the page's default) and the communes of one département (``--dep``), each
after a weight change (poverty weight 1 → 2, then back). Leaflet is served by the app (static/); map
tiles are refused (no internet). Usage: ``python bench/bench_analyse_browser.py [--repeat 3] [--dep 29]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.browser_app import fmt, served_app  # noqa: E402
from tests.browser.conftest import CHROMIUM, offline_routes  # noqa: E402

DRAWN = ".leaflet-overlay-pane canvas, .leaflet-overlay-pane path"
METRIC = "Unités qui changent de classe"
WEIGHT = "Taux de pauvreté"


def _map_frames(page):
    return [f for f in page.frames if f is not page.main_frame and "streamlit_folium" not in f.url]


def _mark_old_map(page) -> None:
    for frame in _map_frames(page):
        try:
            frame.evaluate("window.__benchOld = true")
        except Exception:  # noqa: BLE001 - frame gone meanwhile
            pass


def _new_map_drawn(page) -> bool:
    for frame in _map_frames(page):
        try:
            if frame.evaluate(f"!window.__benchOld && !!document.querySelector('{DRAWN}')"):
                return True
        except Exception:  # noqa: BLE001 - frame replaced during a rerun
            continue
    return False


def _metric_box(page):
    return page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(METRIC, exact=True))


def _metric(page) -> str:
    box = _metric_box(page)
    return box.inner_text() if box.count() else ""


def _choose(page, label: str, option: str) -> None:
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()
    page.keyboard.type(option)  # the list is virtualised: filter it first
    page.get_by_role("option", name=option).first.click()


def apply_and_time(page, change, timeout: float = 120.0) -> tuple[float, float]:
    """(seconds to the new ranking metric, seconds to the new map) after ``change`` and « Appliquer »."""
    before = _metric(page)
    _mark_old_map(page)
    change(page)
    t0 = time.perf_counter()
    page.get_by_role("button", name="Appliquer").click()
    ranking = drawn = None
    deadline = t0 + timeout
    while time.perf_counter() < deadline and (ranking is None or drawn is None):
        now = time.perf_counter() - t0
        if ranking is None and _metric(page) not in ("", before):
            ranking = now
        if drawn is None and _new_map_drawn(page):
            drawn = now
        page.wait_for_timeout(10)
    if ranking is None or drawn is None:
        raise TimeoutError("le classement ou la carte ne s'est pas mis à jour")
    return ranking, drawn


def toggle_weight(page) -> None:
    """Poverty weight 1 → 2, or 2 → 1 (whatever the previous case left)."""
    box = page.get_by_label(WEIGHT)
    current = float(box.input_value().replace(",", "."))
    box.fill("1" if current == 2.0 else "2")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="changements de poids par cas (défaut : 3)")
    parser.add_argument("--dep", default="29", help="département des communes (défaut : 29)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} absent : installez le paquet Debian chromium.")
        return 1
    with served_app() as (browser, base, _):
        context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="fr-FR")
        offline_routes(context)
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(base + "/analyse")
        _metric_box(page).wait_for(timeout=120_000)
        while not _new_map_drawn(page):
            page.wait_for_timeout(20)
        print(f"Page d'analyse ouverte (EPCI, France entière, serveur froid) : {time.perf_counter() - t0:.2f} s")

        def run_case(name: str) -> None:
            rankings, maps = [], []
            for _ in range(args.repeat):
                r, m = apply_and_time(page, toggle_weight)
                rankings.append(r)
                maps.append(m)
            print(f"[{name}] après un changement de poids :")
            print(f"  classement affiché : {fmt(rankings)}")
            print(f"  carte redessinée   : {fmt(maps)}")

        run_case("EPCI, France entière")

        def to_communes(page):
            _choose(page, "Niveau", "Communes")
            _choose(page, "Territoire affiché", f"{args.dep} —")
        _mark_old_map(page)
        to_communes(page)
        t0 = time.perf_counter()
        page.get_by_role("button", name="Appliquer").click()
        page.get_by_text(f"Résultat : Communes, {args.dep} —").wait_for(timeout=120_000)
        while not _new_map_drawn(page):
            page.wait_for_timeout(10)
        print(f"Passage aux communes du département {args.dep} (préparation du niveau comprise) : "
              f"{time.perf_counter() - t0:.2f} s")
        run_case(f"Communes du département {args.dep}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
