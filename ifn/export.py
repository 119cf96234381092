"""Exports as bytes: CSV for French spreadsheets, xlsx, GeoJSON, Parquet.

Generic over any polars frame. Text cells starting with ``=``, ``+``, ``-``,
``@`` (or a tab / carriage return) are prefixed with an apostrophe in CSV and
xlsx so that a spreadsheet never runs them as formulas. Lists are joined with
", ", booleans become « oui » / « non » in CSV and xlsx.
"""

from __future__ import annotations

import io
import json

import polars as pl

BOM = "\ufeff".encode("utf-8")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str | None) -> str | None:
    """Neutralise a text cell a spreadsheet could read as a formula."""
    if value is not None and value.startswith(DANGEROUS):
        return "'" + value
    return value


def _text_safe_expr(column: str) -> pl.Expr:
    c = pl.col(column)
    pattern = r"^[=+\-@\t\r]"
    return pl.when(c.str.contains(pattern)).then(pl.lit("'") + c).otherwise(c).alias(column)


def spreadsheet_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Flatten lists, spell booleans in French and neutralise formula-like text."""
    exprs = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join(", "))
        elif dtype == pl.Boolean:
            exprs.append(pl.when(pl.col(name)).then(pl.lit("oui")).when(~pl.col(name)).then(pl.lit("non"))
                         .otherwise(None).alias(name))
        elif dtype in (pl.Categorical, pl.Enum) or isinstance(dtype, (pl.Categorical, pl.Enum)):
            exprs.append(pl.col(name).cast(pl.String))
        elif isinstance(dtype, (pl.Struct, pl.Array, pl.Object)):
            exprs.append(pl.col(name).map_elements(str, return_dtype=pl.String))
    frame = df.with_columns(exprs) if exprs else df
    texts = [n for n, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(_text_safe_expr(n) for n in texts) if texts else frame


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    """CSV for French spreadsheets: ``;`` separator, decimal comma, UTF-8 with BOM."""
    frame = spreadsheet_frame(df)
    text = frame.write_csv(separator=";", decimal_comma=True, quote_style="necessary")
    return BOM + text.encode("utf-8")


def to_xlsx_bytes(df: pl.DataFrame, sheet: str = "IFN", metadata: dict | None = None) -> bytes:
    """Excel workbook: one data sheet (header frozen) and an optional « Métadonnées » sheet."""
    import xlsxwriter

    frame = spreadsheet_frame(df)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "nan_inf_to_errors": True})
    bold = book.add_format({"bold": True})
    ws = book.add_worksheet(sheet[:31])
    for j, name in enumerate(frame.columns):
        ws.write_string(0, j, name, bold)
    for j, name in enumerate(frame.columns):
        dtype = frame.schema[name]
        numeric = dtype.is_numeric()
        for i, value in enumerate(frame[name].to_list(), start=1):
            if value is None:
                continue
            if numeric:
                ws.write_number(i, j, float(value))
            else:
                ws.write_string(i, j, str(value))
    ws.freeze_panes(1, 0)
    if metadata:
        meta = book.add_worksheet("Métadonnées")
        meta.write_string(0, 0, "Clé", bold)
        meta.write_string(0, 1, "Valeur", bold)
        for i, (key, value) in enumerate(metadata.items(), start=1):
            meta.write_string(i, 0, safe_text(str(key)))
            meta.write_string(i, 1, safe_text(str(value)))
    book.close()
    return buffer.getvalue()


def to_geojson_bytes(gdf) -> bytes:
    """GeoJSON (WGS84) of a GeoDataFrame; non-JSON types (lists, dates) made JSON-safe."""
    frame = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    data = json.loads(frame.to_json(drop_id=True, na="null"))
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def to_parquet_bytes(df: pl.DataFrame) -> bytes:
    """Parquet (zstd) of a polars frame, types kept."""
    buffer = io.BytesIO()
    df.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def with_geometry(df: pl.DataFrame, gdf):
    """GeoDataFrame of ``df`` left-joined on ``code`` to the geometries of ``gdf`` (row order of ``df``)."""
    import geopandas as gpd

    lists = [pl.col(c).cast(pl.List(pl.String)).list.join(", ") for c, t in df.schema.items() if isinstance(t, pl.List)]
    pdf = (df.with_columns(lists) if lists else df).to_pandas()
    merged = pdf.merge(gdf[["code", "geometry"]], on="code", how="left")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=gdf.crs)
