"""Commune raw values → EPCI / département / région (and France) raw values.

Rules (see docs/methodology.md):

- rates: population-weighted mean over the communes whose value was observed
  (not imputed);
- THD: premises pooled over the observed communes,
  100 · (1 − Σ eligible premises / Σ premises);
- ``part_pop_observee_<id>`` = population of the observed communes ÷
  population of the unit (in [0, 1]);
- a unit with no observed commune takes the population-weighted mean of its
  communes' imputed values and is flagged ``imputed_<id>`` (null when
  imputation is off).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ifn.impute import flag_column


@dataclass(frozen=True)
class Level:
    """How a level is keyed in the commune table."""

    id: str
    key: str | None
    name: str | None
    label: str


LEVELS: dict[str, Level] = {
    "commune": Level("commune", "code", "nom", "Commune"),
    "epci": Level("epci", "epci", "epci_nom", "EPCI"),
    "departement": Level("departement", "dep", "dep_nom", "Département"),
    "region": Level("region", "reg", "reg_nom", "Région"),
    "france": Level("france", None, None, "France"),
}
PARENTS: dict[str, tuple[str, ...]] = {
    "commune": ("dep", "reg", "epci"),
    "epci": ("dep", "reg"),
    "departement": ("reg",),
    "region": (),
    "france": (),
}


@dataclass(frozen=True)
class Pooling:
    """Aggregation rule of one indicator: ``population`` or ``locaux`` (with count columns)."""

    id: str
    kind: str = "population"
    total: str | None = None
    covered: str | None = None


def share_column(id: str) -> str:
    return f"part_pop_observee_{id}"


def _weighted(x: pl.Expr, w: pl.Expr) -> pl.Expr:
    """Σ x·w / Σ w over non-null x; plain mean when the weights sum to 0."""
    wx = pl.when(x.is_not_null()).then(w).otherwise(0.0)
    s = wx.sum()
    return pl.when(s > 0).then((x.fill_null(0.0) * wx).sum() / s).otherwise(x.mean())


def _indicator_aggs(p: Pooling, w: pl.Expr) -> list[pl.Expr]:
    x = pl.col(p.id)
    observed = x.is_not_null() & ~pl.col(flag_column(p.id))
    x_obs = pl.when(observed).then(x).otherwise(None)
    if p.kind == "locaux":
        total = pl.when(observed).then(pl.col(p.total)).otherwise(0.0).fill_null(0.0)
        covered = pl.when(observed).then(pl.col(p.covered)).otherwise(0.0).fill_null(0.0)
        pooled = 100.0 * (1.0 - covered.sum() / total.sum())
        value_obs = pl.when(total.sum() > 0).then(pooled).otherwise(_weighted(x_obs, w))
    else:
        value_obs = _weighted(x_obs, w)
    any_obs = observed.any()
    value_all = _weighted(x, w)
    value = pl.when(any_obs).then(value_obs).otherwise(value_all)
    pop_obs = pl.when(observed).then(w).otherwise(0.0).sum()
    share = pl.when(w.sum() > 0).then(pop_obs / w.sum()).otherwise(observed.mean().cast(pl.Float64))
    return [
        value.alias(p.id),
        (~any_obs & value_all.is_not_null()).alias(flag_column(p.id)),
        share.alias(share_column(p.id)),
    ]


def _majority(communes: pl.DataFrame, key: str, parent: str) -> pl.DataFrame:
    """The parent code holding most of the population of each unit (ties: most communes, then code)."""
    return (
        communes.group_by(key, parent)
        .agg(pl.col("population").cast(pl.Float64).fill_null(0.0).sum().alias("_pop"), pl.len().alias("_n"))
        .sort([key, "_pop", "_n", parent], descending=[False, True, True, False])
        .group_by(key, maintain_order=True)
        .first()
        .select(key, parent)
    )


def aggregate_level(communes: pl.DataFrame, level: str, poolings: list[Pooling]) -> pl.DataFrame:
    """Aggregate imputed commune values to ``level`` (epci, departement, region, france).

    ``communes`` must carry, for each pooling id, the (possibly imputed) value
    and its ``imputed_<id>`` flag, plus ``population`` and the parent codes.
    Returns one row per unit: ``code, nom, population``, parent codes, and per
    indicator the value, ``imputed_<id>`` and ``part_pop_observee_<id>``.
    """
    spec = LEVELS[level]
    w = pl.col("population").cast(pl.Float64).fill_null(0.0).clip(lower_bound=0.0)
    aggs = [pl.col("population").sum().alias("population")]
    for p in poolings:
        aggs += _indicator_aggs(p, w)
    if spec.key is None:
        out = communes.select(aggs).with_columns(pl.lit("FR").alias("code"), pl.lit("France").alias("nom"))
    else:
        aggs.append(pl.col(spec.name).first().alias("nom"))
        out = communes.group_by(spec.key).agg(aggs).rename({spec.key: "code"})
        for parent in PARENTS[level]:
            majority = _majority(communes, spec.key, parent).rename({spec.key: "code"})
            out = out.join(majority, on="code", how="left", maintain_order="left")
        out = out.sort("code")
    front = ["code", "nom", "population", *PARENTS[level]]
    return out.select(front + [c for c in out.columns if c not in front])
