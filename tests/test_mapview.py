"""Pure map building: GeoJSON properties (escaped), colours, rounding, bounds, legend, click → code, HTML export."""

from __future__ import annotations

import geopandas as gpd
import polars as pl
import pytest
from shapely.geometry import box

from ifn.classify import classify
from ifn.mapview import (
    DROM,
    METROPOLE,
    area_filter,
    bounds,
    build_map,
    clicked_code,
    drom_of,
    feature_bounds,
    feature_collection,
    legend_html,
    payload_size,
    standalone_html,
)


@pytest.fixture()
def gdf():
    return gpd.GeoDataFrame({"code": ["01001", "01002", "01003"],
                             "geometry": [box(5.0, 46.0, 5.1234567, 46.1), box(5.2, 46.0, 5.3, 46.2),
                                          box(6.0, 45.0, 6.5, 45.5)]}, crs=4326)


@pytest.fixture()
def table():
    return pl.DataFrame({"code": ["01001", "01002", "99999"], "nom": ["<script>alert(1)</script>", "Bourg & Co", "X"],
                         "ifn": [9.5, None, 2.0], "dep": ["01", "01", "99"]})


def test_feature_collection(gdf, table):
    fc = feature_collection(gdf, table, classify([1, 10], "equal"))
    assert [f["properties"]["code"] for f in fc["features"]] == ["01001", "01002"]  # 99999 has no geometry
    a, b = (f["properties"] for f in fc["features"])
    assert a == {"code": "01001", "nom": "&lt;script&gt;alert(1)&lt;/script&gt;", "texte": "IFN 9,5/10",
                 "couleur": "#bd0026"}
    assert b == {"code": "01002", "nom": "Bourg &amp; Co", "texte": "Données insuffisantes", "couleur": "#bdbdbd"}
    xs = [x for x, _ in fc["features"][0]["geometry"]["coordinates"][0]]
    assert max(xs) == 5.12346


def test_bounds_and_feature_bounds(gdf, table):
    fc = feature_collection(gdf, table, classify([1, 10], "equal"))
    assert bounds(fc) == (5.0, 46.0, 5.3, 46.2)
    assert feature_bounds(fc, "01002") == (5.2, 46.0, 5.3, 46.2)
    assert feature_bounds(fc, "nope") is None
    assert bounds({"type": "FeatureCollection", "features": []}) is None
    wide = gpd.GeoDataFrame({"code": ["a", "b"], "geometry": [box(2, 46, 3, 47), box(55.2, -21.4, 55.8, -20.9)]})
    fc2 = feature_collection(wide, pl.DataFrame({"code": ["a", "b"], "nom": ["a", "b"], "ifn": [1.0, 2.0]}),
                             classify([1, 10], "equal"))
    assert bounds(fc2) == METROPOLE


def test_legend_escapes_and_lists_classes():
    classes = classify([1, 10], "equal", k=3)
    legend = legend_html(classes, "IFN <b>")
    assert "IFN &lt;b&gt;" in legend and "<b>" not in legend
    assert legend.count("<span") == 4
    assert legend.index("7,0 – 10,0") < legend.index("1,0 – 4,0") < legend.index("Données insuffisantes")
    assert "Tranches égales de 1 à 10" in legend


def test_map_and_standalone_html(gdf, table):
    classes = classify([1, 10], "equal")
    fmap = build_map(feature_collection(gdf, table, classes), classes, "IFN — Communes", selected="01001")
    page = standalone_html(fmap).decode("utf-8")
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page  # escaped name, JSON-encoded by folium
    assert "<script>alert(1)</script>" not in page
    assert "ifn-legend" in page and "leaflet@1.9.3" in page
    assert "bootstrap" not in page


def test_clicked_code():
    assert clicked_code(None) is None
    assert clicked_code({"last_active_drawing": None}) is None
    assert clicked_code({"last_active_drawing": {"type": "Feature", "properties": {"code": "69123", "nom": "Lyon"}}}) == "69123"
    assert clicked_code({"last_active_drawing": {"properties": {}}}) is None


def test_area_filter(table):
    assert area_filter(table, "departement", "01")["code"].to_list() == ["01001", "01002"]
    assert area_filter(table, None, None).height == 3


def test_drom_and_payload(gdf, table):
    assert drom_of("97411") == "974" and drom_of("971") == "971" and drom_of("75056") is None and drom_of(None) is None
    assert set(DROM) == {"971", "972", "973", "974", "976"}
    fc = feature_collection(gdf, table, classify([1, 10], "equal"))
    assert 500 < payload_size(fc) < 1500


