"""Cached computation for the analyst page.

The weight-independent part of a run (imputation, aggregation, indicator
scores of the shown level: ``ifn.sensitivity.prepare_level``) is cached per
(cache fingerprint, level, variant, method, reference, imputation, custom
indicators) — in the session itself when there are custom indicators, so that
a user's data never sits in the cache shared by all sessions. A change of
weights only recombines the scores of one level (``ifn.sensitivity.level_ifn``).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from ifn.analysis import IRIS
from ifn.iris import prepare_iris
from ifn.memo import remember
from ifn.score import PreparedLevels, ScoreOptions
from ifn.sensitivity import prepare_level
from ifn.upload import CustomIndicator, alias_map, customs_key, extra_frame
from ui import data


@st.cache_resource(max_entries=8, show_spinner="Calcul des scores des indicateurs…")
def _prepared(fingerprint: str, level: str, variant: str, method: str, reference: str | None, impute: bool,
              key: str, _extra: pl.DataFrame | None) -> PreparedLevels:
    options = ScoreOptions(variant=variant, method=method, reference=reference, impute=impute)
    if level == IRIS:  # among the IRIS, from the IRIS table (the uploaded indicators are per commune)
        return prepare_iris(data.iris(fingerprint), options)
    return prepare_level(data.communes(fingerprint), level, options, _extra)


SESSION_CACHE = "an_prepared_cache"
SESSION_ENTRIES = 4


def prepared(options: ScoreOptions, customs: list[CustomIndicator], level: str) -> PreparedLevels:
    """Indicator scores of ``level`` for ``options`` (weights ignored) and the custom indicators.

    Runs with the user's own indicators are kept in the session only (never in the process-wide
    cache shared by all sessions); the others in ``st.cache_resource``. The IRIS level ignores them
    (``ifn.analysis.iris_notices`` says so).
    """
    fingerprint = data.fingerprint()
    if not customs or level == IRIS:
        return _prepared(fingerprint, level, options.variant, options.method, options.reference, options.impute,
                         "", None)
    key = (fingerprint, level, options.variant, options.method, options.reference, options.impute,
           customs_key(customs))
    store: dict = st.session_state.setdefault(SESSION_CACHE, {})

    def compute() -> PreparedLevels:
        with st.spinner("Calcul des scores des indicateurs…"):
            weightless = ScoreOptions(variant=options.variant, method=options.method, reference=options.reference,
                                      impute=options.impute)
            return prepare_level(data.communes(fingerprint), level, weightless, extra_frame(customs))

    return remember(store, key, compute, SESSION_ENTRIES)


def default_prepared(level: str) -> PreparedLevels:
    """The reference index (default options, no custom indicator)."""
    return prepared(ScoreOptions(), [], level)


@st.cache_resource(max_entries=1)
def known_codes(fingerprint: str) -> frozenset[str]:
    """COG 2026 commune codes (for the upload check)."""
    return frozenset(data.communes(fingerprint)["code"].to_list())


@st.cache_resource(max_entries=1)
def code_aliases(fingerprint: str) -> dict[str, tuple[str, str]]:
    """Pre-2026 and arrondissement codes → (2026 commune, nature), for the upload (``ifn.upload.alias_map``)."""
    return alias_map(data.aliases(fingerprint), known_codes(fingerprint))


@st.cache_resource(max_entries=4)
def territories(fingerprint: str) -> pl.DataFrame:
    """Départements (code, nom, région) for the territory filter."""
    return (data.communes(fingerprint).select("dep", "dep_nom", "reg").unique("dep").sort("dep"))
