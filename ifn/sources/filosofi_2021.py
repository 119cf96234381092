"""INSEE Filosofi 2021 by commune: poverty rate (TP60), median standard of living, tax households.

File ``insee/filosofi-2021/cc_filosofi_2021_COM.csv``: ``;``-separated, decimal comma, one row per
commune of the COG 2024 and per municipal arrondissement of Paris, Lyon and Marseille (the three
whole communes have their own row too). Two markers replace a value: ``s`` (statistical secrecy:
TP60 is published for communes of about 1,000 tax households or more, MED21 for about 50 or more)
and ``nd`` (not available: communes without tax households). INSEE publishes no Filosofi for
Guadeloupe, Guyane and Mayotte.

``read`` returns the file's values; ``to_communes`` pools them onto the 2026 communes and adds the
estimate of a secret poverty rate from the median standard of living (``ifn.estimate``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ifn import estimate
from ifn.errors import DataError
from ifn.readers import DEPARTEMENTS, CsvSpec, _line_of, read_csv_spec, read_departements
from ifn.reconcile import ARRONDISSEMENT as ARRONDISSEMENT_STATUS  # ``statut`` of a municipal arrondissement

SOURCE_ID = "filosofi_2021"

AGE_COLUMNS = tuple(f"tp60_age{i}" for i in range(1, 7))  # <30, 30–39, 40–49, 50–59, 60–74, 75+ (reference person)
#: Age-specific rates estimated where secret like TP60 (``ifn.estimate.estimate_rate``): source column → cache id.
AGE_ESTIMATES = {"tp60_age1": "pauvrete_moins30", "tp60_age5": "pauvrete_60_74", "tp60_age6": "pauvrete_75p"}
COUNT_COLUMNS = ("menages", "personnes")
RATE_COLUMNS = ("tp60", *AGE_COLUMNS)
VALUE_COLUMNS = (*COUNT_COLUMNS, "med21", *RATE_COLUMNS)

SPEC = CsvSpec(
    "insee/filosofi-2021/cc_filosofi_2021_COM.csv",
    ";",
    {
        "CODGEO": "code",
        "NBMENFISC21": "menages",
        "NBPERSMENFISC21": "personnes",
        "MED21": "med21",
        "TP6021": "tp60",
        **{f"TP60AGE{i}21": f"tp60_age{i}" for i in range(1, 7)},
    },
    decimal_comma=True,
    min_rows=30_000,
    required=("code", *VALUE_COLUMNS),
)

SECRET = "s"
NOT_AVAILABLE = "nd"
MARKERS = {SECRET: "secret statistique", NOT_AVAILABLE: "non disponible"}
NUMBER_RE = r"^-?\d+(?:,\d+)?$"


def files(root: Path) -> list[Path]:
    """The Filosofi file, and the COG 2026 départements (région of each département, for the estimate)."""
    return [root / SPEC.relpath, root / DEPARTEMENTS.relpath]


def read(root: Path, spec: CsvSpec = SPEC) -> pl.DataFrame:
    """Parse and validate the Filosofi file.

    Returns one row per source code (COG 2024 and arrondissements): ``code`` (str), ``menages``
    (NBMENFISC21), ``personnes`` (NBPERSMENFISC21), ``med21`` (€), ``tp60`` and ``tp60_age1`` …
    ``tp60_age6`` (%), all Float64 with null for ``s`` or ``nd``; ``nd`` (Boolean) is True where INSEE
    marks the row « non disponible »; ``reg``: région of the code's département (COG 2026
    ``departements.csv``, used by the estimate's région offsets). Any other cell that is not a number with a decimal comma raises
    ``DataError`` naming the file, the line, the column and the value.
    """
    path = root / spec.relpath
    raw = read_csv_spec(root, spec)  # columns, truncation, empty cells, commune codes (leading zeros)
    line_of = lambda i: _line_of(i, spec)  # noqa: E731
    _check_unique(raw, path, line_of)
    df = raw.with_columns(
        (pl.col("med21").str.strip_chars() == NOT_AVAILABLE).alias("nd"),
        *(_number(c) for c in VALUE_COLUMNS),
    )
    for col in VALUE_COLUMNS:
        _check_cells(raw, df, col, spec, path, line_of)
    _check_ranges(df, spec, path, line_of)
    df = _with_region(df, read_departements(root), path, line_of)
    return df.select("code", *VALUE_COLUMNS, "nd", "reg")


def _with_region(df: pl.DataFrame, departements: pl.DataFrame, path: Path, line_of) -> pl.DataFrame:
    """Add ``reg``; a code whose département is not in the COG raises with its line."""
    out = df.with_columns(estimate.departement_expr("code").alias("_dep")).join(
        departements.select(pl.col("dep").alias("_dep"), "reg"), on="_dep", how="left", maintain_order="left"
    )
    bad = out.with_row_index("_i").filter(pl.col("reg").is_null())
    if bad.height:
        raise DataError(
            path,
            f"code « {bad['code'][0]} » à la ligne {line_of(bad['_i'][0])} : département « {bad['_dep'][0]} » "
            f"absent du COG 2026 ({DEPARTEMENTS.relpath}) ({bad.height} code(s) en tout).",
        )
    return out.drop("_dep")


def _number(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars()
    return (
        pl.when(text.str.contains(NUMBER_RE))
        .then(text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False))
        .otherwise(None)
        .alias(col)
    )


def _source_name(spec: CsvSpec, canonical: str) -> str:
    return next((src for src, dst in spec.columns.items() if dst == canonical), canonical)


def _check_unique(raw: pl.DataFrame, path: Path, line_of) -> None:
    dup = raw.with_row_index("_i").filter(pl.col("code").is_duplicated())
    if dup.height:
        code = dup["code"][0]
        lines = dup.filter(pl.col("code") == code)["_i"].to_list()
        raise DataError(
            path,
            f"le code « {code} » apparaît plusieurs fois (lignes {', '.join(str(line_of(i)) for i in lines)}).",
        )


def _check_cells(raw: pl.DataFrame, parsed: pl.DataFrame, col: str, spec: CsvSpec, path: Path, line_of) -> None:
    """Every cell is a number (decimal comma), ``s`` or ``nd``; anything else raises with its line."""
    text = raw[col].str.strip_chars()
    ok = parsed[col].is_not_null() | text.is_in(list(MARKERS))
    bad = raw.with_row_index("_i").filter(~ok)
    if not bad.height:
        return
    value = bad[col][0]
    hint = ""
    if value.replace(".", "", 1).lstrip("-").isdigit():
        hint = " — point décimal au lieu de la virgule décimale attendue"
    raise DataError(
        path,
        f"valeur « {value} » inattendue dans la colonne « {_source_name(spec, col)} » à la ligne "
        f"{line_of(bad['_i'][0])}{hint} : attendu un nombre à virgule décimale, « s » (secret statistique) "
        f"ou « nd » (non disponible) ({bad.height} valeur(s) inattendue(s) en tout).",
    )


def _check_ranges(df: pl.DataFrame, spec: CsvSpec, path: Path, line_of) -> None:
    rules = [
        (pl.any_horizontal([pl.col(c).is_between(0, 100).not_() for c in RATE_COLUMNS]),
         RATE_COLUMNS, "un taux doit être compris entre 0 et 100"),
        (pl.col("med21") <= 0, ("med21",), "le niveau de vie médian doit être positif"),
        (pl.any_horizontal([(pl.col(c) < 0) | (pl.col(c) != pl.col(c).round(0)) for c in COUNT_COLUMNS]),
         COUNT_COLUMNS, "un nombre de ménages ou de personnes doit être un entier positif"),
        (pl.col("personnes") < pl.col("menages"), ("personnes",),
         "le nombre de personnes est inférieur au nombre de ménages"),
        ((pl.col("tp60").is_not_null() | pl.col("med21").is_not_null()) & pl.col("personnes").is_null(),
         ("tp60", "med21"), "valeur publiée sans nombre de personnes (NBPERSMENFISC21) pour la pondérer"),
    ]
    indexed = df.with_row_index("_i")
    for condition, columns, why in rules:
        bad = indexed.filter(condition.fill_null(False))
        if bad.height:
            row = bad.row(0, named=True)
            col = next((c for c in columns if row[c] is not None), columns[0])
            raise DataError(
                path,
                f"valeur « {row[col]:g} » invalide dans la colonne « {_source_name(spec, col)} » à la ligne "
                f"{line_of(row['_i'])} (code {row['code']}) : {why} ({bad.height} ligne(s) en tout).",
            )


def superseded_arrondissements(mapped: pl.DataFrame) -> pl.Expr:
    """True for an arrondissement row whose whole commune also has its own row (Paris, Lyon, Marseille
    are published both ways: pooling the arrondissements with the whole row would count people twice).
    """
    whole = mapped.filter(pl.col("code_source") == pl.col("code"))["code"].unique()
    return (pl.col("statut") == ARRONDISSEMENT_STATUS) & pl.col("code").is_in(whole.to_list())


def estimate_rows(mapped: pl.DataFrame, regional: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Estimates on the source rows (département of the 2024 code): see ``ifn.estimate.estimate_poverty``.

    Municipal arrondissements are not learnt from (their commune's row already covers them).
    """
    rows = mapped.with_columns(
        estimate.departement_expr("code_source").alias("dep"),
        (pl.col("statut") != ARRONDISSEMENT_STATUS).alias("ajuste"),
    )
    return estimate.estimate_poverty(rows, regional=regional)


