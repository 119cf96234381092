"""Exports: French CSV, xlsx (formula-safe), GeoJSON, Parquet."""

import io
import json

import geopandas as gpd
import openpyxl
import polars as pl
from shapely.geometry import Point

from ifn.export import to_csv_bytes, to_geojson_bytes, to_parquet_bytes, to_xlsx_bytes, with_geometry

FRAME = pl.DataFrame({
    "code": ["01001", "=HYPERLINK()"], "nom": ["-2+3", "Saint-Jean; d'Arc"],
    "ifn": [6.25, None], "imputed_fibre": [True, False], "codes_postaux": [["01400", "01401"], []],
    "n": pl.Series([3, -2], dtype=pl.Int32),
})


def test_csv_french_spreadsheet_format():
    data = to_csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == (
        "code;nom;ifn;imputed_fibre;codes_postaux;n\n"
        "01001;'-2+3;6,25;oui;01400, 01401;3\n"
        "'=HYPERLINK();\"Saint-Jean; d'Arc\";;non;\"\";-2\n"
    )


def test_xlsx_values_are_not_formulas():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(FRAME, sheet="IFN", metadata={"Méthode": "=rang"})))
    ws = book["IFN"]
    assert [c.value for c in ws[1]] == ["code", "nom", "ifn", "imputed_fibre", "codes_postaux", "n"]
    assert ws["A3"].value == "'=HYPERLINK()" and ws["A3"].data_type == "s"
    assert ws["A2"].value == "01001"  # codes stay text
    assert ws["C2"].value == 6.25 and ws["C3"].value is None
    assert ws["F3"].value == -2
    meta = book["Métadonnées"]
    assert meta["A2"].value == "Méthode" and meta["B2"].value == "'=rang"


def test_parquet_round_trip():
    assert pl.read_parquet(io.BytesIO(to_parquet_bytes(FRAME))).equals(FRAME)


def test_geojson_with_geometry():
    geo = gpd.GeoDataFrame({"code": ["01001", "X"]}, geometry=[Point(5.0, 46.0), Point(0, 0)], crs=4326)
    gdf = with_geometry(FRAME, geo)
    data = json.loads(to_geojson_bytes(gdf))
    assert len(data["features"]) == 2
    first = data["features"][0]
    assert first["properties"]["code"] == "01001" and first["properties"]["codes_postaux"] == "01400, 01401"
    assert first["geometry"]["coordinates"] == [5.0, 46.0]
    assert data["features"][1]["geometry"] is None  # no geometry for that code: row kept
