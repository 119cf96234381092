"""Build the derived cache from the open-data bundle.

``build_cache`` reads every input (``ifn.readers``), reconciles the code
vintages onto the COG 2020 universe (``ifn.reconcile``), computes the raw
indicator values, dissolves and simplifies the geometries (``ifn.geometry``)
and writes everything into a temporary folder that replaces the cache in one
rename: an interrupted build never leaves a half-written cache.

``cache_status`` tells whether the cache is missing or stale: the cache is
rebuilt when the SHA-256 of an input file differs from the one recorded in
``manifest.json`` (a file whose size and modification time are unchanged is
not hashed again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from ifn import geometry, readers, reconcile
from ifn.cache import LEVELS, SCHEMA_VERSION
from ifn.config import SETTING_HINT, Settings, require_data_dir
from ifn.errors import DataError

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

RATE_SOURCES = (
    ("recensement", readers.CENSUS),
    ("pauvrete", readers.POVERTY),
    ("mobile", readers.MOBILE),
    ("demandeurs_emploi", readers.JOB_SEEKERS),
    ("rsa", readers.RSA),
)
INDICATOR_COLUMNS = (
    "thd", "mobile", "age65", "diplome", "pauvrete",
    "menseul", "fammono", "chomage", "rsa", "bibliotheque", "service_public",
)


@dataclass(frozen=True)
class CacheStatus:
    """Whether the cache can be used as is."""

    fresh: bool
    reason: str


def _noop(fraction: float, message: str) -> None:
    return None


# --------------------------------------------------------------------------- checksums
def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_checksums(root: Path, previous: dict | None = None) -> dict[str, dict]:
    """SHA-256, size and mtime of every input, reusing ``previous`` when size and mtime match."""
    previous = previous or {}
    out = {}
    for path in readers.required_files(root):
        rel = path.relative_to(root).as_posix()
        if not path.is_file():
            continue
        stat = path.stat()
        old = previous.get(rel)
        if old and old.get("size") == stat.st_size and old.get("mtime") == stat.st_mtime_ns:
            out[rel] = old
        else:
            out[rel] = {"sha256": sha256_file(path), "size": stat.st_size, "mtime": stat.st_mtime_ns}
    return out


def check_bundle(root: Path) -> None:
    """Raise a French DataError naming every expected input that is missing."""
    missing = readers.missing_files(root)
    if missing:
        raise DataError(
            root / missing[0],
            f"fichier manquant dans le jeu de données ouvertes"
            + (f" (et {len(missing) - 1} autre(s) : {', '.join(missing[1:])})" if len(missing) > 1 else "")
            + ".",
            SETTING_HINT,
        )


BUILD_MODULES = ("build.py", "readers.py", "reconcile.py", "geometry.py", "cache.py")


def code_fingerprint() -> str:
    """SHA-256 of the modules that shape the cache: a change of build code makes the cache stale."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in BUILD_MODULES:
        digest.update(name.encode())
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def cache_status(settings: Settings) -> CacheStatus:
    """Is the cache present, of the current schema, and built from the current inputs?"""
    root = require_data_dir(settings)
    manifest_path = settings.cache_dir / "manifest.json"
    if not manifest_path.exists():
        return CacheStatus(False, "cache absent")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return CacheStatus(False, "manifeste illisible")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        return CacheStatus(False, "format du cache modifié")
    if manifest.get("code_version") != code_fingerprint():
        return CacheStatus(False, "programme de construction modifié")
    check_bundle(root)
    current = input_checksums(root, manifest.get("inputs"))
    recorded = {k: v["sha256"] for k, v in manifest.get("inputs", {}).items()}
    changed = sorted(k for k, v in current.items() if recorded.get(k) != v["sha256"])
    if changed or set(recorded) != set(current):
        return CacheStatus(False, f"données modifiées : {', '.join(changed[:3]) or 'liste des fichiers'}")
    if not all((settings.cache_dir / name).exists() for name in cache_files()):
        return CacheStatus(False, "fichier du cache manquant")
    return CacheStatus(True, "à jour")


