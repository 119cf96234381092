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
    """Excel workbook: one data sheet (header frozen) and an optional « Métadonnées » sheet
    (``metadata``: a dict or (key, value) pairs, e.g. ``export_metadata``).
    """
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
    ws.set_row(0, 45, book.add_format({"bold": True, "text_wrap": True, "valign": "top"}))
    ws.set_column(0, max(len(frame.columns) - 1, 0), 16)
    if metadata:
        meta = book.add_worksheet("Métadonnées")
        meta.write_string(0, 0, "Clé", bold)
        meta.write_string(0, 1, "Valeur", bold)
        pairs = metadata.items() if isinstance(metadata, dict) else metadata
        for i, (key, value) in enumerate(pairs, start=1):
            meta.write_string(i, 0, safe_text(str(key)))
            meta.write_string(i, 1, safe_text(str(value)))
        meta.set_column(0, 0, 45)
        meta.set_column(1, 1, 90)
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


def with_geometry(df: pl.DataFrame, gdf, on: str = "code"):
    """GeoDataFrame of ``df`` left-joined on its column ``on`` to the geometries of ``gdf`` (``code``,
    ``geometry``; row order of ``df``).
    """
    import geopandas as gpd

    lists = [pl.col(c).cast(pl.List(pl.String)).list.join(", ") for c, t in df.schema.items() if isinstance(t, pl.List)]
    pdf = (df.with_columns(lists) if lists else df).to_pandas()
    merged = pdf.merge(gdf[["code", "geometry"]].rename(columns={"code": on}), on=on, how="left")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=gdf.crs)


# --- Exports for people: French headers, rounding, a metadata block ----------------------------------

RAW_DECIMALS = 1
SCORE_DECIMALS = 1
METADATA_SHEET = "Métadonnées"


def indicator_headers(catalogue, ids) -> dict[str, str]:
    """``{machine column: French header}`` for the indicator columns ``raw_/score_/imputed_<id>``."""
    headers = {}
    for i in ids:
        ind = catalogue.indicator(i)
        headers[f"raw_{i}"] = f"{ind.label} ({ind.unit})"
        headers[f"score_{i}"] = f"Score « {ind.label} » (1 à 10)"
        headers[f"imputed_{i}"] = f"Valeur imputée ou estimée « {ind.label} »"
    return headers


BASE_HEADERS = {"code": "Code", "nom": "Territoire", "population": "Population", "ifn": "IFN (1 à 10)",
                "classe": "Classe de la carte", "n_indicateurs": "Indicateurs de l'indice disponibles",
                "motif": "Motif de l'absence de score", "dep": "Département", "reg": "Région", "epci": "EPCI"}


def readable_table(table: pl.DataFrame, catalogue, ids, class_labels: list[str] | None = None) -> pl.DataFrame:
    """A scored table (``ifn.score.score_all`` level) for a spreadsheet: French headers, rounded values.

    Columns: code, name, population, IFN, map class (when ``class_labels`` is given: one per row), number
    of indicators, reason of a missing score, parent codes, then raw value, score and imputation flag of
    each indicator of ``ids``. Raw values are rounded to ``RAW_DECIMALS``, scores and the IFN to
    ``SCORE_DECIMALS``. Machine columns not listed here (``contexte``…) are left out.
    """
    frame = table
    if class_labels is not None:
        frame = frame.with_columns(pl.Series("classe", class_labels, dtype=pl.String))
    cols, headers = [], {**BASE_HEADERS, **indicator_headers(catalogue, ids)}
    order = ["code", "nom", "population", "ifn", "classe", "n_indicateurs", "motif", "dep", "reg", "epci"]
    order += [f"{p}_{i}" for i in ids for p in ("raw", "score", "imputed")]
    for name in order:
        if name not in frame.columns:
            continue
        expr = pl.col(name)
        if name.startswith("raw_"):
            expr = expr.cast(pl.Float64).round(RAW_DECIMALS)
        elif name.startswith("score_") or name == "ifn":
            expr = expr.cast(pl.Float64).round(SCORE_DECIMALS)
        cols.append(expr.alias(headers[name]))
    return frame.select(cols)


