"""Folium choropleth of the IFN (pure: no streamlit).

A *view* is a map level (``region``, ``departement``, ``epci`` or ``commune``)
and, for communes, an area (the département, EPCI or région whose communes are
drawn — never the 35,000 communes at once). The GeoJSON sent to the browser
keeps only ``code``, the escaped name, the escaped score text and the colour,
with coordinates rounded to 5 decimals (about 1 m).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Collection

import folium
import numpy as np
import polars as pl
import shapely
from branca.element import MacroElement
from folium.template import Template as FoliumTemplate
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from ifn import levels
from ifn.classify import METHOD_LABELS, Classes, fr_number

MAP_LEVELS = levels.MAP_LEVELS
LEVEL_LABELS = levels.labels("plural", MAP_LEVELS)
METROPOLE = (-5.2, 41.3, 9.6, 51.1)  # west, south, east, north
DROM = {
    "971": ("Guadeloupe", (-61.85, 15.83, -61.0, 16.52)),
    "972": ("Martinique", (-61.25, 14.38, -60.8, 14.89)),
    "973": ("Guyane", (-54.61, 2.11, -51.6, 5.8)),
    "974": ("La Réunion", (55.21, -21.4, 55.84, -20.87)),
    "976": ("Mayotte", (45.01, -13.01, 45.3, -12.63)),
}
PRECISION = 5
# Leaflet: served by the app itself (static/leaflet-1.9.3, Streamlit static serving) so that the maps need
# no third-party script host; the downloadable standalone page points to the public CDN instead.
LEAFLET_VERSION = "1.9.3"
LEAFLET_CDN = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/"
LEAFLET_APP = f"/app/static/leaflet-{LEAFLET_VERSION}/"
AREA_COLUMNS = levels.AREA_COLUMNS


def area_filter(table: pl.DataFrame, area_level: str | None, area_code: str | None) -> pl.DataFrame:
    """Communes (or units) of one area: ``area_level`` ∈ departement, epci, region; None = everything."""
    if not area_level or not area_code:
        return table
    column = AREA_COLUMNS[area_level]
    if column not in table.columns:
        return table.filter(pl.col("code") == area_code)
    return table.filter(pl.col(column) == area_code)


def round_geometries(geoms: np.ndarray, decimals: int = PRECISION) -> np.ndarray:
    """Geometries with coordinates rounded to ``decimals``."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def score_suffix(method: str) -> str:
    """What follows a score in a tooltip: ``/10`` on the 1–10 scale, `` (base 100)`` for base-100 scores."""
    return " (base 100)" if method == "base100" else "/10"


def score_text(value: float | None, missing: str, suffix: str = "/10") -> str:
    return f"IFN {fr_number(value)}{suffix}" if value is not None else missing


def feature_collection(gdf, table: pl.DataFrame, classes: Classes, value: str = "ifn",
                       decimals: int = PRECISION, suffix: str = "/10") -> dict:
    """GeoJSON dict of the units of ``table`` (``code, nom, <value>``) on ``gdf`` (``code, geometry``).

    Properties: ``code``, ``nom`` and ``texte`` (HTML-escaped), ``couleur``. Units without geometry are dropped.
    Coordinates are rounded to ``decimals``; ``suffix`` follows the score in the tooltip (``score_suffix``).
    """
    codes = table["code"].to_list()
    names = table["nom"].to_list()
    values = table[value].to_list()
    colours = classes.colour(table[value])
    props = {c: (n, v, col) for c, n, v, col in zip(codes, names, values, colours)}
    shapes = gdf[gdf["code"].isin(props.keys())]
    geoms = round_geometries(shapes.geometry.values.to_numpy() if hasattr(shapes.geometry.values, "to_numpy")
                             else np.asarray(shapes.geometry.values), decimals)
    features, kept = [], []
    for code, geom in zip(shapes["code"].to_list(), geoms):
        if geom is None or geom.is_empty:
            continue
        kept.append(geom)
        name, v, colour = props[code]
        features.append({
            "type": "Feature",
            "properties": {"code": code, "nom": html.escape(str(name)),
                           "texte": html.escape(score_text(v, classes.missing_label, suffix)), "couleur": colour},
            "geometry": geom.__geo_interface__,
        })
    fc = {"type": "FeatureCollection", "features": features}
    if kept:  # GeoJSON's own bounding box member: the map's framing without reading every coordinate again
        fc["bbox"] = shapely.total_bounds(np.asarray(kept, dtype=object)).tolist()
    return fc