def to_communes(mapped: pl.DataFrame, **context) -> pl.DataFrame:
    """One row per 2026 commune code.

    ``mapped``: ``read`` output with ``code`` (COG 2026), ``code_source`` (COG 2024) and ``statut``.
    Columns out:

    - ``pauvrete``: TP60 where published; for a 2026 commune made of several 2024 communes, the
      ``personnes``-weighted mean of the parts when every part with a value is published;
    - ``pauvrete_estimee``: where ``pauvrete`` is null, the estimate from MED21 (``ifn.estimate``);
      for a merged commune with a secret part, the ``personnes``-weighted mean of the published
      values and estimates of its parts;
    - ``pauvrete_erreur``: the cross-validated error of the estimate (points; MAE of the size class);
      for a merged commune, ``Σ personnes × erreur`` of its estimated parts ÷ ``Σ personnes`` (an upper
      bound of the mean absolute error of the pooled value);
    - ``pauvrete_methode``: ``"publie"``, ``"revenu"`` or null (neither TP60 nor MED21: fallback
      at scoring time);
    - ``revenu_median``: MED21; for a merged commune, the ``personnes``-weighted mean of the parts'
      medians (an approximation: the median of a union is not a function of the medians);
    - ``pauvrete_age1`` … ``pauvrete_age6``: published TP60 by age of the reference person; null for a
      merged commune (the weights, households by age of their reference person, are not published);
    - ``filosofi_menages``, ``filosofi_personnes``: tax households and their members (NBMENFISC21,
      NBPERSMENFISC21) summed over the parts with a value — the weights for pooling ``pauvrete`` to
      EPCI, département, région; ``filosofi_parties``: number of source rows
      pooled; ``filosofi_parties_sans_valeur``: parts with neither TP60 nor MED21 (fewer than about 50
      households, their size is secret too), left out of the weighted means.

    Paris, Lyon and Marseille take their whole-commune row; their arrondissement rows are used only
    when the whole-commune row is absent.
    """
    rows, _ = estimate_rows(mapped)
    for column, prefix in AGE_ESTIMATES.items():
        rows, _ = estimate.estimate_rate(rows, column, prefix)
    rows = rows.filter(~superseded_arrondissements(mapped))
    by_age = [pool_rate(rows, column, prefix) for column, prefix in AGE_ESTIMATES.items()]
    value = pl.coalesce("tp60", "pauvrete_estimee")
    weight = pl.col("personnes")
    has_value = value.is_not_null() & weight.is_not_null()
    rows = rows.with_columns(
        pl.when(has_value).then(value).alias("_v"),
        pl.when(has_value).then(weight).alias("_w"),
        (has_value & pl.col("tp60").is_null()).alias("_est"),
        pl.when(pl.col("med21").is_not_null()).then(weight).alias("_wm"),
    )
    single = pl.len() == 1

    def weighted(x: str, w: str) -> pl.Expr:
        return (pl.col(x) * pl.col(w)).sum() / pl.col(w).sum()

    grouped = rows.group_by("code", maintain_order=True).agg(
        pl.len().cast(pl.Int32).alias("filosofi_parties"),
        (~has_value).sum().cast(pl.Int32).alias("filosofi_parties_sans_valeur"),
        pl.col("_est").sum().alias("_n_est"),
        pl.col("_w").count().alias("_n_val"),
        pl.when(single).then(pl.col("_v").first()).otherwise(weighted("_v", "_w")).alias("_pooled"),
        pl.when(single)
        .then(pl.col("pauvrete_erreur").first())
        .otherwise((pl.col("pauvrete_erreur").fill_null(0.0) * pl.col("_w")).sum() / pl.col("_w").sum())
        .alias("_err"),
        pl.when(single).then(pl.col("med21").first()).otherwise(weighted("med21", "_wm")).alias("revenu_median"),
        *(pl.when(single).then(pl.col(c).first()).alias(c) for c in AGE_COLUMNS),
        pl.col("menages").sum().alias("menages"),
        pl.col("personnes").sum().alias("personnes"),
    )
    published = (pl.col("_n_val") > 0) & (pl.col("_n_est") == 0)
    estimated = pl.col("_n_est") > 0
    out = grouped.select(
        "code",
        pl.when(published).then(pl.col("_pooled")).alias("pauvrete"),
        pl.when(estimated).then(pl.col("_pooled")).alias("pauvrete_estimee"),
        pl.when(estimated).then(pl.col("_err")).alias("pauvrete_erreur"),
        pl.when(published)
        .then(pl.lit(estimate.PUBLISHED))
        .when(estimated)
        .then(pl.lit(estimate.FROM_INCOME))
        .otherwise(None)
        .alias("pauvrete_methode"),
        "revenu_median",
        *(pl.col(c).alias(c.replace("tp60_", "pauvrete_")) for c in AGE_COLUMNS),
        pl.when(pl.col("_n_val") > 0).then("menages").alias("filosofi_menages"),
        pl.when(pl.col("_n_val") > 0).then("personnes").alias("filosofi_personnes"),
        "filosofi_parties",
        "filosofi_parties_sans_valeur",
    )
    for frame in by_age:
        out = out.join(frame, on="code", how="left", maintain_order="left")
    return out