def export_metadata(title: str, settings: dict[str, str], sources: list[dict[str, str]], date: str) -> list[tuple[str, str]]:
    """The metadata block of an export: title, date, settings, scale, rounding, then one line per source.

    ``sources``: ``ifn.vintage.source_rows()`` (what each source gives, its label and vintage).
    """
    rows = [("Titre", title), ("Date de l'export", date)]
    rows += list(settings.items())
    rows += [("Échelle", "IFN et scores de 1 (le moins fragile) à 10 (le plus fragile)"),
             ("Arrondi", f"valeurs brutes à {RAW_DECIMALS} décimale, IFN et scores à {SCORE_DECIMALS} décimale"),
             ("Méthode", "page « Méthode et sources » de l'application (docs/methodology.md)")]
    rows += [(f"Source : {s['donnee']}", f"{s['source']} — millésime {s['millesime']}") for s in sources]
    return rows


def _metadata_csv(metadata) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    for key, value in (metadata.items() if isinstance(metadata, dict) else metadata):
        writer.writerow([safe_text(str(key)), safe_text(str(value))])
    return buffer.getvalue()


def to_readable_csv_bytes(df: pl.DataFrame, metadata) -> bytes:
    """CSV for French spreadsheets preceded by a header block (``clé;valeur`` lines, then one empty line)."""
    return BOM + (_metadata_csv(metadata) + "\n").encode("utf-8") + to_csv_bytes(df)[len(BOM):]


def read_readable_csv(data: bytes) -> tuple[list[tuple[str, str]], pl.DataFrame]:
    """Inverse of ``to_readable_csv_bytes`` (header block, table), for tests and scripts."""
    import csv

    text = data.decode("utf-8-sig")
    block, _, table = text.partition("\n\n")
    meta = [tuple(r) for r in csv.reader(io.StringIO(block), delimiter=";")]
    frame = pl.read_csv(io.StringIO(table), separator=";", decimal_comma=True, infer_schema_length=0)
    return meta, frame


def to_geojson_view_bytes(gdf, metadata) -> bytes:
    """GeoJSON of a view with its metadata as the foreign member ``metadonnees`` (key → value)."""
    data = json.loads(to_geojson_bytes(gdf))
    pairs = metadata.items() if isinstance(metadata, dict) else metadata
    return json.dumps({"type": "FeatureCollection", "metadonnees": dict(pairs), "features": data["features"]},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def offline_map_html(fmap, title: str, subtitle: str, leaflet_dir) -> bytes:
    """A folium map as one HTML file that works from disk without network: Leaflet's script and style
    inlined from ``leaflet_dir`` (``static/leaflet-1.9.3``), a ``<title>`` and a heading.

    ``fmap`` must be a map built for this export (not one already handed to ``st_folium``, which
    renames its elements). Raises ``ConfigError`` if Leaflet is missing.
    """
    import html as _html
    import re
    from pathlib import Path

    from ifn.errors import ConfigError

    folder = Path(leaflet_dir)
    try:
        js = (folder / "leaflet.js").read_text(encoding="utf-8")
        css = (folder / "leaflet.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Leaflet est introuvable dans « {folder} » : la carte ne peut pas être exportée.") from exc
    page = fmap.get_root().render()
    js_safe = js.replace("</script", "<\\/script")
    page, n_js = re.subn(r'<script src="[^"]*leaflet\.js"></script>', lambda _: f"<script>{js_safe}</script>", page, count=1)
    page, n_css = re.subn(r'<link rel="stylesheet" href="[^"]*leaflet\.css"\s*/?>', lambda _: f"<style>{css}</style>", page, count=1)
    if not (n_js and n_css):
        raise ConfigError("La page de la carte ne charge pas Leaflet comme prévu : export impossible.")
    head = (f"<title>{_html.escape(title)}</title>"
            "<style>.ifn-titre{font:16px sans-serif;margin:6px 10px}.ifn-titre small{color:#555}</style>")
    page = page.replace("<head>", "<head>" + head, 1)
    page = page.replace("<body>", f'<body><div class="ifn-titre"><strong>{_html.escape(title)}</strong><br>'
                                  f"<small>{_html.escape(subtitle)}</small></div>", 1)
    return page.encode("utf-8")
