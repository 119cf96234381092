"""ARCEP « Ma connexion internet » (30/06/2026) and Cartefibre (2026 Q2), per commune.

One JSON object per département (``arcep/ma-connexion-internet-2026T2/<dep>.json``),
keyed by commune code (COG 2025/2026), plus ``_meta`` (sources and their dates).
Each commune entry holds:

- ``n``: premises (locaux) counted by « Ma connexion internet »;
- ``d``: [premises with ≥ 30 Mbit/s, premises with ≥ 1 Gbit/s] over a wired or
  terrestrial radio access (fixed 4G and THD radio count, satellite does not);
- ``f``: [premises connectable to FttH, premises in Cartefibre's count];
- ``b``: premises by best technology (``fo, coax, cu, thdr, 4gf, hdr, sat``);
- ``cu``: closure status of the copper network (not read).

The two premise counts come from two sources (``f[1]`` is often a little above
``n``), so each share keeps its own denominator: ``fibre`` = 1 − f[0]/f[1],
``thd30`` = 1 − d[0]/n.

The 45 municipal arrondissements of Paris, Lyon and Marseille carry only ``f``,
whose sums equal their commune's ``f`` (checked): the commune row is kept, the
arrondissement rows are not read twice (counted in ``meta``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl

from ifn.errors import DataError
from ifn.readers import CODE_RE

SOURCE_ID = "arcep_fixe_2026"
FOLDER = "arcep/ma-connexion-internet-2026T2"
DEPARTEMENTS: tuple[str, ...] = (
    *(f"{n:02d}" for n in range(1, 20)), "2A", "2B", *(f"{n:02d}" for n in range(21, 96)),
    "971", "972", "973", "974", "976",
)
TECHNOLOGIES = ("fo", "coax", "cu", "thdr", "4gf", "hdr", "sat")
COUNT_COLUMNS = ("locaux", "locaux_30m", "locaux_1g", "fibre_raccordables", "fibre_locaux",
                 *(f"locaux_{t}" for t in TECHNOLOGIES))
# Municipal arrondissement → commune: their rows repeat the commune's Cartefibre counts.
ARRONDISSEMENTS = {
    **{f"751{i:02d}": "75056" for i in range(1, 21)},
    **{f"6938{i}": "69123" for i in range(1, 10)},
    **{f"132{i:02d}": "13055" for i in range(1, 17)},
}
_CODE = re.compile(CODE_RE)


def files(root: Path) -> list[Path]:
    """One JSON file per département of France (96 metropolitan, 5 DROM)."""
    return [root / FOLDER / f"{dep}.json" for dep in DEPARTEMENTS]


def _load(path: Path) -> dict:
    if not path.is_file():
        raise DataError(path, "fichier manquant dans le jeu de données ouvertes (un fichier par département est attendu).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(path, f"le fichier n'est pas en UTF-8 (octet {exc.start}).") from exc
    except json.JSONDecodeError as exc:
        raise DataError(path, f"ce n'est pas du JSON valide (ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}).") from exc
    if not isinstance(data, dict):
        raise DataError(path, f"un objet JSON par commune est attendu, le fichier contient un(e) {type(data).__name__}.")
    return data


def _count(path: Path, code: str, key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataError(path, f"commune « {code} » : « {key} » = {json.dumps(value, ensure_ascii=False)} n'est pas un nombre entier de locaux.")
    if value < 0:
        raise DataError(path, f"commune « {code} » : « {key} » = {value} est négatif.")
    return value


def _pair(path: Path, code: str, entry: dict, key: str) -> tuple[int, int]:
    value = entry.get(key)
    if not isinstance(value, list) or len(value) != 2:
        raise DataError(path, f"commune « {code} » : « {key} » devrait être une liste de deux nombres, trouvé {json.dumps(value, ensure_ascii=False)}.")
    return _count(path, code, f"{key}[0]", value[0]), _count(path, code, f"{key}[1]", value[1])


def parse_entry(path: Path, code: str, entry) -> dict:
    """One commune entry → its counts; inconsistent counts raise with the file and the code."""
    if not isinstance(entry, dict):
        raise DataError(path, f"commune « {code} » : un objet est attendu, trouvé {json.dumps(entry, ensure_ascii=False)[:60]}.")
    if "n" not in entry:
        raise DataError(path, f"commune « {code} » : nombre de locaux « n » absent.")
    n = _count(path, code, "n", entry["n"])
    d0, d1 = _pair(path, code, entry, "d")
    f0, f1 = _pair(path, code, entry, "f")
    if d0 > n:
        raise DataError(path, f"commune « {code} » : {d0} locaux éligibles à 30 Mbit/s (d[0]) pour {n} locaux (n).")
    if d1 > d0:
        raise DataError(path, f"commune « {code} » : {d1} locaux éligibles à 1 Gbit/s (d[1]) pour {d0} à 30 Mbit/s (d[0]).")
    if f0 > f1:
        raise DataError(path, f"commune « {code} » : {f0} locaux raccordables à la fibre (f[0]) pour {f1} locaux recensés par Cartefibre (f[1]).")
    techs = entry.get("b", {})
    if not isinstance(techs, dict):
        raise DataError(path, f"commune « {code} » : « b » devrait être un objet (locaux par technologie).")
    unknown = sorted(set(techs) - set(TECHNOLOGIES))
    if unknown:
        raise DataError(path, f"commune « {code} » : technologie inconnue « {unknown[0]} » dans « b » (attendues : {', '.join(TECHNOLOGIES)}).")
    row = {"code": code, "locaux": n, "locaux_30m": d0, "locaux_1g": d1, "fibre_raccordables": f0, "fibre_locaux": f1}
    for t in TECHNOLOGIES:
        row[f"locaux_{t}"] = _count(path, code, f"b.{t}", techs.get(t, 0))
    return row


def read_department(path: Path, dep: str) -> tuple[list[dict], dict, dict[str, tuple[int, int]]]:
    """Rows of one file, its ``_meta``, and the Cartefibre counts of its arrondissement rows."""
    data = _load(path)
    meta = data.pop("_meta", None)
    if not isinstance(meta, dict):
        raise DataError(path, "clé « _meta » (sources et dates) absente ou mal formée.")
    rows, arrondissements = [], {}
    for code, entry in data.items():
        if not _CODE.match(code):
            raise DataError(path, f"code commune « {code} » invalide (5 caractères attendus, par exemple 01001 ou 2A004).")
        if not code.startswith(dep) or (len(dep) == 2 and code.startswith("97")):
            raise DataError(path, f"la commune « {code} » n'appartient pas au département {dep}.")
        if code in ARRONDISSEMENTS and isinstance(entry, dict) and "n" not in entry:
            arrondissements[code] = _pair(path, code, entry, "f")
            continue
        rows.append(parse_entry(path, code, entry))
    return rows, meta, arrondissements


def _check_arrondissements(path: Path, rows: list[dict], arrondissements: dict[str, tuple[int, int]]) -> None:
    by_code = {r["code"]: r for r in rows}
    for parent in sorted(set(ARRONDISSEMENTS[a] for a in arrondissements)):
        parts = [v for a, v in arrondissements.items() if ARRONDISSEMENTS[a] == parent]
        total = (sum(p[0] for p in parts), sum(p[1] for p in parts))
        row = by_code.get(parent)
        if row is None:
            raise DataError(path, f"arrondissements présents mais commune « {parent} » absente.")
        if total != (row["fibre_raccordables"], row["fibre_locaux"]):
            raise DataError(
                path,
                f"les arrondissements de « {parent} » totalisent f = [{total[0]}, {total[1]}] mais la commune "
                f"indique [{row['fibre_raccordables']}, {row['fibre_locaux']}].",
            )


def read_with_meta(root: Path) -> tuple[pl.DataFrame, dict]:
    """``read`` plus what the report needs: the source dates and the arrondissement rows set aside."""
    rows, metas, n_arr = [], {}, 0
    for dep, path in zip(DEPARTEMENTS, files(root)):
        dep_rows, meta, arrondissements = read_department(path, dep)
        _check_arrondissements(path, dep_rows, arrondissements)
        rows += dep_rows
        n_arr += len(arrondissements)
        metas[dep] = meta
    frame = pl.DataFrame(rows, schema={"code": pl.String, **{c: pl.Int64 for c in COUNT_COLUMNS}})
    dup = frame.filter(pl.col("code").is_duplicated())
    if dup.height:
        raise DataError(root / FOLDER, f"la commune « {dup['code'][0]} » apparaît dans deux fichiers départementaux.")
    return frame, {"sources": source_dates(metas), "lignes_arrondissements_non_relues": n_arr}


def source_dates(metas: dict[str, dict]) -> list[dict]:
    """The distinct (name, date) of the ``_meta`` blocks, with the files that cite them."""
    seen: dict[tuple[str, str], list[str]] = {}
    for dep, meta in metas.items():
        for src in meta.get("sources", []):
            seen.setdefault((str(src.get("name")), str(src.get("date"))), []).append(dep)
    return [{"nom": k[0], "date": k[1], "departements": len(v)} for k, v in seen.items()]


def read(root: Path) -> pl.DataFrame:
    """One row per commune code (COG 2025/2026): ``code`` and the counts of ``COUNT_COLUMNS``."""
    return read_with_meta(root)[0]


def shares(counts: pl.DataFrame) -> pl.DataFrame:
    """``fibre`` and ``thd30`` (percent, higher = more fragile) from summed counts; null without premises."""
    return counts.with_columns(
        pl.when(pl.col("fibre_locaux") > 0)
        .then(100 * (1 - pl.col("fibre_raccordables") / pl.col("fibre_locaux")))
        .otherwise(None).alias("fibre"),
        pl.when(pl.col("locaux") > 0)
        .then(100 * (1 - pl.col("locaux_30m") / pl.col("locaux")))
        .otherwise(None).alias("thd30"),
    )


def to_communes(mapped: pl.DataFrame, **context) -> pl.DataFrame:
    """Counts summed per 2026 code (merged communes pooled by premises), then ``fibre`` and ``thd30``."""
    counts = mapped.group_by("code").agg([pl.col(c).sum() for c in COUNT_COLUMNS])
    return shares(counts).select("code", "fibre", "thd30", *COUNT_COLUMNS).sort("code")


def national_figures(communes: pl.DataFrame) -> dict:
    """National figures of both measures (French keys): share of all premises, commune median and p90,
    communes with no connectable premises.
    """
    out = {}
    for ind, covered, total in (("fibre", "fibre_raccordables", "fibre_locaux"), ("thd30", "locaux_30m", "locaux")):
        valid = communes.filter(pl.col(total) > 0)
        values = valid[ind].to_numpy()
        out[ind] = {
            "locaux": int(valid[total].sum()),
            "part_des_locaux_pct": round(100 * (1 - valid[covered].sum() / valid[total].sum()), 3),
            "mediane_communes_pct": round(float(np.median(values)), 3),
            "p90_communes_pct": round(float(np.quantile(values, 0.9)), 3),
            "communes": valid.height,
            "communes_sans_local_eligible": int((valid[covered] == 0).sum()),
            "communes_sans_local_eligible_pct": round(100 * float((valid[covered] == 0).mean()), 3),
            "communes_sans_locaux": communes.height - valid.height,
        }
    return out


def report(values: pl.DataFrame) -> dict:
    """National figures of ``to_communes`` output (``values``, for the build report)."""
    return {"chiffres_nationaux": national_figures(values)}
