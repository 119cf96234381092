"""Cached data of the page « Besoins et offre de médiation » (shared by all sessions, read-only).

- ``offer()``: the three layers of places read from the bundle once per cache (about 2.5 s);
- ``area_table(...)``: the communes of an area with their places within the radius, per (area, radius);
- ``map_html(...)``: the rendered map of an area (a string, never a folium object).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from ifn import mediation
from ifn.cache import load_centres
from ifn.config import require_data_dir, resolve_settings
from ifn.mapview import bounds, feature_collection
from ifn.offer import LAYERS, in_area, near_box, read_offer
from ifn.offermap import offer_map
from ui import carte_cache, data


@st.cache_resource(max_entries=1, show_spinner="Lecture des lieux de médiation, France Services et bibliothèques…")
def _offer(fingerprint: str):
    return read_offer(require_data_dir(resolve_settings()), data.geometries("commune"))


def offer():
    return _offer(data.fingerprint())


@st.cache_resource(max_entries=1, show_spinner=False)
def _centres(fingerprint: str) -> pl.DataFrame:
    return load_centres()


@st.cache_resource(max_entries=2, show_spinner=False)
def _table(fingerprint: str, variant: str) -> pl.DataFrame:
    return mediation.commune_table(carte_cache.scored(variant)["commune"], data.communes(fingerprint))


def table(variant: str = "tout_age") -> pl.DataFrame:
    """Every commune: IFN, population, distances (``ifn.mediation.commune_table``)."""
    return _table(data.fingerprint(), variant)


@st.cache_resource(max_entries=32, show_spinner=False)
def _area_table(fingerprint: str, variant: str, area_level: str, area_code: str, radius: float) -> pl.DataFrame:
    area = mediation.area_table(_table(fingerprint, variant), area_level, area_code)
    o = _offer(fingerprint)
    return mediation.within_radius(area, _centres(fingerprint), {k: o.layer(k) for k in LAYERS}, radius)


def area_table(variant: str, area_level: str, area_code: str, radius: float) -> pl.DataFrame:
    return _area_table(data.fingerprint(), variant, area_level, area_code, radius)


def centres() -> pl.DataFrame:
    return _centres(data.fingerprint())


def area_places(area_level: str, area_code: str) -> pl.DataFrame:
    return in_area(offer().places, data.communes(data.fingerprint()), area_level, area_code)


@st.cache_resource(max_entries=16, show_spinner="Préparation de la carte…")
def _map_html(fingerprint: str, variant: str, area_level: str, area_code: str, leaflet: str) -> tuple[str, int]:
    communes = carte_cache.scored(variant)["commune"]
    units = mediation.area_table(communes, area_level, area_code)
    classes = carte_cache.classes(variant, "commune", "equal")
    fc = feature_collection(data.geometries("commune"), units, classes)
    box = bounds(fc)
    shown = near_box(_offer(fingerprint).places, box) if box else _offer(fingerprint).places.head(0)
    fmap = offer_map(fc, classes, "IFN des communes", shown, leaflet)
    return fmap.get_root().render(), shown.height


def map_html(variant: str, area_level: str, area_code: str) -> tuple[str, int]:
    """The map's HTML (communes of the area, places of the area and just around it) and the places drawn."""
    return _map_html(data.fingerprint(), variant, area_level, area_code, data.leaflet_url())
