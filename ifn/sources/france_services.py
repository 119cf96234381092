"""France Services sites of the ANCT (mid-2023), with their coordinates.

``services/france-services-2023.csv``: ``"``-quoted, ``,`` separated; some
comments span several lines, so error messages give the line where the record
starts in the file, not its rank.

Counting and distance rule: a fixed site (``Lieu fixe``), an ``Antenne`` or a
``Multi-sites`` principal site counts in its commune and is a destination of
the distance, even when it also holds itinerant sessions elsewhere
(``itinerance``): its address is a place open to the public. A ``Mobile`` site
(bus) is not: its address is the base of the bus and its stops are not listed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from ifn import places
from ifn.errors import DataError
from ifn.readers import CsvSpec, _check_required, _line_of, _read_raw, _source_name, check_codes

SOURCE_ID = "france_services"
FRANCE_SERVICES = CsvSpec(
    "services/france-services-2023.csv", ",",
    {"id_fs": "id", "insee_com": "code", "lib_com": "commune", "itinerance": "itinerance",
     "format_fs_anct": "format", "lib_fs": "nom", "adresse": "adresse", "complement_adresse": "complement_adresse",
     "code_postal": "code_postal", "latitude": "latitude", "longitude": "longitude"},
    min_rows=2_000, required=("id", "code", "itinerance", "format"),
    extra={"values": {"itinerance": ("Oui", "Non"), "format": ("Lieu fixe", "Antenne", "Multi-sites", "Mobile")}},
)
FRANCE_SERVICES_MOBILE = "Mobile"


def files(root: Path) -> list[Path]:
    return [root / FRANCE_SERVICES.relpath]


def record_lines(path: Path, separator: str) -> list[int]:
    """1-based file line where each data record starts (quoted fields may span several lines)."""
    starts, previous = [], 0
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=separator)
        for record in reader:
            if record:
                starts.append(previous + 1)
            previous = reader.line_num
    return starts[1:]  # the header is not a data record


def read_france_services(root: Path, spec: CsvSpec = FRANCE_SERVICES) -> pl.DataFrame:
    """One row per site: ``id, code, commune, itinerance, format, nom, adresse, …, ligne, lat, lon``.

    ``itinerance`` is True when the site also holds itinerant sessions; ``format``
    is the ANCT format (``Lieu fixe``, ``Antenne``, ``Multi-sites``, ``Mobile``);
    ``lat, lon`` are null when missing or unreadable.
    """
    path = root / spec.relpath
    df = _read_raw(root, spec)
    starts = record_lines(path, spec.separator)

    def line_of(i: int) -> int:
        return starts[i] if len(starts) == df.height else _line_of(i, spec)

    _check_required(df, spec, root, line_of)
    check_codes(df, "code", path, line_of)
    for col, allowed in spec.extra["values"].items():
        bad = df.with_row_index("_i").filter(~pl.col(col).is_in(list(allowed)))
        if bad.height:
            raise DataError(
                path,
                f"valeur « {bad[col][0]} » inattendue dans la colonne « {_source_name(spec, col)} » à la ligne "
                f"{line_of(bad['_i'][0])} (valeurs attendues : {', '.join(allowed)} ; "
                f"{bad.height} valeur(s) inattendue(s) en tout).",
            )
    dup = df.with_row_index("_i").filter(pl.col("id").is_duplicated())
    if dup.height:
        raise DataError(
            path,
            f"l'identifiant de site « {dup['id'][0]} » apparaît plusieurs fois (lignes "
            f"{', '.join(str(line_of(i)) for i in dup['_i'].to_list()[:5])}).",
        )
    lines = starts if len(starts) == df.height else [_line_of(i, spec) for i in range(df.height)]
    return df.with_columns(
        pl.col("itinerance") == "Oui",
        pl.Series("ligne", lines, dtype=pl.Int64),
        pl.col("latitude").str.strip_chars().cast(pl.Float64, strict=False).alias("lat"),
        pl.col("longitude").str.strip_chars().cast(pl.Float64, strict=False).alias("lon"),
    ).drop("latitude", "longitude")


def read(root: Path, spec: CsvSpec = FRANCE_SERVICES) -> pl.DataFrame:
    return read_france_services(root, spec)


def fixed_sites(sites: pl.DataFrame) -> pl.DataFrame:
    """Sites receiving the public at their address (every format but the buses)."""
    return sites.filter(pl.col("format") != FRANCE_SERVICES_MOBILE)


def points(sites: pl.DataFrame) -> pl.DataFrame:
    """Fixed sites located in France (metropolitan box or a DROM box): the distance targets."""
    return places.check_points(fixed_sites(sites))[0]


def report(sites: pl.DataFrame) -> dict:
    located, rejected = places.check_points(fixed_sites(sites))
    return {"sites_lus": sites.height,
            "sites_mobiles_non_comptes": int((sites["format"] == FRANCE_SERVICES_MOBILE).sum()),
            "sites_fixes_localises": located.height, **places.rejected_report(rejected)}


def france_services_per_commune(sites: pl.DataFrame) -> pl.DataFrame:
    """Fixed sites counted per source commune code: ``code, france_services``."""
    return (
        fixed_sites(sites)
        .group_by("code", maintain_order=True)
        .agg(pl.len().cast(pl.Int64).alias("france_services"))
    )


def to_communes(mapped: pl.DataFrame, centres: pl.DataFrame | None = None, **context) -> pl.DataFrame:
    """``code, nb_france_services, dist_france_services``: fixed sites per 2026 commune, and the km from each
    commune's population centre (``centres``) to the nearest located fixed site (buses excluded).
    """
    from ifn.distances import with_distance

    counts = fixed_sites(mapped).group_by("code").agg(pl.len().cast(pl.Int64).alias("nb_france_services")).sort("code")
    return with_distance(counts, centres, points(mapped), "dist_france_services", "nb_france_services")
