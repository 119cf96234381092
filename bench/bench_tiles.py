"""Benchmark of the tile map (map and analyst pages) in headless Chromium on loopback: alone and in a crowd.

Needs the cache with its tiles (``python -m ifn build``), Debian's ``/usr/bin/chromium`` and ``playwright``.

Alone (one session at a time, warm server):
1. first national map (communes, or EPCI with ``--geojson``) from ``page.goto`` until every tile of the view
   is drawn (``data-ifn-loaded`` of the map container; the GeoJSON map: its layer drawn);
2. level switch (communes → EPCI), recolour after a weight change on the analyst page (same iframe element:
   checked), click at a known commune's coordinates → its card;
3. pan/zoom: frames over 50 ms during a standard gesture (drag 300 px, two wheel zooms in, two out);
4. static serving: headers of a tile range request, and the server time per tile (range requests from Python).

Crowd: ``--sessions`` (20) sessions opening the map page (national view) then the analyst page at once;
errors, first map p50/p95 (bounded by ``--timeout``), server memory (RSS of the streamlit process) before and
after the burst.

``--geojson`` runs the same measures against the per-area GeoJSON maps (``IFN_SANS_TUILES=1``): today's path.
``--backends N`` serves the app by ``deploy/serve.py`` (nginx before N Streamlit processes) instead of one
``streamlit run``. The browser is offline by host resolver rules (``OFFLINE_ARGS``); ``--playwright-routes``
routes every request through Playwright as the browser tests do (slower: the figures of earlier stops).
Usage: ``python bench/bench_tiles.py [--geojson] [--sessions 20] [--repeat 3] [--skip-crowd] [--backends 2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.browser_app import fmt  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    OFFLINE_ARGS,
    free_port,
    offline_routes,
    start_deployment,
    start_server,
    stop_server,
)

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
ANALYSE_FRAME_WAIT = 'iframe[title="streamlit_folium.st_folium"], iframe[srcdoc]'
LOADED_JS = """() => { const c = document.querySelector('.leaflet-container');
  if (!c) return null;
  if (c.hasAttribute('data-ifn-view'))
    return c.getAttribute('data-ifn-loaded') === c.getAttribute('data-ifn-view') ? c.getAttribute('data-ifn-level') + ':' + c.getAttribute('data-ifn-view') : null;
  return document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path') ? 'geojson' : null; }"""


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB), from /proc."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


# --------------------------------------------------------------------------- one session (sync API)
def map_state(page, after: str | None = None) -> str | None:
    for frame in page.frames:
        if "streamlit_folium" in frame.url or frame.name == "":
            try:
                state = frame.evaluate(LOADED_JS)
            except Exception:  # noqa: BLE001 - frame detached during a rerun
                continue
            if state and state != after:
                return state
    return None


def wait_map(page, after: str | None = None, timeout: float = 120.0) -> str:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        state = map_state(page, after)
        if state:
            return state
        page.wait_for_timeout(10)
    raise TimeoutError("la carte n'a pas fini de se dessiner")


def map_frame(page):
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            return frame
    return None


def mark_iframe(page) -> None:
    page.locator(MAP_FRAME).first.evaluate("el => { el.dataset.bench = 'same'; }")


def same_iframe(page) -> bool:
    return page.locator(MAP_FRAME).first.evaluate("el => el.dataset.bench === 'same'")


def commune_point(code: str) -> tuple[float, float]:
    """(lat, lon) of a point inside a commune (the cache's full contour)."""
    from ifn.cache import load_geometries

    gdf = load_geometries("commune", simplified=False)
    geom = gdf[gdf["code"] == code].geometry.iloc[0]
    point = geom.representative_point()
    return point.y, point.x


def click_latlng(page, lat: float, lon: float) -> None:
    frame = map_frame(page)
    xy = frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
    box = page.locator(MAP_FRAME).first.bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


FRAMES_JS = """() => { window.__frames = []; let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(tick); };
  window.__recording = true; requestAnimationFrame(tick); }"""


def gesture_long_frames(page) -> tuple[int, int, float]:
    """(frames over 50 ms, frames, longest ms) during drag + 2 zooms in + 2 zooms out, plus 1 s of settling."""
    frame = map_frame(page)
    box = page.locator(MAP_FRAME).first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    frame.evaluate(FRAMES_JS)
    page.mouse.move(cx, cy)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(cx + 20 * step, cy + 6 * step)
        page.wait_for_timeout(16)
    page.mouse.up()
    page.wait_for_timeout(600)
    for delta in (-120, -120, 120, 120):
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(700)
    page.wait_for_timeout(1000)
    frames = frame.evaluate("() => { window.__recording = false; return window.__frames; }")[1:]
    return sum(1 for f in frames if f > 50), len(frames), max(frames) if frames else 0.0


