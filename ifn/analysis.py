"""Decisions of the analyst page, as plain functions (the page only lays out widgets).

Which units the « Territoire affiché » filter keeps, the base-100 reference string built from
the two reference widgets, the class method used when the index is on another scale, the
minimum number of indicators actually applied, which units lose or gain a score, what the
histogram and the movers tables show, and the ranking's column order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from ifn.classify import as_float_array
from ifn.sensitivity import fr_weight, histogram, weights_text  # noqa: F401 (re-exported for the page)

ALL_TERRITORIES = "__france__"
BASE100 = "base100"
REFERENCE_KINDS = ("france", "reg", "dep")


# --- Territory filter ------------------------------------------------------------------------

def in_territory(frame: pl.DataFrame, level: str, dep: str, dep_region: Mapping[str, str]) -> pl.DataFrame:
    """Units of ``level`` shown for the département ``dep`` (``ALL_TERRITORIES`` = all of France).

    IRIS, communes and EPCI are kept when their ``dep`` column is ``dep`` (an EPCI's ``dep`` is the
    département of its seat); the département level keeps ``dep`` itself; the région level keeps
    the région of ``dep`` (``dep_region[dep]``).
    """
    if dep == ALL_TERRITORIES:
        return frame
    if level in ("commune", "epci", "iris"):
        return frame.filter(pl.col("dep") == dep)
    if level == "departement":
        return frame.filter(pl.col("code") == dep)
    if level == "region":
        return frame.filter(pl.col("code") == dep_region[dep])
    raise ValueError(f"unknown level {level!r}")


# --- Levels of the page ------------------------------------------------------------------------

ANALYSIS_LEVELS = ("commune", "epci", "departement", "region", "iris")
IRIS = "iris"


def iris_notices(level: str, dep: str, has_customs: bool) -> list[str]:
    """What the IRIS level of the analyst page does not offer, in French (empty for the other levels).

    The uploaded indicators are per commune (ignored among IRIS); the DROM have no IRIS data here.
    """
    if level != IRIS:
        return []
    notices = []
    if has_customs:
        notices.append("Vos indicateurs sont donnés par commune : ils ne sont pas utilisés au niveau des IRIS "
                       "(choisissez le niveau des communes pour les pondérer).")
    if dep.startswith("97"):
        notices.append("Les DROM n'ont pas de données par IRIS dans ce jeu de données : choisissez le niveau des "
                       "communes pour ce territoire.")
    return notices


def iris_map_needs_area(level: str, dep: str) -> bool:
    """The IRIS map is drawn one département at a time (never the 48,000 IRIS of France at once)."""
    return level == IRIS and dep == ALL_TERRITORIES


# --- Base-100 reference --------------------------------------------------------------------------

def reference_setting(method: str, kind: str, code: str) -> str | None:
    """The ``ScoreOptions.reference`` of the two reference widgets.

    None unless the method is base 100; ``"france"`` for France; ``"reg"`` / ``"dep"`` (each unit's
    own région / département) without a code; ``"reg:84"`` / ``"dep:69"`` with one.
    """
    if method != BASE100:
        return None
    code = code.strip()
    if kind == "france" or not code:
        return kind
    return f"{kind}:{code}"


def split_reference(reference: str | None) -> tuple[str, str]:
    """Inverse of ``reference_setting`` for the widgets: ``(kind, code)``; ``("france", "")`` for None."""
    kind, _, code = (reference or "france").partition(":")
    return kind, code


# --- Scales and classes ----------------------------------------------------------------------------

def on_other_scale(method: str) -> bool:
    """True when the user index is not on the 1–10 scale of the default index (base 100)."""
    return method == BASE100


def class_method(method: str) -> str:
    """Map classes of the user index: quintiles for base 100 (unbounded scale), equal steps on 1–10."""
    return "quantiles" if on_other_scale(method) else "equal"


# --- Minimum number of indicators ---------------------------------------------------------------

@dataclass(frozen=True)
class MinimumApplied:
    """The minimum number of indicators asked and the one the index applies."""

    asked: int
    applied: int
    weighted: int

    @property
    def notice(self) -> str | None:
        """French notice when the minimum asked exceeds the weighted indicators (capped), else None."""
        if self.asked <= self.applied:
            return None
        return (f"Nombre minimal d'indicateurs ramené de {self.asked} à {self.applied} : seuls {self.weighted} "
                "indicateurs ont un poids non nul (un territoire ne peut pas en avoir plus).")


def minimum_applied(asked: int, weights: Mapping[str, float]) -> MinimumApplied:
    """The minimum of ``ifn.score`` (``min(asked, weighted indicators)``), with the count of weighted ones."""
    weighted = sum(1 for w in weights.values() if w > 0)
    return MinimumApplied(asked=int(asked), applied=min(int(asked), weighted), weighted=weighted)


# --- Units losing or gaining a score ---------------------------------------------------------------

@dataclass(frozen=True)
class ScoreCoverage:
    """Units scored by one index only (left out of the class changes).

    ``lost``: ``code, nom, motif`` of units with a default score and none with the user's settings
    (``motif`` is ``ifn.score``'s French reason); ``gained``: ``code, nom`` of the reverse.
    """

    lost: pl.DataFrame
    gained: pl.DataFrame

    def notice(self, shown: int = 5) -> str | None:
        """French sentence on lost / gained scores (None when every unit keeps its status)."""
        parts = []
        if self.lost.height:
            names = ", ".join(f"{n} ({c})" for c, n in zip(self.lost["code"][:shown], self.lost["nom"][:shown]))
            more = f" et {self.lost.height - shown} autres" if self.lost.height > shown else ""
            reasons = self.lost["motif"].drop_nulls()
            why = f" Motif : {reasons[0]}." if reasons.len() and self.lost.height == 1 else (
                " Motif : moins d'indicateurs renseignés que le minimum demandé parmi les indicateurs pondérés."
                if reasons.len() else "")
            parts.append(f"{self.lost.height} unité(s) perdent leur score avec vos réglages : {names}{more}.{why}")
        if self.gained.height:
            parts.append(f"{self.gained.height} unité(s) obtiennent un score qu'elles n'avaient pas avec l'IFN par "
                         "défaut.")
        return " ".join(parts) + " Elles ne sont pas comptées dans les changements de classe." if parts else None


def score_coverage(compared: pl.DataFrame, new: pl.DataFrame) -> ScoreCoverage:
    """Units of ``compared`` (``ifn.sensitivity.compare``) scored by one index only, with ``new``'s ``motif``."""
    motif = new.select("code", "motif") if "motif" in new.columns else new.select(
        "code", pl.lit(None, dtype=pl.String).alias("motif"))
    lost = (compared.filter(pl.col("ifn_defaut").is_not_null() & pl.col("ifn").is_null())
            .select("code", "nom").join(motif, on="code", how="left", maintain_order="left"))
    gained = compared.filter(pl.col("ifn_defaut").is_null() & pl.col("ifn").is_not_null()).select("code", "nom")
    return ScoreCoverage(lost=lost, gained=gained)


# --- Histogram ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HistogramView:
    """What the histogram tab draws: a table with ``classe`` and one column per series shown."""

    table: pl.DataFrame
    series: tuple[str, ...]
    caption: str | None


DEFAULT_SERIES = "IFN par défaut"
NEW_SERIES = "Vos réglages"


def histogram_view(method: str, default, new, bins: int = 18) -> HistogramView:
    """Both indices on 1–10 bins of 0.5, or the user's base-100 index alone on its own bins.

    Base 100 is not on the scale of the default index: the two are never drawn on one axis.
    """
    if not on_other_scale(method):
        table = histogram(default, new).rename({"defaut": DEFAULT_SERIES, "nouveau": NEW_SERIES})
        return HistogramView(table, (DEFAULT_SERIES, NEW_SERIES), None)
    values = as_float_array(new)
    values = values[~np.isnan(values)]
    series = f"{NEW_SERIES} (base 100)"
    if not values.size:
        return HistogramView(pl.DataFrame({"classe": [], series: []}, schema={"classe": pl.String, series: pl.Int64}),
                             (series,), "Aucune unité n'a de score avec vos réglages.")
    low, high = float(values.min()), float(values.max())
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    table = histogram(values, values, edges).select("classe", pl.col("nouveau").alias(series))
    return HistogramView(table, (series,), "Base 100 : l'IFN par défaut (échelle 1 à 10) n'est pas sur la même "
                                           "échelle et n'est pas tracé ici.")


# --- Column order of the ranking -----------------------------------------------------------------

RANKING_COLUMNS = ("nom", "ifn", "ecart", "rang", "evolution", "ifn_defaut", "rang_defaut", "code", "population")


def ranking_order(columns: list[str] | tuple[str, ...], method: str = "rank") -> list[str]:
    """Ranking columns with the new IFN, the gap and the rank first (next to the name), extras after.

    In base 100 the gap (base-100 value minus a 1–10 score) means nothing and is left out.
    """
    hidden = {"ecart"} if on_other_scale(method) else set()
    head = [c for c in RANKING_COLUMNS if c in columns and c not in hidden]
    return head + [c for c in columns if c not in head and c not in hidden]


def movers_key(method: str) -> str:
    """Column the movers tables are sorted by: the IFN gap, or the rank change in base 100."""
    return "evolution" if on_other_scale(method) else "ecart"

