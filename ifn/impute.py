"""Imputation of missing commune values (statistical secrecy), with flags.

A missing raw value of commune c is replaced by the population-weighted mean of
the observed communes of the same EPCI; when the EPCI has none, of the same
département. Communes outside any EPCI (pseudo-code ``ZZZZZZZZZ``) go straight
to the département. A group whose communes all have a zero or unknown
population uses the plain mean. Every filled value is flagged
``imputed_<id> = True``; a value that cannot be filled stays null (flag False).
"""

from __future__ import annotations

import polars as pl

NO_EPCI = "ZZZZZZZZZ"


def flag_column(id: str) -> str:
    return f"imputed_{id}"


def impute_communes(communes: pl.DataFrame, ids: list[str] | tuple[str, ...], enabled: bool = True) -> pl.DataFrame:
    """Fill missing values of the indicator columns ``ids``.

    Parameters
    ----------
    communes : commune table with ``epci``, ``dep``, ``population`` and the ``ids`` columns.
    ids : indicator columns to fill.
    enabled : when False, nothing is filled and every flag is False.

    Returns
    -------
    The same table with ``ids`` filled and one boolean ``imputed_<id>`` per id.
    """
    from ifn.aggregate import Pooling, mean_from_sums, observed_components

    if not ids:
        return communes
    if not enabled:
        return communes.with_columns(pl.lit(False).alias(flag_column(i)) for i in ids)
    poolings = [Pooling(i) for i in ids]
    epci_key = pl.when(pl.col("epci") == NO_EPCI).then(None).otherwise(pl.col("epci")).alias("_epci_key")
    parts = communes.select(epci_key, pl.col("dep"), *observed_components(poolings, with_flags=False))
    means = [mean_from_sums(i, "o").alias(i) for i in ids]
    by_epci = parts.group_by("_epci_key").agg(pl.col("^__.*$").sum()).select(
        "_epci_key", *[m.name.prefix("_epci_") for m in means])
    by_dep = parts.group_by("dep").agg(pl.col("^__.*$").sum()).select(
        "dep", *[m.name.prefix("_dep_") for m in means])
    frame = communes.with_columns(epci_key)
    frame = frame.join(by_epci, on="_epci_key", how="left", maintain_order="left").join(
        by_dep, on="dep", how="left", maintain_order="left"
    )
    filled = []
    for i in ids:
        value = pl.coalesce(pl.col(i), pl.col(f"_epci_{i}"), pl.col(f"_dep_{i}"))
        filled += [value.alias(i), (pl.col(i).is_null() & value.is_not_null()).alias(flag_column(i))]
    frame = frame.with_columns(filled)
    return frame.drop(["_epci_key"] + [f"_epci_{i}" for i in ids] + [f"_dep_{i}" for i in ids])


def imputation_counts(frame: pl.DataFrame, ids: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Number of imputed values per indicator."""
    return {i: int(frame[flag_column(i)].sum()) for i in ids if flag_column(i) in frame.columns}
