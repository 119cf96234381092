"""Shared parsing helpers for the files of the open-data bundle.

Each source module of ``ifn.sources`` describes its CSV files with a
``CsvSpec`` and reads them with ``read_csv_spec``: the real format (separator,
lines above the header, decimal comma, codes kept as strings), the expected
columns, the codes and the numbers are checked, and any problem raises
``DataError`` with a French message naming the file, the line and the value.
Also here: the bundle's ``SHA256SUMS`` and the COG 2026 départements / régions
CSV files. Readers that moved to ``ifn.sources`` stay importable from here.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ifn.errors import DataError

log = logging.getLogger(__name__)

CODE_RE = r"^(?:\d{5}|2[AB]\d{3})$"
EPCI_RE = r"^(?:\d{9}|ZZZZZZZZZ)$"


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file, read by blocks of 1 MiB."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
DEPARTEMENTS = CsvSpec(
    "insee/cog-2026/departements.csv", ",", {"DEP": "dep", "REG": "reg", "LIBELLE": "nom"},
    code_columns=(), min_rows=100, required=("dep", "nom"),
)

REGIONS = CsvSpec(
    "insee/cog-2026/regions.csv", ",", {"REG": "reg", "LIBELLE": "nom"},
    code_columns=(), min_rows=18, required=("reg", "nom"),
)

SHA256SUMS = "SHA256SUMS"


def read_departements(root: Path) -> pl.DataFrame:
    return read_csv_spec(root, DEPARTEMENTS)


def read_regions(root: Path) -> pl.DataFrame:
    return read_csv_spec(root, REGIONS)


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


# Moved to ifn.sources (one module per source); re-exported for the callers of ifn.readers.
_MOVED = {
    "LIBRARIES": "bibliotheques", "LIBRARY_OPEN": "bibliotheques", "read_libraries": "bibliotheques",
    "FRANCE_SERVICES": "france_services", "FRANCE_SERVICES_MOBILE": "france_services",
    "record_lines": "france_services", "read_france_services": "france_services",
    "france_services_per_commune": "france_services",
    "MOVEMENTS": "cog_2026", "read_movements": "cog_2026",
    "read_commune_geometries": "geo_2018", "GEO_COMMUNES_DIR": "geo_2018",
}


def __getattr__(name: str):
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f"ifn.sources.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
