"""How much a user index moves against the default one.

Definitions (stated in French in docs/methodology.md, section « Analyse de
sensibilité et indicateurs personnels »):

- ``spearman``: Pearson correlation of the average ranks (ties share the mean
  rank) of the units scored by both indices;
- ``class_changes``: units whose map class differs, with the *same* breaks for
  both indices (computed on the default scores), among the units scored by
  both (a unit that gains or loses a score is counted apart, see
  ``ifn.analysis.score_coverage``; base 100, on another scale: quintiles of each index);
- ``movers``: rank 1 = most fragile (average ranks, descending IFN) among units
  scored by both; ``evolution`` = default rank − new rank (positive = more
  fragile than before); tables sorted by the IFN gap ``ecart`` (by the rank
  change in base 100, whose gap is meaningless);
- ``influence``: for each weighted indicator k, the mean over units of
  |IFN(all) − IFN(without k)|, the units being those scored both ways; k's
  weight is set to 0, the others keep theirs, the 3-of-5 rule applies as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from ifn.aggregate import build_levels
from ifn.classify import Classes, as_float_array, classify
from ifn.score import (
    PreparedLevels,
    ScoreOptions,
    combine,
    custom_ids,
    indicator_scores,
    raw_communes,
    resolve_selection,
)

log = logging.getLogger(__name__)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties get the mean of their ranks (no NaN allowed)."""
    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_x)) + 1]
    ends = np.r_[starts[1:], x.size]
    mean_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def spearman(a, b) -> float:
    """Spearman rank correlation over the pairs where both values exist (NaN if < 2 pairs or constant)."""
    x, y = as_float_array(a), as_float_array(b)
    both = ~np.isnan(x) & ~np.isnan(y)
    if both.sum() < 2:
        return float("nan")
    rx, ry = average_ranks(x[both]), average_ranks(y[both])
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / den) if den > 0 else float("nan")


@dataclass(frozen=True)
class ClassChanges:
    """Units changing map class (same breaks for both indices)."""

    changed: int
    total: int
    classes: Classes

    @property
    def share(self) -> float:
        return self.changed / self.total if self.total else 0.0


def class_changes(default, new, method: str = "equal", k: int = 5, classes: Classes | None = None,
                  same_breaks: bool = True) -> ClassChanges:
    """Count the units whose class differs; breaks from ``default`` (or ``classes`` if given).

    ``same_breaks=False`` classifies each index with its own breaks (for indices on different
    scales, e.g. base 100 against 1–10: use ``method="quantiles"``). ``total`` counts the units with
    a score in both indices: a unit that loses or gains a score has no class to compare.
    """
    x, y = as_float_array(default), as_float_array(new)
    classes = classes or classify(x, method, k)
    cx = classes.index(x)
    cy = classes.index(y) if same_breaks else classify(y, method, k).index(y)
    considered = (cx >= 0) & (cy >= 0)
    return ClassChanges(changed=int((considered & (cx != cy)).sum()), total=int(considered.sum()), classes=classes)


