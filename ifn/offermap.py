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
import json

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


FIELDS = ("nom", "adresse", "services", "horaires_fr", "conditions_acces", "mise_a_jour")


def popup_fields(row: dict) -> list[str]:
    """The popup's values of one place, each HTML-escaped (``FIELDS`` order): the browser only puts them
    between fixed tags (``CALLBACK``), so that thousands of popups travel as short strings.
    """
    where = " ".join(str(v) for v in (row.get("code_postal"), row.get("commune_source")) if v)
    address = ", ".join(str(v) for v in (row.get("adresse"), where) if v)
    date = row.get("date_maj")
    values = {"nom": row.get("nom") or "Lieu sans nom", "adresse": address, "services": row.get("services"),
              "horaires_fr": row.get("horaires_fr"), "conditions_acces": row.get("conditions_acces"),
              "mise_a_jour": f"fiche mise à jour le {date[8:10]}/{date[5:7]}/{date[:4]}" if date else ""}
    return [html.escape(str(values[f] or ""), quote=True) for f in FIELDS]


def _js_string(text: str) -> str:
    """A JavaScript string literal of our own (escaped) HTML, safe inside a <script> element."""
    return json.dumps(text, ensure_ascii=False).replace("</", "<\\/")


def callback(layer) -> str:
    """JavaScript making one circle marker with its tooltip (the name) and popup from a row of ``layer_rows``:
    ``[lat, lon, nom, adresse, services, horaires, accès, mise à jour]``, values already escaped.
    """
    head = _js_string(f"<div><em>{html.escape(layer.label)}</em></div>")
    source = _js_string(html.escape(f"Source : {layer.source}"))
    return """function (row) {
    function line(label, value) { return value ? '<div><b>' + label + '</b> : ' + value + '</div>' : ''; }
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 6, color: '#ffffff', weight: 1.2, fillColor: '%s', fillOpacity: 0.95});
    marker.bindPopup('<div class="ifn-lieu" style="font:12px sans-serif;max-width:300px">'
        + '<div style="font-weight:bold;font-size:13px">' + row[2] + '</div>' + %s
        + line('Adresse', row[3]) + line('Services', row[4]) + line('Horaires', row[5]) + line('Accès', row[6])
        + '<div style="color:#666;margin-top:4px">' + %s + (row[7] ? ' ; ' + row[7] : '') + '</div></div>',
        {maxWidth: 320});
    marker.bindTooltip(row[2]);
    return marker;
}""" % (layer.colour, head, source)  # noqa: UP031  (a JavaScript template: braces stay literal)


CLUSTER_ICON = """function (cluster) {
    return L.divIcon({html: '<div style="background:%s;color:#fff;border:2px solid #fff;border-radius:50%%;'
        + 'width:30px;height:30px;line-height:26px;text-align:center;font:bold 12px sans-serif;'
        + 'box-shadow:0 0 3px #333">' + cluster.getChildCount() + '</div>',
        className: 'ifn-cluster ifn-cluster-%s', iconSize: L.point(30, 30)});
}"""


def layer_rows(places: pl.DataFrame) -> list[list]:
    """``[lat, lon, escaped popup fields…]`` per place, coordinates rounded to 5 decimals (about 1 m)."""
    return [[round(r["lat"], 5), round(r["lon"], 5), *popup_fields(r)] for r in places.iter_rows(named=True)]


def add_place_layers(fmap: folium.Map, places: pl.DataFrame, leaflet: str, shown: tuple[str, ...] | None = None
                     ) -> folium.Map:
    """The three clustered layers (each toggled in the layer switch) on ``fmap``."""
    base = markercluster_base(leaflet)
    for layer in LAYERS.values():
        pts = places.filter(pl.col("couche") == layer.id)
        cluster = FastMarkerCluster(
            layer_rows(pts), callback=callback(layer), name=f"{layer.label} ({pts.height})",
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
