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

import numpy as np
import polars as pl

from ifn.columns import flag_column
from ifn.levels import LEVELS

PARENTS: dict[str, tuple[str, ...]] = {id: lv.parents for id, lv in LEVELS.items()}


@dataclass(frozen=True)
class Pooling:
    """Aggregation rule of one indicator: ``population`` or ``locaux`` (with count columns)."""

    id: str
    kind: str = "population"
    total: str | None = None
    covered: str | None = None


def share_column(id: str) -> str:
    return f"part_pop_observee_{id}"


def _c(id: str, part: str) -> str:
    return f"__{id}__{part}"


def weight_expr() -> pl.Expr:
    """Population as a non-negative float weight (null → 0)."""
    return pl.col("population").cast(pl.Float64).fill_null(0.0).clip(lower_bound=0.0)


def observed_components(poolings: list[Pooling], with_flags: bool = True) -> list[pl.Expr]:
    """Additive per-commune parts of the observed (non-imputed) values: Σw·x, Σw, Σx, n.

    Group sums of these give population-weighted means of the observed communes
    at any level in one ``group_by().sum()``.
    """
    w = weight_expr()
    exprs = []
    for p in poolings:
        x = pl.col(p.id)
        observed = x.is_not_null() & ~pl.col(flag_column(p.id)) if with_flags else x.is_not_null()
        obs_f = observed.cast(pl.Float64)
        exprs += [
            (x.fill_null(0.0) * w * obs_f).alias(_c(p.id, "wxo")),
            (w * obs_f).alias(_c(p.id, "wo")),
            (x.fill_null(0.0) * obs_f).alias(_c(p.id, "xo")),
            obs_f.alias(_c(p.id, "no")),
        ]
        if p.kind == "locaux":
            exprs += [
                (pl.col(p.total).fill_null(0.0) * obs_f).alias(_c(p.id, "to")),
                (pl.col(p.covered).fill_null(0.0) * obs_f).alias(_c(p.id, "co")),
            ]
    return exprs


def _all_components(poolings: list[Pooling]) -> list[pl.Expr]:
    """Additive parts of every (observed or imputed) value."""
    w = weight_expr()
    exprs = []
    for p in poolings:
        x = pl.col(p.id)
        present = x.is_not_null().cast(pl.Float64)
        exprs += [
            (x.fill_null(0.0) * w).alias(_c(p.id, "wxa")),
            (w * present).alias(_c(p.id, "wa")),
            x.fill_null(0.0).alias(_c(p.id, "xa")),
            present.alias(_c(p.id, "na")),
        ]
    return exprs


def mean_from_sums(id: str, suffix: str) -> pl.Expr:
    """Σw·x/Σw, or the plain mean Σx/n when the weights sum to 0, or null when n = 0."""
    wx, ws, xs, n = (pl.col(_c(id, f"{k}{suffix}")) for k in ("wx", "w", "x", "n"))
    return pl.when(ws > 0).then(wx / ws).when(n > 0).then(xs / n).otherwise(None)


