"""Cached access to the derived data for the pages.

``ensure_data()`` is called at the top of every data page: it builds the cache
on first start (with a progress bar) and shows French errors instead of
tracebacks. The loaders are cached at the boundary (``st.cache_resource`` for
read-only shared objects).
"""

from __future__ import annotations

import threading
import time

import polars as pl
import streamlit as st

from ifn import cache
from ifn.config import resolve_settings
from ifn.errors import IFNError
from ifn.text import plain

# A fresh cache is re-checked (checksums of the bundle's ~500 inputs) at most once a minute per process,
# not at every run of every session: the check cost 0.34 s of a 0.74 s map page run.
FRESH_CHECK_SECONDS = 60.0
_fresh_checked: dict[tuple[str, str], float] = {}
_fresh_lock = threading.Lock()


def _recently_fresh(key: tuple[str, str]) -> bool:
    with _fresh_lock:
        checked = _fresh_checked.get(key)
    return checked is not None and time.monotonic() - checked < FRESH_CHECK_SECONDS


def _mark_fresh(key: tuple[str, str]) -> None:
    with _fresh_lock:
        _fresh_checked[key] = time.monotonic()


def ensure_data() -> bool:
    """Make sure the cache exists and is fresh; return False (and show why) if not."""
    from ifn import build

    try:
        settings = resolve_settings()
        key = (str(settings.data_dir), str(settings.cache_dir))
        if _recently_fresh(key):
            return True
        status = build.cache_status(settings)
        if status.fresh:
            _mark_fresh(key)
            return True
        bar = st.progress(0.0, text="Préparation des données ouvertes (première ouverture)…")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        build.build_cache(settings, progress=progress)
        bar.empty()
        _clear_loaders()
        _mark_fresh(key)
        return True
    except IFNError as exc:
        st.error(plain(exc))
        return False


def _clear_loaders() -> None:
    communes.clear()
    iris.clear()
    aliases.clear()
    geometries.clear()
    report.clear()


@st.cache_resource(show_spinner="Chargement des communes…", max_entries=2)
def communes(_fingerprint: str = "") -> pl.DataFrame:
    """The commune table, collected once per process (read-only)."""
    return cache.load_communes().collect()


@st.cache_resource(show_spinner="Chargement des IRIS…", max_entries=2)
def iris(_fingerprint: str = "") -> pl.DataFrame:
    """The IRIS table (``ifn.iris``), collected once per process (read-only)."""
    return cache.load_iris().collect()


@st.cache_resource(show_spinner=False)
def aliases(_fingerprint: str = "") -> pl.DataFrame:
    """Former codes and names, arrondissements, communes déléguées → 2026 commune (read-only)."""
    return cache.load_aliases()


@st.cache_resource(show_spinner="Chargement des contours…", max_entries=8)
def geometries(level: str, simplified: bool = True):
    """GeoDataFrame of a level (read-only, shared)."""
    return cache.load_geometries(level, simplified=simplified)


def leaflet_url() -> str:
    """Folder URL of the app's own Leaflet copy (static serving, under ``server.baseUrlPath``)."""
    from ifn.mapview import leaflet_base

    return leaflet_base(st.get_option("server.baseUrlPath") or "")


@st.cache_resource(max_entries=1)
def report() -> dict:
    """The reconciliation report."""
    return cache.load_report()


def fingerprint() -> str:
    """Identifies the cache content (changes when the cache is rebuilt)."""
    manifest = cache.load_manifest() or {}
    return str(manifest.get("built_at", ""))
