"""Parsers for the files of the open-data bundle.

One function per source file. Each reads the file in its real format
(separator, lines above the header, decimal comma, codes kept as strings),
checks the expected columns, the codes and the numbers, and returns a polars
DataFrame with canonical column names. Any problem raises ``DataError`` with a
French message naming the file, the line and the value.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ifn.errors import DataError

log = logging.getLogger(__name__)

CODE_RE = r"^(?:\d{5}|2[AB]\d{3})$"
EPCI_RE = r"^(?:\d{9}|ZZZZZZZZZ)$"


@dataclass(frozen=True)
class CsvSpec:
    """How to read one CSV file of the bundle.

    Attributes
    ----------
    relpath : path relative to the bundle root.
    separator : field separator.
    columns : source column → canonical name (only these are kept).
    numeric : canonical names of the numeric (Float64) columns.
    skip_lines : lines above the header (the ARCEP warning sentence).
    decimal_comma : numbers are written ``12,5``.
    code_columns : canonical names of commune-code columns to validate.
    min_rows : fewer data rows means a truncated file.
    required : canonical columns that may not be empty.
    """

    relpath: str
    separator: str
    columns: dict[str, str]
    numeric: tuple[str, ...] = ()
    skip_lines: int = 0
    decimal_comma: bool = False
    code_columns: tuple[str, ...] = ("code",)
    min_rows: int = 1
    required: tuple[str, ...] = ("code",)
    extra: dict = field(default_factory=dict)


def _line_of(row_index: int, spec: CsvSpec) -> int:
    """1-based line number in the file of a 0-based data row."""
    return spec.skip_lines + 2 + row_index


def _read_raw(root: Path, spec: CsvSpec) -> pl.DataFrame:
    path = root / spec.relpath
    if not path.is_file():
        raise DataError(path, "fichier manquant dans le jeu de données ouvertes.")
    try:
        df = pl.read_csv(
            path,
            separator=spec.separator,
            skip_lines=spec.skip_lines,
            infer_schema=False,
            encoding="utf8",
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, UnicodeDecodeError) as exc:
        raise DataError(path, f"lecture CSV impossible ({_short(exc)}).") from exc
    found = df.columns
    missing = [c for c in spec.columns if c not in found]
    if missing:
        hint = ""
        if len(found) <= 2:
            hint = f" Le séparateur attendu est « {spec.separator} » : le fichier en utilise-t-il un autre ?"
        raise DataError(
            path,
            f"colonne(s) attendue(s) absente(s) : {', '.join(missing)} "
            f"(colonnes trouvées : {', '.join(found[:12])}).{hint}",
        )
    if df.height < spec.min_rows:
        raise DataError(
            path,
            f"{df.height} ligne(s) de données seulement, au moins {spec.min_rows} attendues : "
            "le fichier semble tronqué.",
        )
    _check_last_line(path, spec, len(found), df.height)
    return df.select([pl.col(src).alias(dst) for src, dst in spec.columns.items()])


def _check_last_line(path: Path, spec: CsvSpec, n_columns: int, n_rows: int) -> None:
    """A file cut in the middle of a line has a last line with too few fields."""
    import csv

    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines:
        return
    fields = next(csv.reader([lines[-1]], delimiter=spec.separator))
    if len(fields) < n_columns:
        raise DataError(
            path,
            f"la dernière ligne (ligne {_line_of(n_rows - 1, spec)}) n'a que {len(fields)} champ(s) "
            f"au lieu de {n_columns} : le fichier semble tronqué.",
        )


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _check_required(df: pl.DataFrame, spec: CsvSpec, root: Path, line_of=None) -> None:
    line_of = line_of or (lambda i: _line_of(i, spec))
    for col in spec.required:
        bad = df.with_row_index("_i").filter(pl.col(col).is_null() | (pl.col(col).str.strip_chars() == ""))
        if bad.height:
            i = bad["_i"][0]
            raise DataError(
                root / spec.relpath,
                f"valeur manquante dans la colonne « {_source_name(spec, col)} » à la ligne {line_of(i)}"
                + (f" ({bad.height} ligne(s) en tout) : fichier tronqué ?" if bad.height > 1 else " : fichier tronqué ?"),
            )


def _source_name(spec: CsvSpec, canonical: str) -> str:
    for src, dst in spec.columns.items():
        if dst == canonical:
            return src
    return canonical


def check_codes(df: pl.DataFrame, column: str, path: Path, line_of, pattern: str = CODE_RE) -> None:
    """Raise if a commune code is not 5 characters (leading zero lost, etc.)."""
    bad = df.with_row_index("_i").filter(
        pl.col(column).is_not_null() & ~pl.col(column).str.contains(pattern)
    )
    if bad.height:
        value = bad[column][0]
        line = line_of(bad["_i"][0])
        why = ""
        if value.isdigit() and len(value) == 4:
            why = " — le zéro initial a été perdu (le code doit être lu comme du texte)"
        raise DataError(
            path,
            f"code « {value} » invalide à la ligne {line}{why} ({bad.height} code(s) invalide(s) en tout).",
        )


def to_float(df: pl.DataFrame, columns: tuple[str, ...], path: Path, line_of, decimal_comma: bool = False) -> pl.DataFrame:
    """Cast text columns to Float64; a non-numeric, non-empty cell raises with its line."""
    out = df
    for col in columns:
        text = pl.col(col).str.strip_chars()
        if decimal_comma:
            text = text.str.replace(",", ".", literal=True)
        casted = pl.when(text == "").then(None).otherwise(text).cast(pl.Float64, strict=False)
        checked = out.with_row_index("_i").with_columns(casted.alias("_v"))
        bad = checked.filter(pl.col("_v").is_null() & pl.col(col).is_not_null() & (pl.col(col).str.strip_chars() != ""))
        if bad.height:
            raise DataError(
                path,
                f"valeur non numérique « {bad[col][0]} » dans la colonne « {col} » à la ligne "
                f"{line_of(bad['_i'][0])} ({bad.height} valeur(s) en tout).",
            )
        out = out.with_columns(casted.alias(col))
    return out


def read_csv_spec(root: Path, spec: CsvSpec) -> pl.DataFrame:
    """Read, validate and type one CSV file described by ``spec``."""
    path = root / spec.relpath
    df = _read_raw(root, spec)
    _check_required(df, spec, root)
    for col in spec.code_columns:
        check_codes(df, col, path, lambda i: _line_of(i, spec))
    return to_float(df, spec.numeric, path, lambda i: _line_of(i, spec), spec.decimal_comma)


def collapse_duplicates(
    df: pl.DataFrame, path: Path, key: str = "code", conflicts_take_max: bool = False
) -> tuple[pl.DataFrame, int]:
    """Merge rows sharing a code when they do not contradict each other.

    Some derived files repeat a commune with an empty second row. Rows are
    merged column by column (first non-null value). Two different non-null
    values for the same code raise ``DataError`` — except for presence flags
    (``conflicts_take_max``), where a 0/1 conflict means "present" (max).
    Returns the frame and the number of rows removed.
    """
    if df[key].is_unique().all():
        return df, 0
    value_cols = [c for c in df.columns if c != key]
    if conflicts_take_max:
        merged = df.group_by(key, maintain_order=True).agg([pl.col(c).max() for c in value_cols])
        return merged, df.height - merged.height
    conflicts = df.group_by(key).agg(
        [pl.col(c).drop_nulls().n_unique().alias(c) for c in value_cols]
    ).filter(pl.any_horizontal([pl.col(c) > 1 for c in value_cols]))
    if conflicts.height:
        code = conflicts[key][0]
        raise DataError(
            path,
            f"le code « {code} » apparaît plusieurs fois avec des valeurs différentes "
            f"({conflicts.height} code(s) en conflit).",
        )
    merged = df.group_by(key, maintain_order=True).agg([pl.col(c).drop_nulls().first() for c in value_cols])
    return merged, df.height - merged.height


# --------------------------------------------------------------------------- specs
ARCEP_DEBIT = CsvSpec(
    "arcep/commune-debit-beta.csv",
    ";",
    {
        "code_insee": "code",
        "nom_com": "nom",
        "nbr": "locaux",
        "inel_hd": "inel_hd",
        "elig_hd05": "elig_hd05",
        "elig_hd3": "elig_hd3",
        "elig_hd8": "elig_hd8",
        "elig_thd30": "elig_thd30",
        "elig_thd100": "elig_thd100",
        "elig_thd1g": "elig_thd1g",
        "date": "date",
    },
    numeric=("locaux", "inel_hd", "elig_hd05", "elig_hd3", "elig_hd8", "elig_thd30", "elig_thd100", "elig_thd1g"),
    skip_lines=1,
    min_rows=30_000,
    required=("code", "locaux"),
)

POPULATIONS = CsvSpec(
    "insee/Communes.csv",
    ";",
    {"DEPCOM": "code", "COM": "nom", "PMUN": "population"},
    numeric=("population",),
    min_rows=30_000,
    required=("code", "population"),
)

CENSUS = CsvSpec(
    "derived-2020/data_scol_menage_demandeurEmplois.csv",
    ",",
    {
        "CODE_INSEE": "code",
        "TX_NSCOL15P": "diplome",
        "TX_MENSEUL": "menseul",
        "TX_FAMMONO": "fammono",
        "TX_65ETPLUS": "age65",
    },
    numeric=("diplome", "menseul", "fammono", "age65"),
    min_rows=30_000,
)

POVERTY = CsvSpec(
    "derived-2020/taux_pauvrete.csv", ",", {"CODE_INSEE": "code", "TX_POVERTY": "pauvrete"},
    numeric=("pauvrete",), min_rows=30_000,
)

MOBILE = CsvSpec(
    "derived-2020/taux_couverture_mobile.csv", ",", {"CODE_INSEE": "code", "COUVERTURE_MOBILE": "couverture_mobile"},
    numeric=("couverture_mobile",), min_rows=30_000,
)

JOB_SEEKERS = CsvSpec(
    "derived-2020/taux_demandeurs_emploi.csv", ",", {"CODE_INSEE": "code", "TX_DEMANDEUR_EMPLOIS": "chomage"},
    numeric=("chomage",), min_rows=30_000,
)

RSA = CsvSpec(
    "derived-2020/variable_minimas_V2.csv", ",", {"CODE_INSEE": "code", "TX_RSA": "rsa"},
    numeric=("rsa",), min_rows=30_000,
)

POSTAL = CsvSpec(
    "laposte/laposte_hexasmal.csv", ";",
    {"Code_commune_INSEE": "code", "Code_postal": "code_postal"},
    min_rows=30_000, required=("code", "code_postal"),
)

COG_COMMUNES = CsvSpec(
    "insee/cog-2026/communes.csv", ",",
    {"TYPECOM": "typecom", "COM": "code", "LIBELLE": "nom", "COMPARENT": "parent"},
    code_columns=("code",), min_rows=30_000,
)

MOVEMENTS = CsvSpec(
    "insee/cog-2026/mouvements-communes.csv", ",",
    {"MOD": "mod", "DATE_EFF": "date", "TYPECOM_AV": "type_av", "COM_AV": "code_av",
     "LIBELLE_AV": "nom_av", "TYPECOM_AP": "type_ap", "COM_AP": "code_ap", "LIBELLE_AP": "nom_ap"},
    code_columns=("code_av", "code_ap"), min_rows=1_000, required=("mod", "date"),
)

DEPARTEMENTS = CsvSpec(
    "insee/cog-2026/departements.csv", ",", {"DEP": "dep", "REG": "reg", "LIBELLE": "nom"},
    code_columns=(), min_rows=100, required=("dep", "nom"),
)

REGIONS = CsvSpec(
    "insee/cog-2026/regions.csv", ",", {"REG": "reg", "LIBELLE": "nom"},
    code_columns=(), min_rows=18, required=("reg", "nom"),
)

EPCI_XLSX = "insee/intercommunalite-metropole-2020-01-01.xlsx"
EPCI_HEADER_ROW = 5  # 0-based: 5 notice rows above the header
GEO_COMMUNES_DIR = "geo/communes"
SHA256SUMS = "SHA256SUMS"

CSV_SPECS: tuple[CsvSpec, ...] = (
    ARCEP_DEBIT, POPULATIONS, CENSUS, POVERTY, MOBILE, JOB_SEEKERS, RSA,
    POSTAL, COG_COMMUNES, MOVEMENTS, DEPARTEMENTS, REGIONS,
)


def _csv_specs() -> tuple[CsvSpec, ...]:
    """CSV_SPECS plus the specs that moved to ``ifn.sources`` (imported late: they import this module)."""
    from ifn.sources.bibliotheques import LIBRARIES
    from ifn.sources.france_services import FRANCE_SERVICES

    return CSV_SPECS + (LIBRARIES, FRANCE_SERVICES)


def required_files(root: Path) -> list[Path]:
    """Every input file the build reads (the geometry files are listed from their folder)."""
    files = [root / s.relpath for s in _csv_specs()] + [root / EPCI_XLSX]
    files += sorted((root / GEO_COMMUNES_DIR).glob("communes-*.geojson"))
    return files


def missing_files(root: Path) -> list[str]:
    """Relative paths of the expected inputs that are absent."""
    missing = [s.relpath for s in _csv_specs() if not (root / s.relpath).is_file()]
    if not (root / EPCI_XLSX).is_file():
        missing.append(EPCI_XLSX)
    if not any((root / GEO_COMMUNES_DIR).glob("communes-*.geojson")):
        missing.append(f"{GEO_COMMUNES_DIR}/communes-*.geojson")
    return missing


# --------------------------------------------------------------------------- readers
def read_thd(root: Path) -> pl.DataFrame:
    """ARCEP premises counts: ``code, locaux, eligibles`` (classes ≥ 30 Mbit/s summed).

    In the 2019 beta file the speed classes are exclusive, so THD premises are
    ``elig_thd30 + elig_thd100 + elig_thd1g``. Rows whose classes do not sum
    to ``nbr`` are reported in the log, not altered.
    """
    return thd_counts(read_csv_spec(root, ARCEP_DEBIT))


def thd_counts(df: pl.DataFrame) -> pl.DataFrame:
    """Premises and premises eligible to ≥ 30 Mbit/s (exclusive classes summed)."""
    return df.select(
        "code",
        "nom",
        pl.col("locaux"),
        (pl.col("elig_thd30").fill_null(0) + pl.col("elig_thd100").fill_null(0) + pl.col("elig_thd1g").fill_null(0)).alias("eligibles"),
        "date",
    )


def read_populations(root: Path) -> pl.DataFrame:
    """INSEE populations légales 2017 (COG 2019): ``code, nom, population``."""
    return read_csv_spec(root, POPULATIONS)


def read_indicator_file(root: Path, spec: CsvSpec) -> tuple[pl.DataFrame, int]:
    """A derived-2020 indicator file, duplicates collapsed; returns (frame, rows removed)."""
    df = read_csv_spec(root, spec)
    return collapse_duplicates(df, root / spec.relpath, conflicts_take_max=spec.extra.get("flag", False))


def read_postal_codes(root: Path) -> pl.DataFrame:
    """La Poste: ``code, code_postal`` (one row per pair, duplicates removed)."""
    df = read_csv_spec(root, POSTAL)
    check_codes(df, "code_postal", root / POSTAL.relpath, lambda i: _line_of(i, POSTAL), r"^\d{5}$")
    return df.unique(maintain_order=True)


def read_cog_communes(root: Path) -> pl.DataFrame:
    """COG 2026 communes and sub-units (``typecom, code, nom, parent``)."""
    return read_csv_spec(root, COG_COMMUNES)


def read_movements(root: Path) -> pl.DataFrame:
    """COG history of commune changes."""
    return read_csv_spec(root, MOVEMENTS)


def read_departements(root: Path) -> pl.DataFrame:
    return read_csv_spec(root, DEPARTEMENTS)


def read_regions(root: Path) -> pl.DataFrame:
    return read_csv_spec(root, REGIONS)


def _read_sheet(path: Path, sheet: str, columns: list[str]) -> pl.DataFrame:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # fastexcel raises its own exception types
        raise DataError(path, f"classeur Excel illisible ({_short(exc)}).") from exc
    if sheet not in reader.sheet_names:
        raise DataError(
            path,
            f"feuille « {sheet} » introuvable (feuilles présentes : {', '.join(reader.sheet_names)}).",
        )
    try:
        df = pl.read_excel(
            path,
            sheet_name=sheet,
            read_options={"header_row": EPCI_HEADER_ROW, "dtypes": "string"},
        )
    except Exception as exc:
        raise DataError(path, f"feuille « {sheet} » illisible ({_short(exc)}).") from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            path,
            f"feuille « {sheet} » : colonne(s) absente(s) {', '.join(missing)} à la ligne "
            f"{EPCI_HEADER_ROW + 1} (colonnes trouvées : {', '.join(df.columns[:10])}).",
        )
    return df.select(columns)


def read_epci_composition(root: Path) -> pl.DataFrame:
    """COG 2020 EPCI composition: ``code, nom, epci, epci_nom, dep, reg`` (34,968 communes)."""
    path = root / EPCI_XLSX
    if not path.is_file():
        raise DataError(path, "fichier manquant dans le jeu de données ouvertes.")
    df = _read_sheet(path, "Composition_communale", ["CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "DEP", "REG"])
    df = df.rename({"CODGEO": "code", "LIBGEO": "nom", "EPCI": "epci", "LIBEPCI": "epci_nom", "DEP": "dep", "REG": "reg"})
    line_of = lambda i: EPCI_HEADER_ROW + 2 + i  # noqa: E731
    check_codes(df, "code", path, line_of)
    check_codes(df, "epci", path, line_of, EPCI_RE)
    if not df["code"].is_unique().all():
        dup = df.filter(df["code"].is_duplicated())["code"][0]
        raise DataError(path, f"feuille « Composition_communale » : le code « {dup} » apparaît plusieurs fois.")
    if df.height < 30_000:
        raise DataError(path, f"feuille « Composition_communale » : {df.height} communes seulement, le fichier semble tronqué.")
    return df


def read_commune_geometries(root: Path, progress=None):
    """All commune polygons (COG 2018), one GeoDataFrame in WGS84: ``code, nom, geometry``."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    files = sorted((root / GEO_COMMUNES_DIR).glob("communes-*.geojson"))
    if not files:
        raise DataError(root / GEO_COMMUNES_DIR, "aucun fichier communes-*.geojson trouvé.")
    parts = []
    for n, path in enumerate(files):
        parts.append(_read_geojson(path))
        if progress:
            progress(n + 1, len(files))
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    invalid = ~shapely.is_valid(gdf.geometry.values)
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry.values[invalid], method="structure")
    return gdf