def test_real_payload_sizes(built_cache):
    from ifn.cache import load_communes, load_geometries
    from ifn.score import score_all

    tables = score_all(load_communes())
    classes = classify(tables["epci"]["ifn"], "equal")
    assert payload_size(feature_collection(load_geometries("epci"), tables["epci"], classes)) < 5_000_000
    communes = area_filter(tables["commune"], "departement", "974")
    fc = feature_collection(load_geometries("commune"), communes, classes)
    assert len(fc["features"]) == 24


def test_rounded_coordinates_and_bbox():
    import geopandas as gpd
    import polars as pl
    from shapely.geometry import box

    from ifn.classify import classify
    from ifn.mapview import ChoroplethLayer, bounds, feature_collection

    gdf = gpd.GeoDataFrame({"code": ["A", "B"]},
                           geometry=[box(1.123456, 45.0, 2.0, 46.000049), box(2.0, 45.0, 3.987654, 46.0)], crs=4326)
    table = pl.DataFrame({"code": ["A", "B"], "nom": ["a", "b"], "ifn": [2.0, 8.0]})
    classes = classify(table["ifn"], "equal")
    fc = feature_collection(gdf, table, classes, decimals=4)
    xs = sorted({x for f in fc["features"] for x, _ in f["geometry"]["coordinates"][0]})
    assert xs == [1.1235, 2.0, 3.9877]
    assert fc["bbox"] == [1.1235, 45.0, 3.9877, 46.0]
    assert bounds(fc) == (1.1235, 45.0, 3.9877, 46.0)
    layer = ChoroplethLayer(fc)
    assert layer._get_self_bounds() == [[45.0, 1.1235], [46.0, 3.9877]]


def test_app_serves_leaflet_and_the_download_points_to_the_cdn(gdf, table):
    from pathlib import Path

    from ifn.mapview import LEAFLET_APP, leaflet_base

    assert leaflet_base("") == "/app/static/leaflet-1.9.3/"
    assert leaflet_base("/ifn/") == "/ifn/app/static/leaflet-1.9.3/"
    static = Path(__file__).resolve().parents[1] / "static" / "leaflet-1.9.3"
    assert (static / "leaflet.js").is_file() and (static / "leaflet.css").is_file()
    classes = classify(table["ifn"], "equal")
    fmap = build_map(feature_collection(gdf, table, classes), classes, "IFN", leaflet=leaflet_base("ifn"))
    in_app = fmap.get_root().render()
    assert '"/ifn/app/static/leaflet-1.9.3/leaflet.js"' in in_app and "cdn.jsdelivr" not in in_app
    page = standalone_html(fmap).decode("utf-8")
    assert LEAFLET_APP not in page
    assert '"https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"' in page
    assert '"https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"' in page


def test_base100_tooltip_suffix(gdf, table):
    classes = classify(table["ifn"], "quantiles")
    from ifn.mapview import score_suffix

    assert (score_suffix("base100"), score_suffix("rank")) == (" (base 100)", "/10")
    fc = feature_collection(gdf, table, classes, suffix=score_suffix("base100"))
    assert [f["properties"]["texte"] for f in fc["features"]] == ["IFN 9,5 (base 100)", "Données insuffisantes"]


def test_choropleth_is_styled_in_the_browser_and_serialised_once(gdf, table):
    from ifn import mapview

    classes = classify([1, 10], "equal")
    fc = feature_collection(gdf, table, classes)
    page = build_map(fc, classes, "IFN — Communes", selected="01002").get_root().render()
    # the styler reads each feature's colour and outlines the selected code; no per-code switch of folium
    assert 'feature.properties.code === "01002"' in page
    assert "feature.properties.couleur" in page
    assert "switch(" not in page and "case \"01001\"" not in page
    # the GeoJSON text is the memoised one, safe inside <script> (« </script> » of a name cannot close it)
    text = mapview.embedded_json(fc)
    assert text in page and mapview.embedded_json(fc) is text
    raw = mapview.embedded_json({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom": "</script><img src=x>"}, "geometry": None}]})
    assert "</" not in raw and "<img" not in raw and "\\u003c/script\\u003e" in raw
    # another collection with equal content is serialised anew (identity, not equality)
    other = dict(fc)
    assert mapview.embedded_json(other) == text and mapview.embedded_json(other) is not text


def test_unit_bounds_one_box_per_unit_and_none_for_an_empty_outline():
    import geopandas as gpd
    from shapely.geometry import Polygon, box

    from ifn.mapview import unit_bounds

    gdf = gpd.GeoDataFrame({"code": ["A", "B", "C"]},
                           geometry=[box(2.0, 45.0, 3.5, 46.25), Polygon(), Polygon([(0, 0), (4, 1), (1, 3)])])
    assert unit_bounds(gdf) == {"A": (2.0, 45.0, 3.5, 46.25), "C": (0.0, 0.0, 4.0, 3.0)}

