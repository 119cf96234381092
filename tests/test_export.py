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


# --- readable exports: French headers, rounding, metadata block ------------------------------------------

from ifn.catalogue import load_catalogue  # noqa: E402
from ifn.export import (  # noqa: E402
    export_metadata,
    offline_map_html,
    read_readable_csv,
    readable_table,
    to_geojson_view_bytes,
    to_readable_csv_bytes,
)

SCORED = pl.DataFrame({
    "code": ["42218"], "nom": ["Saint-Étienne"], "population": [173136], "ifn": [6.752067857694288],
    "contexte": [5.1], "n_indicateurs": [5], "motif": [None], "dep": ["42"],
    "raw_fibre": [3.41149984388609], "score_fibre": [7.086064246915356], "imputed_fibre": [False],
}, schema_overrides={"motif": pl.String})
SOURCES = [{"donnee": "Locaux non raccordables à la fibre", "source": "ARCEP, Cartefibre", "millesime": "T2 2026"}]


def test_readable_table_headers_and_rounding():
    table = readable_table(SCORED, load_catalogue(), ["fibre"], ["6,4 – 8,2"])
    assert table.columns == ["Code", "Territoire", "Population", "IFN (1 à 10)", "Classe de la carte",
                             "Indicateurs de l'indice disponibles", "Motif de l'absence de score", "Département",
                             "Locaux non raccordables à la fibre (%)", "Score « Locaux non raccordables à la fibre » (1 à 10)",
                             "Valeur imputée ou estimée « Locaux non raccordables à la fibre »"]
    assert table.row(0) == ("42218", "Saint-Étienne", 173136, 6.8, "6,4 – 8,2", 5, None, "42", 3.4, 7.1, False)
    assert not any(c.startswith(("raw_", "score_", "imputed_")) or c == "contexte" for c in table.columns)


def test_readable_csv_has_metadata_block_then_french_table():
    meta = export_metadata("IFN — Communes", {"Niveau": "Communes", "Variante": "Tout âge"}, SOURCES, "01/12/2026 20:00 UTC")
    table = readable_table(SCORED, load_catalogue(), ["fibre"])
    data = to_readable_csv_bytes(table, meta)
    text = data.decode("utf-8-sig")
    assert text.startswith("Titre;IFN — Communes\nDate de l'export;01/12/2026 20:00 UTC\nNiveau;Communes\n"
                           "Variante;Tout âge\n")
    assert "Source : Locaux non raccordables à la fibre;ARCEP, Cartefibre — millésime T2 2026\n\nCode;Territoire;" in text
    assert "\n42218;Saint-Étienne;173136;6,8;5;;42;3,4;7,1;non\n" in text
    block, frame = read_readable_csv(data)
    assert dict(block)["Échelle"] == "IFN et scores de 1 (le moins fragile) à 10 (le plus fragile)"
    assert frame["IFN (1 à 10)"].to_list() == ["6,8"] and frame["Code"].to_list() == ["42218"]


def test_readable_xlsx_has_metadata_sheet():
    meta = export_metadata("IFN", {"Niveau": "Communes"}, SOURCES, "01/12/2026")
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(readable_table(SCORED, load_catalogue(), ["fibre"]),
                                                           metadata=meta)))
    ws = book["IFN"]
    assert ws["A1"].value == "Code" and ws["D1"].value == "IFN (1 à 10)" and ws["D2"].value == 6.8
    rows = {r[0].value: r[1].value for r in book["Métadonnées"].iter_rows(min_row=2)}
    assert rows["Source : Locaux non raccordables à la fibre"] == "ARCEP, Cartefibre — millésime T2 2026"
    assert rows["Date de l'export"] == "01/12/2026"


def test_geojson_view_carries_metadata():
    geo = gpd.GeoDataFrame({"code": ["42218"]}, geometry=[Point(4.39, 45.43)], crs=4326)
    gdf = with_geometry(readable_table(SCORED, load_catalogue(), ["fibre"]), geo, on="Code")
    data = json.loads(to_geojson_view_bytes(gdf, [("Titre", "IFN")]))
    assert data["metadonnees"] == {"Titre": "IFN"}
    assert data["features"][0]["properties"]["IFN (1 à 10)"] == 6.8
    assert data["features"][0]["geometry"]["coordinates"] == [4.39, 45.43]


def test_offline_map_is_drawn_once_with_title_and_inline_leaflet():
    from pathlib import Path

    from ifn.classify import classify
    from ifn.mapview import build_map

    fc = {"type": "FeatureCollection", "bbox": [4, 45, 5, 46], "features": [
        {"type": "Feature", "properties": {"code": "42218", "nom": "Saint-Étienne", "texte": "IFN 6,8/10", "couleur": "#fd8d3c"},
         "geometry": {"type": "Polygon", "coordinates": [[[4, 45], [5, 45], [5, 46], [4, 45]]]}}]}
    fmap = build_map(fc, classify([6.8]), "IFN — Communes", leaflet="")
    page = offline_map_html(fmap, "IFN <Loire>", "Niveau : Communes", Path(__file__).parent.parent / "static" / "leaflet-1.9.3").decode()
    assert "<title>IFN &lt;Loire&gt;</title>" in page and "<strong>IFN &lt;Loire&gt;</strong>" in page
    assert 'src="leaflet.js"' not in page and "cdn" not in page.lower()
    assert page.count("L.map(") == 1 and page.count("L.geoJson(") + page.count("L.geoJSON(") >= 1
    assert page.count('"42218"') == 1  # the data once: the map is drawn once
