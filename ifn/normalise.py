"""Raw indicator value → score, among the units of one level.

All functions are pure and work on numpy arrays: ``values`` (float, NaN =
missing) and ``observed`` (bool, True where the value was published, not
imputed). The reference distribution is always the observed values; imputed
values are scored against it.

Methods
-------
rank (default)
    Mid-rank percentile F = (#{obs < x} + ½·#{obs = x}) / n_obs, rescaled so
    that the observed minimum scores exactly 1 and the maximum exactly 10:
    s = 1 + 9·(F − F_min)/(F_max − F_min), clipped to [1, 10].
decile
    s = clip(ceil(10·F), 1, 10), integers.
minmax
    Winsorised min–max: s = 1 + 9·(clip(x, P1, P99) − P1)/(P99 − P1).
base100
    100 · x / x_ref, x_ref = value of the reference territory.
"""

from __future__ import annotations

import numpy as np

METHODS = ("rank", "decile", "minmax", "base100")
MIDDLE = 5.5  # score given to every unit when the observed values are all equal


def _observed_sorted(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    mask = observed & ~np.isnan(values)
    return np.sort(values[mask])


def _midrank(values: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Mid-rank percentile of every value among the observed ones, and F at the observed min and max.

    One argsort of the values, then linear passes: within the sorted values,
    groups of equal values get (#observed in earlier groups + ½·#observed in the
    group) / n_obs.
    """
    values = np.asarray(values, dtype=float)
    ok = ~np.isnan(values)
    obs = np.asarray(observed, dtype=bool) & ok
    n = int(obs.sum())
    out = np.full(values.shape, np.nan)
    if n == 0:
        return out, np.nan, np.nan
    order = np.argsort(values)[: int(ok.sum())]  # NaN sort last
    ordered = values[order]
    new_group = np.empty(ordered.size, dtype=bool)
    new_group[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_group[1:])
    group = np.cumsum(new_group) - 1
    obs_in_group = np.bincount(group, weights=obs[order])
    below = np.cumsum(obs_in_group) - obs_in_group
    f_groups = (below + 0.5 * obs_in_group) / n
    out[order] = f_groups[group]
    observed_groups = obs_in_group > 0
    f_obs = f_groups[observed_groups]
    return out, float(f_obs[0]), float(f_obs[-1])


def midrank_percentile(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Mid-rank percentile of each value among the observed values.

    Parameters
    ----------
    values : float array, NaN for missing.
    observed : bool array, True for published (non-imputed) values.

    Returns
    -------
    float array in [0, 1], NaN where ``values`` is NaN or nothing is observed.
    F(x) = (#{observed < x} + ½·#{observed = x}) / n_observed.
    """
    return _midrank(values, observed)[0]


def rank_scores(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Default method: mid-rank percentile rescaled to [1, 10] (min → 1, max → 10)."""
    f, f_min, f_max = _midrank(values, observed)
    if np.isnan(f_min):
        return f
    if f_max <= f_min:
        return np.where(np.isnan(f), np.nan, MIDDLE)
    return np.clip(1.0 + 9.0 * (f - f_min) / (f_max - f_min), 1.0, 10.0)


def decile_scores(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Deciles of the mid-rank percentile: integers 1–10 (float array, NaN kept)."""
    f = midrank_percentile(values, observed)
    return np.where(np.isnan(f), np.nan, np.clip(np.ceil(10.0 * f - 1e-12), 1.0, 10.0))


def minmax_scores(values: np.ndarray, observed: np.ndarray, lower: float = 1.0, upper: float = 99.0) -> np.ndarray:
    """Min–max on [1, 10] after winsorising at the observed P1 and P99."""
    values = np.asarray(values, dtype=float)
    ref = _observed_sorted(values, np.asarray(observed, dtype=bool))
    if ref.size == 0:
        return np.full(values.shape, np.nan)
    lo, hi = np.percentile(ref, [lower, upper])
    if hi <= lo:
        return np.where(np.isnan(values), np.nan, MIDDLE)
    return 1.0 + 9.0 * (np.clip(values, lo, hi) - lo) / (hi - lo)


def base100_scores(values: np.ndarray, reference: float | np.ndarray) -> np.ndarray:
    """Historical "base 100": 100 · value / value of the reference territory.

    ``reference`` is a scalar or one reference value per unit; a reference of 0
    or NaN gives NaN (no score).
    """
    values = np.asarray(values, dtype=float)
    ref = np.broadcast_to(np.asarray(reference, dtype=float), values.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * values / ref
    return np.where((ref > 0) & np.isfinite(ref), out, np.nan)


def normalise(values: np.ndarray, observed: np.ndarray, method: str = "rank") -> np.ndarray:
    """Dispatch to the 1–10 method named ``method`` (not base100, which needs a reference)."""
    if method == "rank":
        return rank_scores(values, observed)
    if method == "decile":
        return decile_scores(values, observed)
    if method == "minmax":
        return minmax_scores(values, observed)
    raise ValueError(f"méthode de normalisation inconnue : {method}")