def compare(default: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Default and new IFN side by side (join on ``code``, order of ``new``), with ranks and evolution.

    Columns: ``code, nom, population, ifn_defaut, ifn, ecart, rang_defaut, rang, evolution``;
    ranks are average ranks, 1 = most fragile, among units scored by both indices.
    """
    joined = new.select("code", "nom", "population", "ifn").join(
        default.select("code", pl.col("ifn").alias("ifn_defaut")), on="code", how="left", maintain_order="left")
    a = joined["ifn_defaut"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    b = joined["ifn"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    both = ~np.isnan(a) & ~np.isnan(b)
    rank_a, rank_b = np.full(a.size, np.nan), np.full(b.size, np.nan)
    if both.any():
        rank_a[both] = average_ranks(-a[both])
        rank_b[both] = average_ranks(-b[both])
    return joined.select(
        "code", "nom", "population", "ifn_defaut", "ifn",
        (pl.col("ifn") - pl.col("ifn_defaut")).alias("ecart"),
        pl.Series("rang_defaut", rank_a, nan_to_null=True),
        pl.Series("rang", rank_b, nan_to_null=True),
        pl.Series("evolution", rank_a - rank_b, nan_to_null=True),
    )


def movers(compared: pl.DataFrame, n: int = 10, by: str = "ecart") -> tuple[pl.DataFrame, pl.DataFrame]:
    """(largest risers, largest fallers) of ``compare``'s output, sorted by ``by`` then the other measure.

    ``by`` is ``"ecart"`` (IFN gap, default) or ``"evolution"`` (rank change, for base 100 where the
    gap mixes two scales). Units scored by one index only or with no change of ``by`` are left out;
    ties broken by code.
    """
    if by not in ("ecart", "evolution"):
        raise ValueError(f"unknown sort key {by!r}")
    then = "evolution" if by == "ecart" else "ecart"
    moved = compared.filter(pl.col("evolution").is_not_null() & pl.col(by).is_not_null() & (pl.col(by) != 0))
    risers = moved.filter(pl.col(by) > 0).sort([by, then, "code"], descending=[True, True, False]).head(n)
    fallers = moved.filter(pl.col(by) < 0).sort([by, then, "code"], descending=[False, False, False]).head(n)
    return risers, fallers


def prepare_level(communes: pl.DataFrame | pl.LazyFrame, level: str, options: ScoreOptions = ScoreOptions(),
                  extra: pl.DataFrame | None = None) -> PreparedLevels:
    """``ifn.score.prepare_levels`` restricted to one level.

    Same imputation, aggregation and indicator scores, but a base-100 reference that only makes
    sense for some levels (``dep`` per unit is impossible for régions) does not fail the others.
    """
    selection = resolve_selection(options, custom_ids(extra))
    prepared, levels = build_levels(raw_communes(communes, selection, extra), list(selection.poolings),
                                    options.impute)
    units = prepared if level == "commune" else levels[level]
    table = indicator_scores(units, prepared, level, selection, options)
    return PreparedLevels(options=options, selection=selection, tables={level: table})


def level_ifn(prepared: PreparedLevels, level: str, weights: Mapping[str, float] | None,
              min_indicators: int | None = None) -> pl.DataFrame:
    """IFN of one level for ``weights``, reusing the indicator scores of ``prepared`` (as ``ifn.score.rescore``)."""
    changes = {"weights": weights}
    if min_indicators is not None:
        changes["min_indicators"] = min_indicators
    options = replace(prepared.options, **changes)
    selection = resolve_selection(options, prepared.selection.custom)
    missing = set(selection.weights) - set(prepared.selection.ids)
    if missing:
        from ifn.errors import InputError

        raise InputError(f"Indicateur(s) non préparé(s) : {', '.join(sorted(missing))} ; relancez le calcul complet.")
    selection = replace(selection, ids=prepared.selection.ids)
    return combine(prepared.tables[level], level, selection, options)


def influence(prepared: PreparedLevels, level: str, weights: Mapping[str, float],
              codes: pl.Series | None = None, min_indicators: int | None = None) -> pl.DataFrame:
    """Per weighted indicator: mean |IFN − IFN without it| and the units compared.

    Parameters
    ----------
    prepared : indicator scores (``ifn.score.prepare_levels``).
    level : level whose units are compared.
    weights : current weights (indicators with weight 0 are skipped).
    codes : optional subset of unit codes (territory filter).
    min_indicators : as in ``ScoreOptions`` (default: that of ``prepared``).

    Returns
    -------
    ``indicateur, poids, influence, influence_max, unites`` sorted by decreasing influence; with a
    single weighted indicator nothing can be left out (empty frame).
    """
    active = {k: float(v) for k, v in weights.items() if v > 0}
    full = level_ifn(prepared, level, active, min_indicators).select("code", "ifn")
    if codes is not None:
        full = full.filter(pl.col("code").is_in(codes.implode()))
    rows = []
    for id, w in active.items():
        if len(active) < 2:
            break
        without = {k: v for k, v in active.items() if k != id}
        other = level_ifn(prepared, level, without, min_indicators).select("code", pl.col("ifn").alias("sans"))
        diff = full.join(other, on="code", how="left").select((pl.col("ifn") - pl.col("sans")).abs().alias("d"))
        d = diff["d"].drop_nulls().drop_nans()
        rows.append({"indicateur": id, "poids": w,
                     "influence": float(d.mean()) if d.len() else None,
                     "influence_max": float(d.max()) if d.len() else None,
                     "unites": d.len()})
    schema = {"indicateur": pl.String, "poids": pl.Float64, "influence": pl.Float64, "influence_max": pl.Float64,
              "unites": pl.Int64}
    return pl.DataFrame(rows, schema=schema).sort(["influence", "indicateur"], descending=[True, False],
                                                   nulls_last=True)


def histogram(default, new, edges: np.ndarray | None = None) -> pl.DataFrame:
    """Unit counts per score bin for both indices (bins of 0.5 on 1–10 by default).

    Columns: ``classe`` (French label « 1,0–1,5 »), ``defaut``, ``nouveau``; the last bin is closed.
    """
    edges = np.linspace(1.0, 10.0, 19) if edges is None else np.asarray(edges, dtype=float)
    a, b = as_float_array(default), as_float_array(new)
    ca, _ = np.histogram(a[~np.isnan(a)], bins=edges)
    cb, _ = np.histogram(b[~np.isnan(b)], bins=edges)
    labels = [f"{lo:.1f}–{hi:.1f}".replace(".", ",") for lo, hi in zip(edges[:-1], edges[1:])]
    return pl.DataFrame({"classe": labels, "defaut": ca.astype(np.int64), "nouveau": cb.astype(np.int64)})


# --- Traceability: every setting written next to the results ---------------------------------

SETTINGS_PREFIX = "parametre_"


def fr_weight(weight: float) -> str:
    """A weight in French: « 1 », « 1,5 », « 0,25 » (no trailing zeros, decimal comma)."""
    text = f"{float(weight):.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


def weights_text(weights: Mapping[str, float]) -> str:
    """« id = poids » pairs for the exports' settings (« fibre = 1, age65 = 0,5 »)."""
    return ", ".join(f"{k} = {fr_weight(v)}" for k, v in weights.items())


def settings_record(options, level: str, territory: str, customs=(), built_at: str = "inconnu") -> dict[str, str]:
    """French description of every setting behind a result (xlsx « Métadonnées » sheet, CSV columns).

    Parameters
    ----------
    options : ``ScoreOptions`` of the user index (weights resolved).
    level, territory : level and territory filter shown.
    customs : ``ifn.upload.CustomIndicator`` of the session.
    built_at : date of the cache.
    """
    selection = resolve_selection(options, tuple(c.id for c in customs))
    record = {
        "niveau": level,
        "territoire": territory,
        "variante": options.variant,
        "methode": options.method,
        "reference_base100": options.reference or ("france" if options.method == "base100" else "—"),
        "imputation": "oui" if options.impute else "non",
        "poids": weights_text(selection.weights),
        "minimum_indicateurs": str(min(options.min_indicators, len(selection.weights))),
        "indicateurs_personnels": " | ".join(
            f"{c.id} = « {c.label} » ({'plus haut = moins fragile' if c.direction == 'plus_haut_moins_fragile' else 'plus haut = plus fragile'}, "
            f"{c.values['value'].is_not_null().sum()} valeurs)" for c in customs) or "aucun",
        "cache_construit_le": built_at,
    }
    return record


def with_settings(frame: pl.DataFrame, record: Mapping[str, str]) -> pl.DataFrame:
    """``frame`` with one constant text column ``parametre_<key>`` per setting (CSV traceability)."""
    return frame.with_columns(pl.lit(str(v), dtype=pl.String).alias(SETTINGS_PREFIX + k) for k, v in record.items())
