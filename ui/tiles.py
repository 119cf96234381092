"""Streamlit glue of the tile map (shared by the map and analyst pages).

``manifest()`` publishes the cache's PMTiles archives under ``static/tuiles/`` (hard links: Streamlit's
static serving refuses symbolic links leaving ``static/``) and returns the ``ifn.tiles`` manifest, or
None when the cache has no tiles (the pages then draw the per-area GeoJSON, with a notice).
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from ifn import tiles
from ifn.config import resolve_settings
from ifn.errors import IFNError
from ifn.mapview import static_base, unit_bounds
from ui import data

STATIC_TILES = Path(__file__).resolve().parent.parent / "static" / tiles.TILES_DIR
FALLBACK_NOTICE = ("Les tuiles vectorielles de la carte sont absentes du cache : la carte est dessinée zone par "
                   "zone (relancez « python -m ifn build » pour la carte nationale des communes).")


@st.cache_resource(max_entries=1, show_spinner=False)
def _manifest(fingerprint: str) -> dict | None:
    try:
        return tiles.publish(resolve_settings().cache_dir / tiles.TILES_DIR, STATIC_TILES)
    except (OSError, IFNError):
        return None


NO_TILES_ENV = "IFN_SANS_TUILES"  # "1": draw the per-area GeoJSON maps (benchmarks of the fallback)


def manifest() -> dict | None:
    """The tile manifest (archives published for static serving), or None: GeoJSON fallback."""
    if os.environ.get(NO_TILES_ENV) == "1":
        return None
    return _manifest(data.fingerprint())


def static() -> str:
    """URL of the app's static folder (under ``server.baseUrlPath``)."""
    return static_base(st.get_option("server.baseUrlPath") or "")


@st.cache_resource(max_entries=8, show_spinner=False)
def _bounds(fingerprint: str, level: str) -> dict:
    return unit_bounds(data.geometries(level))


def bounds(level: str, code: str | None) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of one unit, for the framing; None if unknown."""
    return _bounds(data.fingerprint(), level).get(code) if code else None
