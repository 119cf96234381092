"""Cached data of the map page (shared by all sessions, read-only).

- ``scored(variant)``: the four levels scored once per (cache, variant) with ``ifn.score.score_all``,
  and the IRIS (``ifn.iris.score_iris``, normalised among the IRIS);
- ``search_index()``, ``france(variant)``: the search table and France's raw values;
- ``view(...)``: the GeoJSON, classes and displayed table of one view, per
  (level, area, method, variant) — the map is built from it, never from the full commune layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
import polars as pl
import streamlit as st

from ifn.catalogue import load_catalogue
from ifn.classify import Classes, classify
from ifn.iris import area_iris, iris_details, score_iris
from ifn.mapview import LEVEL_LABELS, area_filter, build_map, feature_collection
from ifn.score import ScoreOptions, score_all
from ifn.search import build_index
from ifn.territory import france_values
from ui import data


@dataclass(frozen=True)
class View:
    """One map view: its units, GeoJSON, classes and title."""

    level: str
    area: tuple[str, str] | None
    table: pl.DataFrame
    geojson: dict
    classes: Classes
    title: str


@st.cache_resource(max_entries=4, show_spinner="Calcul de l'indice pour tous les territoires…")
def _scored(fingerprint: str, variant: str) -> dict[str, pl.DataFrame]:
    tables = score_all(data.communes(fingerprint), ScoreOptions(variant=variant))
    return {**tables, "iris": score_iris(data.iris(fingerprint), ScoreOptions(variant=variant))}


def scored(variant: str) -> dict[str, pl.DataFrame]:
    """Scored tables of the four levels for ``variant`` (reference method)."""
    return _scored(data.fingerprint(), variant)


@st.cache_resource(max_entries=4, show_spinner=False)
def _known_codes(fingerprint: str, variant: str) -> dict[str, frozenset[str]]:
    return {lvl: frozenset(t["code"].to_list()) for lvl, t in _scored(fingerprint, variant).items()}


def known_codes(variant: str) -> dict[str, frozenset[str]]:
    """The codes of every level (to validate a shared link), built once per cache and variant."""
    return _known_codes(data.fingerprint(), variant)


@st.cache_resource(max_entries=2, show_spinner=False)
def _index(fingerprint: str) -> pl.DataFrame:
    return build_index(data.communes(fingerprint), data.aliases(fingerprint), data.iris(fingerprint))


def search_index() -> pl.DataFrame:
    return _index(data.fingerprint())


def commune_details(level: str, code: str) -> dict | None:
    """The cache's row of a commune or an IRIS (per-value sources, estimates), or None for other levels."""
    if level == "iris":
        rows = data.iris(data.fingerprint()).filter(pl.col("code") == code)
        return iris_details(rows.row(0, named=True)) if rows.height else None
    if level != "commune":
        return None
    rows = data.communes(data.fingerprint()).filter(pl.col("code") == code)
    return rows.row(0, named=True) if rows.height else None


@st.cache_resource(max_entries=2, show_spinner=False)
def _france(fingerprint: str, variant: str) -> dict:
    return france_values(data.communes(fingerprint), variant)


def france(variant: str) -> dict:
    """Raw values of France as a whole."""
    return _france(data.fingerprint(), variant)


@st.cache_resource(max_entries=2, show_spinner=False)
def catalogue():
    return load_catalogue()


@st.cache_resource(max_entries=32, show_spinner=False)
def _classes(fingerprint: str, variant: str, level: str, method: str) -> Classes:
    return classify(_scored(fingerprint, variant)[level]["ifn"], method)


def classes(variant: str, level: str, method: str) -> Classes:
    """Map classes of a level (computed on all its units, so colours compare across areas)."""
    return _classes(data.fingerprint(), variant, level, method)


@st.cache_resource(max_entries=48, show_spinner="Préparation de la carte…")
def _view(fingerprint: str, variant: str, level: str, area_level: str | None, area_code: str | None,
          method: str) -> View:
    tables = _scored(fingerprint, variant)
    classes = _classes(fingerprint, variant, level, method)
    if level == "iris":  # never all IRIS: those of one commune, EPCI or département
        table = area_iris(tables[level], area_level, area_code) if area_level else tables[level].clear()
    else:
        table = area_filter(tables[level], area_level, area_code) if level == "commune" else tables[level]
    fc = feature_collection(data.geometries(level), table, classes)
    title = f"IFN — {LEVEL_LABELS[level]}"
    return View(level, (area_level, area_code) if area_level else None, table, fc, classes, title)


def view(variant: str, level: str, area: tuple[str, str] | None, method: str) -> View:
    """The view of ``level`` (communes restricted to ``area``) with classes on the whole level."""
    area_level, area_code = area if area else (None, None)
    return _view(data.fingerprint(), variant, level, area_level, area_code, method)


@st.cache_resource(max_entries=48, show_spinner=False)
def _table_view(fingerprint: str, variant: str, level: str, area_level: str | None, area_code: str | None,
                method: str) -> View:
    tables = _scored(fingerprint, variant)
    classes = _classes(fingerprint, variant, level, method)
    table = area_filter(tables[level], area_level, area_code) if level == "commune" else tables[level]
    return View(level, (area_level, area_code) if area_level else None, table, {"type": "FeatureCollection",
                "features": []}, classes, f"IFN — {LEVEL_LABELS[level]}")


def table_view(variant: str, level: str, area: tuple[str, str] | None, method: str) -> View:
    """``view`` without its GeoJSON (the tile map draws the geometry): table, classes and title only."""
    area_level, area_code = area if area else (None, None)
    return _table_view(data.fingerprint(), variant, level, area_level, area_code, method)


def folium_map(variant: str, level: str, area: tuple[str, str] | None, method: str,
               frame: tuple | None, selected: str | None) -> folium.Map:
    """A new folium map of a view, built on every run (about 3 ms from the cached view).

    Never cached: ``st_folium`` renames the elements of the map it draws, so a map object shared
    between sessions or runs is drawn empty the second time.
    """
    v = view(variant, level, area, method)
    return build_map(v.geojson, v.classes, v.title, frame=frame, selected=selected, leaflet=data.leaflet_url())