ROUTED = False  # --playwright-routes: every request through Playwright's router, as the browser tests do


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="fr-FR")
    if ROUTED:
        offline_routes(context)
    return context, context.new_page()


def alone(browser, base: str, geojson: bool, repeat: int) -> None:
    national = "/carte?carte=epci" if geojson else "/carte?carte=commune"
    name = "EPCI (carte GeoJSON)" if geojson else "communes (tuiles)"
    times, frames_at, started_at, after_start = [], [], [], []
    for _ in range(repeat):
        context, page = new_page(browser)
        t0 = time.perf_counter()
        page.goto(base + national, wait_until="commit")
        page.locator('[data-testid="stApp"]').wait_for(state="attached", timeout=120_000)
        started = time.perf_counter() - t0  # the frontend has started (its bundle loaded and run)
        page.locator(MAP_FRAME).first.wait_for(timeout=120_000)
        frames_at.append(time.perf_counter() - t0)
        wait_map(page)
        times.append(time.perf_counter() - t0)
        started_at.append(started)
        after_start.append(times[-1] - started)
        context.close()
    print(f"  première carte nationale, {name:<22} {fmt(times)}")
    print(f"    dont démarrage du frontend Streamlit (stApp)    : {fmt(started_at)}")
    print(f"    dont page et script jusqu'à l'iframe de la carte : {fmt(frames_at)}")
    print(f"    première carte après le démarrage du frontend   : {fmt(after_start)}")

    switches, recolours, same, clicks, frames = [], [], [], [], []
    lat, lon = commune_point("42218")
    for _ in range(repeat):
        context, page = new_page(browser)
        page.goto(base + ("/carte" if geojson else "/carte?carte=commune"))
        state = wait_map(page)
        page.wait_for_timeout(500)
        if not geojson:
            mark_iframe(page)
        t0 = time.perf_counter()
        page.locator('[data-testid="stButtonGroup"]').get_by_text("EPCI", exact=True).click()
        if geojson:
            page.get_by_text("EPCI : 1256 territoires affichés").wait_for(timeout=120_000)
            page.wait_for_timeout(50)
        state = wait_map(page, state if not geojson else None)
        switches.append(time.perf_counter() - t0)
        if not geojson:
            long, n, worst = gesture_long_frames(page)
            frames.append((long, n, worst))
        # click → card: the communes of the Loire, then Saint-Étienne's coordinates
        page.goto(base + "/carte?carte=commune&niveau=departement&code=42")
        wait_map(page)
        page.wait_for_timeout(800)
        t0 = time.perf_counter()
        heading = page.get_by_role("heading", name="Saint-Étienne (Commune 42218)")
        for _attempt in range(5):
            click_latlng(page, lat, lon)
            try:
                heading.wait_for(timeout=8_000)
                break
            except Exception:  # noqa: BLE001 - handlers not bound yet: click again
                continue
        heading.wait_for(timeout=30_000)
        clicks.append(time.perf_counter() - t0)
        # analyst page: weight change → same map recoloured
        page.goto(base + "/analyse")
        page.get_by_role("button", name="Appliquer").wait_for(timeout=120_000)
        state = wait_map(page)
        page.wait_for_timeout(500)
        if not geojson:
            mark_iframe(page)
        box = page.get_by_label("Taux de pauvreté")
        box.fill("2" if float(box.input_value().replace(",", ".")) != 2.0 else "1")
        t0 = time.perf_counter()
        page.get_by_role("button", name="Appliquer").click()
        if geojson:
            page.wait_for_timeout(100)
        wait_map(page, state if not geojson else None)
        recolours.append(time.perf_counter() - t0)
        if not geojson:
            same.append(same_iframe(page))
        context.close()
    print(f"  changement de niveau (→ EPCI)           {fmt(switches)}")
    print(f"  clic sur Saint-Étienne → fiche          {fmt(clicks)}")
    print(f"  analyse : poids changé → carte          {fmt(recolours)}"
          + (f" ; même iframe : {all(same)}" if same else " ; nouvelle iframe à chaque réglage"))
    if frames:
        print("  déplacement + zooms : images > 50 ms    "
              + ", ".join(f"{long} sur {n} (pire {worst:.0f} ms)" for long, n, worst in frames))


