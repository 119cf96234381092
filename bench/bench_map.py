"""Benchmark of the map page in a real headless Chromium against ``streamlit run`` on loopback (prints figures).

Needs the cache (``python -m ifn build``), Debian's ``/usr/bin/chromium`` and the ``playwright`` package.
Leaflet is served by the app itself (static/leaflet-1.9.3); map tiles are refused (this machine has no
internet), so the figures are those of the page and its data, not of a tile server.

Measured, from ``page.goto`` or from the user's action until the map is drawn (a Leaflet vector layer in
the map iframe), the script run is over (no "running" indicator) and the expected text is shown:

1. cold: the first ``/carte`` after the server started (scores of all levels computed on this request);
2. new session on a warm server: national départements view, national EPCI view, communes of one
   département, communes of one région, a shared link to one commune;
3. in one session: level change (départements → EPCI), a search result chosen, a click on the map;
4. payload: bytes received by the browser on the page's websocket for each view (the map data travels
   there), plus the GeoJSON and HTML sizes of the same views computed by ``ifn``.

Usage: ``python bench/bench_map.py [--repeat 3] [--dep 69] [--reg 84]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench.browser_app import fmt, served_app  # noqa: E402
from tests.browser.conftest import CHROMIUM, offline_routes  # noqa: E402

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
DRAWN = ".leaflet-overlay-pane canvas, .leaflet-overlay-pane path"
NEW_DRAWN = ".leaflet-overlay-pane canvas:not(.bench-old), .leaflet-overlay-pane path:not(.bench-old)"


class Session:
    """One browser context (one Streamlit session) watching its websocket.

    Counts the bytes received and the end of script runs (``script_finished`` messages, parsed with
    Streamlit's own protobuf classes).
    """

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        offline_routes(self.context)
        self.page = self.context.new_page()
        self.received = 0
        self.finished = 0
        self.page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        self.received += len(payload)
        if isinstance(payload, (bytes, bytearray)):
            try:
                msg = ForwardMsg.FromString(bytes(payload))
            except Exception:  # noqa: BLE001 - not a ForwardMsg: ignore
                return
            if msg.WhichOneof("type") == "script_finished":
                self.finished += 1

    def _map_frames(self):
        return [f for f in self.page.frames if "streamlit_folium" in f.url]

    def _mark_old(self) -> None:
        """Tag the vector layers drawn so far, so that only a newly drawn map counts."""
        for frame in self._map_frames():
            try:
                frame.evaluate(f"document.querySelectorAll('{DRAWN}').forEach(e => e.classList.add('bench-old'))")
            except Exception:  # noqa: BLE001 - frame gone meanwhile
                pass

    def _new_map_drawn(self) -> bool:
        for frame in self._map_frames():
            try:
                if frame.evaluate(f"!!document.querySelector('{NEW_DRAWN}')"):
                    return True
            except Exception:  # noqa: BLE001 - frame detached during a rerun
                continue
        return False

    def settled(self, text: str, runs_before: int, timeout: float = 120.0) -> None:
        """Wait until a script run has finished, ``text`` is shown and a new map is drawn."""
        deadline = time.perf_counter() + timeout
        page = self.page
        while time.perf_counter() < deadline:
            if self.finished > runs_before and page.get_by_text(text).count() and self._new_map_drawn():
                return
            page.wait_for_timeout(20)
        raise TimeoutError(f"« {text} » ou la carte n'est pas apparu en {timeout:.0f} s")

    def open(self, path: str, text: str) -> tuple[float, int]:
        self.received = 0
        runs = self.finished
        t0 = time.perf_counter()
        self.page.goto(self.base + path, wait_until="commit")
        self.page.locator('[data-testid="stApp"]').wait_for(state="attached", timeout=120_000)
        self.started_after = time.perf_counter() - t0  # the Streamlit frontend has started
        self.settled(text, runs)
        return time.perf_counter() - t0, self.received

    def act(self, action, text: str) -> tuple[float, int]:
        self._mark_old()
        self.received = 0
        runs = self.finished
        t0 = time.perf_counter()
        action(self.page)
        self.settled(text, runs)
        return time.perf_counter() - t0, self.received

    def close(self) -> None:
        self.context.close()


def click_level(label: str):
    def action(page):
        page.locator('[data-testid="stButtonGroup"]').get_by_text(label, exact=True).click()
    return action


def choose_search(query: str, option: str):
    """Type into the one search box, then click the suggestion shown under it."""
    def action(page):
        page.get_by_label("Rechercher un territoire").fill(query)
        page.get_by_role("button", name=option).click(timeout=30_000)
    return action


def click_map_centre(page) -> None:
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)


def payload_sizes(dep: str, reg: str) -> list[tuple[str, float, float]]:
    """(view, GeoJSON MB, HTML MB) of the views, computed by ``ifn`` as the page does."""
    from ifn.cache import load_communes, load_geometries
    from ifn.classify import classify
    from ifn.mapview import METROPOLE, area_filter, build_map, feature_collection
    from ifn.score import ScoreOptions, score_all

    tables = score_all(load_communes(), ScoreOptions())
    rows = []
    for name, level, area in (("Départements (France)", "departement", None), ("EPCI (France)", "epci", None),
                              (f"Communes du département {dep}", "commune", ("departement", dep)),
                              (f"Communes de la région {reg}", "commune", ("region", reg))):
        classes = classify(tables[level]["ifn"], "equal")
        table = area_filter(tables[level], *area) if area else tables[level]
        fc = feature_collection(load_geometries(level, simplified=True), table, classes)
        html = build_map(fc, classes, "IFN", frame=None if area else METROPOLE).get_root().render()
        rows.append((name, len(json.dumps(fc, separators=(",", ":"))) / 1e6, len(html.encode()) / 1e6))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="sessions par mesure (défaut : 3)")
    parser.add_argument("--dep", default="69", help="département des communes (défaut : 69)")
    parser.add_argument("--reg", default="84", help="région des communes (défaut : 84)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} absent : installez le paquet Debian chromium.")
        return 1
    print("Taille des vues (calculée par ifn, GeoJSON envoyé au navigateur / page HTML de la carte) :")
    for name, geo, html in payload_sizes(args.dep, args.reg):
        print(f"  {name:<32} GeoJSON {geo:5.2f} Mo   HTML {html:5.2f} Mo")

    views = [
        ("Départements, France", "/carte", "Départements : 101 territoires affichés"),
        ("EPCI, France", "/carte?carte=epci", "EPCI : 1256 territoires affichés"),
        (f"Communes du département {args.dep}", f"/carte?carte=commune&niveau=departement&code={args.dep}",
         f"Communes — {args.dep} :"),
        (f"Communes de la région {args.reg}", f"/carte?carte=commune&niveau=region&code={args.reg}",
         f"Communes — {args.reg} :"),
        ("Lien partagé d'une commune (42218)", "/carte?carte=commune&niveau=commune&code=42218",
         "Saint-Étienne (Commune 42218)"),
    ]
    with served_app() as (browser, base, ready):
        print(f"\nServeur prêt en {ready:.2f} s ({base})")
        s = Session(browser, base)
        seconds, received = s.open("/carte", views[0][2])
        s.close()
        print(f"Premier affichage après démarrage (calcul des scores compris) : {seconds:.2f} s, "
              f"{received / 1e6:.2f} Mo reçus")

        print("\nNouvelle session, serveur chaud (carte dessinée et exécution terminée) :")
        for name, path, text in views:
            times, sizes = [], []
            for _ in range(args.repeat):
                s = Session(browser, base)
                seconds, received = s.open(path, text)
                times.append(seconds)
                sizes.append(received)
                s.close()
            print(f"  {name:<36} {fmt(times)} ; {statistics.median(sizes) / 1e6:.2f} Mo reçus")

        print("\nDans une session (action → carte et fiche à jour) :")
        actions = [
            ("Niveau Départements → EPCI", "/carte", views[0][2], click_level("EPCI"),
             "EPCI : 1256 territoires affichés"),
            ("Recherche « brest » → fiche de Brest", "/carte", views[0][2],
             choose_search("brest", "Brest (Commune 29)"), "Brest (Commune 29019)"),
            ("Clic sur la carte (département) → communes", "/carte", views[0][2], click_map_centre,
             "Communes — "),
            ("Clic sur la carte (commune) → fiche", f"/carte?carte=commune&niveau=departement&code={args.dep}",
             views[2][2], click_map_centre, "(Commune "),
        ]
        for name, path, text, action, expected in actions:
            times, sizes = [], []
            for _ in range(args.repeat):
                s = Session(browser, base)
                s.open(path, text)
                s.page.wait_for_timeout(1500)  # let Leaflet bind its handlers before a click
                seconds, received = s.act(action, expected)
                times.append(seconds)
                sizes.append(received)
                s.close()
            print(f"  {name:<44} {fmt(times)} ; {statistics.median(sizes) / 1e6:.2f} Mo reçus")
    return 0


if __name__ == "__main__":
    sys.exit(main())
