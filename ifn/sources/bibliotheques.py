"""Public libraries of the Ministère de la Culture (directory of 2019), with their coordinates.

``services/adresses-des-bibliotheques-publiques.csv`` (``;``): one row per
address. Only the places open to the public count (``type_adresse`` =
« Bibliothèque ouverte au public »); the administrative addresses (offices not
open to readers) are left out. ``coordonnees_finales`` is « lat,lon ».
The derived file ``derived-2020/data_mediatheques.csv`` is not used: it flags
only 117 communes while the directory covers about 14,000.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ifn import places
from ifn.readers import CsvSpec, read_csv_spec

SOURCE_ID = "bibliotheques"
LIBRARIES = CsvSpec(
    "services/adresses-des-bibliotheques-publiques.csv", ";",
    {"INSEE": "code", "type_adresse": "type_adresse", "Libelle1": "nom", "voie": "adresse", "CP": "code_postal",
     "Ville": "commune", "Statut": "type_bibliotheque", "coordonnees_finales": "coordonnees"},
    min_rows=10_000, required=("code", "type_adresse"),
)
LIBRARY_OPEN = "Bibliothèque ouverte au public"


def files(root: Path) -> list[Path]:
    return [root / LIBRARIES.relpath]


def parse_coordinates(df: pl.DataFrame, column: str = "coordonnees") -> pl.DataFrame:
    """« lat,lon » → ``lat, lon`` (Float64, null when empty or unreadable)."""
    parts = pl.col(column).str.split(",")
    ok = parts.list.len() == 2
    return df.with_columns(
        pl.when(ok).then(parts.list.get(0, null_on_oob=True)).str.strip_chars().cast(pl.Float64, strict=False).alias("lat"),
        pl.when(ok).then(parts.list.get(1, null_on_oob=True)).str.strip_chars().cast(pl.Float64, strict=False).alias("lon"),
    ).drop(column)


def read(root: Path, spec: CsvSpec = LIBRARIES) -> pl.DataFrame:
    """Libraries open to the public: ``ligne, code, nom, adresse, code_postal, commune, type_bibliotheque, lat, lon``.

    Every open library is kept, with null coordinates when they are missing or
    unreadable (see ``points`` and ``report``).
    """
    df = read_csv_spec(root, spec).with_row_index("ligne", offset=spec.skip_lines + 2)
    df = df.with_columns(pl.col("ligne").cast(pl.Int64))
    return parse_coordinates(df.filter(pl.col("type_adresse") == LIBRARY_OPEN).drop("type_adresse"))


def points(frame: pl.DataFrame) -> pl.DataFrame:
    """The libraries located in France (metropolitan box or a DROM box)."""
    return places.check_points(frame)[0]


def report(frame: pl.DataFrame) -> dict:
    located, rejected = places.check_points(frame)
    return {"bibliotheques_ouvertes": frame.height, "localisees": located.height,
            **places.rejected_report(rejected)}


def to_communes(mapped: pl.DataFrame, centres: pl.DataFrame | None = None, **context) -> pl.DataFrame:
    """``code, nb_bibliotheques, dist_bibliotheque``: libraries open to the public per 2026 commune (located
    or not), and the km from each commune's population centre (``centres``) to the nearest located one.
    """
    from ifn.distances import with_distance

    counts = mapped.group_by("code").agg(pl.len().cast(pl.Int64).alias("nb_bibliotheques")).sort("code")
    return with_distance(counts, centres, points(mapped), "dist_bibliotheque", "nb_bibliotheques")


def read_libraries(root: Path, spec: CsvSpec = LIBRARIES) -> pl.DataFrame:
    """Libraries open to the public counted per source commune code: ``code, bibliotheques``."""
    return (
        read(root, spec)
        .group_by("code", maintain_order=True)
        .agg(pl.len().cast(pl.Int64).alias("bibliotheques"))
    )
