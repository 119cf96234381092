"""Benchmark of the IFN scoring (prints figures; no assertion).

Measures, on the real cache when present (else on a synthetic 35,000-commune
table, and says which):

1. the full pipeline of ``ifn.score.score_all`` from the in-memory commune
   table: imputation, aggregation of the EPCI / département / région levels,
   normalisation of every indicator at the four levels, weighted IFN;
2. a weight change on a prepared run (``rescore``: indicator scores reused,
   weighted IFN of the four levels recomputed);
3. a straightforward pandas implementation of the same full computation
   (groupby + transform, Series.rank), checked to give the same IFN;

and prints the ratio pandas / polars. Usage: ``python bench/bench_score.py [--repeat N] [--synthetic]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ifn.catalogue import load_catalogue  # noqa: E402
from ifn.score import ScoreOptions, prepare_levels, rescore, score_all, summary  # noqa: E402

AXIS1 = ["thd", "mobile", "age65", "diplome", "pauvrete"]
AXIS2 = ["menseul", "fammono", "chomage", "rsa", "bibliotheque", "service_public"]
IDS = AXIS1 + AXIS2
KEYS = {"epci": ("epci", "epci_nom"), "departement": ("dep", "dep_nom"), "region": ("reg", "reg_nom")}


def load_table() -> tuple[pl.DataFrame, str]:
    try:
        from ifn.cache import load_communes

        return load_communes().collect(), "cache réel (data/cache/communes.parquet)"
    except Exception:
        return synthetic_table(35_000), "table synthétique de 35 000 communes (cache absent)"


def synthetic_table(n: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    dep = rng.integers(1, 96, n)
    epci = dep * 20 + rng.integers(0, 13, n)
    cols = {}
    for i, share in zip(IDS, [0.004, 0, 0.001, 0.001, 0.84, 0.001, 0.001, 0.97, 0.97, 0, 0]):
        v = rng.gamma(4.0, 6.0, n).clip(0, 100)
        if i in ("bibliotheque", "service_public"):
            v = np.where(rng.random(n) < 0.6, 100.0, 0.0)
        v[rng.random(n) < share] = np.nan
        cols[i] = pl.Series(v).fill_nan(None)
    locaux = rng.integers(20, 2000, n).astype(float)
    return pl.DataFrame({
        "code": [f"{i:05d}" for i in range(n)], "nom": [f"C{i}" for i in range(n)],
        "dep": [f"{d:02d}" for d in dep], "dep_nom": [f"D{d}" for d in dep],
        "reg": [f"{d // 8:02d}" for d in dep], "reg_nom": [f"R{d // 8}" for d in dep],
        "epci": [f"E{e}" for e in epci], "epci_nom": [f"E{e}" for e in epci],
        "population": pl.Series(rng.integers(10, 20_000, n), dtype=pl.Int64),
        **cols,
        "thd_locaux": locaux, "thd_eligibles": np.round(locaux * (1 - cols["thd"].fill_null(50).to_numpy() / 100)),
    }).with_columns(pl.when(pl.col("thd").is_null()).then(None).otherwise(pl.col("thd_locaux")).alias("thd_locaux"))


# ---------------------------------------------------------------- pandas reference

def _wmean(df: pd.DataFrame, col: str, key: str) -> pd.Series:
    obs = df[col].notna()
    w = df["w"].where(obs, 0.0)
    num = (df[col].fillna(0.0) * w).groupby(df[key]).transform("sum")
    den = w.groupby(df[key]).transform("sum")
    plain = df[col].groupby(df[key]).transform("mean")
    return (num / den).where(den > 0, plain)


def pandas_pipeline(communes: pd.DataFrame, weights: dict[str, float]) -> dict[str, pd.DataFrame]:
    """Same method as ifn.score with pandas, written the obvious way."""
    df = communes.copy()
    df["w"] = df["population"].fillna(0).clip(lower=0).astype(float)
    df["epci_key"] = df["epci"].where(df["epci"] != "ZZZZZZZZZ")
    for i in IDS:
        df[f"imputed_{i}"] = df[i].isna()
        by_epci = _wmean(df, i, "epci_key").where(df["epci_key"].notna())
        by_dep = _wmean(df, i, "dep")
        df[i] = df[i].fillna(by_epci).fillna(by_dep)
        df[f"imputed_{i}"] &= df[i].notna()
    levels = {"commune": df.set_index("code")}
    for level, (key, name) in KEYS.items():
        rows = {}
        for code, g in df.groupby(key):
            row = {"nom": g[name].iloc[0], "population": g["population"].sum()}
            for i in IDS:
                obs = g[i].notna() & ~g[f"imputed_{i}"]
                if obs.any():
                    if i == "thd" and g.loc[obs, "thd_locaux"].fillna(0).sum() > 0:
                        value = 100 * (1 - g.loc[obs, "thd_eligibles"].fillna(0).sum() / g.loc[obs, "thd_locaux"].fillna(0).sum())
                    else:
                        w = g.loc[obs, "w"]
                        value = (g.loc[obs, i] * w).sum() / w.sum() if w.sum() > 0 else g.loc[obs, i].mean()
                    imputed = False
                else:
                    present = g[i].notna()
                    w = g.loc[present, "w"]
                    value = ((g.loc[present, i] * w).sum() / w.sum() if w.sum() > 0 else g.loc[present, i].mean()) \
                        if present.any() else np.nan
                    imputed = present.any()
                row[i], row[f"imputed_{i}"] = value, imputed
            rows[code] = row
        levels[level] = pd.DataFrame.from_dict(rows, orient="index")
    out = {}
    for level, t in levels.items():
        t = t.copy()
        for i in IDS:
            obs = t[i].notna() & ~t[f"imputed_{i}"].astype(bool)
            ref = np.sort(t.loc[obs, i].to_numpy())
            n = ref.size
            ranks = t[i].map(lambda v: (np.searchsorted(ref, v, "left") + 0.5 * (np.searchsorted(ref, v, "right")
                                                                            - np.searchsorted(ref, v, "left"))) / n
                             if pd.notna(v) and n else np.nan)
            f_obs = ranks[obs]
            lo, hi = f_obs.min(), f_obs.max()
            t[f"score_{i}"] = (1 + 9 * (ranks - lo) / (hi - lo)).clip(1, 10) if hi > lo else ranks.where(ranks.isna(), 5.5)
        scores = t[[f"score_{i}" for i in weights]]
        w = pd.Series(weights)
        avail = scores.notna()
        num = (scores.fillna(0) * w.values).sum(axis=1)
        den = (avail * w.values).sum(axis=1)
        t["ifn"] = (num / den).where(avail.sum(axis=1) >= min(3, len(weights)))
        out[level] = t
    return out


# ---------------------------------------------------------------- timing

def timed(fn, repeat: int) -> tuple[float, object]:
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--synthetic", action="store_true", help="table synthétique même si le cache existe")
    args = parser.parse_args(argv)
    if args.synthetic:
        table, origin = synthetic_table(35_000), "table synthétique de 35 000 communes (--synthetic)"
    else:
        table, origin = load_table()
    print(f"Données : {origin} — {table.height} communes")
    options = ScoreOptions()
    new_weights = {"thd": 2.0, "mobile": 1.0, "age65": 1.0, "diplome": 1.5, "pauvrete": 1.0}

    full_ms, results = timed(lambda: score_all(table, ScoreOptions(weights=new_weights)), args.repeat)
    prepared = prepare_levels(table, options)
    prep_ms, _ = timed(lambda: prepare_levels(table, options), args.repeat)
    weight_ms, reweighted = timed(lambda: rescore(prepared, new_weights), args.repeat)
    pdf = table.to_pandas()
    pandas_repeat = max(1, min(3, args.repeat))
    pandas_ms, pandas_out = timed(lambda: pandas_pipeline(pdf, new_weights), pandas_repeat)

    diffs = []
    for level, frame in results.items():
        ours = frame.select("code", "ifn").to_pandas().set_index("code")["ifn"]
        theirs = pandas_out[level]["ifn"].reindex(ours.index)
        diffs.append(float(np.nanmax(np.abs(ours.to_numpy(dtype=float) - theirs.to_numpy(dtype=float)))))
        assert reweighted[level]["ifn"].equals(frame["ifn"]), level
    print(f"Cœur polars/numpy, calcul complet (imputation + agrégation des 4 niveaux + scores + IFN) : {full_ms:.1f} ms")
    print(f"  dont préparation indépendante des poids (prepare_levels) : {prep_ms:.1f} ms")
    print(f"Changement de poids (rescore des 4 niveaux sur scores préparés) : {weight_ms:.1f} ms")
    print(f"pandas, même calcul complet, écrit simplement : {pandas_ms:.1f} ms")
    print(f"Rapport pandas / polars (calcul complet) : {pandas_ms / full_ms:.1f} ×")
    print(f"Rapport pandas / polars (changement de poids) : {pandas_ms / weight_ms:.1f} ×")
    print(f"Écart maximal d'IFN pandas vs polars : {max(diffs):.2e}")
    default = score_all(table, options)
    for level in ("commune", "epci", "departement", "region"):
        s = summary(default[level])
        imputed = ", ".join(f"{k} {v}" for k, v in s["imputees"].items())
        print(f"{level:12s} : {s['unites']} unités, {s['avec_score']} avec IFN, {s['sans_score']} sans ; imputées : {imputed}")
    no_imp = summary(score_all(table, ScoreOptions(impute=False))["commune"])
    print(f"Sans imputation (--no-impute) : {no_imp['avec_score']} communes avec IFN, {no_imp['sans_score']} sans")
    _ = load_catalogue()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
