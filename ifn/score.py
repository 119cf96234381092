"""The IFN pipeline: impute → aggregate → normalise → weighted mean, per level.

Default method (pinned by the tests, stated in French in docs/methodology.md):

- score of indicator k for unit u: mid-rank percentile among the observed
  units of the same level, rescaled so that the observed min gets 1 and the
  max 10 (``ifn.normalise.rank_scores``);
- IFN = weighted mean of the available scores of the selected indicators
  (equal weights over the variant's axis-1 indicators by default), computed
  only when at least ``min_indicators`` (3) of them are available — otherwise
  null, with the French reason in ``motif``;
- ``contexte`` = plain mean of the available axis-2 scores, never folded into
  the IFN unless the user gives those indicators a weight.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from ifn.aggregate import PARENTS, Pooling, aggregate_level, build_levels, share_column
from ifn.catalogue import Catalogue, load_catalogue
from ifn.errors import InputError
from ifn.impute import flag_column, impute_communes
from ifn.levels import SCORE_LEVELS  # re-exported for the pages
from ifn.normalise import METHODS, base100_scores, normalise

log = logging.getLogger(__name__)

IDENTITY = ("code", "nom", "dep", "dep_nom", "reg", "reg_nom", "epci", "epci_nom", "population")
RESERVED = {"code", "nom", "population", "ifn", "contexte", "n_indicateurs", "motif", "dep", "reg", "epci"}


@dataclass(frozen=True)
class ScoreOptions:
    """Choices of the user; the defaults are the reference method."""

    variant: str = "tout_age"
    weights: Mapping[str, float] | None = None
    method: str = "rank"
    reference: str | None = None
    impute: bool = True
    min_indicators: int = 3


@dataclass(frozen=True)
class Selection:
    """Resolved indicator sets for one run."""

    weights: dict[str, float]          # indicators folded into the IFN (weight > 0)
    ids: tuple[str, ...]               # every indicator reported (variant + custom + weighted)
    context: tuple[str, ...]           # axis-2 indicators of the variant
    custom: tuple[str, ...]            # user indicators (from ``extra``)
    labels: dict[str, str]
    poolings: tuple[Pooling, ...]

    @property
    def required(self) -> int:
        return len(self.weights)


def raw_column(id: str) -> str:
    return f"raw_{id}"


def score_column(id: str) -> str:
    return f"score_{id}"


MAX_WEIGHT = 1e6  # weights are relative: a larger one only makes sums overflow (1e308 × 10 = inf)


def _check_weight(id: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"Le poids de l'indicateur « {id} » vaut « {value} » : un nombre est attendu.")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise InputError(f"Le poids de l'indicateur « {id} » vaut « {value:g} » : un nombre positif ou nul est attendu.")
    if value > MAX_WEIGHT:
        raise InputError(f"Le poids de l'indicateur « {id} » vaut « {value:g} » : au plus {MAX_WEIGHT:g} (au-delà, "
                         "la somme pondérée des scores déborde et l'indice devient infini ou indéterminé).")
    return value


def custom_ids(extra: pl.DataFrame | None) -> tuple[str, ...]:
    """User indicator columns of ``extra`` (every column but ``code``)."""
    if extra is None:
        return ()
    return tuple(c for c in extra.columns if c != "code")


def resolve_selection(options: ScoreOptions, extra_ids: tuple[str, ...] = (), catalogue: Catalogue | None = None) -> Selection:
    """Check the options against the catalogue and return the indicator sets.

    Raises
    ------
    InputError
        Unknown indicator, negative or non-numeric weight, all weights zero,
        unknown method, bad ``min_indicators``.
    ConfigError
        Unknown variant.
    """
    cat = catalogue or load_catalogue()
    variant = cat.variant(options.variant)
    if options.method not in METHODS:
        raise InputError(f"Méthode inconnue « {options.method} » : choisissez parmi {', '.join(METHODS)}.")
    if isinstance(options.min_indicators, bool) or not isinstance(options.min_indicators, int) or options.min_indicators < 1:
        raise InputError(f"Le nombre minimal d'indicateurs vaut « {options.min_indicators} » : un entier ≥ 1 est attendu.")
    for c in extra_ids:
        if cat.has_indicator(c) or c in RESERVED:
            raise InputError(f"L'indicateur personnalisé « {c} » porte le nom d'une colonne existante : renommez-le.")
    if options.weights is None:
        weights = {i: 1.0 for i in variant.indicators}
    else:
        known = set(cat.ids) | set(extra_ids)
        weights = {}
        for id, value in options.weights.items():
            if id not in known:
                choices = ", ".join(list(cat.ids) + list(extra_ids))
                raise InputError(f"Indicateur inconnu « {id} » : indicateurs disponibles : {choices}.")
            weights[id] = _check_weight(id, value)
        if not any(v > 0 for v in weights.values()):
            raise InputError("Tous les poids sont nuls : donnez un poids positif à au moins un indicateur.")
    weights = {i: w for i, w in weights.items() if w > 0}
    ids = list(variant.all_ids)
    ids += [i for i in weights if i not in ids and cat.has_indicator(i)]
    ids += [i for i in extra_ids if i not in ids]
    labels, poolings = {}, []
    for i in ids:
        if cat.has_indicator(i):
            ind = cat.indicator(i)
            labels[i] = ind.label
            poolings.append(Pooling(i, ind.pooling_kind, ind.pool_total, ind.pool_covered))
        else:
            labels[i] = i
            poolings.append(Pooling(i))
    return Selection(weights=weights, ids=tuple(ids), context=variant.context, custom=tuple(extra_ids),
                     labels=labels, poolings=tuple(poolings))


def _check_extra(extra: pl.DataFrame) -> pl.DataFrame:
    if "code" not in extra.columns:
        raise InputError("Le tableau d'indicateurs personnalisés n'a pas de colonne « code ».")
    dup = extra.filter(pl.col("code").is_duplicated())
    if dup.height:
        raise InputError(f"Le code commune « {dup['code'][0]} » apparaît plusieurs fois dans les indicateurs personnalisés.")
    casts = []
    for c in extra.columns:
        if c == "code":
            continue
        if not extra.schema[c].is_numeric():
            raise InputError(f"La colonne « {c} » des indicateurs personnalisés n'est pas numérique.")
        casts.append(pl.col(c).cast(pl.Float64))
    return extra.with_columns(pl.col("code").cast(pl.String), *casts)


def unmatched_extra_codes(communes: pl.DataFrame | pl.LazyFrame, extra: pl.DataFrame) -> list[str]:
    """Codes of ``extra`` that match no commune of the table (to show to the user: they are not used)."""
    codes = (communes.lazy() if isinstance(communes, pl.DataFrame) else communes).select("code").collect()["code"]
    return extra.filter(~pl.col("code").cast(pl.String).is_in(codes.implode()))["code"].cast(pl.String).to_list()


def raw_communes(communes: pl.DataFrame | pl.LazyFrame, selection: Selection,
                 extra: pl.DataFrame | None = None) -> pl.DataFrame:
    """Commune table restricted to the needed columns, with the extra indicators joined (not imputed)."""
    pools = list(dict.fromkeys(c for p in selection.poolings if p.kind == "locaux" for c in (p.total, p.covered)))
    wanted = list(IDENTITY) + [i for i in selection.ids if i not in selection.custom] + pools
    frame = communes.lazy() if isinstance(communes, pl.DataFrame) else communes
    names = frame.collect_schema().names()
    wanted += [estimate_column(i) for i in selection.ids if estimate_column(i) in names]
    missing = [c for c in wanted if c not in names]
    if missing:
        raise InputError(f"La table des communes n'a pas les colonnes : {', '.join(missing)}.")
    frame = frame.select(wanted).collect()
    if extra is not None:
        extra = _check_extra(extra)
        unmatched = extra.height - extra.join(frame.select("code"), on="code", how="semi").height
        if unmatched:
            log.warning("%d code(s) des indicateurs personnalisés ne correspondent à aucune commune.", unmatched)
        frame = frame.join(extra, on="code", how="left", maintain_order="left")
    return frame.with_columns(pl.col(i).cast(pl.Float64) for i in selection.ids)


def estimate_column(id: str) -> str:
    """Cache column flagging the commune values the build estimated (e.g. a secret poverty rate
    estimated from the median income): they count as values, and are flagged ``imputed_<id>``.
    """
    return f"estime_{id}"


def mark_estimates(prepared: pl.DataFrame, ids: tuple[str, ...]) -> pl.DataFrame:
    """``imputed_<id>`` is also True where the build estimated the value (``estime_<id>``)."""
    exprs = [(pl.col(flag_column(i)) | pl.col(estimate_column(i)).fill_null(False)).alias(flag_column(i))
             for i in ids if estimate_column(i) in prepared.columns and flag_column(i) in prepared.columns]
    return prepared.with_columns(exprs) if exprs else prepared


def _reference_values(communes: pl.DataFrame, units: pl.DataFrame, level: str, selection: Selection,
                      reference: str | None) -> dict[str, np.ndarray]:
    """Per-unit reference values for base 100 (one array per indicator)."""
    ref = (reference or "france").strip()
    kind, _, code = ref.partition(":")
    column = {"reg": "reg", "dep": "dep"}.get(kind)
    if kind != "france" and column is None:
        raise InputError(f"Territoire de référence inconnu « {ref} » : attendu « france », « reg », « dep », "
                         "« reg:<code> » ou « dep:<code> ».")
    poolings = list(selection.poolings)
    if kind == "france":
        table = aggregate_level(communes, "france", poolings)
        return {i: np.full(units.height, table[i][0] if table[i][0] is not None else np.nan) for i in selection.ids}
    if code:
        subset = communes.filter(pl.col(column) == code)
        if subset.height == 0:
            raise InputError(f"Territoire de référence « {ref} » : aucun(e) {'région' if kind == 'reg' else 'département'} "
                             f"de code « {code} ».")
        table = aggregate_level(subset, "france", poolings)
        return {i: np.full(units.height, table[i][0] if table[i][0] is not None else np.nan) for i in selection.ids}
    parent_level = "region" if kind == "reg" else "departement"
    own_level = level == parent_level
    if not own_level and column not in units.columns:
        raise InputError(f"Territoire de référence « {ref} » impossible au niveau « {level} » : "
                         "choisissez un territoire plus grand que l'unité.")
    table = aggregate_level(communes, parent_level, poolings)
    key = "code" if own_level else column
    joined = units.select(pl.col(key).alias("_ref")).join(table.rename({"code": "_ref"}), on="_ref", how="left",
                                                          maintain_order="left")
    return {i: joined[i].cast(pl.Float64).fill_null(np.nan).to_numpy() for i in selection.ids}


def _score_one(units: pl.DataFrame, id: str, method: str, reference: np.ndarray | None) -> pl.Series:
    values = np.asarray(units[id].to_numpy(), dtype=float)
    observed = ~units[flag_column(id)].to_numpy() & ~np.isnan(values)
    if method == "base100":
        scores = base100_scores(values, reference)
    else:
        scores = normalise(values, observed, method)
    return pl.Series(score_column(id), scores, dtype=pl.Float64, nan_to_null=True)


def _indicator_scores(units: pl.DataFrame, selection: Selection, options: ScoreOptions,
                      references: dict[str, np.ndarray] | None) -> list[pl.Series]:
    """One score column per indicator; indicators run on threads (numpy sorts release the GIL)."""
    def one(id: str) -> pl.Series:
        return _score_one(units, id, options.method, references[id] if references else None)

    if units.height < 2000 or len(selection.ids) < 2:
        return [one(i) for i in selection.ids]
    return list(_pool().map(one, selection.ids))


_POOL = None


def _pool():
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2)), thread_name_prefix="ifn-score")
    return _POOL


def _ifn_exprs(selection: Selection, options: ScoreOptions) -> list[pl.Expr]:
    weights = selection.weights
    required = min(options.min_indicators, len(weights))
    present = [pl.col(score_column(i)).is_not_null() for i in weights]
    n = pl.sum_horizontal([p.cast(pl.Int32) for p in present]).alias("n_indicateurs")
    num = pl.sum_horizontal([pl.col(score_column(i)).fill_null(0.0) * w for i, w in weights.items()])
    den = pl.sum_horizontal([p.cast(pl.Float64) * w for p, w in zip(present, weights.values())])
    ifn = pl.when(n >= required).then(num / den).otherwise(None).alias("ifn")
    missing = pl.concat_str(
        [pl.when(pl.col(score_column(i)).is_null()).then(pl.lit(selection.labels[i])) for i in weights],
        separator=", ", ignore_nulls=True,
    )
    motif = (
        pl.when(n >= required).then(None)
        .otherwise(pl.format("{} indicateur(s) disponible(s) sur {} (minimum {}) ; manquant(s) : {}",
                             n, pl.lit(len(weights)), pl.lit(required), missing))
        .alias("motif")
    )
    context = [pl.col(score_column(i)) for i in selection.context]
    contexte = (pl.mean_horizontal(context) if context else pl.lit(None, dtype=pl.Float64)).alias("contexte")
    return [ifn, n, motif, contexte]


def prepare_communes(communes: pl.DataFrame | pl.LazyFrame, selection: Selection, options: ScoreOptions,
                     extra: pl.DataFrame | None = None) -> pl.DataFrame:
    """Commune table restricted to the needed columns, with extra indicators joined and values imputed."""
    return impute_communes(raw_communes(communes, selection, extra), list(selection.ids), enabled=options.impute)


def indicator_scores(units: pl.DataFrame, communes: pl.DataFrame, level: str, selection: Selection,
                     options: ScoreOptions) -> pl.DataFrame:
    """Add ``score_<id>`` for every indicator to the units of one level (weight-independent)."""
    references = None
    if options.method == "base100":
        references = _reference_values(communes, units, level, selection, options.reference)
    return units.with_columns(_indicator_scores(units, selection, options, references))


def combine(scored: pl.DataFrame, level: str, selection: Selection, options: ScoreOptions) -> pl.DataFrame:
    """Weighted IFN, 3-of-5 rule, contexte, and the output column order.

    At the commune level, values the build estimated are flagged ``imputed_<id>`` here (they
    count as values everywhere else: aggregation, references).
    """
    scored = mark_estimates(scored.with_columns(_ifn_exprs(selection, options)), selection.ids)
    per_indicator = []
    for i in selection.ids:
        per_indicator += [pl.col(i).alias(raw_column(i)), pl.col(score_column(i)), pl.col(flag_column(i))]
        if share_column(i) in scored.columns:
            per_indicator.append(pl.col(share_column(i)))
    front = ["code", "nom", "population", "ifn", "contexte", "n_indicateurs", "motif", *PARENTS[level]]
    return scored.select([pl.col(c) for c in front] + per_indicator)


def score_units(units: pl.DataFrame, communes: pl.DataFrame, level: str, selection: Selection,
                options: ScoreOptions) -> pl.DataFrame:
    """Normalise and combine the raw values of the units of one level.

    ``units`` has ``code, nom, population``, parent codes, and per indicator the
    raw value (column named by the id) and ``imputed_<id>`` (and
    ``part_pop_observee_<id>`` above the commune).
    """
    return combine(indicator_scores(units, communes, level, selection, options), level, selection, options)


def score_level(communes: pl.DataFrame | pl.LazyFrame, level: str, options: ScoreOptions = ScoreOptions(),
                extra: pl.DataFrame | None = None) -> pl.DataFrame:
    """IFN of every unit of ``level`` (commune, epci, departement, region).

    Parameters
    ----------
    communes : the commune table of the cache (``ifn.cache.load_communes()``) or any frame with its columns.
    level : "commune", "epci", "departement" or "region".
    options : method, weights, variant, imputation.
    extra : optional commune-level user indicators: ``code`` + one numeric column per custom id,
        oriented higher = more fragile.

    Returns
    -------
    One row per unit: ``code, nom, population, ifn, contexte, n_indicateurs, motif``, parent codes,
    and for every indicator ``raw_<id>, score_<id>, imputed_<id>`` (+ ``part_pop_observee_<id>``
    above the commune).
    """
    selection = resolve_selection(options, custom_ids(extra))
    if level not in SCORE_LEVELS:
        raise InputError(f"Niveau inconnu « {level} » : choisissez parmi {', '.join(SCORE_LEVELS)}.")
    prepared, levels = build_levels(raw_communes(communes, selection, extra), list(selection.poolings), options.impute)
    units = prepared if level == "commune" else levels[level]
    return score_units(units, prepared, level, selection, options)


@dataclass(frozen=True)
class PreparedLevels:
    """Weight-independent part of a run: indicator scores of every level.

    Built by ``prepare_levels``; ``rescore`` recomputes only the weighted IFN
    after a change of weights (same variant, method, imputation and extra
    indicators).
    """

    options: ScoreOptions
    selection: Selection
    tables: dict[str, pl.DataFrame]


def prepare_levels(communes: pl.DataFrame | pl.LazyFrame, options: ScoreOptions = ScoreOptions(),
                   extra: pl.DataFrame | None = None) -> PreparedLevels:
    """Impute, aggregate all four levels and score every indicator (no weighting yet)."""
    selection = resolve_selection(options, custom_ids(extra))
    raw = raw_communes(communes, selection, extra)
    prepared, levels = build_levels(raw, list(selection.poolings), options.impute)
    units = {"commune": prepared, **levels}
    tables = {level: indicator_scores(units[level], prepared, level, selection, options) for level in SCORE_LEVELS}
    return PreparedLevels(options=options, selection=selection, tables=tables)


def rescore(prepared: PreparedLevels, weights: Mapping[str, float] | None,
            min_indicators: int | None = None) -> dict[str, pl.DataFrame]:
    """IFN of the four levels for new weights, reusing the indicator scores of ``prepared``."""
    changes = {"weights": weights}
    if min_indicators is not None:
        changes["min_indicators"] = min_indicators
    options = replace(prepared.options, **changes)
    selection = resolve_selection(options, prepared.selection.custom)
    missing = set(selection.ids) - set(prepared.selection.ids)
    if missing:
        raise InputError(f"Indicateur(s) non préparé(s) : {', '.join(sorted(missing))} ; relancez le calcul complet.")
    selection = replace(selection, ids=prepared.selection.ids)
    return {level: combine(table, level, selection, options) for level, table in prepared.tables.items()}


def score_all(communes: pl.DataFrame | pl.LazyFrame, options: ScoreOptions = ScoreOptions(),
              extra: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """``score_level`` for the four levels ("commune", "epci", "departement", "region"), sharing
    the imputation and the aggregation.
    """
    prepared = prepare_levels(communes, options, extra)
    return {level: combine(table, level, prepared.selection, options) for level, table in prepared.tables.items()}


def summary(scored: pl.DataFrame) -> dict[str, object]:
    """Counts for reports: units, scored, without score, imputed per indicator."""
    flags = [c for c in scored.columns if c.startswith("imputed_")]
    return {
        "unites": scored.height,
        "avec_score": int(scored["ifn"].is_not_null().sum()),
        "sans_score": int(scored["ifn"].is_null().sum()),
        "imputees": {c.removeprefix("imputed_"): int(scored[c].sum()) for c in flags},
    }