def static_cost(base: str) -> None:
    manifest = json.loads((ROOT / "data" / "cache" / "tuiles" / "tuiles.json").read_text())
    url = f"{base}/app/static/tuiles/{manifest['levels']['commune']['file']}"
    request = urllib.request.Request(url, headers={"Range": "bytes=0-16383"})
    with urllib.request.urlopen(request) as r:
        headers = {k: r.headers.get(k) for k in ("Content-Type", "Content-Length", "Content-Range", "Cache-Control",
                                                  "ETag", "Last-Modified", "Content-Encoding")}
        status = r.status
    print(f"  en-têtes d'une requête Range ({status}) : "
          + ", ".join(f"{k}={v}" for k, v in headers.items()))
    size = manifest["levels"]["commune"]["bytes"]
    times = []
    for n in range(200):
        start = (n * 104729) % max(1, size - 200_000)
        request = urllib.request.Request(url, headers={"Range": f"bytes={start}-{start + 99_999}"})
        t0 = time.perf_counter()
        with urllib.request.urlopen(request) as r:
            r.read()
        times.append(time.perf_counter() - t0)
    print(f"  coût serveur d'une tuile (100 Ko, Range, 200 requêtes en série) : médiane "
          f"{statistics.median(times) * 1000:.1f} ms, p95 {p95(times) * 1000:.1f} ms")


# --------------------------------------------------------------------------- crowd (async API)
SHOWN_JS = """() => { const c = document.querySelector('.leaflet-container');
  if (!c) return null;
  if (c.hasAttribute('data-ifn-view'))
    return c.getAttribute('data-ifn-loaded') === c.getAttribute('data-ifn-view') ? 'drawn' : 'shown';
  return document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path') ? 'drawn' : null; }"""


async def crowd(base: str, sessions: int, national: str, timeout: float) -> dict:
    """Per session: seconds until the map has its view (server answered, scripts loaded: « shown ») and until
    every tile is drawn (« drawn »), for the map page then the analyst page; errors."""
    from playwright.async_api import async_playwright

    async def wait_async(page, t0: float, deadline: float) -> tuple[float | None, float | None]:
        shown = drawn = None
        while time.perf_counter() < deadline and drawn is None:
            for frame in page.frames:
                try:
                    state = await frame.evaluate(SHOWN_JS)
                except Exception:  # noqa: BLE001
                    continue
                if state and shown is None:
                    shown = time.perf_counter() - t0
                if state == "drawn":
                    drawn = time.perf_counter() - t0
                    break
            await asyncio.sleep(0.05)
        return shown, drawn

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        out = {"map_shown": [], "map_drawn": [], "analyse_shown": [], "analyse_drawn": [], "errors": [],
               "not_drawn": 0}

        async def one(n: int) -> None:
            context = await browser.new_context(viewport={"width": 1400, "height": 1100}, locale="fr-FR")

            async def handle(route):
                url = route.request.url
                if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
                    await route.continue_()
                else:
                    await route.abort()
            await context.route("**/*", handle)
            page = await context.new_page()
            try:
                for name, path in (("map", national), ("analyse", "/analyse")):
                    t0 = time.perf_counter()
                    await page.goto(base + path, timeout=timeout * 1000)
                    shown, drawn = await wait_async(page, t0, t0 + timeout)
                    if shown is None:
                        out["errors"].append(f"session {n} : {name} sans carte en {timeout:.0f} s")
                        return
                    out[f"{name}_shown"].append(shown)
                    if drawn is None:
                        out["not_drawn"] += 1
                    else:
                        out[f"{name}_drawn"].append(drawn)
                    if await page.locator('[data-testid="stException"]').count():
                        out["errors"].append(f"session {n} : exception affichée ({name})")
            except Exception as exc:  # noqa: BLE001 - counted as an error
                out["errors"].append(f"session {n} : {type(exc).__name__}: {str(exc)[:80]}")
            finally:
                await context.close()

        await asyncio.gather(*(one(n) for n in range(sessions)))
        await browser.close()
    return out


def record_requests(browser, base: str, path: str, geojson: bool) -> list[tuple[str, str | None]]:
    """``(path, Range)`` of every HTTP request a fresh browser sends to the server for ``path`` (page, frontend
    bundles, map scripts, tile ranges), until its map is drawn: what each visitor of the crowd costs in files."""
    context, page = new_page(browser)
    seen: list[tuple[str, str | None]] = []

    def on_request(request):
        url = request.url
        if url.startswith(base) and "/_stcore/stream" not in url:
            seen.append((url[len(base):], request.headers.get("range")))
    page.on("request", on_request)
    page.goto(base + path)
    wait_map(page, timeout=300)
    page.wait_for_timeout(300)
    context.close()
    # files made for that session only (``/media/…`` of its script run) are not asked again by another visitor
    return [r for r in seen if not r[0].startswith("/media/")]