def _finalise(p: Pooling) -> list[pl.Expr]:
    value_obs = mean_from_sums(p.id, "o")
    if p.kind == "locaux":
        total, covered = pl.col(_c(p.id, "to")), pl.col(_c(p.id, "co"))
        value_obs = pl.when(total > 0).then(100.0 * (1.0 - covered / total)).otherwise(value_obs)
    any_obs = pl.col(_c(p.id, "no")) > 0
    value_all = mean_from_sums(p.id, "a")
    share = (pl.when(pl.col("__w") > 0).then(pl.col(_c(p.id, "wo")) / pl.col("__w"))
             .otherwise(pl.col(_c(p.id, "no")) / pl.col("__n")))
    return [
        pl.when(any_obs).then(value_obs).otherwise(value_all).alias(p.id),
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


def _parts(communes: pl.DataFrame, poolings: list[Pooling], keys: list[str]) -> pl.DataFrame:
    return communes.select(
        *[pl.col(k) for k in keys], pl.col("population"), weight_expr().alias("__w"), pl.lit(1.0).alias("__n"),
        *observed_components(poolings), *_all_components(poolings),
    )


def _finish(communes: pl.DataFrame, sums: pl.DataFrame, level: str, poolings: list[Pooling]) -> pl.DataFrame:
    spec = LEVELS[level]
    out = sums.select("code", "nom", "population", *[e for p in poolings for e in _finalise(p)])
    if spec.key is not None:
        out = out.sort("code")
        for parent in PARENTS[level]:
            majority = _majority(communes, spec.key, parent).rename({spec.key: "code"})
            out = out.join(majority, on="code", how="left", maintain_order="left")
    front = ["code", "nom", "population", *PARENTS[level]]
    return out.select(front + [c for c in out.columns if c not in front])


def _group_sums(parts: pl.DataFrame, level: str) -> pl.DataFrame:
    """Sums of population and of the ``__`` components per unit of ``level``.

    Summed with ``numpy.bincount`` in the communes' row order: a parallel ``group_by().sum()`` may add
    the same floats in a different order from one run to the next, and a base-100 score computed on
    these sums must be reproducible to the last digit (the analyst page and the command line agree).
    """
    spec = LEVELS[level]
    columns = ["population", *[c for c in parts.columns if c.startswith("__")]]
    if spec.key is None:
        inverse, size = np.zeros(parts.height, dtype=np.int64), 1
        head = {"code": ["FR"], "nom": ["France"]}
    else:
        keys = parts[spec.key]
        if keys.null_count():
            raise ValueError(f"aggregate_level: {keys.null_count()} commune(s) without {spec.key}")
        uniq, inverse, first = _codes(keys.to_numpy())
        size = len(uniq)
        head = {"code": uniq.tolist(), "nom": parts[spec.name].gather(first).to_list()}
    sums = {}
    for name in columns:
        values = parts[name].cast(pl.Float64).fill_null(0.0).to_numpy()
        total = np.bincount(inverse, weights=values, minlength=size)
        dtype = parts[name].dtype
        sums[name] = pl.Series(name, total).round(0).cast(dtype) if dtype.is_integer() else pl.Series(name, total)
    return pl.DataFrame({"code": pl.Series(head["code"], dtype=pl.String), "nom": head["nom"], **sums})


def aggregate_level(communes: pl.DataFrame, level: str, poolings: list[Pooling]) -> pl.DataFrame:
    """Aggregate imputed commune values to ``level`` (epci, departement, region, france).

    ``communes`` must carry, for each pooling id, the (possibly imputed) value
    and its ``imputed_<id>`` flag, plus ``population`` and the parent codes.
    Returns one row per unit: ``code, nom, population``, parent codes, and per
    indicator the value, ``imputed_<id>`` and ``part_pop_observee_<id>``.
    """
    spec = LEVELS[level]
    keys = [spec.key, spec.name] if spec.key else []
    return _finish(communes, _group_sums(_parts(communes, poolings, keys), level), level, poolings)


# ---------------------------------------------------------------------------
# Fast path: everything from (EPCI, département) cells
#
# Imputed values are constant within a cell (the EPCI mean, else the
# département mean), so the sums of a cell over its imputed communes are
# x̂ · (population of the missing communes) and x̂ · (their count). One
# group_by of the communes into cells then gives the imputation, and the
# EPCI, département and région sums come from the small cell table.

CELL_KEYS = ["epci", "dep"]
NO_EPCI = "ZZZZZZZZZ"


def imputed_column(id: str) -> str:
    return f"__imp_{id}"


def commune_cells(raw: pl.DataFrame, poolings: list[Pooling]) -> pl.DataFrame:
    """Sums of the observed parts per (EPCI, département) cell of the raw (not imputed) table."""
    names = [c for c in ("epci_nom", "dep_nom", "reg", "reg_nom") if c in raw.columns]
    parts = raw.select(*CELL_KEYS, *names, pl.col("population"), weight_expr().alias("__w"),
                       pl.lit(1.0).alias("__n"), *observed_components(poolings, with_flags=False))
    return parts.group_by(CELL_KEYS).agg(*[pl.col(n).first() for n in names], pl.col("population").sum(),
                                         pl.col("^__.*$").sum())


def cell_imputations(cells: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    """Imputed value of each cell and indicator: mean of the observed communes of the EPCI, else of the
    département (communes without EPCI: département).
    """
    sums = [pl.col(_c(i, k)).sum() for i in ids for k in ("wxo", "wo", "xo", "no")]
    by_epci = (cells.filter(pl.col("epci") != NO_EPCI).group_by("epci").agg(sums)
               .select("epci", *[mean_from_sums(i, "o").alias(f"__e_{i}") for i in ids]))
    by_dep = cells.group_by("dep").agg(sums).select("dep", *[mean_from_sums(i, "o").alias(f"__d_{i}") for i in ids])
    out = (cells.join(by_epci, on="epci", how="left", maintain_order="left")
           .join(by_dep, on="dep", how="left", maintain_order="left"))
    out = out.with_columns(pl.coalesce(f"__e_{i}", f"__d_{i}").alias(imputed_column(i)) for i in ids)
    return out.drop([f"__e_{i}" for i in ids] + [f"__d_{i}" for i in ids])


def impute_from_cells(raw: pl.DataFrame, cells: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    """The commune table with missing values filled from their cell, and ``imputed_<id>`` flags."""
    frame = raw.join(cells.select(*CELL_KEYS, *[imputed_column(i) for i in ids]), on=CELL_KEYS, how="left",
                     maintain_order="left")
    filled = []
    for i in ids:
        value = pl.coalesce(pl.col(i), pl.col(imputed_column(i)))
        filled += [value.alias(i), (pl.col(i).is_null() & value.is_not_null()).alias(flag_column(i))]
    return frame.with_columns(filled).drop([imputed_column(i) for i in ids])


def _cell_all_sums(cells: pl.DataFrame, poolings: list[Pooling], imputed: bool) -> pl.DataFrame:
    """Add the sums over every value (observed + imputed) of each cell."""
    exprs = []
    for p in poolings:
        obs = {k: pl.col(_c(p.id, f"{k}o")) for k in ("wx", "w", "x", "n")}
        if imputed:
            xhat = pl.col(imputed_column(p.id))
            has = xhat.is_not_null()
            miss_w = pl.col("__w") - obs["w"]
            miss_n = pl.col("__n") - obs["n"]
            extra = {"wx": xhat * miss_w, "w": miss_w, "x": xhat * miss_n, "n": miss_n}
            exprs += [(obs[k] + pl.when(has).then(extra[k]).otherwise(0.0)).alias(_c(p.id, f"{k}a")) for k in obs]
        else:
            exprs += [obs[k].alias(_c(p.id, f"{k}a")) for k in obs]
    return cells.with_columns(exprs)


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct values, inverse index and index of first occurrence."""
    uniq, first, inverse = np.unique(values.astype(str), return_index=True, return_inverse=True)
    return uniq, inverse, first


def _mean_np(sums: dict[str, np.ndarray], id: str, suffix: str) -> np.ndarray:
    wx, w, x, n = (sums[_c(id, f"{k}{suffix}")] for k in ("wx", "w", "x", "n"))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w > 0, wx / w, np.where(n > 0, x / n, np.nan))


def _finalise_np(sums: dict[str, np.ndarray], p: Pooling) -> dict[str, np.ndarray]:
    """Numpy twin of ``_finalise`` for the small level tables."""
    value_obs = _mean_np(sums, p.id, "o")
    if p.kind == "locaux":
        total, covered = sums[_c(p.id, "to")], sums[_c(p.id, "co")]
        with np.errstate(divide="ignore", invalid="ignore"):
            value_obs = np.where(total > 0, 100.0 * (1.0 - covered / total), value_obs)
    any_obs = sums[_c(p.id, "no")] > 0
    value_all = _mean_np(sums, p.id, "a")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(sums["__w"] > 0, sums[_c(p.id, "wo")] / sums["__w"], sums[_c(p.id, "no")] / sums["__n"])
    return {
        p.id: np.where(any_obs, value_obs, value_all),
        flag_column(p.id): ~any_obs & ~np.isnan(value_all),
        share_column(p.id): share,
    }


def _majority_np(key_inv: np.ndarray, n_keys: int, parent: np.ndarray, pop: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Parent holding most population per key (ties: most communes, then smallest code)."""
    parents, parent_inv, _ = _codes(parent)
    pair = key_inv * parents.size + parent_inv
    pairs, pair_inv = np.unique(pair, return_inverse=True)
    pair_pop = np.bincount(pair_inv, weights=pop)
    pair_n = np.bincount(pair_inv, weights=count)
    pair_key, pair_parent = pairs // parents.size, pairs % parents.size
    order = np.lexsort((pair_parent, -pair_n, -pair_pop, pair_key))
    first = order[np.r_[True, pair_key[order][1:] != pair_key[order][:-1]]]
    out = np.empty(n_keys, dtype=object)
    out[pair_key[first]] = parents[pair_parent[first]]
    return out


def _group_means(inverse: np.ndarray, size: int, cols: dict[str, np.ndarray], id: str) -> np.ndarray:
    sums = {k: np.bincount(inverse, weights=cols[_c(id, f"{k}o")], minlength=size) for k in ("wx", "w", "x", "n")}
    return _mean_np({_c(id, f"{k}o"): v for k, v in sums.items()}, id, "o")


def _levels_np(cols: dict[str, np.ndarray], keys: dict[str, np.ndarray], poolings: list[Pooling]
               ) -> dict[str, pl.DataFrame]:
    """EPCI, département and région tables from cell sums (observed ``…o`` and all ``…a`` parts)."""
    pop = cols["population"]
    out = {}
    for level in ("epci", "departement", "region"):
        spec = LEVELS[level]
        codes, inverse, first = _codes(keys[spec.key])
        sums = {c: np.bincount(inverse, weights=v, minlength=codes.size) for c, v in cols.items()}
        data = {"code": codes.astype(object), "nom": keys[spec.name][first],
                "population": np.rint(sums["population"]).astype(np.int64)}
        for parent in PARENTS[level]:
            data[parent] = _majority_np(inverse, codes.size, keys[parent], pop, cols["__n"])
        for p in poolings:
            data.update(_finalise_np(sums, p))
        table = pl.DataFrame([pl.Series(k, v, nan_to_null=True) if v.dtype.kind == "f" else pl.Series(k, v)
                              for k, v in data.items()])
        out[level] = table.with_columns(pl.col("code", "nom", *PARENTS[level]).cast(pl.String))
    return out


def levels_from_cells(cells: pl.DataFrame, poolings: list[Pooling], imputed: bool) -> dict[str, pl.DataFrame]:
    """EPCI, département and région tables from a polars cell table (see ``commune_cells``)."""
    cells = _cell_all_sums(cells, poolings, imputed)
    numeric = ["population"] + [c for c in cells.columns if c.startswith("__") and not c.startswith("__imp_")]
    matrix = cells.select(pl.col(numeric).cast(pl.Float64).fill_null(0.0)).to_numpy()
    cols = {c: matrix[:, j] for j, c in enumerate(numeric)}
    names = ("epci", "dep", "reg", "epci_nom", "dep_nom", "reg_nom")
    text = cells.select(names).to_numpy()
    return _levels_np(cols, {c: text[:, j] for j, c in enumerate(names)}, poolings)


def build_levels(raw: pl.DataFrame, poolings: list[Pooling], impute: bool = True
                 ) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """Imputed commune table and the EPCI, département and région tables, in one pass (numpy).

    Communes are grouped into (EPCI, département) cells; the imputation and the
    three level tables are computed from the cell sums. Gives the same values as
    ``impute_communes`` followed by ``aggregate_level`` for each level (up to
    floating-point rounding; a property test checks it).
    """
    ids = [p.id for p in poolings]
    inverse = raw.select(pl.struct(CELL_KEYS).rank("dense")).to_series().to_numpy().astype(np.int64) - 1
    size = int(inverse.max()) + 1 if inverse.size else 0
    first = np.empty(size, dtype=np.int64)
    first[inverse] = np.arange(inverse.size)  # any row of the cell: its codes and names are the same
    names = ("epci", "dep", "reg", "epci_nom", "dep_nom", "reg_nom")
    text = raw.select(names)[first].to_numpy()
    keys = {c: text[:, j] for j, c in enumerate(names)}
    counts = list(dict.fromkeys(c for p in poolings if p.kind == "locaux" for c in (p.total, p.covered)))
    matrix = raw.select(pl.col([*ids, *counts, "population"]).cast(pl.Float64)).to_numpy()
    col = {c: matrix[:, j] for j, c in enumerate([*ids, *counts, "population"])}
    population = np.nan_to_num(col["population"], nan=0.0)
    w = np.clip(population, 0.0, None)

    def bc(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values, minlength=size)

    cols = {"population": bc(population), "__w": bc(w), "__n": np.bincount(inverse, minlength=size).astype(float)}
    observed = {}
    for p in poolings:
        x = col[p.id]
        obs = ~np.isnan(x)
        x0 = np.where(obs, x, 0.0)
        observed[p.id] = obs
        cols.update({_c(p.id, "wxo"): bc(w * x0), _c(p.id, "wo"): bc(w * obs), _c(p.id, "xo"): bc(x0),
                     _c(p.id, "no"): bc(obs.astype(float))})
        if p.kind == "locaux":
            cols[_c(p.id, "to")] = bc(np.where(obs, np.nan_to_num(col[p.total]), 0.0))
            cols[_c(p.id, "co")] = bc(np.where(obs, np.nan_to_num(col[p.covered]), 0.0))
    updates = []
    if impute:
        epci_codes, epci_inv, _ = _codes(keys["epci"])
        dep_codes, dep_inv, _ = _codes(keys["dep"])
        no_epci = (keys["epci"] == NO_EPCI) | (keys["epci"] == None)  # noqa: E711
    for p in poolings:
        if impute:
            by_epci = _group_means(epci_inv, epci_codes.size, cols, p.id)[epci_inv]
            by_dep = _group_means(dep_inv, dep_codes.size, cols, p.id)[dep_inv]
            xhat = np.where(no_epci | np.isnan(by_epci), by_dep, by_epci)
            has = ~np.isnan(xhat)
            miss_w = cols["__w"] - cols[_c(p.id, "wo")]
            miss_n = cols["__n"] - cols[_c(p.id, "no")]
            xh0 = np.where(has, xhat, 0.0)
            cols[_c(p.id, "wxa")] = cols[_c(p.id, "wxo")] + xh0 * miss_w
            cols[_c(p.id, "wa")] = cols[_c(p.id, "wo")] + np.where(has, miss_w, 0.0)
            cols[_c(p.id, "xa")] = cols[_c(p.id, "xo")] + xh0 * miss_n
            cols[_c(p.id, "na")] = cols[_c(p.id, "no")] + np.where(has, miss_n, 0.0)
            missing = ~observed[p.id]
            fill = xhat[inverse]
            value = np.where(missing, fill, col[p.id])
            updates += [pl.Series(p.id, value, nan_to_null=True),
                        pl.Series(flag_column(p.id), missing & ~np.isnan(fill))]
        else:
            for k in ("wx", "w", "x", "n"):
                cols[_c(p.id, f"{k}a")] = cols[_c(p.id, f"{k}o")]
            updates.append(pl.Series(flag_column(p.id), np.zeros(raw.height, dtype=bool)))
    return raw.with_columns(updates), _levels_np(cols, keys, poolings)


def aggregate_all(communes: pl.DataFrame, poolings: list[Pooling]) -> dict[str, pl.DataFrame]:
    """EPCI, département and région tables of an already imputed commune table (slow path)."""
    return {level: aggregate_level(communes, level, poolings) for level in ("epci", "departement", "region")}