def bounds(fc: dict) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a feature collection; mainland France when it spans the overseas."""
    if not fc["features"]:
        return None
    if "bbox" in fc:
        west, south, east, north = fc["bbox"]
    else:
        geoms = [shapely.geometry.shape(f["geometry"]) for f in fc["features"]]
        west, south, east, north = shapely.total_bounds(np.asarray(geoms, dtype=object)).tolist()
    if east - west > 30:
        return METROPOLE
    return west, south, east, north


def legend_html(classes: Classes, title: str) -> str:
    """Legend (escaped labels): colour swatch + label per class + « Données insuffisantes »."""
    def item(colour: str, label: str) -> str:
        return (f'<div><span style="background:{html.escape(colour)};width:14px;height:14px;display:inline-block;'
                f'margin-right:6px;border:1px solid #777;vertical-align:middle"></span>{html.escape(label)}</div>')

    items = "".join(item(c, label) for c, label in zip(reversed(classes.colours), reversed(classes.labels)))
    items += item(classes.missing_colour, classes.missing_label)
    return (f'<div class="ifn-legend" role="img" aria-label="Légende" style="background:white;padding:6px 8px;'
            f'font:12px sans-serif;border:1px solid #999;border-radius:4px;line-height:18px">'
            f'<strong>{html.escape(title)}</strong><br><em>{html.escape(METHOD_LABELS[classes.method])}</em>{items}</div>')


class Legend(MacroElement):
    """Leaflet control holding the legend (always visible, bottom right)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: 'bottomright'});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', 'ifn-legend-control');
            div.innerHTML = {{ this.legend|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, legend: str):
        super().__init__()
        self._name = "IfnLegend"
        self.legend = legend


_JSON_MEMO: dict[int, tuple[dict, str]] = {}
_JSON_MEMO_SIZE = 32


def embedded_json(fc: dict) -> str:
    """``fc`` as JSON safe inside a ``<script>`` (as jinja's ``tojson``), serialised once per collection.

    The collections of the map views are cached objects: the same dict is drawn again at every run of
    a session (0.65 MB for the IRIS of Paris, dumped three times per run by folium's template before).
    """
    entry = _JSON_MEMO.get(id(fc))
    if entry is not None and entry[0] is fc:
        return entry[1]
    text = str(htmlsafe_json_dumps(fc))
    if len(_JSON_MEMO) >= _JSON_MEMO_SIZE:
        _JSON_MEMO.pop(next(iter(_JSON_MEMO)))
    _JSON_MEMO[id(fc)] = (fc, text)  # the dict is kept alive with its text: its id cannot be reused
    return text


class ChoroplethLayer(folium.GeoJson):
    """The choropleth of a view: ``folium.GeoJson`` with the styling done in the browser.

    Each feature carries its colour (``couleur``); the selected unit (``selected``) is outlined. folium's
    own styling calls a Python function per feature and writes a ``switch`` of every code into the page, at
    every render (three per run in ``st_folium``): 0.56 s per run for the 992 IRIS of Paris. Bounds come
    from the collection's ``bbox`` (folium computes them over every coordinate in pure Python: 0.29 s for
    the 1,256 EPCI). The GeoJSON text is serialised once per collection (``embedded_json``).
    """

    _template = FoliumTemplate("""
        {% macro script(this, kwargs) %}
        function {{ this.get_name() }}_styler(feature) {
            var selected = feature.properties.code === {{ this.selected|tojson }};
            return {fillColor: feature.properties.couleur, fillOpacity: 0.8,
                    color: selected ? "#000000" : "#555555", weight: selected ? 2.5 : 0.4};
        }
        function {{ this.get_name() }}_onEachFeature(feature, layer) {
            layer.on({
                mouseout: function(e) { {{ this.get_name() }}.resetStyle(e.target); },
                mouseover: function(e) { e.target.setStyle({weight: 2, color: "#000000"}); }
            });
        }
        var {{ this.get_name() }} = L.geoJson(null, {
            onEachFeature: {{ this.get_name() }}_onEachFeature,
            style: {{ this.get_name() }}_styler,
            ...{{ this.options | tojavascript }}
        });
        {{ this.get_name() }}.addData({{ this.data_json }});
        {% endmacro %}
        """)

    def __init__(self, data: dict, selected: str | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.selected = selected
        self.data_json = embedded_json(data)

    def _get_self_bounds(self):
        box = self.data.get("bbox") if isinstance(self.data, dict) else None
        if not box:
            return super()._get_self_bounds()
        west, south, east, north = box
        return [[south, west], [north, east]]


def leaflet_base(base_url_path: str = "") -> str:
    """Where the app serves Leaflet, under Streamlit's ``server.baseUrlPath`` (e.g. ``ifn`` → ``/ifn/app/…``)."""
    prefix = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return prefix + LEAFLET_APP


def build_map(fc: dict, classes: Classes, title: str, frame: tuple[float, float, float, float] | None = None,
              selected: str | None = None, height: int = 560, leaflet: str = LEAFLET_CDN) -> folium.Map:
    """Folium map of ``fc`` (from ``feature_collection``) with tooltip, legend and framing.

    ``frame`` overrides the framing (west, south, east, north), e.g. a DROM box; ``selected`` is outlined;
    ``leaflet`` is the folder URL of ``leaflet.js`` and ``leaflet.css`` (see ``leaflet_base``).
    """
    fmap = folium.Map(control_scale=True, height=height, prefer_canvas=True)
    # Only Leaflet is needed (no markers, no bootstrap): fewer scripts for the browser to fetch.
    fmap.default_js = [("leaflet", leaflet + "leaflet.js")]
    fmap.default_css = [("leaflet_css", leaflet + "leaflet.css")]
    box = frame or bounds(fc)
    if box:
        west, south, east, north = box
        fmap.fit_bounds([[south, west], [north, east]])
    if not fc["features"]:  # nothing to draw (forged code, outline missing): an empty map, never folium's AssertionError
        fmap.add_child(Legend(legend_html(classes, title)))
        return fmap
    ChoroplethLayer(
        fc,
        selected=selected,
        name="IFN",
        tooltip=folium.GeoJsonTooltip(fields=["nom", "texte"], labels=False),
        zoom_on_click=False,
    ).add_to(fmap)
    fmap.add_child(Legend(legend_html(classes, title)))
    return fmap


def standalone_html(fmap: folium.Map) -> bytes:
    """The map as a self-contained HTML page (Leaflet from its public CDN, data inline), to open from disk."""
    page = fmap.get_root().render()
    for name in ("leaflet.js", "leaflet.css"):
        # the app's own copy (any baseUrlPath prefix) → the CDN, which a file opened from disk can reach
        page = re.sub(r'"[^"]*' + re.escape(LEAFLET_APP + name) + '"', f'"{LEAFLET_CDN}{name}"', page)
    return page.encode("utf-8")


def clicked_code(returned: dict | None, known: Collection[str] | None = None) -> str | None:
    """Code of the unit clicked on the map, from the value returned by ``st_folium``.

    Reads ``last_active_drawing`` (a GeoJSON feature); None if nothing, or when the code is not one of
    ``known`` (the codes of the drawn view: the browser's payload can be forged).
    """
    if not returned or not isinstance(returned, dict):
        return None
    feature = returned.get("last_active_drawing")
    if isinstance(feature, dict):
        properties = feature.get("properties")
        code = properties.get("code") if isinstance(properties, dict) else None
        if isinstance(code, str) and code and (known is None or code in known):
            return code
    return None


def payload_size(fc: dict) -> int:
    """Bytes of the GeoJSON as sent to the browser."""
    return len(json.dumps(fc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def feature_bounds(fc: dict, code: str) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the feature ``code`` of ``fc``; None if absent."""
    for f in fc["features"]:
        if f["properties"]["code"] == code:
            return tuple(shapely.geometry.shape(f["geometry"]).bounds)
    return None


def drom_of(code: str | None) -> str | None:
    """DROM département code of a commune / département code, else None."""
    if code and code[:3] in DROM:
        return code[:3]
    return None


# --------------------------------------------------------------------------- vector tiles
# The map of the pages is drawn from the PMTiles archives of ``ifn.tiles`` (served by the app at
# /app/static/tuiles/) by static/ifn-carte/ifn-tiles.js: the map script never changes within a session,
# each view only sends its classes and scores (``ifn.tiles.recolour_strings``) through st_folium's feature group.
STATIC_APP = "/app/static/"
# The page loads Leaflet and the controller only; the controller's workers load pmtiles.js and the vector
# tile decoder themselves (static/ifn-carte/ifn-tiles-worker.js), while the page goes on.
TILE_SCRIPTS = (("ifn_tiles", "ifn-carte/ifn-tiles.js"),)
TILE_WORKER = "ifn-carte/ifn-tiles-worker.js"
ABSENT_COLOUR = "#eeeeee"  # units of the level outside the table shown (e.g. another département)


def static_base(base_url_path: str = "") -> str:
    """URL of the app's static folder under Streamlit's ``server.baseUrlPath``."""
    prefix = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return prefix + STATIC_APP


class TileController(MacroElement):
    """Creates the page's tile controller once (``window.ifnTiles``); the views come later (``TileView``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        IfnTiles.attach({{ this._parent.get_name() }}, {{ this.worker|tojson }});
        {% endmacro %}
    """)

    def __init__(self, worker: str):
        super().__init__()
        self._name = "IfnTiles"
        self.worker = worker


class TileView(MacroElement):
    """One view for the tile controller (rendered inside st_folium's feature group)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.ifnTiles.show({{ this.view|tojson }});
        {% endmacro %}
    """)

    def __init__(self, view: dict):
        super().__init__()
        self._name = "IfnTileView"
        self.view = view


def tile_map(static: str = STATIC_APP, height: int = 560) -> folium.Map:
    """The map of the tile pages: Leaflet, the vendored tile libraries and the controller, nothing else.

    Its script is the same for every view, so that st_folium keeps the same iframe (see ``tile_layer``).
    """
    # no fade-in of the tiles: a tile is shown when its worker has drawn it (a 0.2 s fade delayed the first map)
    fmap = folium.Map(location=[46.6, 2.4], zoom_start=5, control_scale=True, height=height, prefer_canvas=True,
                      fade_animation=False)
    leaflet = static + f"leaflet-{LEAFLET_VERSION}/"
    fmap.default_js = [("leaflet", leaflet + "leaflet.js"), *((n, static + path) for n, path in TILE_SCRIPTS)]
    fmap.default_css = [("leaflet_css", leaflet + "leaflet.css")]
    fmap.add_child(TileController(static + TILE_WORKER))
    return fmap


def tile_view(manifest: dict, level: str, table: pl.DataFrame, classes: Classes, title: str,
              static: str = STATIC_APP, selected: str | None = None,
              frame: tuple[float, float, float, float] | None = None, suffix: str = "/10",
              outline: str | None = None, value: str = "ifn") -> dict:
    """What ``ifn-tiles.js`` needs to draw ``table`` (``code, <value>``) on the tiles of ``level``.

    ``manifest``: ``ifn.tiles`` manifest; ``outline``: a level whose borders are drawn above (not clickable).
    """
    from ifn.tiles import SCORE_DIGITS, TILES_DIR, recolour_strings

    def layer(lvl: str) -> dict:
        entry = manifest["levels"][lvl]
        return {"url": f"{static}{TILES_DIR}/{entry['file']}", "level": lvl,
                "minZoom": entry["min_zoom"], "maxZoom": entry["max_zoom"]}

    entry = manifest["levels"][level]
    cls, scores = recolour_strings(entry["codes"], table, classes, value)
    base = layer(level)
    # the other levels' tiles of the same place, decoded ahead by the workers (not the communes: heaviest)
    ahead = [layer(lvl) for lvl in manifest["levels"] if lvl not in (level, "commune")]
    return {**base, "classes": cls, "scores": scores, "scoreDigits": SCORE_DIGITS, "colours": list(classes.colours),
            "missing": classes.missing_colour, "absent": ABSENT_COLOUR, "missingLabel": classes.missing_label,
            "suffix": suffix, "selected": selected, "frame": list(frame) if frame else None,
            "outline": layer(outline) if outline else None, "legend": legend_html(classes, title),
            "prefetch": ahead}


def tile_layer(view: dict) -> folium.FeatureGroup:
    """The feature group to pass as ``st_folium(feature_group_to_add=…)``: it only calls ``show(view)``."""
    group = folium.FeatureGroup(name="IFN", control=False)
    group.add_child(TileView(view))
    return group


def unit_bounds(gdf) -> dict[str, tuple[float, float, float, float]]:
    """``{code: (west, south, east, north)}`` of the units of a GeoDataFrame ``code, geometry``."""
    boxes = shapely.bounds(np.asarray(gdf.geometry.values))
    valid = ~np.isnan(boxes).any(axis=1)  # empty geometries have no box
    codes = np.asarray(gdf["code"].tolist(), dtype=object)[valid]
    return dict(zip(codes.tolist(), map(tuple, boxes[valid].tolist())))
