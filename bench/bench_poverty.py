"""Benchmark of the poverty estimate (prints figures; no assertion).

On the real bundle (``IFN_DATA_DIR`` or ``../shared/opendata``), every commune whose Filosofi 2021
poverty rate (TP60) is published is hidden in turn and predicted by

1. the estimate of ``ifn.estimate`` (least squares on ln MED21 and ln households, fitted on the
   other départements only: leave-one-département-out);
2. the former rule: ``personnes``-weighted mean of the published values of the other communes of
   the same EPCI of 2026 (``etalab/decoupage-administratif-6.0.0/epci.json``, ``membres[].code``),
   else of the same département (leave-one-out).

Both are scored on the same held-out communes (those both methods can predict): mean absolute
error, median absolute error, Spearman, overall and per size class. Also printed: the time to read
the file, to run the ~100 leave-one-département-out fits, and one fit on all communes.

Usage: ``python bench/bench_poverty.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ifn import estimate  # noqa: E402
from ifn.config import resolve_settings  # noqa: E402
from ifn.sources import filosofi_2021  # noqa: E402

ETALAB = "etalab/decoupage-administratif-6.0.0"
NATIONAL_FILE = "insee/rp-2022-iris/agg_commARM_5Khab.parquet"


def national_rate(root: Path) -> float | None:
    """National Filosofi 2021 poverty rate (row ``00FR``) of the commune file of the RP 2022 folder."""
    path = root / NATIONAL_FILE
    if not path.is_file():
        return None
    row = pl.read_parquet(path, columns=["code", "rev_txpauv_21"]).filter(pl.col("code") == "00FR")
    return row["rev_txpauv_21"][0] if row.height else None


def metro_rate(rows: pl.DataFrame) -> float:
    """Persons-weighted mean of published and estimated rates of the metropolitan source communes."""
    metro = rows.filter(pl.col("ajuste") & ~pl.col("dep").str.starts_with("97"))
    value = pl.coalesce("tp60", "pauvrete_estimee")
    part = metro.filter(value.is_not_null())
    return part.select((value * pl.col("personnes")).sum() / pl.col("personnes").sum()).item()


def cog2026_codes(root: Path) -> pl.DataFrame:
    """``code_source`` (COG 2024 or older, arrondissements) → ``code`` (COG 2026), ``statut``, from
    ``communes.json`` (``anciensCodes`` of each 2026 commune; ``commune`` of an arrondissement)."""
    rows = []
    for c in json.loads((root / ETALAB / "communes.json").read_text(encoding="utf-8")):
        if c["type"] == "commune-actuelle" and c.get("zone") != "com":
            rows.append((c["code"], c["code"], "identique"))
            rows += [(old, c["code"], "fusion") for old in c.get("anciensCodes", [])]
        elif c["type"] == "arrondissement-municipal":
            rows.append((c["code"], c["commune"], "arrondissement"))
    return pl.DataFrame(rows, schema=["code_source", "code", "statut"], orient="row").unique("code_source", keep="first")


def epci_2026(root: Path) -> pl.DataFrame:
    rows = [
        (m["code"], e["code"])
        for e in json.loads((root / ETALAB / "epci.json").read_text(encoding="utf-8"))
        for m in e["membres"]
    ]
    return pl.DataFrame(rows, schema=["code", "epci"], orient="row")


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return result, times


def fmt_times(times: list[float]) -> str:
    return f"médiane {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = resolve_settings().data_dir

    source, t_read = timed(lambda: filosofi_2021.read(root), args.repeat)
    mapping = cog2026_codes(root)
    mapped = source.rename({"code": "code_source"}).join(mapping, on="code_source", how="left")
    unmapped = mapped.filter(pl.col("code").is_null())["code_source"].to_list()
    mapped = mapped.filter(pl.col("code").is_not_null())

    (rows, errors), t_lodo = timed(lambda: filosofi_2021.estimate_rows(mapped), args.repeat)
    plain, _ = filosofi_2021.estimate_rows(mapped, regional=False)
    train = estimate.training_rows(rows)
    regions = estimate.regions_of(rows)
    model, t_one = timed(lambda: estimate.fit(train, regions), max(args.repeat, 20))
    _, t_communes = timed(lambda: filosofi_2021.to_communes(mapped), args.repeat)

    held = train.join(plain.select("code_source", pl.col("prediction").alias("sans_region")), on="code_source", how="left")
    held = held.join(epci_2026(root), on="code", how="left").with_columns(pl.col("personnes").alias("poids"))
    held = held.with_columns(estimate.group_mean_predictions(held).alias("regle_epci"))
    both = held.filter(
        pl.col("prediction").is_not_null() & pl.col("sans_region").is_not_null() & pl.col("regle_epci").is_not_null()
    )

    print(f"Filosofi 2021 : {source.height} lignes ; {len(unmapped)} code(s) sans commune 2026 {unmapped[:10]}")
    print(f"Communes publiées retenues (hors arrondissements municipaux) : {train.height} ; "
          f"prévues par les trois méthodes : {both.height} ; sans EPCI 2026 connu (règle : département) : "
          f"{held['epci'].null_count()}")
    print()
    methods = {"prediction": "modèle", "sans_region": "sans région", "regle_epci": "règle EPCI"}
    table = None
    for column, label in methods.items():
        t = estimate.error_table(both["tp60"], both[column], both["menages"]).rename(
            {"mae": f"EMA {label}", "erreur_mediane": f"méd. {label}", "spearman": f"Spearman {label}"}
        )
        table = t if table is None else table.join(t.drop("n"), on="classe", how="left", maintain_order="left")
    with pl.Config(tbl_rows=20, tbl_cols=20, float_precision=3, tbl_width_chars=250, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True):
        print("Erreur sur les communes publiées masquées une à une, en points (EMA = erreur moyenne absolue,")
        print("méd. = erreur absolue médiane ; modèle et « sans région » : ajustés sans le département de la commune) :")
        print(table)
    bias = both.select(*((pl.col(c) - pl.col("tp60")).mean().alias(c) for c in methods)).row(0)
    print("Biais moyen (prévu − publié) : " + " ; ".join(f"{name} {b:+.3f} pt" for name, b in zip(methods.values(), bias)))
    print()
    print("Coefficients ajustés sur toutes les communes publiées : "
          + ", ".join(f"{n} {c:.3f}" for n, c in model.named().items()))
    print("« ± x pts » par classe de taille (EMA de la classe) : "
          + " ; ".join(f"{c} {m:.2f}" for c, m in errors.select("classe", "mae").iter_rows()))
    estimated = rows.filter(pl.col("pauvrete_methode") == "revenu")
    print(f"Communes estimées : {estimated.height} ; estimation moyenne {estimated['pauvrete_estimee'].mean():.2f} % ; "
          f"MED21 hors de la plage des communes publiées : "
          f"{estimated.filter(~pl.col('med21').is_between(train['med21'].min(), train['med21'].max())).height}")
    communes = filosofi_2021.to_communes(mapped)
    value = pl.coalesce("pauvrete", "pauvrete_estimee")
    for label, scope in (("France métropolitaine", ~pl.col("code").str.starts_with("97")), ("Martinique et La Réunion", pl.col("code").str.starts_with("97"))):
        part = communes.filter(scope & value.is_not_null())
        rate = part.select((value * pl.col("filosofi_personnes")).sum() / pl.col("filosofi_personnes").sum()).item()
        print(f"Taux reconstitué {label} (publiés + estimés, pondérés par les personnes) : {rate:.2f} %")
    national = national_rate(root)
    if national is not None:
        metro = rows.filter(pl.col("ajuste") & ~pl.col("dep").str.starts_with("97"))
        pub = metro.filter(pl.col("tp60").is_not_null())
        est = metro.filter(pl.col("pauvrete_estimee").is_not_null())
        p_pub, p_est = pub["personnes"].sum(), est["personnes"].sum()
        implied = (national * (p_pub + p_est) - (pub["tp60"] * pub["personnes"]).sum()) / p_est
        ours = (est["pauvrete_estimee"] * est["personnes"]).sum() / p_est
        print(f"Contrôle : taux national Filosofi 2021 de {NATIONAL_FILE} (ligne 00FR) {national:.1f} % ; s'il porte sur "
              f"la France métropolitaine, les communes estimées ({p_est / (p_pub + p_est):.1%} des personnes) devraient "
              f"avoir en moyenne {implied:.2f} %, l'estimation leur donne {ours:.2f} %")
    floor = estimate.SIZE_FLOOR
    try:
        for trial in (1.0, 300.0, floor, 2000.0):
            estimate.SIZE_FLOOR = trial
            r, e = filosofi_2021.estimate_rows(mapped)
            print(f"Plancher de taille {trial:>6.0f} ménages : EMA {e['mae'][0]:.3f} (moins de 1 000 ménages "
                  f"{e['mae'][1]:.3f}) ; taux métropolitain reconstitué {metro_rate(r):.2f} %"
                  + ("  ← retenu" if trial == floor else ""))
    finally:
        estimate.SIZE_FLOOR = floor
    print()
    print(f"Lecture et validation du fichier : {fmt_times(t_read)}")
    print(f"Ajustements « un département exclu » ({rows['dep'].n_unique()} départements) et prévisions : {fmt_times(t_lodo)}")
    print(f"Un ajustement sur {train.height} communes : {fmt_times(t_one)}")
    print(f"to_communes (estimation + regroupement sur les communes 2026) : {fmt_times(t_communes)}")


if __name__ == "__main__":
    main()
