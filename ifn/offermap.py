"""The need-and-offer map: the IFN choropleth of ``ifn.mapview`` with three clustered layers of places.

Each layer (mediation places, France Services, libraries) is a
``folium.plugins.FastMarkerCluster`` that the browser fills from a JSON array
(thousands of points without one Python object each), with a layer switch to
show or hide it. Popups and tooltips are HTML built here from escaped values
only (``html.escape``): a place's name, address, services or hours can hold
any character. Leaflet.markercluster 1.5.3 (MIT) is served by the app
(``static/leaflet.markercluster-1.5.3``) like Leaflet itself.
"""

from __future__ import annotations

import html

import folium
import polars as pl
from folium.plugins import FastMarkerCluster

from ifn.classify import Classes
from ifn.mapview import LEAFLET_APP, build_map
from ifn.offer import LAYERS

MARKERCLUSTER_VERSION = "1.5.3"
MARKERCLUSTER_APP = f"/app/static/leaflet.markercluster-{MARKERCLUSTER_VERSION}/"
MARKERCLUSTER_CDN = f"https://cdn.jsdelivr.net/npm/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist/"


def markercluster_base(leaflet_base: str) -> str:
    """Where the app serves Leaflet.markercluster, next to its Leaflet copy (same ``baseUrlPath`` prefix)."""
    if leaflet_base.endswith(LEAFLET_APP):
        return leaflet_base[: -len(LEAFLET_APP)] + MARKERCLUSTER_APP
    return MARKERCLUSTER_CDN


def _line(label: str, value: object) -> str:
    if value is None or not str(value).strip():
        return ""
    return f"<div><b>{html.escape(label)}</b> : {html.escape(str(value))}</div>"


def popup_html(row: dict) -> str:
    """Popup of one place: name, address, services, hours in French, access, source and date (all escaped)."""
    where = " ".join(str(v) for v in (row.get("code_postal"), row.get("commune_source")) if v)
    address = ", ".join(str(v) for v in (row.get("adresse"), where) if v)
    layer = LAYERS[row["couche"]]
    date = row.get("date_maj")
    source = layer.source + (f" ; fiche mise à jour le {date[8:10]}/{date[5:7]}/{date[:4]}" if date else "")
    return (f'<div class="ifn-lieu" style="font:12px sans-serif;max-width:300px">'
            f"<div style=\"font-weight:bold;font-size:13px\">{html.escape(str(row.get('nom') or 'Lieu sans nom'))}</div>"
            f"<div><em>{html.escape(layer.label)}</em></div>"
            + _line("Adresse", address) + _line("Services", row.get("services"))
            + _line("Horaires", row.get("horaires_fr")) + _line("Accès", row.get("conditions_acces"))
            + f'<div style="color:#666;margin-top:4px">Source : {html.escape(source)}</div></div>')


CALLBACK = """function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 6, color: '#ffffff', weight: 1.2, fillColor: '%s', fillOpacity: 0.95});
    marker.bindPopup(row[2], {maxWidth: 320});
    marker.bindTooltip(row[3]);
    return marker;
}"""
CLUSTER_ICON = """function (cluster) {
    return L.divIcon({html: '<div style="background:%s;color:#fff;border:2px solid #fff;border-radius:50%%;'
        + 'width:30px;height:30px;line-height:26px;text-align:center;font:bold 12px sans-serif;'
        + 'box-shadow:0 0 3px #333">' + cluster.getChildCount() + '</div>',
        className: 'ifn-cluster ifn-cluster-%s', iconSize: L.point(30, 30)});
}"""


def layer_rows(places: pl.DataFrame) -> list[list]:
    """``[lat, lon, popup HTML, tooltip text]`` per place (escaped)."""
    return [[r["lat"], r["lon"], popup_html(r), html.escape(str(r.get("nom") or ""))]
            for r in places.iter_rows(named=True)]


def add_place_layers(fmap: folium.Map, places: pl.DataFrame, leaflet: str, shown: tuple[str, ...] | None = None
                     ) -> folium.Map:
    """The three clustered layers (each toggled in the layer switch) on ``fmap``."""
    base = markercluster_base(leaflet)
    for layer in LAYERS.values():
        pts = places.filter(pl.col("couche") == layer.id)
        cluster = FastMarkerCluster(
            layer_rows(pts), callback=CALLBACK % layer.colour, name=f"{layer.label} ({pts.height})",
            show=shown is None or layer.id in shown, icon_create_function=CLUSTER_ICON % (layer.colour, layer.id),
            options={"maxClusterRadius": 45, "disableClusteringAtZoom": 13, "spiderfyOnMaxZoom": True},
        )
        cluster.default_js = [("markerclusterjs", base + "leaflet.markercluster.js")]
        cluster.default_css = [("markerclustercss", base + "MarkerCluster.css")]
        cluster.add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    return fmap


def offer_map(fc: dict, classes: Classes, title: str, places: pl.DataFrame, leaflet: str,
              frame: tuple[float, float, float, float] | None = None, height: int = 600,
              shown: tuple[str, ...] | None = None) -> folium.Map:
    """IFN of the communes (``fc`` from ``ifn.mapview.feature_collection``) with the three layers of places."""
    fmap = build_map(fc, classes, title, frame=frame, height=height, leaflet=leaflet)
    for child in fmap._children.values():  # the communes stay drawn: only the places are toggled
        if isinstance(child, (folium.GeoJson, folium.TileLayer)):
            child.control = False
    return add_place_layers(fmap, places, leaflet, shown)