def pool_rate(rows: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
    """One age-specific rate per 2026 commune, like ``pauvrete``: ``<prefix>`` (published; for a commune
    made of several 2024 communes, the ``personnes``-weighted mean of its parts when all are published —
    an approximation, the persons of the households of that age being unpublished), ``<prefix>_estimee``
    (where a part is estimated: weighted mean of its parts' published values and estimates),
    ``<prefix>_erreur`` (Σ personnes × error of the estimated parts ÷ Σ personnes) and ``<prefix>_methode``.

    ``rows``: source rows with ``code, personnes``, ``column`` and the output of
    ``ifn.estimate.estimate_rate`` for ``prefix``.
    """
    value = pl.coalesce(column, f"{prefix}_estimee")
    has_value = value.is_not_null() & pl.col("personnes").is_not_null()
    work = rows.select(
        "code",
        pl.when(has_value).then(value).alias("_v"),
        pl.when(has_value).then(pl.col("personnes")).alias("_w"),
        (has_value & pl.col(column).is_null()).alias("_est"),
        pl.col(f"{prefix}_erreur").fill_null(0.0).alias("_e"),
    )
    single = pl.len() == 1
    grouped = work.group_by("code", maintain_order=True).agg(
        pl.col("_est").sum().alias("_n_est"),
        pl.col("_w").count().alias("_n_val"),
        pl.when(single).then(pl.col("_v").first())
        .otherwise((pl.col("_v") * pl.col("_w")).sum() / pl.col("_w").sum()).alias("_pooled"),
        pl.when(single).then(pl.when(pl.col("_est").first()).then(pl.col("_e").first()))
        .otherwise((pl.col("_e") * pl.col("_w") * pl.col("_est").cast(pl.Float64)).sum() / pl.col("_w").sum()).alias("_err"),
    )
    published = (pl.col("_n_val") > 0) & (pl.col("_n_est") == 0)
    estimated = pl.col("_n_est") > 0
    return grouped.select(
        "code",
        pl.when(published).then(pl.col("_pooled")).alias(prefix),
        pl.when(estimated).then(pl.col("_pooled")).alias(f"{prefix}_estimee"),
        pl.when(estimated).then(pl.col("_err")).alias(f"{prefix}_erreur"),
        pl.when(published).then(pl.lit(estimate.PUBLISHED)).when(estimated).then(pl.lit(estimate.FROM_INCOME))
        .otherwise(None).alias(f"{prefix}_methode"),
    )


def report(values: pl.DataFrame) -> dict:
    """French-keyed counts of a ``to_communes`` frame (``values``) for the build report."""
    frame = values
    method = frame["pauvrete_methode"]
    return {
        "communes": frame.height,
        "taux_publie": int((method == estimate.PUBLISHED).sum()),
        "taux_estime_revenu": int((method == estimate.FROM_INCOME).sum()),
        "sans_taux_ni_revenu": int(method.is_null().sum()),
        "communes_regroupees": int((frame["filosofi_parties"] > 1).sum()),
        "parties_sans_valeur_des_communes_regroupees": int(
            frame.filter(pl.col("filosofi_parties") > 1)["filosofi_parties_sans_valeur"].sum()
        ),
        **{f"{prefix}_{key}": int((frame[f"{prefix}_methode"] == method).sum())
           for prefix in AGE_ESTIMATES.values() if f"{prefix}_methode" in frame.columns
           for key, method in (("publie", estimate.PUBLISHED), ("estime_revenu", estimate.FROM_INCOME))},
    }
