"""INSEE census 2017 for the DROM (the bundle has no 2022 census there).

File: ``derived-2020/data_scol_menage_demandeurEmplois.csv`` (Data For Good 2020 extract of the RP 2017
« bases chiffres clés », COG 2019), DROM rows only (codes 97xxx). Réunion's communes are repeated with an
empty second row (collapsed with ``ifn.readers.collapse_duplicates``); Mayotte (976) is absent.

Two definitions differ from the 2022 ones and cannot be converted with the bundle (no file gives the
population aged 15 or over, or the enrolled population, of DROM communes): ``age65`` is 65+ ÷ population
aged 15+ (not ÷ total population: higher), ``diplome`` is non-enrolled 15+ below the bac ÷ **all** 15+,
students included (not ÷ non-enrolled 15+: lower). They are kept and flagged (``<id>_note``).
``menseul`` and ``fammono`` have the 2022 definitions (÷ households). ``chomage`` (census unemployment
rate) and ``etrangers`` have no value for the DROM in the bundle: null, with the reason.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ifn.errors import DataError
from ifn.readers import CsvSpec, collapse_duplicates, read_csv_spec

SOURCE_ID = "recensement_2017_drom"
MILLESIME = "RP 2017"
DROM_PREFIX = "97"
DROM_DEPARTEMENTS = ("971", "972", "973", "974", "976")

SPEC = CsvSpec(
    "derived-2020/data_scol_menage_demandeurEmplois.csv",
    ",",
    {
        "CODE_INSEE": "code",
        "TX_65ETPLUS": "age65",
        "TX_NSCOL15P": "diplome",
        "TX_MENSEUL": "menseul",
        "TX_FAMMONO": "fammono",
    },
    numeric=("age65", "diplome", "menseul", "fammono"),
    min_rows=30_000,
)
RATES = ("age65", "diplome", "menseul", "fammono")

#: French notes shown on the card next to the value (definition differences and missing values).
NOTES = {
    "age65": "RP 2017 : 65 ans et plus ÷ population de 15 ans et plus (en 2022 : ÷ population totale) ; "
             "non convertible faute de la population de 15 ans et plus des communes des DROM dans les "
             "données : valeur plus élevée qu'avec la définition de 2022.",
    "diplome": "RP 2017 : non-scolarisés de 15 ans et plus sans diplôme, CEP, BEPC ou CAP/BEP ÷ ensemble "
               "des 15 ans et plus, élèves et étudiants compris (en 2022 : ÷ non-scolarisés de 15 ans et "
               "plus) ; non convertible : valeur plus basse qu'avec la définition de 2022.",
    "menseul": "RP 2017 (même définition qu'en 2022 : ménages d'une personne ÷ ménages).",
    "fammono": "RP 2017 (même définition qu'en 2022 : familles monoparentales ÷ ménages).",
    "chomage": "Pas de taux de chômage du recensement pour les DROM dans les données ouvertes du projet.",
    "etrangers": "Pas de part des étrangers pour les DROM dans les données ouvertes du projet.",
}
DEFINITION_DIFFERS = ("age65", "diplome")
NO_VALUE = ("chomage", "etrangers")


def files(root: Path) -> list[Path]:
    return [Path(root) / SPEC.relpath]


def read(root: Path) -> pl.DataFrame:
    """DROM communes of the 2017 census extract: ``code`` (COG 2019) and the four rates, one row per code."""
    path = Path(root) / SPEC.relpath
    frame = read_csv_spec(root, SPEC)
    drom = frame.filter(pl.col("code").str.starts_with(DROM_PREFIX))
    drom, _removed = collapse_duplicates(drom, path)
    bad = drom.filter(pl.any_horizontal([(pl.col(c) < 0) | (pl.col(c) > 100) for c in RATES]))
    if bad.height:
        row = bad.row(0, named=True)
        col = next(c for c in RATES if row[c] is not None and not 0 <= row[c] <= 100)
        raise DataError(path, f"commune « {row['code']} » : taux « {col} » = {row[col]:g} hors de l'intervalle [0, 100].")
    if drom.height == 0:
        raise DataError(path, "aucune commune des DROM (codes 97xxx) dans le fichier.")
    return drom


def to_communes(mapped: pl.DataFrame, **context) -> pl.DataFrame:
    """One row per 2026 DROM commune with ``age65, diplome, menseul, fammono`` (RP 2017), ``chomage`` and
    ``etrangers`` null, ``recensement_millesime`` = « RP 2017 », ``definition_differente`` (True: age65 and
    diplome follow the 2017 definitions) and ``<id>_note`` (French) for each indicator.

    No DROM commune changed code between 2019 and 2026; should two source codes ever map to one 2026 code,
    the build refuses rather than average rates without their denominators.
    """
    dup = mapped.filter(pl.col("code").is_duplicated())
    if dup.height:
        raise DataError(
            SPEC.relpath,
            f"la commune 2026 « {dup['code'][0]} » regroupe plusieurs codes du recensement 2017 "
            f"({', '.join(dup['code_source'].to_list()[:5]) if 'code_source' in dup.columns else '?'}) : "
            "agrégation sans dénominateurs impossible.",
        )
    return mapped.select(
        "code",
        *RATES,
        pl.lit(None, dtype=pl.Float64).alias("chomage"),
        pl.lit(None, dtype=pl.Float64).alias("etrangers"),
        pl.lit(MILLESIME).alias("recensement_millesime"),
        pl.lit(True).alias("definition_differente"),
        *[pl.lit(NOTES[c]).alias(f"{c}_note") for c in RATES + NO_VALUE],
    )


def report(frame: pl.DataFrame) -> dict:
    """Counts per DROM département; Mayotte (976) has no row in the file."""
    per_dep = {dep: int(frame["code"].str.starts_with(dep).sum()) for dep in DROM_DEPARTEMENTS}
    return {
        "communes_drom_lues": frame.height,
        "communes_par_departement": per_dep,
        "departements_sans_donnees": [dep for dep, n in per_dep.items() if n == 0],
        "definitions_differentes": list(DEFINITION_DIFFERS),
    }