async def protocol_crowd(base: str, sessions: int, pages: list[tuple[str, str, list]], timeout: float,
                         browser_path: str | None) -> dict:
    """``sessions`` visitors at once, each: the files of its first page, then per page the script run over the
    websocket (``bench.streamlit_client``) and the files its map fetched in a browser. With ``browser_path``, one
    real headless Chromium arrives at the same moment and times its first map drawn (what a visitor sees)."""
    from bench.streamlit_client import ProtocolSession, fetch_all

    out = {"errors": [], "browser": None}
    for name, _, _ in pages:
        out[f"{name}_run"], out[f"{name}_ready"], out[f"{name}_bytes"] = [], [], []
    pool = ThreadPoolExecutor(max_workers=6 * sessions)
    loop = asyncio.get_running_loop()

    async def one(n: int) -> None:
        cookie = f"ifn_backend=visiteur-{n}-{time.time_ns()}"
        try:
            async with ProtocolSession(base, cookie) as session:
                for name, path, files in pages:
                    page_name, _, query = path.strip("/").partition("?")
                    t0 = time.perf_counter()
                    frontend = [r for r in files if not r[0].startswith("/app/static/tuiles/")]
                    tiles = [r for r in files if r[0].startswith("/app/static/tuiles/")]
                    await loop.run_in_executor(None, fetch_all, base, frontend, pool, cookie)
                    run = await session.run_page(page_name, query, timeout)
                    if run.exceptions:
                        out["errors"].append(f"session {n} : exception ({name}) : {run.exceptions[0]}")
                    if run.map_at is None:
                        out["errors"].append(f"session {n} : {name} sans carte")
                        return
                    out[f"{name}_run"].append(time.perf_counter() - t0)
                    await loop.run_in_executor(None, fetch_all, base, tiles, pool, cookie)
                    out[f"{name}_ready"].append(time.perf_counter() - t0)
                    out[f"{name}_bytes"].append(run.bytes)
        except Exception as exc:  # noqa: BLE001 - counted as an error
            out["errors"].append(f"session {n} : {type(exc).__name__}: {str(exc)[:80]}")

    async def real_browser() -> None:
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = await browser.new_context(viewport={"width": 1400, "height": 1100}, locale="fr-FR")

            async def handle(route):
                url = route.request.url
                await (route.continue_() if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:",
                                                            "about:")) else route.abort())
            await context.route("**/*", handle)
            page = await context.new_page()
            t0 = time.perf_counter()
            await page.goto(base + browser_path, timeout=timeout * 1000)
            while time.perf_counter() - t0 < timeout:
                drawn = False
                for frame in page.frames:
                    try:
                        drawn = drawn or (await frame.evaluate(SHOWN_JS)) == "drawn"
                    except Exception:  # noqa: BLE001 - frame detached
                        continue
                if drawn:
                    out["browser"] = time.perf_counter() - t0
                    break
                await asyncio.sleep(0.02)
            await browser.close()

    jobs = [one(n) for n in range(sessions)] + ([real_browser()] if browser_path else [])
    await asyncio.gather(*jobs)
    pool.shutdown()
    return out


