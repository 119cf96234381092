"""INSEE census 2022 by IRIS (metropolitan France), pooled onto communes.

Files (``insee/rp-2022-iris/``, aggregated by ``vincentroue/ptod-observatoire-territorial``):

- ``agg_iris_<dep>.parquet`` (96 files): one row per IRIS, ``code`` (9-character IRIS code), ``COM``
  (commune or municipal arrondissement, COG 2025/2026), population ``P22_POP``, households
  ``men_tot_stock_22`` and rates in percent. Nulls are undefined rates (zero denominator: 126 IRIS have
  no inhabitant) or, for Filosofi, secret values.
- ``agg_commARM_5Khab.parquet``: communes and arrondissements of 5,000 inhabitants or more, with the
  exact commune value of the rates whose denominator the IRIS file lacks (diplomas, unemployment, 80+
  living alone). It holds the whole communes 75056, 69123, 13055 *and* their arrondissements, plus a
  national row ``00FR`` (left out).

Pooling rules (``to_communes``): a commune made of one IRIS takes that row as it is; otherwise counts are
summed, household shares are weighted by households, age shares by population (both exact), and the
rates without a denominator in the file come from the 5k commune file when it holds exactly that
commune, else from a population-weighted mean of the IRIS (an approximation, said in ``*_methode``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from ifn.errors import DataError
from ifn.readers import CODE_RE
from ifn.reconcile import final_code

SOURCE_ID = "recensement_2022"
MILLESIME = "RP 2022"

IRIS_DIR = "insee/rp-2022-iris"
COMMUNES_5K = f"{IRIS_DIR}/agg_commARM_5Khab.parquet"
IRIS_POLYGONS_DIR = "geo/cog-2024/iris"
IRIS_POLYGONS_PARIS = "geo/cog-2024/iris-paris/75.geojson"

#: The 96 metropolitan départements, one IRIS file each.
DEPARTEMENTS = tuple(f"{i:02d}" for i in range(1, 96) if i != 20) + ("2A", "2B")

IRIS_RE = r"^(?:\d{5}|2[AB]\d{3})\d{4}$"
IRIS_TYPES = ("H", "A", "D", "Z")  # habitat, activité, divers, commune non irisée
NATIONAL_ROW = "00FR"

#: Text columns of the IRIS files: source name → canonical name.
IRIS_TEXT = {"code": "iris", "COM": "code", "libelle": "libelle", "TYP_IRIS": "TYP_IRIS"}
#: Counts (never negative, never null).
IRIS_COUNTS = {"P22_POP": "population", "men_tot_stock_22": "menages"}
#: Rates in percent (0–100, null = undefined or secret).
IRIS_RATES = {
    "dmv_65p_pct_22": "age65",  # 65 ans et plus ÷ population totale
    "dsp_dipl_infbac_pct_22": "diplome",  # non-scolarisés 15+ sous le bac ÷ non-scolarisés 15+
    "men_seul_pct_22": "menseul",  # ménages d'une personne ÷ ménages
    "men_mono_pct_22": "fammono",  # familles monoparentales ÷ ménages
    "soc_txchom_1564_22": "chomage",  # chômeurs 15–64 ÷ actifs 15–64
    "dm_etr_pct_22": "etrangers",  # étrangers ÷ population totale
    "dmv_75p_pct_22": "age75",  # 75 ans et plus ÷ population totale
    "dmv_60p_pct_22": "age60",  # 60 ans et plus ÷ population totale (poids de la pauvreté des 60 ans et plus)
    "dm_1524_pct_22": "age1524",  # 15–24 ans ÷ population totale
    "soc_txchom_1524_22": "chomage1524",  # chômeurs 15–24 ÷ actifs 15–24
    "soc_txchom_5564_22": "chomage5564",  # chômeurs 55–64 ÷ actifs 55–64
    "dmv_80p_seul_pct_22": "seul80",  # 80+ vivant seuls ÷ 80+ (en ménage)
    "rev_txpauv_21": "rev_txpauv_21",  # Filosofi 2021 : taux de pauvreté (60 %)
}
#: Amounts (euros): never negative.
IRIS_AMOUNTS = {"rev_med_21": "rev_med_21"}  # Filosofi 2021 : niveau de vie médian

#: Commune file: source → canonical (exact commune values used for pooling).
COMMUNES_5K_COLUMNS = {
    "P22_POP": "population",
    "dsp_dipl_infbac_pct_22": "diplome",
    "soc_txchom_1564_22": "chomage",
    "dmv_80p_seul_pct_22": "seul80",
}

#: Shares whose denominator is a count of the IRIS file: exact pooling.
BY_POPULATION = ("age65", "age75", "age60", "age1524", "etrangers")
BY_HOUSEHOLDS = ("menseul", "fammono")
#: Shares whose denominator is not in the IRIS file: 5k commune file, else population-weighted approximation.
FROM_COMMUNE_FILE = ("diplome", "chomage", "seul80")
APPROXIMATED = ("chomage1524", "chomage5564")
METHOD_SINGLE = "iris_unique"
METHOD_5K = "commune_5k"
METHOD_APPROX = "approx_population"
#: Approximate weights (the true denominators are not in the IRIS file): population, or the population of
#: the age group when its share is in the file. Measured against the 5k file on the 1,757 communes split
#: into IRIS that it holds: seul80 weighted by the 75+ population errs by 0.52 pt on average, by total
#: population 1.63 pt; diplomas 0.13 pt, unemployment 0.21 pt (by population).
APPROX_WEIGHTS = {
    "diplome": ("population", METHOD_APPROX),
    "chomage": ("population", METHOD_APPROX),
    "seul80": ("_pop75", "approx_population_75plus"),
    "chomage1524": ("_pop1524", "approx_population_1524"),
    "chomage5564": ("population", METHOD_APPROX),
}

#: Paris, Lyon, Marseille: arrondissement code prefix → whole commune (the 5k file holds both).
PLM = (("751", "75056"), ("6938", "69123"), ("132", "13055"))

#: Out-of-range rates present in the bundle (ptod @00822a7), checked value by value: set to null and
#: reported. Ratios of up to 13 times the active population cannot be unemployment rates; they come from
#: tiny IRIS (8 to 659 inhabitants). Any other value outside [0, 100] stops the build.
KNOWN_OUT_OF_RANGE = (
    ("agg_iris_11.parquet", "111370000", "soc_txchom_1564_22", 107.52),
    ("agg_iris_13.parquet", "130560120", "dsp_dipl_infbac_pct_22", 101.39),
    ("agg_iris_34.parquet", "340320804", "soc_txchom_1564_22", 399.33),
    ("agg_iris_51.parquet", "512550000", "soc_txchom_1564_22", 106.67),
    ("agg_iris_51.parquet", "514544002", "dmv_60p_pct_22", 114.29),  # 7 inhabitants
    ("agg_iris_54.parquet", "543950103", "soc_txchom_1564_22", 120.61),
    ("agg_iris_54.parquet", "545780104", "soc_txchom_1564_22", 180.93),
    ("agg_iris_54.parquet", "545780101", "dmv_60p_pct_22", 133.33),  # 3 inhabitants
    ("agg_iris_62.parquet", "621600102", "soc_txchom_1564_22", 119.76),
    ("agg_iris_67.parquet", "674822203", "soc_txchom_1564_22", 142.11),
    ("agg_iris_75.parquet", "751145407", "soc_txchom_1564_22", 216.0),
    ("agg_iris_76.parquet", "763511903", "dsp_dipl_infbac_pct_22", 104.0),
    ("agg_iris_78.parquet", "783610105", "soc_txchom_1564_22", 1331.85),
    ("agg_iris_78.parquet", "785861301", "soc_txchom_1564_22", 100.57),
)

INDICATORS = BY_POPULATION + BY_HOUSEHOLDS + FROM_COMMUNE_FILE + APPROXIMATED


# --------------------------------------------------------------------------- files
def iris_files(root: Path) -> list[Path]:
    """The 96 IRIS files, in département order."""
    return [Path(root) / IRIS_DIR / f"agg_iris_{dep}.parquet" for dep in DEPARTEMENTS]


def files(root: Path) -> list[Path]:
    """Every bundle file this source reads."""
    return iris_files(root) + [Path(root) / COMMUNES_5K]


# --------------------------------------------------------------------------- validation helpers
def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _check_schema(path: Path, expected_text: list[str], expected_numeric: list[str]) -> None:
    """Columns present; text columns are strings, numeric columns are numbers."""
    if not path.is_file():
        raise DataError(path, "fichier manquant dans le jeu de données ouvertes.")
    try:
        schema = pl.scan_parquet(path).collect_schema()
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise DataError(path, f"lecture Parquet impossible ({str(exc).splitlines()[0][:200]}).") from exc
    missing = [c for c in expected_text + expected_numeric if c not in schema]
    if missing:
        raise DataError(
            path,
            f"colonne(s) attendue(s) absente(s) : {', '.join(missing)} ({len(schema)} colonnes trouvées).",
        )
    for col in expected_text:
        if schema[col] != pl.String:
            raise DataError(path, f"la colonne « {col} » est de type {schema[col]}, du texte est attendu (codes à zéro initial).")
    for col in expected_numeric:
        if not schema[col].is_numeric():
            raise DataError(path, f"la colonne « {col} » est de type {schema[col]}, un nombre est attendu.")


def _refuse(path: Path, frame: pl.DataFrame, condition: pl.Expr, column: str, problem: str,
            unit: str = "IRIS", key: str = "code") -> None:
    """Raise ``DataError`` naming the first row where ``condition`` holds: its key, the column and the value."""
    bad = frame.filter(condition)
    if bad.height == 0:
        return
    row = bad.row(0, named=True)
    more = f" ({bad.height} ligne(s) en tout)" if bad.height > 1 else ""
    raise DataError(path, f"{unit} « {row[key]} » : {problem} dans la colonne « {column} » "
                          f"(valeur « {_fmt(row[column])} »){more}.")


def _collect(path: Path, frame: pl.LazyFrame) -> pl.DataFrame:
    try:
        return frame.collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataError(path, f"lecture Parquet impossible ({str(exc).splitlines()[0][:200]}).") from exc


# --------------------------------------------------------------------------- IRIS files
def _read_iris_file(path: Path, dep: str) -> tuple[pl.DataFrame, list[str]]:
    """One département file, validated; returns (frame with canonical names, out-of-range notes)."""
    text = list(IRIS_TEXT)
    numeric = list(IRIS_COUNTS) + list(IRIS_RATES) + list(IRIS_AMOUNTS)
    _check_schema(path, text, numeric)
    frame = _collect(path, pl.scan_parquet(path).select(
        [pl.col(c) for c in text] + [pl.col(c).cast(pl.Float64) for c in numeric]))
    if frame.height == 0:
        raise DataError(path, "aucune ligne d'IRIS : le fichier semble vide ou tronqué.")
    # Codes.
    _refuse(path, frame, pl.col("code").is_null() | ~pl.col("code").str.contains(IRIS_RE), "code",
            "code IRIS invalide (9 caractères attendus, zéro initial compris)")
    _refuse(path, frame, pl.col("COM").is_null() | ~pl.col("COM").str.contains(CODE_RE), "COM",
            "code de commune invalide")
    _refuse(path, frame, pl.col("code").str.slice(0, 5) != pl.col("COM"), "COM",
            "le code IRIS ne commence pas par le code de commune")
    _refuse(path, frame, ~pl.col("COM").str.starts_with(dep), "COM", f"commune hors du département {dep}")
    _refuse(path, frame, pl.col("TYP_IRIS").is_null() | ~pl.col("TYP_IRIS").is_in(IRIS_TYPES), "TYP_IRIS",
            "type d'IRIS inconnu (H, A, D ou Z attendu)")
    dup = frame.filter(pl.col("code").is_duplicated())
    if dup.height:
        raise DataError(path, f"IRIS « {dup['code'][0]} » présent {int((frame['code'] == dup['code'][0]).sum())} fois "
                              f"({dup['code'].n_unique()} code(s) IRIS en double).")
    # Counts and amounts.
    for col in IRIS_COUNTS:
        _refuse(path, frame, pl.col(col).is_null() | pl.col(col).is_nan(), col, "effectif manquant")
        _refuse(path, frame, pl.col(col) < 0, col, "effectif négatif")
    for col in IRIS_AMOUNTS:
        _refuse(path, frame, pl.col(col) < 0, col, "montant négatif")
    # Rates: known out-of-range values of the bundle are nulled and noted, any other one stops.
    known = {(iris, col): value for name, iris, col, value in KNOWN_OUT_OF_RANGE if name == path.name}
    notes: list[str] = []
    for col in IRIS_RATES:
        out = frame.filter(pl.col(col).is_nan() | (pl.col(col) < 0) | (pl.col(col) > 100))
        for iris, value in out.select("code", col).iter_rows():
            if known.get((iris, col)) != value:
                n = out.height
                more = f" ({n} valeur(s) hors bornes dans ce fichier)" if n > 1 else ""
                raise DataError(path, f"IRIS « {iris} » : taux « {col} » = {_fmt(value)} hors de l'intervalle "
                                      f"[0, 100]{more}.")
            notes.append(f"{iris}:{IRIS_RATES[col]}={_fmt(value)}")
        if out.height:
            frame = frame.with_columns(
                pl.when(pl.col("code").is_in(out["code"].implode())).then(None).otherwise(pl.col(col)).alias(col)
            )
    note_col = pl.lit(None, dtype=pl.String)
    if notes:
        by_iris: dict[str, list[str]] = {}
        for note in notes:
            iris, what = note.split(":", 1)
            by_iris.setdefault(iris, []).append(what)
        note_col = pl.col("code").replace_strict(
            {k: "; ".join(v) for k, v in by_iris.items()}, default=None, return_dtype=pl.String
        )
    frame = frame.with_columns(note_col.alias("valeurs_ecartees"), pl.lit(path.name).alias("fichier"))
    return frame.rename({**IRIS_TEXT, **IRIS_COUNTS, **IRIS_RATES, **IRIS_AMOUNTS}), notes


def read_iris(root: Path) -> pl.DataFrame:
    """Every IRIS of the 96 files, validated: one row per IRIS (the IRIS-level table).

    Columns: ``iris`` (9 characters), ``code`` (commune or arrondissement, COG 2025/2026), ``libelle``
    (IRIS name, null for 9 IRIS), ``TYP_IRIS``, ``population`` (P22_POP), ``menages``, the rates of
    ``IRIS_RATES`` under their indicator ids, ``rev_med_21``, ``valeurs_ecartees`` (out-of-range values
    nulled, else null) and ``fichier``.
    """
    frames = []
    for dep, path in zip(DEPARTEMENTS, iris_files(root)):
        frame, _ = _read_iris_file(path, dep)
        frames.append(frame)
    table = pl.concat(frames, how="vertical")
    dup = table.filter(pl.col("iris").is_duplicated())
    if dup.height:
        iris = dup["iris"][0]
        where = ", ".join(dup.filter(pl.col("iris") == iris)["fichier"].to_list())
        raise DataError(Path(root) / IRIS_DIR, f"IRIS « {iris} » présent dans plusieurs fichiers ({where}).")
    return table


def iris_codes(root: Path) -> list[str]:
    """Sorted IRIS codes of the census files (for reconciling with the IRIS polygons)."""
    return sorted(read_iris(root)["iris"].to_list())


# --------------------------------------------------------------------------- commune file
def read_communes_5k(root: Path) -> pl.DataFrame:
    """Communes and arrondissements of 5,000+ inhabitants: ``code, population, diplome, chomage, seul80``.

    The national row ``00FR`` is left out (it is not a commune).
    """
    path = Path(root) / COMMUNES_5K
    _check_schema(path, ["code"], list(COMMUNES_5K_COLUMNS))
    frame = _collect(path, pl.scan_parquet(path)
                     .select([pl.col("code")] + [pl.col(c).cast(pl.Float64) for c in COMMUNES_5K_COLUMNS])
                     .filter(pl.col("code") != NATIONAL_ROW))
    _refuse(path, frame, pl.col("code").is_null() | ~pl.col("code").str.contains(CODE_RE), "code",
            "code de commune invalide", unit="ligne")
    dup = frame.filter(pl.col("code").is_duplicated())
    if dup.height:
        raise DataError(path, f"commune « {dup['code'][0]} » présente plusieurs fois.")
    _refuse(path, frame, pl.col("P22_POP").is_null() | (pl.col("P22_POP") < 0), "P22_POP",
            "population manquante ou négative", unit="commune")
    for col in list(COMMUNES_5K_COLUMNS)[1:]:
        _refuse(path, frame, pl.col(col).is_nan() | (pl.col(col) < 0) | (pl.col(col) > 100), col,
                "taux hors de l'intervalle [0, 100]", unit="commune")
    return frame.rename(COMMUNES_5K_COLUMNS)


def _whole_commune(code: pl.Expr) -> pl.Expr:
    """Arrondissement of Paris, Lyon, Marseille → its commune; any other code unchanged."""
    expr = code
    for prefix, parent in reversed(PLM):
        expr = pl.when(code.str.starts_with(prefix)).then(pl.lit(parent)).otherwise(expr)
    return expr


def attach_communes_5k(iris: pl.DataFrame, communes_5k: pl.DataFrame) -> pl.DataFrame:
    """Add to each IRIS row the 5k-file values of its whole commune (``c5k_code``, ``c5k_population``,
    ``c5k_diplome``, ``c5k_chomage``, ``c5k_seul80``; null when the file does not hold it).
    """
    c5k = communes_5k.rename({c: f"c5k_{c}" for c in communes_5k.columns if c != "code"}).rename({"code": "c5k_code"})
    return (
        iris.with_columns(_whole_commune(pl.col("code")).alias("_whole"))
        .join(c5k, left_on="_whole", right_on="c5k_code", how="left", maintain_order="left")
        .with_columns(pl.when(pl.col("c5k_population").is_not_null()).then(pl.col("_whole")).alias("c5k_code"))
        .drop("_whole")
    )


def read(root: Path) -> pl.DataFrame:
    """IRIS rows (``read_iris``) with the 5k commune values attached (``attach_communes_5k``).

    ``code`` is the commune or arrondissement of COG 2025/2026: one row per IRIS, several per code.
    """
    return attach_communes_5k(read_iris(root), read_communes_5k(root))


def communes_5k_without_iris(root: Path) -> list[str]:
    """Communes of the 5k file that no IRIS row belongs to (49126 Orée d'Anjou in the bundle)."""
    iris = read_iris(root)
    covered = set(iris["code"].to_list()) | {parent for _, parent in PLM}
    return sorted(set(read_communes_5k(root)["code"].to_list()) - covered)


# --------------------------------------------------------------------------- communes missing from the IRIS file
#: The IRIS base of RP 2022 is on the geography of 1 January 2024; the aggregated files keep only the codes
#: still existing in 2025: a commune absorbed (or renumbered) after that date has no IRIS row at all.
IRIS_GEOGRAPHY_DATE = "2024-01-01"
ABSORBING_EVENTS = ("31", "32", "33", "34", "41", "50")


def communes_missing_from_iris(iris_communes, movements: pl.DataFrame) -> pl.DataFrame:
    """Communes that disappeared after ``IRIS_GEOGRAPHY_DATE`` and whose rows are missing from the IRIS file.

    ``iris_communes``: the ``code`` values of ``read_iris``; ``movements``: ``ifn.readers.read_movements``.
    Returns ``code_absent, nom_absent, code_2026, nom_2026, date, evenement`` (``code_2026`` followed
    through later events). Their 2026 commune has a partial census (``to_communes`` flags it) or, for a
    code change, none at all.
    """
    present = set(iris_communes)
    events = movements.filter(
        (pl.col("date") > IRIS_GEOGRAPHY_DATE)
        & pl.col("mod").is_in(ABSORBING_EVENTS)
        & (pl.col("type_av") == "COM") & (pl.col("type_ap") == "COM")
        & (pl.col("code_av") != pl.col("code_ap"))
    ).sort("date")
    successor = dict(zip(events["code_av"], events["code_ap"]))
    names = dict(zip(events["code_ap"], events["nom_ap"]))

    rows = [
        {"code_absent": av, "nom_absent": nom, "code_2026": final_code(successor, av), "date": date, "evenement": mod}
        for av, nom, date, mod in events.select("code_av", "nom_av", "date", "mod").iter_rows()
        if av not in present
    ]
    schema = {"code_absent": pl.String, "nom_absent": pl.String, "code_2026": pl.String, "date": pl.String,
              "evenement": pl.String}
    out = pl.DataFrame(rows, schema=schema).unique("code_absent", keep="first", maintain_order=True)
    return out.with_columns(pl.col("code_2026").replace_strict(names, default=None).alias("nom_2026"))


def _coverage_notes(missing: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"code": pl.String, "recensement_note": pl.String}
    if missing is None or missing.height == 0:
        return pl.DataFrame(schema=schema)
    return (
        missing.group_by("code_2026", maintain_order=True)
        .agg(pl.format("{} {}", "code_absent", "nom_absent").alias("_absents"))
        .select(
            pl.col("code_2026").alias("code"),
            pl.concat_str(
                pl.lit("recensement partiel : commune(s) intégrée(s) après le 1er janvier 2024 absente(s) du "
                       "fichier IRIS ("),
                pl.col("_absents").list.join(", "),
                pl.lit(")"),
            ).alias("recensement_note"),
        )
    )


# --------------------------------------------------------------------------- pooling
def _weighted(value: str, weight: str) -> pl.Expr:
    """Σ value·weight ÷ Σ weight over the rows where the value is known (null if that sum is 0)."""
    known = pl.col(value).is_not_null()
    den = pl.col(weight).filter(known).sum()
    return pl.when(den > 0).then((pl.col(value) * pl.col(weight)).filter(known).sum() / den)


def to_communes(mapped: pl.DataFrame, **context) -> pl.DataFrame:
    """Pool IRIS rows onto 2026 communes (``code`` already the COG 2026 code).

    Returns one row per code: ``population_2022`` (Σ P22_POP), ``menages_2022`` (Σ households),
    ``nb_iris``, the indicators of ``INDICATORS`` (percent), ``<id>_methode`` for ``FROM_COMMUNE_FILE``
    and ``APPROXIMATED`` ∈ {iris_unique, commune_5k, approx_population, approx_population_75plus (seul80),
    approx_population_1524 (chomage1524)} (see ``APPROX_WEIGHTS``; null when no value) and
    ``recensement_millesime`` = « RP 2022 ».

    Context: ``missing`` (output of ``communes_missing_from_iris``) adds ``recensement_partiel`` (bool) and
    ``recensement_note`` for the communes whose IRIS rows cover only part of the 2026 territory (their
    values are those of that part); ``tolerance_5k`` (default 0.001) is the relative population gap
    allowed between the 5k row and the pooled IRIS for the 5k row to stand for the commune.
    """
    tolerance = float(context.get("tolerance_5k", 0.001))
    missing = context.get("missing")
    if missing is None and context.get("root") is not None:  # the build passes the bundle root
        from ifn.sources.cog_2026 import read_movements

        missing = communes_missing_from_iris(mapped["code_source"].unique().to_list(), read_movements(context["root"]))
    notes = _coverage_notes(missing)
    single = pl.len() == 1
    aggs: list[pl.Expr] = [
        pl.len().alias("nb_iris"),
        pl.col("population").sum().alias("population_2022"),
        pl.col("menages").sum().alias("menages_2022"),
    ]
    for col in BY_POPULATION:
        aggs.append(pl.when(single).then(pl.col(col).first()).otherwise(_weighted(col, "population")).alias(col))
    for col in FROM_COMMUNE_FILE + APPROXIMATED:
        weight = APPROX_WEIGHTS[col][0]
        aggs.append(pl.when(single).then(pl.col(col).first()).otherwise(_weighted(col, weight)).alias(col))
    for col in BY_HOUSEHOLDS:
        aggs.append(pl.when(single).then(pl.col(col).first()).otherwise(_weighted(col, "menages")).alias(col))
    # The 5k row applies when every IRIS of the commune points to the same 5k commune.
    aggs += [
        pl.col("c5k_code").n_unique().alias("_n5k"),
        pl.col("c5k_code").null_count().alias("_null5k"),
        pl.col("c5k_population").first().alias("_pop5k"),
    ] + [pl.col(f"c5k_{c}").first().alias(f"_5k_{c}") for c in FROM_COMMUNE_FILE]
    weights = [
        (pl.col("population") * pl.col("age75") / 100).alias("_pop75"),
        (pl.col("population") * pl.col("age1524") / 100).alias("_pop1524"),
    ]
    pooled = (
        mapped.with_columns(weights).group_by("code", maintain_order=True).agg(aggs)
        .join(notes, on="code", how="left", maintain_order="left")
        .with_columns(pl.col("recensement_note").is_not_null().alias("recensement_partiel"))
    )
    # The 5k row describes the commune of 2025/2026: it stands for the commune when its population is
    # the pooled IRIS population, or when the IRIS rows are known to cover only part of the commune.
    same_territory = (
        (pl.col("_n5k") == 1) & (pl.col("_null5k") == 0)
        & (((pl.col("_pop5k") - pl.col("population_2022")).abs()
            <= pl.max_horizontal(pl.lit(2.0), pl.col("population_2022") * tolerance))
           | pl.col("recensement_partiel"))
    )
    out = []
    for col in FROM_COMMUNE_FILE:
        use_5k = ((pl.col("nb_iris") > 1) | pl.col("recensement_partiel")) & same_territory & pl.col(f"_5k_{col}").is_not_null()
        method = (
            pl.when(use_5k).then(pl.lit(METHOD_5K))
            .when(pl.col(col).is_null()).then(None)
            .when(pl.col("nb_iris") == 1).then(pl.lit(METHOD_SINGLE))
            .otherwise(pl.lit(APPROX_WEIGHTS[col][1]))
        )
        out += [pl.when(use_5k).then(pl.col(f"_5k_{col}")).otherwise(pl.col(col)).alias(col),
                method.alias(f"{col}_methode")]
    for col in APPROXIMATED:
        method = (
            pl.when(pl.col(col).is_null()).then(None)
            .when(pl.col("nb_iris") == 1).then(pl.lit(METHOD_SINGLE))
            .otherwise(pl.lit(APPROX_WEIGHTS[col][1]))
        )
        out.append(method.alias(f"{col}_methode"))
    return (
        pooled.with_columns(out)
        .with_columns(pl.lit(MILLESIME).alias("recensement_millesime"))
        .drop([c for c in pooled.columns if c.startswith("_")])
        .with_columns(pl.col("nb_iris").cast(pl.Int64))
    )


def report(frame: pl.DataFrame) -> dict:
    """French-keyed counts on the output of ``read`` for the build report."""
    ecartees = frame.filter(pl.col("valeurs_ecartees").is_not_null())
    return {
        "iris_lus": frame.height,
        "communes_et_arrondissements": frame["code"].n_unique(),
        "iris_sans_population": int((frame["population"] == 0).sum()),
        "iris_valeurs_hors_bornes_ecartees": ecartees.height,
        "detail_valeurs_ecartees": [f"{i} ({v})" for i, v in ecartees.select("iris", "valeurs_ecartees").iter_rows()],
        "iris_dans_une_commune_du_fichier_5k": int(frame["c5k_code"].is_not_null().sum()),
    }


# --------------------------------------------------------------------------- IRIS polygons
def _geojson_properties(path: Path) -> list[dict]:
    if not path.is_file():
        raise DataError(path, "fichier manquant dans le jeu de données ouvertes.")
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
        return [feature["properties"] for feature in data["features"]]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise DataError(path, f"GeoJSON illisible ({str(exc).splitlines()[0][:200]}).") from exc


def polygon_files(root: Path) -> list[Path]:
    """The 95 IRIS polygon files (metropolitan France without Paris) and the Paris file."""
    deps = [d for d in DEPARTEMENTS if d != "75"]
    return [Path(root) / IRIS_POLYGONS_DIR / f"dep{d}.geojson" for d in deps] + [Path(root) / IRIS_POLYGONS_PARIS]


def polygon_iris_codes(root: Path) -> list[str]:
    """IRIS codes of the polygons: ``code_territoire`` = "iris" + code; Paris file: ``code_iris``."""
    codes: list[str] = []
    for path in polygon_files(root):
        is_paris = path.name == "75.geojson"
        for i, props in enumerate(_geojson_properties(path)):
            raw = props.get("code_iris") if is_paris else props.get("code_territoire")
            code = raw if is_paris else (raw[4:] if isinstance(raw, str) and raw.startswith("iris") else None)
            if not isinstance(code, str) or not re.match(IRIS_RE, code):
                key = "code_iris" if is_paris else "code_territoire"
                raise DataError(path, f"entité n° {i + 1} : « {key} » = {raw!r} n'est pas un code IRIS.")
            codes.append(code)
    return codes


def reconcile_iris_codes(census_codes, polygon_codes) -> dict:
    """Compare census and polygon IRIS codes: counts and sorted lists (French keys).

    Duplicated codes on either side are counted too (they would make a join ambiguous).
    """
    census = list(census_codes)
    polygons = list(polygon_codes)
    c, p = set(census), set(polygons)
    only_census = sorted(c - p)
    only_polygons = sorted(p - c)
    return {
        "iris_recensement": len(c),
        "iris_polygones": len(p),
        "apparies": len(c & p),
        "seulement_recensement": len(only_census),
        "seulement_polygones": len(only_polygons),
        "codes_seulement_recensement": only_census,
        "codes_seulement_polygones": only_polygons,
        "doublons_recensement": len(census) - len(c),
        "doublons_polygones": len(polygons) - len(p),
    }
