"""Benchmark of « Besoins et offre de médiation » (prints figures; no timed assertion).

Needs the cache (``python -m ifn build``); the browser part needs Debian's ``/usr/bin/chromium`` and the
``playwright`` package (skipped with ``--no-browser``). Leaflet and Leaflet.markercluster are served by the
app; map tiles are refused (no internet here).

1. ``ifn`` side: reading the three layers of places, the per-commune table with the places within the
   radius, the priority list and its totals after a threshold change (département, région, France), the
   map's HTML, the diagnostic (HTML, then PDF with WeasyPrint) of a département and of a région;
2. browser side (headless Chromium against ``streamlit run`` on loopback): the page for one département
   (new session on a warm server, from ``goto`` until the clustered layers are drawn and the sentence is
   shown), the same after a switch to a région, a threshold change until the new sentence is shown;
3. the national totals with the default thresholds (IFN ≥ 7, more than 10 km).

Usage: ``python bench/bench_mediation.py [--repeat 3] [--dep 12] [--reg 76] [--no-browser]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def fmt(times: list[float]) -> str:
    return f"médiane {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}, n={len(times)})"


def server_side(repeat: int, dep: str, reg: str) -> None:
    from ifn import diagnostic, mediation, offer
    from ifn.cache import load_centres, load_communes, load_geometries
    from ifn.classify import classify
    from ifn.config import resolve_settings
    from ifn.mapview import bounds, feature_collection
    from ifn.offermap import offer_map
    from ifn.score import score_all
    from ifn.territory import france_values

    communes = load_communes().collect()
    scored = score_all(communes)
    geoms = load_geometries("commune")
    centres = load_centres()
    classes = classify(scored["commune"]["ifn"], "equal")
    france = france_values(communes)
    o, t = timed(lambda: offer.read_offer(resolve_settings().data_dir, geoms), 1)
    print(f"Lecture des trois couches de lieux (une fois par cache) : {fmt(t)} — "
          + ", ".join(f"{k} {o.layer(k).height}" for k in offer.LAYERS) + f", écartés {o.rejected.height}, "
          f"doublons CNFS {o.duplicates}")
    table = mediation.commune_table(scored["commune"], communes)
    layers = {k: o.layer(k) for k in offer.LAYERS}
    th = mediation.Thresholds()
    for label, level, code in (("département " + dep, "departement", dep), ("région " + reg, "region", reg),
                               ("France", None, None)):
        area = mediation.area_table(table, level, code)
        counted, t = timed(lambda: mediation.within_radius(area, centres, layers, th.radius_km), repeat)
        print(f"[{label}] {area.height} communes — tableau par commune et lieux à {th.radius_km:g} km : {fmt(t)}")

        def change():
            p = mediation.priority_list(counted, mediation.check_thresholds(8, 12))
            return mediation.sentence(mediation.totals(counted, p, th), th)
        _, t = timed(change, repeat * 5)
        print(f"[{label}] liste prioritaire + totaux après un changement de seuil : {fmt(t)}")
        if level is None:
            continue

        def render():
            units = mediation.area_table(scored["commune"], level, code)
            fc = feature_collection(geoms, units, classes)
            shown = offer.near_box(o.places, bounds(fc))
            return offer_map(fc, classes, "IFN", shown, "/app/static/leaflet-1.9.3/").get_root().render()
        html, t = timed(render, repeat)
        print(f"[{label}] HTML de la carte (communes + trois couches) : {fmt(t)}, {len(html) / 1e6:.2f} Mo")
        d, t = timed(lambda: diagnostic.assemble(scored, communes, centres, o, geoms, level, code, th, france,
                                                 classes), repeat)
        doc, t2 = timed(lambda: diagnostic.to_html(d), repeat)
        print(f"[{label}] diagnostic : données {fmt(t)} ; HTML {fmt(t2)}, {len(doc) / 1e6:.2f} Mo")
        if diagnostic.pdf_available():
            pdf, t = timed(lambda: diagnostic.to_pdf(doc), max(1, repeat - 1))
            print(f"[{label}] diagnostic PDF (WeasyPrint) : {fmt(t)}, {len(pdf) / 1e6:.2f} Mo")
        else:
            print(f"[{label}] diagnostic PDF : WeasyPrint absent")
    priority = mediation.priority_list(table, th)
    totals = mediation.totals(table, priority, th)
    print("Totaux nationaux (réglages par défaut) : " + mediation.sentence(totals, th, "France"))
    for note in mediation.caveats(totals):
        print("    " + note)
    print(f"    communes d'IFN ≥ {th.ifn_min:g} (toutes distances) : {totals.fragiles}")
    for row in mediation.by_unit(priority, table, "departement").head(5).iter_rows(named=True):
        print(f"    {row['nom']} ({row['code']}) : {row['communes_prioritaires']} communes, "
              f"{row['habitants_concernes']} habitants ({row['part_population']} %)")


def browser_side(repeat: int, reg: str) -> None:
    from bench.browser_app import served_app
    from tests.browser.conftest import offline_routes

    js_new_map = ("() => Array.from(document.querySelectorAll('[data-testid=\"stIFrame\"]')).some(f => "
                  "f.contentWindow && !f.contentWindow.benchOld && f.contentDocument && "
                  "f.contentDocument.querySelector('.ifn-cluster-mediation'))")
    js_mark = ("() => document.querySelectorAll('[data-testid=\"stIFrame\"]').forEach(f => { if (f.contentWindow) "
               "f.contentWindow.benchOld = true; })")

    def wait(page, text: str, new_map: bool = True, timeout: float = 120.0) -> None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if page.get_by_text(text).count() and (not new_map or page.evaluate(js_new_map)) \
                    and not page.locator('[data-testid="stStatusWidget"]').count():
                return
            page.wait_for_timeout(20)
        raise TimeoutError(text)

    with served_app() as (browser, base, ready):
        print(f"Serveur prêt en {ready:.1f} s")
        cold = []
        for n in range(repeat + 1):
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
            offline_routes(context)
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(base + "/mediation")
            wait(page, "Ain : ")
            elapsed = time.perf_counter() - t0
            if n == 0:
                print(f"Page, département de l'Ain, premier affichage (lieux lus, scores calculés) : {elapsed:.2f} s")
            else:
                cold.append(elapsed)
            if n < repeat:
                context.close()
        print(f"Page, département de l'Ain, nouvelle session (serveur chaud) : {fmt(cold)}")
        changes = []
        for value in ("8", "7", "8", "7", "8", "7")[: max(2, 2 * repeat)]:
            page.evaluate(js_mark)
            box = page.get_by_role("spinbutton", name="IFN au moins")
            t0 = time.perf_counter()
            box.fill(value)
            box.press("Enter")
            wait(page, f"d'IFN ≥ {value} à plus de", new_map=False)
            changes.append(time.perf_counter() - t0)
        print(f"Changement de seuil jusqu'à la nouvelle phrase : {fmt(changes)}")
        regions = []
        for _ in range(repeat):
            page.goto(base + "/mediation")
            wait(page, "Ain : ")
            page.evaluate(js_mark)
            t0 = time.perf_counter()
            page.locator('[data-testid="stRadio"]').get_by_text("Région", exact=True).click()
            wait(page, "Auvergne-Rhône-Alpes : ")
            page.evaluate(js_mark)
            t1 = time.perf_counter()
            page.locator('[data-testid="stSelectbox"]').filter(has_text="Région").locator("input").click()
            page.get_by_role("option", name=f"({reg})", exact=False).click()
            wait(page, " : ")
            regions.append((t1 - t0, time.perf_counter() - t1))
        print(f"Passage au niveau région (Auvergne-Rhône-Alpes, 4 000 communes environ) : "
              f"{fmt([a for a, _ in regions])}")
        print(f"Choix d'une autre région ({reg}) : {fmt([b for _, b in regions])}")
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dep", default="12")
    parser.add_argument("--reg", default="76")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    server_side(args.repeat, args.dep, args.reg)
    if not args.no_browser:
        browser_side(args.repeat, args.reg)


if __name__ == "__main__":
    main()
