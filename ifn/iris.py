"""The IRIS level: one row per IRIS of the census 2022 (metropolitan France), scored among IRIS.

Pure functions (no file is read here: ``ifn.build`` passes the census rows of
``ifn.sources.recensement_2022.read_iris`` and the commune table).

Values of an IRIS:

- census shares (``IRIS_VALUES``: age65, diplome, menseul, fammono, chomage, etrangers) from its own row;
- ``pauvrete``: the Filosofi 2021 rate of the IRIS where published; for an IRIS that is a whole 2026
  commune (a commune of one IRIS), or whose commune has no IRIS value at all, the commune's value
  (published or estimated, as at the commune level; ``pauvrete_methode`` = ``commune``); otherwise, where the median income ``rev_med_21`` is published, the estimate of
  ``ifn.estimate`` fitted *among the published IRIS* (leave-one-département-out, its cross-validated
  error computed at IRIS level), flagged ``estime_pauvrete``;
- broadband, 4G and distances (``COMMUNE_VALUES``) exist per commune only: the value of the IRIS's 2026
  commune, labelled « valeur de la commune » on the card (``ifn.territory.COMMUNE_VALUE_REASON``); distances are *not* recomputed from
  each IRIS's centre.

Scores: the IFN of the IRIS is normalised among the IRIS (like every level among its own units); a
missing value is imputed by the population-weighted mean of the observed IRIS of the same commune,
else of the same département, and flagged ``imputed_<id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl

from ifn import estimate
from ifn.aggregate import Pooling
from ifn.errors import InputError
from ifn.impute import impute_communes
from ifn.score import PreparedLevels, ScoreOptions, Selection, combine, indicator_scores, resolve_selection

LEVEL = "iris"
IRIS_VALUES = ("age65", "diplome", "menseul", "fammono", "chomage", "etrangers")
COMMUNE_VALUES = ("fibre", "thd30", "couv4g", "couv4g_min", "dist_bibliotheque", "dist_france_services",
                  "dist_mediation")
FROM_COMMUNE = "commune"  # pauvrete_methode of an IRIS that is a whole commune
IDENTITY = ("code", "nom", "typ_iris", "commune", "commune_nom", "arrondissement", "epci", "epci_nom", "dep",
            "dep_nom", "reg", "reg_nom", "population", "menages")


def attach_communes(census: pl.DataFrame, resolve: Callable[[str], str | None]) -> tuple[pl.DataFrame, list[str]]:
    """Add ``commune`` (2026 code) to the census rows (``code`` = commune or arrondissement of the file).

    ``resolve`` maps a code of the file to its 2026 commune (None when it has none). Returns the rows and
    the sorted IRIS codes whose commune has no 2026 code (kept out of the table, listed in the report).
    """
    mapping = {c: resolve(c) for c in census["code"].unique().to_list()}
    out = census.with_columns(
        pl.col("code").replace_strict(mapping, default=None, return_dtype=pl.String).alias("commune"))
    lost = sorted(out.filter(pl.col("commune").is_null())["iris"].to_list())
    return out.filter(pl.col("commune").is_not_null()), lost


def poverty(iris: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Published or estimated poverty rate of the IRIS (before the commune values are used).

    ``iris``: ``iris, dep, reg, menages, rev_med_21, rev_txpauv_21``. Returns (``iris, pauvrete,
    estime_pauvrete, pauvrete_erreur, pauvrete_methode``, error table of ``ifn.estimate.error_table``).
    """
    frame = iris.select(
        "iris", "dep", "reg",
        pl.col("menages").cast(pl.Float64),
        pl.col("rev_med_21").alias("med21"),
        pl.col("rev_txpauv_21").alias("tp60"),
    ).with_columns(pl.when(pl.col("med21") > 0).then(pl.col("med21")).alias("med21"))
    out, errors = estimate.estimate_poverty(frame)
    return out.select(
        "iris",
        pl.coalesce("tp60", "pauvrete_estimee").alias("pauvrete"),
        (pl.col("pauvrete_methode") == estimate.FROM_INCOME).fill_null(False).alias("estime_pauvrete"),
        "pauvrete_erreur",
        "pauvrete_methode",
    ), errors


