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


def midrank_percentile(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Mid-rank percentile of each value among the observed values.

    Parameters
    ----------
    values : float array, NaN for missing.
    observed : bool array, True for published (non-imputed) values.

    Returns
    -------
    float array in [0, 1], NaN where ``values`` is NaN or nothing is observed.
    """
    values = np.asarray(values, dtype=float)
    ref = _observed_sorted(values, np.asarray(observed, dtype=bool))
    out = np.full(values.shape, np.nan)
    if ref.size == 0:
        return out
    ok = ~np.isnan(values)
    below = np.searchsorted(ref, values[ok], side="left")
    upto = np.searchsorted(ref, values[ok], side="right")
    out[ok] = (below + 0.5 * (upto - below)) / ref.size
    return out


def rank_scores(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Default method: mid-rank percentile rescaled to [1, 10] (min → 1, max → 10)."""
    values = np.asarray(values, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    ref = _observed_sorted(values, observed)
    f = midrank_percentile(values, observed)
    if ref.size == 0:
        return f
    n = ref.size
    f_min = 0.5 * np.searchsorted(ref, ref[0], side="right") / n
    f_max = (np.searchsorted(ref, ref[-1], side="left") + 0.5 * (n - np.searchsorted(ref, ref[-1], side="left"))) / n
    if f_max <= f_min:
        return np.where(np.isnan(values), np.nan, MIDDLE)
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
