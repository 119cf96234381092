"""Values the build derives for the « Senior » and « Jeune » variants from what the sources give.

- ``poverty_60_plus``: the poverty rate of households whose reference person is 60 or older, from the
  Filosofi 2021 rates of the 60–74 (``pauvrete_60_74``) and of the 75+ (``pauvrete_75p``), published or
  estimated from the median income (``ifn.estimate.estimate_rate``). INSEE does not publish how many
  people live in the households of each age of reference person; the two rates are weighted by the
  commune's census 2022 population aged 60–74 and 75 or more (``age60 − age75`` and ``age75``, shares of
  the same population, so the population cancels). Where the census has no value (DROM), the national
  weights are used (population of 60–74 and of 75+ summed over the communes that have both).
- ``absence_reasons``: ``<id>_absence`` (French) for the values no source can give (DROM: no 2022 census
  by IRIS; Guadeloupe, Guyane, Mayotte: no Filosofi), shown on the territory card.

Pure polars functions on the commune table of the build.
"""

from __future__ import annotations

import polars as pl

from ifn import estimate

FILOSOFI = "filosofi_2021"
PARTS = ("pauvrete_60_74", "pauvrete_75p")
COLUMN = "pauvrete_60p"
WEIGHT_75 = "pauvrete_60p_poids_75p"  # share of the 75+ in the weights (0–1), for the card and the tests

#: Census 2022 indicators without a DROM value, and Filosofi ones without a value in 971, 973, 976.
CENSUS_2022_ONLY = ("age75", "seul80", "chomage1524", "chomage5564")
FILOSOFI_ONLY = ("pauvrete_moins30", "pauvrete_60p")
NO_CENSUS = "le recensement de 2022 par IRIS du jeu de données ne couvre pas les DROM (celui de 2017 n'a pas cette tranche d'âge)"
NO_FILOSOFI = "l'INSEE ne publie pas Filosofi en Guadeloupe, en Guyane et à Mayotte"
NO_FILOSOFI_DEPS = ("971", "973", "976")


def national_weights(table: pl.DataFrame) -> tuple[float, float]:
    """(population aged 60–74, population aged 75+) over the communes whose census gives both shares."""
    pop = "population_2022" if "population_2022" in table.columns else "population"
    known = table.filter(pl.col("age60").is_not_null() & pl.col("age75").is_not_null() & pl.col(pop).is_not_null())
    w5 = float((known[pop] * (known["age60"] - known["age75"]).clip(lower_bound=0) / 100).sum())
    w6 = float((known[pop] * known["age75"] / 100).sum())
    return w5, w6


def poverty_60_plus(table: pl.DataFrame) -> pl.DataFrame:
    """Add ``pauvrete_60p`` (both parts published), ``pauvrete_60p_estimee`` (a part estimated),
    ``pauvrete_60p_erreur`` (weighted error of the estimated parts, points), ``pauvrete_60p_methode``,
    ``pauvrete_60p_poids_75p`` and ``source_pauvrete_60p``.

    value = (w₆₀₋₇₄ · r₆₀₋₇₄ + w₇₅₊ · r₇₅₊) ÷ (w₆₀₋₇₄ + w₇₅₊), r = published rate, else its estimate;
    null when either rate is missing. error = the same mean of the parts' errors (0 for a published part):
    an upper bound of the mean absolute error of the combined value.
    """
    w5n, w6n = national_weights(table)
    census = pl.col("age60").is_not_null() & pl.col("age75").is_not_null() & (pl.col("age60") > 0)
    share75 = (pl.when(census).then((pl.col("age75") / pl.col("age60")).clip(0.0, 1.0))
               .otherwise(pl.lit(w6n / (w5n + w6n) if w5n + w6n > 0 else None)))
    rate = {p: pl.coalesce(p, f"{p}_estimee") for p in PARTS}
    error = {p: pl.when(pl.col(p).is_not_null()).then(0.0).otherwise(pl.col(f"{p}_erreur")) for p in PARTS}
    s = pl.col(WEIGHT_75)
    value = (1 - s) * rate[PARTS[0]] + s * rate[PARTS[1]]
    published = pl.col(PARTS[0]).is_not_null() & pl.col(PARTS[1]).is_not_null()
    has = value.is_not_null()
    return table.with_columns(share75.alias(WEIGHT_75)).with_columns(
        pl.when(published).then(value).alias(COLUMN),
        pl.when(has & ~published).then(value).alias(f"{COLUMN}_estimee"),
        pl.when(has & ~published).then((1 - s) * error[PARTS[0]] + s * error[PARTS[1]]).alias(f"{COLUMN}_erreur"),
        pl.when(published).then(pl.lit(estimate.PUBLISHED)).when(has).then(pl.lit(estimate.FROM_INCOME))
        .otherwise(None).alias(f"{COLUMN}_methode"),
        pl.when(has).then(pl.lit(FILOSOFI)).alias(f"source_{COLUMN}"),
    ).with_columns(pl.when(pl.col(COLUMN).is_not_null() | pl.col(f"{COLUMN}_estimee").is_not_null())
                   .then(s).alias(WEIGHT_75))


def absence_reasons(table: pl.DataFrame) -> pl.DataFrame:
    """``<id>_absence`` where the value is missing because no source covers the commune."""
    drom = pl.col("code").str.starts_with("97")
    no_filo = pl.any_horizontal([pl.col("code").str.starts_with(d) for d in NO_FILOSOFI_DEPS])
    exprs = []
    for id in CENSUS_2022_ONLY:
        if id in table.columns:
            exprs.append(pl.when(pl.col(id).is_null() & drom).then(pl.lit(NO_CENSUS)).alias(f"{id}_absence"))
    for id in FILOSOFI_ONLY:
        if id in table.columns:
            value = pl.coalesce(id, f"{id}_estimee") if f"{id}_estimee" in table.columns else pl.col(id)
            exprs.append(pl.when(value.is_null() & no_filo).then(pl.lit(NO_FILOSOFI)).alias(f"{id}_absence"))
    return table.with_columns(exprs)


def derive(table: pl.DataFrame) -> pl.DataFrame:
    """Both steps, when the sources gave their inputs (a test catalogue may have fewer sources)."""
    needed = ("age60", "age75", *PARTS, *(f"{p}_estimee" for p in PARTS), *(f"{p}_erreur" for p in PARTS))
    if all(c in table.columns for c in needed):
        table = poverty_60_plus(table)
    return absence_reasons(table)
