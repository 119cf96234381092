"""Property tests of the default method (hypothesis)."""

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ifn.score import ScoreOptions, score_all, score_level

AXIS1 = ["fibre", "couv4g", "age65", "diplome", "pauvrete"]
AXIS2 = ["thd30", "couv4g_min", "menseul", "fammono", "chomage", "etrangers", "dist_bibliotheque",
         "dist_france_services", "dist_mediation"]
# indicator → (total, covered) count columns, for the ones pooled by premises or surface
POOLED = {"fibre": ("fibre_locaux", "fibre_raccordables"), "thd30": ("locaux", "locaux_30m"),
          "couv4g": ("surface_4g_km2", "surface_couverte_4g_km2"), "couv4g_min": ("surface_4g_km2", "surface_couverte_4g_min_km2"),
          "menseul": ("menages_2022", "menseul_menages_complement"),
          "fammono": ("menages_2022", "fammono_menages_complement")}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

value = st.one_of(st.none(), st.sampled_from([0.0, 5.0, 12.5, 50.0, 100.0]), st.floats(0, 100, allow_nan=False))


@st.composite
def communes(draw, min_size=3, max_size=25):
    n = draw(st.integers(min_size, max_size))
    cols = {i: draw(st.lists(value, min_size=n, max_size=n)) for i in AXIS1 + AXIS2}
    epci = draw(st.lists(st.sampled_from(["E1", "E2", "E3", "ZZZZZZZZZ"]), min_size=n, max_size=n))
    dep = [{"E1": "01", "E2": "01", "E3": "02", "ZZZZZZZZZ": "02"}[e] for e in epci]
    pop = draw(st.lists(st.integers(0, 5000), min_size=n, max_size=n))
    counts = {}
    for id, (total, covered) in POOLED.items():
        counts[total] = [None if t is None else 100.0 for t in cols[id]] if total not in counts else counts[total]
        counts[covered] = [None if t is None else 100.0 - t for t in cols[id]]
    return pl.DataFrame({
        "code": [f"{i:05d}" for i in range(n)], "nom": [f"C{i}" for i in range(n)],
        "dep": dep, "dep_nom": dep, "reg": ["84" if d == "01" else "93" for d in dep],
        "reg_nom": ["R" for _ in dep], "epci": epci, "epci_nom": epci,
        "population": pl.Series(pop, dtype=pl.Int64),
        **{k: pl.Series(v, dtype=pl.Float64) for k, v in cols.items()},
        **{k: pl.Series(v, dtype=pl.Float64) for k, v in counts.items()},
    })


weights = st.fixed_dictionaries({i: st.floats(0.1, 10) for i in AXIS1})
methods = st.sampled_from(["rank", "decile", "minmax"])


@SETTINGS
@given(communes(), st.booleans(), methods)
def test_scores_stay_in_one_to_ten(df, impute, method):
    for level, out in score_all(df, ScoreOptions(impute=impute, method=method)).items():
        for c in [c for c in out.columns if c.startswith("score_")] + ["ifn", "contexte"]:
            v = out[c].drop_nulls().to_numpy()
            assert ((v >= 1 - 1e-9) & (v <= 10 + 1e-9)).all(), (level, c)


@SETTINGS
@given(communes(), st.data(), st.booleans(), weights)
def test_raising_a_fragile_indicator_never_lowers_the_ifn(df, data, impute, w):
    row = data.draw(st.integers(0, df.height - 1))
    k = data.draw(st.sampled_from(AXIS1))
    if df[k][row] is None:
        return
    bump = data.draw(st.floats(0.0, 50.0))
    raised = df.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.col(k) + bump).otherwise(pl.col(k)).alias(k))
    options = ScoreOptions(weights=w, impute=impute)
    before = score_level(df, "commune", options)["ifn"][row]
    after = score_level(raised, "commune", options)["ifn"][row]
    if before is not None:
        assert after >= before - 1e-9


@SETTINGS
@given(communes(), weights, st.floats(0.01, 1000))
def test_scaling_all_weights_changes_nothing(df, w, factor):
    a = score_all(df, ScoreOptions(weights=w))
    b = score_all(df, ScoreOptions(weights={k: v * factor for k, v in w.items()}))
    for level in a:
        x, y = a[level]["ifn"].to_numpy(), b[level]["ifn"].to_numpy()
        assert np.allclose(x, y, equal_nan=True)


@SETTINGS
@given(communes(), st.randoms(use_true_random=False), st.booleans())
def test_row_order_changes_nothing(df, rnd, impute):
    order = list(range(df.height))
    rnd.shuffle(order)
    shuffled = df[order]
    a = score_all(df, ScoreOptions(impute=impute))
    b = score_all(shuffled, ScoreOptions(impute=impute))
    for level in a:
        x = a[level].sort("code")
        y = b[level].sort("code")
        for c in x.columns:
            if x.schema[c].is_float():
                assert np.allclose(x[c].to_numpy(), y[c].to_numpy(), equal_nan=True), (level, c)
            else:
                assert x[c].to_list() == y[c].to_list(), (level, c)


@SETTINGS
@given(communes(), st.booleans())
def test_cell_fast_path_equals_commune_by_commune_path(df, impute):
    from ifn.aggregate import Pooling, aggregate_all, build_levels
    from ifn.impute import impute_communes

    pools = [Pooling(i) if i not in POOLED else Pooling(i, "locaux", *POOLED[i]) for i in AXIS1 + AXIS2]
    ids = [p.id for p in pools]
    fast_communes, fast = build_levels(df, pools, impute)
    slow_communes = impute_communes(df, ids, enabled=impute)
    slow = aggregate_all(slow_communes, pools)
    for i in ids:
        assert np.allclose(fast_communes[i].to_numpy(), slow_communes[i].to_numpy(), equal_nan=True)
        assert fast_communes[f"imputed_{i}"].to_list() == slow_communes[f"imputed_{i}"].to_list()
    for level in slow:
        a, b = fast[level], slow[level]
        assert a.columns == b.columns and a["code"].to_list() == b["code"].to_list()
        for c in a.columns:
            if a.schema[c].is_float():
                assert np.allclose(a[c].to_numpy(), b[c].to_numpy(), equal_nan=True), (level, c)
            else:
                assert a[c].to_list() == b[c].to_list(), (level, c)
