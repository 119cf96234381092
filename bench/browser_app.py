"""Shared set-up of the browser benchmarks: ``streamlit run app.py`` on loopback and a headless Debian chromium."""

from __future__ import annotations

import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, start_server  # noqa: E402


def fmt(times: list[float]) -> str:
    """Median, min, max and count of durations, in French."""
    return f"médiane {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"


@contextmanager
def served_app():
    """Yield ``(browser, base URL, seconds until the server answered)``; stop both afterwards."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    t0 = time.perf_counter()
    proc = start_server(port)
    ready = time.perf_counter() - t0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser, f"http://127.0.0.1:{port}", ready
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
