"""Variants Senior and Jeune against Tout âge: Spearman of the rankings per level, coverage, estimate errors.

Prints figures (no assertion). Run from the work tree after ``python -m ifn build``:
``python bench/bench_variants.py``.
"""

from __future__ import annotations

import time

import polars as pl

from ifn.cache import load_communes
from ifn.config import resolve_settings
from ifn.score import ScoreOptions, score_all
from ifn.sensitivity import spearman

VARIANTS = ("tout_age", "senior", "jeune")


def main() -> None:
    communes = load_communes(resolve_settings())
    scored = {}
    for v in VARIANTS:
        t = time.perf_counter()
        scored[v] = score_all(communes, ScoreOptions(variant=v))
        print(f"{v:<9} scored in {time.perf_counter() - t:.1f} s")
    for level in ("commune", "epci", "departement", "region"):
        base = scored["tout_age"][level].select("code", pl.col("ifn").alias("ref"))
        for v in VARIANTS[1:]:
            other = scored[v][level].select("code", "ifn")
            both = base.join(other, on="code").drop_nulls()
            rho = spearman(both["ref"].to_numpy(), both["ifn"].to_numpy())
            no_score = int(scored[v][level]["ifn"].is_null().sum())
            print(f"{level:<12} {v:<7} Spearman vs Tout âge = {rho:.3f} on {both.height} units; without score: {no_score}")
    table = communes.collect() if isinstance(communes, pl.LazyFrame) else communes
    for col in ("pauvrete_60p", "pauvrete_moins30"):
        est = table.filter(pl.col(f"estime_{col}"))
        print(f"{col}: published {int((table[f'{col}_methode'] == 'publie').sum())}, estimated {est.height}, "
              f"mean error of the estimates ± {est[f'{col}_erreur'].mean():.2f} pts")


if __name__ == "__main__":
    main()