def iris_table(census: pl.DataFrame, communes: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """The IRIS table of the cache and its report entry.

    ``census``: ``read_iris`` rows with ``commune`` (``attach_communes``); ``communes``: the commune table
    of the cache. One row per IRIS: ``IDENTITY``, the indicators, ``revenu_median``, ``estime_pauvrete``,
    ``pauvrete_erreur``, ``pauvrete_methode`` (publie, revenu, commune or null).
    """
    keep = ["code", "nom", "epci", "epci_nom", "dep", "dep_nom", "reg", "reg_nom", *COMMUNE_VALUES,
            "pauvrete", "estime_pauvrete", "pauvrete_erreur", "pauvrete_methode"]
    com = communes.select([c for c in keep if c in communes.columns]).rename(
        {"code": "commune", "nom": "commune_nom", "pauvrete": "_c_pauvrete", "estime_pauvrete": "_c_estime",
         "pauvrete_erreur": "_c_erreur", "pauvrete_methode": "_c_methode"})
    rows = (census.join(com, on="commune", how="left", maintain_order="left")
            .with_columns(pl.len().over("commune").alias("_n_iris")))
    pov, errors = poverty(rows)
    rows = rows.join(pov, on="iris", how="left", maintain_order="left")
    # The commune's value (published or estimated at the commune level) for an IRIS that is the whole
    # commune, or whose commune has no IRIS value at all (Filosofi secret for every IRIS of the commune).
    alone = pl.col("pauvrete").is_not_null().sum().over("commune") == 0
    whole = (((pl.col("_n_iris") == 1) & pl.col("rev_txpauv_21").is_null()) | alone) & pl.col("_c_pauvrete").is_not_null()
    rows = rows.with_columns(
        pl.when(whole).then(pl.col("_c_pauvrete")).otherwise(pl.col("pauvrete")).alias("pauvrete"),
        pl.when(whole).then(pl.col("_c_estime").fill_null(False)).otherwise(pl.col("estime_pauvrete"))
        .alias("estime_pauvrete"),
        pl.when(whole).then(pl.col("_c_erreur")).otherwise(pl.col("pauvrete_erreur")).alias("pauvrete_erreur"),
        pl.when(whole).then(pl.lit(FROM_COMMUNE)).otherwise(pl.col("pauvrete_methode")).alias("pauvrete_methode"),
    )
    table = rows.select(
        pl.col("iris").alias("code"),
        pl.coalesce(pl.col("libelle"), pl.col("commune_nom")).alias("nom"),  # an IRIS « Z » is the commune
        pl.col("TYP_IRIS").alias("typ_iris"),
        "commune", "commune_nom",
        pl.when(pl.col("code") != pl.col("commune")).then(pl.col("code")).alias("arrondissement"),
        "epci", "epci_nom", "dep", "dep_nom", "reg", "reg_nom",
        pl.col("population").cast(pl.Float64), pl.col("menages").cast(pl.Float64),
        *[pl.col(c).cast(pl.Float64) for c in IRIS_VALUES],
        pl.col("pauvrete").cast(pl.Float64),
        *[pl.col(c).cast(pl.Float64) for c in COMMUNE_VALUES],
        pl.col("rev_med_21").alias("revenu_median"),
        "estime_pauvrete", "pauvrete_erreur", "pauvrete_methode",
    ).sort("code")
    counts = table["pauvrete_methode"].value_counts()
    entry = {
        "iris": table.height,
        "communes_2026": table["commune"].n_unique(),
        "communes_d_un_seul_iris": int((rows["_n_iris"] == 1).sum()),
        "pauvrete_par_methode": {str(m): int(n) for m, n in counts.iter_rows()},
        "erreur_estimation_pauvrete_iris": errors.to_dicts(),
    }
    return table, entry


def polygon_table(polygons, iris_codes) -> tuple[object, dict]:
    """The IRIS polygons of the IRIS of the table (GeoDataFrame ``code, geometry``) and the
    reconciliation of the codes (``recensement_2022.reconcile_iris_codes``).
    """
    import shapely

    from ifn.sources.recensement_2022 import reconcile_iris_codes

    entry = reconcile_iris_codes(iris_codes, polygons["iris"].astype(str))
    inside = pl.Series(polygons["iris"].astype(str).to_numpy()).is_in(pl.Series(list(iris_codes)).implode())
    kept = polygons[inside.to_numpy()].drop_duplicates("iris")
    empty = kept.geometry.isna() | kept.geometry.is_empty
    entry["codes_contour_vide"] = sorted(kept.loc[empty, "iris"].astype(str).tolist())
    kept = kept[~empty].copy()
    invalid = ~kept.geometry.is_valid
    entry["contours_repares"] = int(invalid.sum())
    if invalid.any():
        kept.loc[invalid, "geometry"] = shapely.make_valid(kept.geometry[invalid].to_numpy())
    out = kept.rename(columns={"iris": "code"})[["code", "geometry"]].sort_values("code").reset_index(drop=True)
    return out, entry


# --------------------------------------------------------------------------- scoring
def _selection(options: ScoreOptions) -> Selection:
    selection = resolve_selection(options)
    # No unit above the IRIS is computed from the IRIS rows: every indicator is a plain value.
    return replace(selection, poolings=tuple(Pooling(p.id) for p in selection.poolings))


def raw_iris(iris: pl.DataFrame | pl.LazyFrame, selection: Selection) -> pl.DataFrame:
    """The IRIS table restricted to the identity and the indicators of ``selection``."""
    frame = iris.lazy() if isinstance(iris, pl.DataFrame) else iris
    names = frame.collect_schema().names()
    wanted = [c for c in IDENTITY if c in names] + list(selection.ids)
    wanted += [f"estime_{i}" for i in selection.ids if f"estime_{i}" in names]
    # Indicators of the Senior / Jeune variants that exist per commune only (not in the IRIS table): no IRIS
    # value; the minimum-count rule applies and the card says the value is missing.
    missing = [c for c in selection.ids if c not in names]
    wanted = [c for c in wanted if c not in missing]
    return (frame.select(wanted).collect()
            .with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in missing)
            .with_columns(pl.col(i).cast(pl.Float64) for i in selection.ids))