def print_errors_and_times(result: dict, rows: tuple[tuple[str, str], ...]) -> None:
    """The crowd's errors (five at most), then median and p95 of each ``(key, label)`` of ``result``."""
    errors = result["errors"]
    print(f"  erreurs : {len(errors)}" + "".join(f"\n    {e}" for e in errors[:5]))
    for key, label in rows:
        values = result[key]
        if values:
            print(f"  {label:<46} médiane {statistics.median(values):.2f} s, p95 {p95(values):.2f} s "
                  f"(n={len(values)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geojson", action="store_true", help="cartes GeoJSON par zone (chemin sans tuiles)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="délai maximal d'une session (s)")
    parser.add_argument("--skip-crowd", action="store_true")
    parser.add_argument("--backends", type=int, default=0,
                        help="servir par deploy/serve.py : nginx devant N processus Streamlit (0 : streamlit run seul)")
    parser.add_argument("--playwright-routes", action="store_true",
                        help="faire passer chaque requête par le routeur de Playwright (mesures des sessions précédentes)")
    parser.add_argument("--skip-alone", action="store_true")
    parser.add_argument("--crowd-path", help="page nationale de la foule (défaut : communes, EPCI avec --geojson)")
    parser.add_argument("--crowd-browsers", action="store_true",
                        help="foule de pages Chromium sur cette machine (mesure surtout le navigateur) au lieu de "
                             "sessions du protocole Streamlit et d'un seul Chromium mesuré")
    args = parser.parse_args(argv)
    global ROUTED
    ROUTED = args.playwright_routes
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} absent : installez le paquet Debian chromium.")
        return 1
    from playwright.sync_api import sync_playwright

    mode = "cartes GeoJSON par zone (IFN_SANS_TUILES=1)" if args.geojson else "tuiles vectorielles"
    port = free_port()
    if args.backends:
        mode += f", nginx devant {args.backends} processus Streamlit (deploy/serve.py)"
        proc = start_deployment(port, args.backends, {"IFN_SANS_TUILES": "1" if args.geojson else "0"})
    else:
        proc = start_server(port, env={"IFN_SANS_TUILES": "1"} if args.geojson else {"IFN_SANS_TUILES": "0"})
    base = f"http://127.0.0.1:{port}"
    try:
        print(f"Mode : {mode} ; serveur {base}, mémoire au démarrage {rss_mb(proc.pid):.0f} Mo")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + OFFLINE_ARGS)
            context, page = new_page(browser)  # warm-up: scores of every level computed once
            t0 = time.perf_counter()
            page.goto(base + "/carte")
            wait_map(page, timeout=300)
            page.goto(base + "/analyse")
            wait_map(page, timeout=300)
            context.close()
            print(f"Préchauffage (carte + analyse, scores calculés) : {time.perf_counter() - t0:.1f} s ; "
                  f"mémoire {rss_mb(proc.pid):.0f} Mo")
            if not args.skip_alone:
                print("\nSeul (nouvelle session, serveur chaud) :")
                alone(browser, base, args.geojson, args.repeat)
            national = args.crowd_path or ("/carte?carte=epci" if args.geojson else "/carte?carte=commune")
            crowd_pages = [] if args.skip_crowd or args.crowd_browsers else [  # what each visitor fetches
                ("map", national, record_requests(browser, base, national, args.geojson)),
                ("analyse", "/analyse", record_requests(browser, base, "/analyse", args.geojson))]
            browser.close()
        if not args.geojson:
            print("\nService statique des tuiles :")
            static_cost(base)
        if not args.skip_crowd:
            before = rss_mb(proc.pid)
            t0 = time.perf_counter()
            result = asyncio.run(crowd(base, args.sessions, national, args.timeout) if args.crowd_browsers else
                                 protocol_crowd(base, args.sessions, crowd_pages, args.timeout, national))
            wall = time.perf_counter() - t0
            after = rss_mb(proc.pid)
            if args.crowd_browsers:
                print(f"\nFoule : {args.sessions} sessions simultanées ({national} puis /analyse), {wall:.1f} s au "
                      f"total, délai {args.timeout:.0f} s par page")
                print_errors_and_times(result, (("map_shown", "carte reçue (vue du serveur, scripts chargés)"),
                                                ("map_drawn", "carte dessinée (toutes les tuiles)"),
                                                ("analyse_shown", "analyse : carte reçue"),
                                                ("analyse_drawn", "analyse : carte dessinée")))
                print(f"  pages dont les tuiles n'ont pas fini dans le délai : {result['not_drawn']}")
            else:
                print(f"\nFoule : {args.sessions} sessions simultanées du protocole Streamlit ({national} puis "
                      "/analyse : fichiers de la page, exécution du script, tuiles de la vue), et un Chromium arrivé "
                      f"en même temps ; {wall:.1f} s au total")
                for name, _, files in crowd_pages:
                    tiles_n = sum(1 for f in files if f[0].startswith("/app/static/tuiles/"))
                    print(f"  {name} : {len(files) - tiles_n} fichiers de page et {tiles_n} lectures de tuiles par "
                          "visiteur")
                print_errors_and_times(result, (("map_run", "carte : page et script servis"),
                                                ("map_ready", "carte : tuiles de la vue servies"),
                                                ("analyse_run", "analyse : page et script servis"),
                                                ("analyse_ready", "analyse : tuiles servies")))
                if result["map_bytes"]:
                    print(f"  message du script de la carte : {statistics.median(result['map_bytes']) / 1e6:.2f} Mo "
                          "par session")
                shown = f"{result['browser']:.2f} s" if result["browser"] is not None else f"pas en {args.timeout:.0f} s"
                print(f"  Chromium arrivé avec la foule : première carte dessinée en {shown}")
            print(f"  mémoire du serveur : {before:.0f} Mo avant, {after:.0f} Mo après la rafale")
    finally:
        stop_server(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