def _read_geojson(path: Path):
    import pyogrio

    head = path.read_bytes()[:200].lstrip()
    if not head.startswith(b"{"):
        raise DataError(path, "ce n'est pas un fichier GeoJSON (il devrait commencer par « { »).")
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as exc:
        raise DataError(path, f"GeoJSON illisible ({_short(exc)}).") from exc
    missing = [c for c in ("code", "nom") if c not in gdf.columns]
    if missing:
        raise DataError(path, f"propriété(s) absente(s) des entités : {', '.join(missing)}.")
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, None):
        gdf = gdf.to_crs(4326)
    bad = ~gdf["code"].astype(str).str.match(CODE_RE)
    if bad.any():
        raise DataError(path, f"code commune « {gdf['code'][bad].iloc[0]} » invalide dans les propriétés.")
    if gdf.geometry.isna().any():
        raise DataError(path, f"géométrie vide pour la commune « {gdf['code'][gdf.geometry.isna()].iloc[0]} ».")
    return gdf[["code", "nom", "geometry"]]


def read_sha256sums(root: Path) -> dict[str, str]:
    """The checksums shipped with the bundle: relative path → SHA-256 (empty if absent)."""
    path = root / SHA256SUMS
    if not path.is_file():
        return {}
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([0-9a-f]{64})\s+\*?(?:\./)?(.+)$", line.strip())
        if m:
            sums[m.group(2)] = m.group(1)
    return sums


# Moved to ifn.sources (issue 12); re-exported for the callers of ifn.readers.
_MOVED = {
    "LIBRARIES": "bibliotheques", "LIBRARY_OPEN": "bibliotheques", "read_libraries": "bibliotheques",
    "FRANCE_SERVICES": "france_services", "FRANCE_SERVICES_MOBILE": "france_services",
    "record_lines": "france_services", "read_france_services": "france_services",
    "france_services_per_commune": "france_services",
}


def __getattr__(name: str):
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f"ifn.sources.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
