"""Hardening of uploads, presets, weights and map views (issue 10): French refusals, no traceback."""

from __future__ import annotations

import geopandas as gpd
import polars as pl
import pytest
from shapely.geometry import box

from ifn.classify import classify
from ifn.cli import main
from ifn.errors import InputError
from ifn.mapview import build_map, clicked_code, feature_collection
from ifn.presets import read_preset
from ifn.score import ScoreOptions, resolve_selection
from ifn.upload import parse_number, parse_upload, read_table


def test_upload_field_over_the_csv_limit():
    data = b"code;v\n01001;1\n01002;\"" + b"x" * 140_000 + b"\"\n"
    with pytest.raises(InputError, match="^Ligne 3 : un champ dépasse 131 072 caractères"):
        read_table(data)
    with pytest.raises(InputError, match="^Ligne 2 : un champ dépasse"):
        read_table(b"code;v\n01001;\"" + b"x" * 140_000 + b"\n01002;2\n")


@pytest.mark.parametrize("raw, value", [("1,234.5", 1234.5), ("1.234,5", 1234.5), ("1,234,567.25", 1234567.25),
                                        ("1 234,5", 1234.5), ("12,5", 12.5), ("12.5", 12.5), ("-1.000,5", -1000.5)])
def test_thousands_read_explicitly(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize("raw", ["1,23.4", "1.2.3,4", "12.34,5", "1,2345.6"])
def test_ambiguous_numbers_refused_with_the_line(raw):
    with pytest.raises(InputError, match=f"^Ligne 3 : la valeur « {raw} » .* est ambiguë"):
        parse_upload(f"code;v\n01001;1\n01002;{raw}\n".encode())


@pytest.mark.parametrize("raw", ["1e308", "-1e300", "2e15"])
def test_huge_upload_values_refused(raw):
    with pytest.raises(InputError, match=f"^Ligne 2 : la valeur « {raw} » .* déborderaient"):
        parse_upload(f"code;v\n01001;{raw}\n01002;1\n".encode())


def test_deeply_nested_preset():
    text = "weights = " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(InputError, match="imbriquées trop profondément"):
        read_preset(text.encode())
    text = "[weights]\nfibre = 1\nx = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"
    with pytest.raises(InputError, match="imbriquées trop profondément"):
        read_preset(text.encode())


@pytest.mark.parametrize("weight", [1e308, 1e7])
def test_huge_weights_refused(weight):
    with pytest.raises(InputError, match=r"au plus 1e\+06 .*déborde"):
        resolve_selection(ScoreOptions(weights={"fibre": weight, "couv4g": 1.0}))


def test_cli_huge_weight_french_error(synthetic_cache, capsys):
    preset = synthetic_cache / "p.toml"
    preset.write_text("[weights]\nfibre = 1e308\ncouv4g = 1e308\n", encoding="utf-8")
    assert main(["score", "--weights", str(preset), "--out", str(synthetic_cache / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "déborde" in err and "Traceback" not in err
    assert not (synthetic_cache / "o.csv").exists()


def test_cli_huge_extra_value_french_error(synthetic_cache, capsys):
    preset = synthetic_cache / "p.toml"
    preset.write_text('[weights]\nfibre = 1\nperso_x = 1\n[custom.perso_x]\nlabel = "X"\n'
                      'direction = "plus_haut_plus_fragile"\n', encoding="utf-8")
    extra = synthetic_cache / "x.csv"
    extra.write_text("code;v\n01001;1e308\n01002;1\n", encoding="utf-8")
    assert main(["score", "--weights", str(preset), "--extra", f"perso_x={extra}",
                 "--out", str(synthetic_cache / "o.csv")]) == 2
    assert "1e308" in capsys.readouterr().err and not (synthetic_cache / "o.csv").exists()


# ------------------------------------------------------------------ map views
@pytest.fixture()
def empty_view():
    gdf = gpd.GeoDataFrame({"code": ["01001"], "geometry": [box(5.0, 46.0, 5.1, 46.1)]}, crs=4326)
    table = pl.DataFrame({"code": ["99999"], "nom": ["Sans contour"], "ifn": [5.0]})
    classes = classify(pl.Series([1.0, 5.0, 9.0]), "equal")
    return feature_collection(gdf, table, classes), classes


def test_map_without_geometry_is_an_empty_map(empty_view):
    fc, classes = empty_view
    assert fc["features"] == []
    html = build_map(fc, classes, "IFN — Communes").get_root().render()
    assert "ifn-legend" in html and "L.geoJson" not in html


def test_forged_click_codes_are_ignored():
    feature = {"last_active_drawing": {"properties": {"code": "75056"}}}
    assert clicked_code(feature, {"75056", "69123"}) == "75056"
    assert clicked_code(feature, {"69123"}) is None
    for forged in ({"last_active_drawing": {"properties": {"code": ["x"]}}}, {"last_active_drawing": {"properties": "x"}},
                   {"last_active_drawing": "x"}, ["x"], {"last_active_drawing": {"properties": {"code": ""}}}):
        assert clicked_code(forged, {"x"}) is None