def cache_files() -> list[str]:
    names = ["manifest.json", "communes.parquet", "report.json"]
    for level in LEVELS:
        names += [f"geo_{level}.parquet", f"geo_{level}_simple.parquet"]
    return names


# --------------------------------------------------------------------------- tables
def _join_presence(table: pl.DataFrame, places: pl.DataFrame, column: str, count: str, indicator: str) -> pl.DataFrame:
    """Add ``count`` (places per 2020 commune, 0 when none) and ``indicator`` (0 with a place, else 100).

    ``places``: reconciled rows ``code, <column>`` (a count per source code; merged codes are summed).
    """
    counts = places.group_by("code").agg(pl.col(column).sum().alias(count))
    return table.join(counts, on="code", how="left").with_columns(pl.col(count).fill_null(0).cast(pl.Int64)).with_columns(
        pl.when(pl.col(count) > 0).then(0.0).otherwise(100.0).alias(indicator)
    )


def commune_table(root: Path, progress: Progress = _noop) -> tuple[pl.DataFrame, dict, reconcile.CodeResolver]:
    """The commune table of the cache contract and the reconciliation report entries."""
    epci = readers.read_epci_composition(root)
    resolver = reconcile.make_resolver(epci["code"], readers.read_cog_communes(root), readers.read_movements(root))
    report: dict[str, dict] = {}
    progress(0.05, "Populations légales")

    pop_src = readers.read_populations(root)
    pop, report["populations"] = reconcile.attach_codes(pop_src, resolver, readers.POPULATIONS.relpath)
    weights = pop_src.select(pl.col("code").alias("code_source"), pl.col("population").alias("poids"))
    table = epci.join(
        pop.group_by("code").agg(pl.col("population").sum()), on="code", how="left"
    )

    progress(0.1, "Couverture très haut débit (ARCEP)")
    thd_src = readers.read_thd(root)
    thd, report["thd"] = reconcile.attach_codes(thd_src, resolver, readers.ARCEP_DEBIT.relpath)
    thd = thd.group_by("code").agg(
        pl.col("locaux").sum().alias("thd_locaux"), pl.col("eligibles").sum().alias("thd_eligibles")
    )
    table = table.join(thd, on="code", how="left")

    for n, (name, spec) in enumerate(RATE_SOURCES):
        progress(0.15 + 0.04 * n, f"Indicateurs : {spec.relpath}")
        src, removed = readers.read_indicator_file(root, spec)
        frame, entry = reconcile.attach_codes(src, resolver, spec.relpath)
        entry["doublons_fusionnes"] = removed
        report[name] = entry
        values = [c for c in src.columns if c != "code"]
        frame = frame.join(weights, on="code_source", how="left")
        table = table.join(
            frame.group_by("code").agg([reconcile.weighted_mean(v) for v in values]), on="code", how="left"
        )

    lib, report["bibliotheques"] = reconcile.attach_codes(
        readers.read_libraries(root), resolver, readers.LIBRARIES.relpath
    )
    table = _join_presence(table, lib, "bibliotheques", "nb_bibliotheques", "bibliotheque")

    sites = readers.read_france_services(root)
    fs, entry = reconcile.attach_codes(
        readers.france_services_per_commune(sites), resolver, readers.FRANCE_SERVICES.relpath
    )
    entry["sites_lus"] = sites.height
    entry["sites_mobiles_non_comptes"] = int((sites["format"] == readers.FRANCE_SERVICES_MOBILE).sum())
    report["france_services"] = entry
    table = _join_presence(table, fs, "france_services", "nb_france_services", "service_public")

    progress(0.38, "Codes postaux (La Poste)")
    postal_src = readers.read_postal_codes(root)
    postal, report["codes_postaux"] = reconcile.attach_codes(postal_src, resolver, readers.POSTAL.relpath)
    table = table.join(
        postal.group_by("code").agg(pl.col("code_postal").unique().sort().alias("codes_postaux")),
        on="code",
        how="left",
    )

    deps = readers.read_departements(root).select("dep", pl.col("nom").alias("dep_nom"))
    regs = readers.read_regions(root).select("reg", pl.col("nom").alias("reg_nom"))
    table = (
        table.join(deps, on="dep", how="left")
        .join(regs, on="reg", how="left")
        .with_columns(
            (100 * (1 - pl.col("thd_eligibles") / pl.col("thd_locaux")))
            .clip(0, 100)
            .fill_nan(None)
            .alias("thd"),
            (100 * (1 - pl.col("couverture_mobile"))).alias("mobile"),
            pl.col("population").cast(pl.Int64),
            pl.when(pl.col("epci") == "ZZZZZZZZZ").then(pl.lit("Sans EPCI (commune isolée)"))
            .otherwise(pl.col("epci_nom")).alias("epci_nom"),
            pl.col("codes_postaux").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .with_columns(pl.when(pl.col("thd_locaux") > 0).then(pl.col("thd")).otherwise(None).alias("thd"))
    )
    columns = ["code", "nom", "dep", "dep_nom", "reg", "reg_nom", "epci", "epci_nom", "population", "codes_postaux",
               *INDICATOR_COLUMNS, "thd_locaux", "thd_eligibles", "nb_bibliotheques",
               "nb_france_services"]
    table = table.select(columns).with_columns(pl.col(list(INDICATOR_COLUMNS)).cast(pl.Float64)).sort("code")
    return table, report, resolver


def geometry_tables(root: Path, table: pl.DataFrame, resolver: reconcile.CodeResolver, progress: Progress = _noop):
    """Full and simplified GeoDataFrames for the four levels, plus the geometry report entry."""
    import geopandas as gpd

    def read_progress(done: int, total: int) -> None:
        progress(0.40 + 0.15 * done / total, f"Contours communaux ({done}/{total} fichiers)")

    geo = readers.read_commune_geometries(root, progress=read_progress)
    src = pl.DataFrame({"code": geo["code"].to_numpy().astype(str)})
    mapped, entry = reconcile.attach_codes(src.with_row_index("_row"), resolver, readers.GEO_COMMUNES_DIR)
    rows = mapped["_row"].to_numpy()
    targets = mapped["code"].to_numpy().astype(object)
    progress(0.58, "Fusion des communes nouvelles")
    codes, geoms = geometry.dissolve(targets, geo.geometry.values[rows], targets)

    members = table.select("code", "epci", "dep", "reg")
    order = pl.DataFrame({"code": codes.astype(str)}).with_row_index("_g").join(members, on="code", how="left")
    levels = {"commune": (codes.astype(str), geoms)}
    for n, level in enumerate(("epci", "departement", "region")):
        progress(0.62 + 0.05 * n, f"Contours agrégés : {level}")
        column = {"epci": "epci", "departement": "dep", "region": "reg"}[level]
        keys = order[column].fill_null("?").to_numpy().astype(object)
        levels[level] = geometry.dissolve(keys, geoms, keys)

    full, simple, quality = {}, {}, {}
    for n, (level, (keys, gs)) in enumerate(levels.items()):
        progress(0.77 + 0.05 * n, f"Simplification des contours : {level}")
        full[level] = gpd.GeoDataFrame({"code": keys.astype(str)}, geometry=list(gs), crs="EPSG:4326")
        sgeoms = geometry.simplify_coverage(np.asarray(gs, dtype=object), level)
        simple[level] = gpd.GeoDataFrame({"code": keys.astype(str)}, geometry=list(sgeoms), crs="EPSG:4326")
        quality[level] = geometry.coverage_problems(sgeoms)
    entry["qualite_contours_simplifies"] = quality
    return full, simple, entry


# --------------------------------------------------------------------------- build
def build_cache(settings: Settings, progress: Progress | None = None) -> dict:
    """Build the whole cache atomically and return the report."""
    progress = progress or _noop
    started = time.perf_counter()
    root = require_data_dir(settings)
    check_bundle(root)
    progress(0.0, "Vérification des fichiers d'entrée")
    old_manifest_path = settings.cache_dir / "manifest.json"
    previous = None
    if old_manifest_path.exists():
        try:
            previous = json.loads(old_manifest_path.read_text(encoding="utf-8")).get("inputs")
        except (OSError, json.JSONDecodeError):
            previous = None
    inputs = input_checksums(root, previous)
    published = readers.read_sha256sums(root)
    differs = sorted(k for k, v in inputs.items() if k in published and published[k] != v["sha256"])

    table, report, resolver = commune_table(root, progress)
    full, simple, geo_entry = geometry_tables(root, table, resolver, progress)
    report["contours"] = geo_entry
    report = _summarise(table, report, differs)

    progress(0.95, "Écriture du cache")
    settings.cache_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".cache-tmp-", dir=settings.cache_dir.parent))
    try:
        table.write_parquet(tmp / "communes.parquet")
        for level in LEVELS:
            full[level].to_parquet(tmp / f"geo_{level}.parquet")
            simple[level].to_parquet(tmp / f"geo_{level}_simple.parquet")
        (tmp / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "code_version": code_fingerprint(),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "data_dir": str(root),
            "inputs": inputs,
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _swap(tmp, settings.cache_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    progress(1.0, "Cache prêt")
    return report


def _swap(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new`` with renames only."""
    old = None
    if target.exists():
        old = target.with_name(f".cache-old-{os.getpid()}-{time.time_ns()}")
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _summarise(table: pl.DataFrame, report: dict, differs: list[str]) -> dict:
    universe = table.height
    no_geo = report["contours"]["codes_communes_2020_absentes"]
    coverage = {
        col: {"renseignees": int(table[col].is_not_null().sum()), "manquantes": int(table[col].is_null().sum())}
        for col in INDICATOR_COLUMNS
    }
    return {
        "communes_2020": universe,
        "communes_sans_contour": len(no_geo),
        "communes_sans_population": int(table["population"].is_null().sum()),
        "valeurs_par_indicateur": coverage,
        "fichiers_differents_de_SHA256SUMS": differs,
        "sources": report,
    }


def format_report(report: dict) -> str:
    """Human-readable French summary of the reconciliation (for the command line)."""
    lines = [
        f"Communes (COG 2020) : {report['communes_2020']}",
        f"Communes sans contour : {report['communes_sans_contour']}",
        f"Communes sans population : {report['communes_sans_population']}",
        "",
        f"{'source':<52} {'lignes':>7} {'identiq.':>8} {'arrond.':>7} {'fusion':>6} {'h.champ':>7} {'non app.':>8} {'abs. 2020':>9}",
    ]
    for entry in report["sources"].values():
        lines.append(
            f"{entry['source']:<52} {entry['lignes']:>7} {entry['identiques']:>8} {entry['arrondissements']:>7} "
            f"{entry['fusions']:>6} {entry['hors_champ']:>7} {entry['non_apparies']:>8} {entry['communes_2020_absentes']:>9}"
        )
        if entry["codes_non_apparies"]:
            shown = ", ".join(entry["codes_non_apparies"][:15])
            more = len(entry["codes_non_apparies"]) - 15
            lines.append(f"    non appariés : {shown}" + (f" … (+{more})" if more > 0 else ""))
        if entry["codes_communes_2020_absentes"] and len(entry["codes_communes_2020_absentes"]) <= 30:
            lines.append(f"    communes 2020 absentes : {', '.join(entry['codes_communes_2020_absentes'])}")
    lines.append("")
    lines.append("Valeurs renseignées par indicateur (avant imputation) :")
    for col, c in report["valeurs_par_indicateur"].items():
        lines.append(f"    {col:<15} {c['renseignees']:>6} renseignées, {c['manquantes']:>6} manquantes")
    if report["fichiers_differents_de_SHA256SUMS"]:
        lines.append("Attention, fichiers différents de SHA256SUMS : " + ", ".join(report["fichiers_differents_de_SHA256SUMS"]))
    return "\n".join(lines)
