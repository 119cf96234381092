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

from ifn.aggregate import NO_EPCI, Pooling, cell_imputations, commune_cells, impute_from_cells
from ifn.columns import flag_column

__all__ = ["NO_EPCI", "flag_column", "impute_communes", "imputation_counts"]


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
    ids = list(ids)
    if not ids:
        return communes
    if not enabled:
        return communes.with_columns(pl.lit(False).alias(flag_column(i)) for i in ids)
    cells = cell_imputations(commune_cells(communes, [Pooling(i) for i in ids]), ids)
    return impute_from_cells(communes, cells, ids)


def imputation_counts(frame: pl.DataFrame, ids: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Number of imputed values per indicator."""
    return {i: int(frame[flag_column(i)].sum()) for i in ids if flag_column(i) in frame.columns}