def impute_iris(raw: pl.DataFrame, ids: tuple[str, ...], enabled: bool = True) -> pl.DataFrame:
    """Fill a missing IRIS value from the observed IRIS of its commune, else of its département."""
    swapped = raw.rename({"epci": "_epci"}).with_columns(pl.col("commune").alias("epci"))
    return impute_communes(swapped, list(ids), enabled=enabled).drop("epci").rename({"_epci": "epci"})


def prepare_iris(iris: pl.DataFrame | pl.LazyFrame, options: ScoreOptions = ScoreOptions()) -> PreparedLevels:
    """Weight-independent part of the IRIS scores (``ifn.score.rescore`` then reweights them)."""
    if options.method == "base100":
        raise InputError("La base 100 n'est pas proposée au niveau des IRIS : choisissez une autre méthode.")
    selection = _selection(options)
    units = impute_iris(raw_iris(iris, selection), selection.ids, options.impute)
    table = indicator_scores(units, units, LEVEL, selection, options)
    return PreparedLevels(options=options, selection=selection, tables={LEVEL: table})


def score_iris(iris: pl.DataFrame | pl.LazyFrame, options: ScoreOptions = ScoreOptions()) -> pl.DataFrame:
    """IFN of every IRIS: ``code, nom, population, ifn, contexte, n_indicateurs, motif, commune, epci, dep,
    reg`` and ``raw_<id>, score_<id>, imputed_<id>`` per indicator (estimated values flagged imputed).
    """
    prepared = prepare_iris(iris, options)
    return combine(prepared.tables[LEVEL], LEVEL, prepared.selection, options)


def area_iris(table: pl.DataFrame, area_level: str, area_code: str) -> pl.DataFrame:
    """The IRIS of one commune, EPCI or département (the IRIS view never holds all IRIS)."""
    column = {"commune": "commune", "epci": "epci", "departement": "dep"}.get(area_level)
    if column is None:
        raise InputError(f"La vue des IRIS s'ouvre depuis une commune, un EPCI ou un département, pas « {area_level} ».")
    return table.filter(pl.col(column) == area_code)


def census_share(iris: pl.DataFrame, id: str, weight: str) -> float | None:
    """Share ``id`` of a group of IRIS pooled by its denominator ``weight`` (population or households)."""
    known = iris.filter(pl.col(id).is_not_null())
    den = float(known[weight].sum())
    return float((known[id] * known[weight]).sum() / den) if den > 0 else None


def iris_details(row: dict) -> dict:
    """The IRIS's row of the IRIS table as the card's ``details`` (``ifn.territory.indicator_rows``).

    ``valeurs_de_la_commune`` lists the indicators whose value is the commune's (« valeur de la commune »);
    a poverty rate taken from the commune counts among them, and keeps the commune's estimate method; a rate
    estimated from the IRIS's own income is told as such (``estimate.FROM_IRIS_INCOME``).
    """
    details = dict(row)
    shared = list(COMMUNE_VALUES)
    if row.get("pauvrete_methode") == FROM_COMMUNE:
        shared.append("pauvrete")
        details["pauvrete_methode"] = estimate.FROM_INCOME if row.get("estime_pauvrete") else estimate.PUBLISHED
    elif row.get("pauvrete_methode") == estimate.FROM_INCOME:  # the IRIS's own income, the model among IRIS
        details["pauvrete_methode"] = estimate.FROM_IRIS_INCOME
    details["valeurs_de_la_commune"] = tuple(shared)
    return details
