"""Map classes: equal steps on 1–10, quantiles, Fisher-Jenks; legend labels and palette.

Quantiles and Fisher-Jenks come from mapclassify. Fisher-Jenks is exact but
quadratic in pure Python (no numba here): above ``JENKS_SAMPLE`` values it runs
on ``JENKS_SAMPLE`` evenly spaced order statistics of the data (deterministic,
unlike mapclassify's random sampling), and the last break is the true maximum.

The palette is ColorBrewer "YlOrRd" (sequential, colour-blind safe), taken from
branca (a folium dependency); missing values are drawn in ``MISSING_COLOUR``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ifn.errors import InputError

METHODS = ("equal", "quantiles", "jenks")
METHOD_LABELS = {"equal": "Tranches égales de 1 à 10", "quantiles": "Quantiles", "jenks": "Seuils naturels (Fisher-Jenks)"}
MISSING_LABEL = "Données insuffisantes"
MISSING_COLOUR = "#bdbdbd"
JENKS_SAMPLE = 1000
SCALE = (1.0, 10.0)
# ColorBrewer YlOrRd, used only if branca is unavailable (same values as branca's scheme table).
_YLORRD = {
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
    7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    8: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    9: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"],
}


def palette(k: int) -> list[str]:
    """K hex colours of ColorBrewer YlOrRd (light = less fragile)."""
    if not 2 <= k <= 9:
        raise InputError(f"Nombre de classes « {k} » : choisissez entre 2 et 9.")
    if k == 2:
        return ["#ffffb2", "#bd0026"]
    try:
        from branca.utilities import color_brewer

        colours = [c.lower() for c in color_brewer("YlOrRd", n=k)]
        if len(colours) == k:
            return colours
    except Exception:  # pragma: no cover - branca missing or changed
        pass
    return list(_YLORRD[k])


def fr_number(value: float, decimals: int = 1) -> str:
    """French number: decimal comma."""
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "−")


@dataclass(frozen=True)
class Classes:
    """Class breaks (upper bounds), French legend labels and colours."""

    method: str
    breaks: tuple[float, ...]
    lower: float
    labels: tuple[str, ...]
    colours: tuple[str, ...]
    missing_label: str = MISSING_LABEL
    missing_colour: str = MISSING_COLOUR

    @property
    def k(self) -> int:
        return len(self.breaks)

    def index(self, values) -> np.ndarray:
        """Class index 0…k−1 of each value; −1 for null/NaN."""
        x = as_float_array(values)
        idx = np.searchsorted(np.asarray(self.breaks), x, side="left")
        idx = np.clip(idx, 0, self.k - 1)
        return np.where(np.isnan(x), -1, idx)

    def colour(self, values) -> list[str]:
        """Hex colour of each value (missing → grey)."""
        return [self.missing_colour if i < 0 else self.colours[i] for i in self.index(values)]

    def label(self, values) -> list[str]:
        """Legend label of each value (missing → « Données insuffisantes »)."""
        return [self.missing_label if i < 0 else self.labels[i] for i in self.index(values)]


def as_float_array(values) -> np.ndarray:
    """Float array from a list (None allowed), a numpy array or a polars/pandas series (null → NaN)."""
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(float)
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


def _clean(values) -> np.ndarray:
    x = as_float_array(values)
    return x[~np.isnan(x)]


def _jenks(x: np.ndarray, k: int) -> np.ndarray:
    import mapclassify

    sample = x if x.size <= JENKS_SAMPLE else np.quantile(x, np.linspace(0.0, 1.0, JENKS_SAMPLE))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        bins = np.asarray(mapclassify.FisherJenks(sample, k=k).bins, dtype=float)
    bins[-1] = x.max()
    return bins


def _breaks(x: np.ndarray, method: str, k: int) -> np.ndarray:
    if method == "equal":
        lo, hi = SCALE
        return lo + (hi - lo) * np.arange(1, k + 1) / k
    if np.unique(x).size <= k:
        return np.unique(x)
    import mapclassify

    if method == "quantiles":
        return np.asarray(mapclassify.Quantiles(x, k=k).bins, dtype=float)
    return _jenks(x, k)


def classify(values, method: str = "equal", k: int = 5, decimals: int = 1) -> Classes:
    """Classes for a map of scores.

    Parameters
    ----------
    values : sequence or array of scores (None/NaN allowed, ignored for the breaks).
    method : "equal" (equal steps on 1–10), "quantiles" or "jenks" (Fisher-Jenks).
    k : number of classes (2–9); fewer when the data have fewer distinct values.
    decimals : decimals of the legend labels.

    Returns
    -------
    Classes with upper-bound breaks, labels like « 1,0 – 2,8 » and YlOrRd colours.
    """
    if method not in METHODS:
        raise InputError(f"Méthode de classes inconnue « {method} » : choisissez parmi {', '.join(METHODS)}.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= 9:
        raise InputError(f"Nombre de classes « {k} » : choisissez un entier entre 2 et 9.")
    x = _clean(values)
    if x.size == 0 and method != "equal":
        method_breaks = np.array([SCALE[1]])
        lower = SCALE[0]
    else:
        method_breaks = np.unique(_breaks(x, method, int(k)))
        lower = SCALE[0] if method == "equal" else float(x.min())
    edges = [lower, *method_breaks.tolist()]
    labels = tuple(f"{fr_number(a, decimals)} – {fr_number(b, decimals)}" for a, b in zip(edges[:-1], edges[1:]))
    n = len(method_breaks)
    colours = tuple(palette(max(n, 2))[-n:] if n >= 2 else [palette(3)[1]])
    return Classes(method=method, breaks=tuple(float(b) for b in method_breaks), lower=float(lower),
                   labels=labels, colours=colours)
