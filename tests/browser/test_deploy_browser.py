"""Behind nginx (deploy/serve.py, two Streamlit processes): static files and tiles served from disk with caching
headers, each visitor kept on one process (a download made by its session is found), the national map drawn."""

from __future__ import annotations

import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import free_port, offline_routes, start_deployment, stop_server

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def deployed(built_cache, chromium_path):
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.skip("nginx absent (paquet Debian nginx-light) : déploiement non testé")
    port = free_port()
    proc = start_deployment(port, 2)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def _headers(url: str, **extra) -> tuple[int, dict]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=extra), timeout=30) as r:
        r.read()
        return r.status, {k.lower(): v for k, v in r.headers.items()}


def test_static_files_and_tiles_carry_caching_headers(deployed, built_cache):
    from ifn import tiles

    manifest = tiles.load_manifest(built_cache.cache_dir / tiles.TILES_DIR)
    archive = manifest["levels"]["commune"]["file"]
    status, headers = _headers(f"{deployed}/app/static/tuiles/{archive}", Range="bytes=0-99")
    assert status == 206 and headers["content-range"].startswith("bytes 0-99/")
    assert headers["cache-control"] == IMMUTABLE  # content-hashed name
    status, headers = _headers(f"{deployed}/app/static/ifn-carte/ifn-tiles-worker.js")
    assert status == 200 and headers["cache-control"] == "no-cache" and "javascript" in headers["content-type"]
    status, headers = _headers(f"{deployed}/carte")
    assert status == 200 and headers["set-cookie"].startswith("ifn_backend=")  # which process serves the visitor
    index = urllib.request.urlopen(f"{deployed}/carte", timeout=30).read().decode()
    script = index.split('src="./static/js/', 1)[1].split('"', 1)[0]
    status, headers = _headers(f"{deployed}/static/js/{script}", **{"Accept-Encoding": "gzip"})
    assert headers["cache-control"] == IMMUTABLE and headers["content-encoding"] == "gzip"
    # the map component's files, from disk: found on every process, even one that has run no script yet
    component = "/component/streamlit_folium.st_folium"
    page = urllib.request.urlopen(f"{deployed}{component}/index.html", timeout=30).read().decode()
    bundle = page.split('src="./static/js/', 1)[1].split('"', 1)[0]
    for visitor in ("a", "b", "c", "d"):
        status, headers = _headers(f"{deployed}{component}/static/js/{bundle}", Cookie=f"ifn_backend={visitor}")
        assert status == 200 and headers["cache-control"] == IMMUTABLE


def test_the_map_is_drawn_and_a_download_of_the_session_is_found(deployed, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="fr-FR", accept_downloads=True)
    offline_routes(context)
    page = context.new_page()
    try:
        page.goto(f"{deployed}/carte?carte=commune")
        page.locator(MAP_FRAME).first.wait_for(timeout=120_000)
        deadline, state = time.monotonic() + 90, None
        while time.monotonic() < deadline:
            frame = next((f for f in page.frames if "streamlit_folium" in f.url), None)
            state = frame and frame.evaluate("() => { const c = document.querySelector('.leaflet-container');"
                                             " return c && c.getAttribute('data-ifn-loaded') === c.getAttribute('data-ifn-view'); }")
            if state:
                break
            page.wait_for_timeout(100)
        assert state, "carte non dessinée derrière nginx"
        codes = frame.evaluate("() => window.ifnTiles.drawnCodes()")
        assert len({c[:2] for c in codes}) >= 90
        # the CSV is made on demand by the visitor's session and stored in its process: found through nginx,
        # three times (without a cookie that keeps the visitor on its process, half the requests would miss it)
        for n in range(3):
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name="Tableau (CSV)").click()
            path = tmp_path / f"ifn-{n}.csv"
            info.value.save_as(path)
            assert "Communes" in path.read_text(encoding="utf-8-sig")[:4000]
    finally:
        context.close()
