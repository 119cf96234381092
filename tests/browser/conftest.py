"""Browser fixtures: a ``streamlit run app.py`` server on a free loopback port, Debian's chromium via Playwright.

Skipped cleanly when /usr/bin/chromium (or the playwright package) is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


# For benchmarks: the machine has no internet, so names other than loopback are made not to resolve, instead of
# routing every request through Playwright (``offline_routes``), which delays each one by a round trip to the driver.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answering(proc: subprocess.Popen, port: int, timeout: float, what: str) -> subprocess.Popen:
    """``proc`` once http://127.0.0.1:port/_stcore/health answers; stopped, and RuntimeError, if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"{what} n'a pas démarré")


def start_server(port: int, env: dict | None = None) -> subprocess.Popen:
    """``streamlit run app.py`` headless on 127.0.0.1:port; returns once /_stcore/health answers."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    return _answering(proc, port, 60, "le serveur streamlit")


def start_deployment(port: int, backends: int, env: dict | None = None) -> subprocess.Popen:
    """``deploy/serve.py`` (nginx before ``backends`` Streamlit processes) on ``port``; returns once it answers."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "serve.py"), "--port", str(port),
                             "--backends", str(backends)], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return _answering(proc, port, 180, "deploy/serve.py")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium absent : tests navigateur ignorés")
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM


def warm_up(browser, base: str) -> None:
    """Open the home page once, as on a running server (the first run of app.py installs the page registry)."""
    context = browser.new_context()
    offline_routes(context)
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_role("heading", name="Indice de Fragilité Numérique").wait_for(timeout=120_000)
    context.close()


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server(built_cache, browser):
    """Base URL of a running app (warmed up)."""
    port = free_port()
    proc = start_server(port)
    base = f"http://127.0.0.1:{port}"
    warm_up(browser, base)
    yield base
    stop_server(proc)


@pytest.fixture()
def fresh_server(built_cache, chromium_path):
    """Base URL of an app that no browser has opened yet (deep links before the first run of app.py)."""
    port = free_port()
    proc = start_server(port)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def offline_routes(context) -> None:
    """Refuse every request that leaves the machine (no internet here): the app serves Leaflet itself
    (static/leaflet-1.9.3); map tiles are refused and the maps draw without a background."""
    def handle(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            return route.continue_()
        return route.abort()

    context.route("**/*", handle)


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    offline_routes(context)
    pg = context.new_page()
    yield pg
    context.close()
