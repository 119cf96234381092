"""Build the derived cache from the open-data bundle.

``build_cache`` reads the COG 2026 commune universe (``ifn.sources.cog_2026``),
then every source named by the indicator catalogue (``ifn/catalogue.toml``,
``[sources.<id>]``: one module of ``ifn.sources`` each), reconciles each
source's code vintage onto the 2026 communes (``ifn.reconcile``), joins the
values each source gives per commune, dissolves and simplifies the 2024
geometries into the 2026 communes and the levels above (``ifn.geometry``),
and writes everything into a temporary folder that replaces the cache in one
rename: an interrupted build never leaves a half-written cache.

``cache_status`` tells whether the cache is missing or stale: the cache is
rebuilt when the SHA-256 of an input file differs from the one recorded in
``manifest.json`` (a file whose size and modification time are unchanged is
not hashed again).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from ifn import geometry, readers, reconcile, sources, tiles, variant_values
from ifn.cache import LEVELS, SCHEMA_VERSION
from ifn.catalogue import Catalogue, load_catalogue
from ifn.config import SETTING_HINT, Settings, require_data_dir
from ifn.errors import DataError
from ifn.readers import sha256_file
from ifn.sources import cog_2026, geo_2024

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
IDENTITY_COLUMNS = ["code", "nom", "dep", "dep_nom", "reg", "reg_nom", "epci", "epci_nom", "population",
                    "codes_postaux", "zone", "anciens_codes", "surface_km2", "a_contour", "sans_contour"]
EQUAL_AREA_CRS = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global (equal-area): commune surfaces in km²


@dataclass(frozen=True)
class CacheStatus:
    """Whether the cache can be used as is."""

    fresh: bool
    reason: str


def _noop(fraction: float, message: str) -> None:
    return None


def indicator_columns(catalogue: Catalogue | None = None) -> tuple[str, ...]:
    """The raw indicator columns of the cache: every indicator of the catalogue."""
    return (catalogue or load_catalogue()).ids


def build_sources(catalogue: Catalogue | None = None) -> list:
    """The catalogue sources the build reads, in catalogue order (COG and geometry apart)."""
    catalogue = catalogue or load_catalogue()
    used = {sid for ind in catalogue.indicators for sid in ind.source_ids}
    return [src for src in catalogue.sources if src.id in used]


def input_files(root: Path, catalogue: Catalogue | None = None) -> list[Path]:
    """Every bundle file the build reads."""
    from ifn.sources import iris_population  # the population centres of the distances

    files = cog_2026.files(root) + geo_2024.files(root) + iris_population.files(root)
    for src in build_sources(catalogue):
        files += sources.load(src.module).files(root)
    seen, out = set(), []
    for f in files:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


# --------------------------------------------------------------------------- checksums
def input_checksums(root: Path, previous: dict | None = None) -> dict[str, dict]:
    """SHA-256, size and mtime of every input, reusing ``previous`` when size and mtime match."""
    previous = previous or {}
    out = {}
    for path in input_files(root):
        rel = path.relative_to(root).as_posix()
        if path.is_dir():
            raise DataError(path, "un dossier se trouve là où un fichier du jeu de données est attendu.")
        if not path.is_file():
            continue
        stat = path.stat()
        old = previous.get(rel)
        if old and old.get("size") == stat.st_size and old.get("mtime") == stat.st_mtime_ns:
            out[rel] = old
        else:
            out[rel] = {"sha256": sha256_file(path), "size": stat.st_size, "mtime": stat.st_mtime_ns}
    return out


def missing_files(root: Path) -> list[str]:
    """Inputs the build needs, and files listed in the bundle's SHA256SUMS, that are absent."""
    needed = [p.relative_to(root).as_posix() for p in input_files(root) if not p.is_file()]
    listed = [rel for rel in readers.read_sha256sums(root) if not (root / rel).is_file()]
    return sorted(set(needed) | set(listed))


def check_bundle(root: Path) -> None:
    """Raise a French DataError naming every expected input that is missing.

    A file listed in the bundle's ``SHA256SUMS`` that is absent stops the build
    too: a partial copy of the bundle would otherwise build with silent holes
    (a département without outlines).
    """
    for path in input_files(root):
        if path.is_dir():
            raise DataError(path, "un dossier se trouve là où un fichier du jeu de données est attendu.")
    missing = missing_files(root)
    if missing:
        raise DataError(
            root / missing[0],
            "fichier manquant dans le jeu de données ouvertes"
            + (f" (et {len(missing) - 1} autre(s) : {', '.join(missing[1:])})" if len(missing) > 1 else "")
            + ".",
            SETTING_HINT,
        )


BUILD_MODULES = ("build.py", "readers.py", "reconcile.py", "geometry.py", "cache.py", "catalogue.toml",
                 "distances.py", "estimate.py", "variant_values.py", "iris.py", "tiles.py")


def code_fingerprint() -> str:
    """SHA-256 of the modules that shape the cache: a change of build code makes the cache stale."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    names = [n for n in BUILD_MODULES if (here / n).exists()]
    names += sorted(f"sources/{p.name}" for p in (here / "sources").glob("*.py"))
    for name in names:
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
    if current != manifest.get("inputs"):  # same contents, new dates (bundle copied again): remember them
        _record_input_stats(manifest_path, manifest, current)
    return CacheStatus(True, "à jour")


def _record_input_stats(manifest_path: Path, manifest: dict, current: dict[str, dict]) -> None:
    """Rewrite the manifest's sizes and dates of unchanged inputs, so the next check hashes nothing.

    Best effort: a read-only cache keeps hashing at each check, nothing else changes.
    """
    tmp = manifest_path.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps({**manifest, "inputs": current}, indent=1), encoding="utf-8")
        tmp.replace(manifest_path)
    except OSError:
        tmp.unlink(missing_ok=True)


def cache_files() -> list[str]:
    names = ["manifest.json", "communes.parquet", "report.json", "aliases.parquet", "centres.parquet"]
    for level in LEVELS:
        names += [f"geo_{level}.parquet", f"geo_{level}_simple.parquet"]
    return names + ["iris.parquet", "geo_iris.parquet", "geo_iris_simple.parquet",
                    tiles.TILES_DIR]  # the tiles folder (complete or not: without tiles the pages draw GeoJSON)


# --------------------------------------------------------------------------- tables
def universe(root: Path) -> tuple[pl.DataFrame, reconcile.CodeResolver]:
    """The 2026 communes (identity columns) and the code resolver onto them."""
    base = cog_2026.read(root)
    resolver = reconcile.make_resolver(base["code"], cog_2026.read_sub_units(root), cog_2026.read_movements(root))
    return base, resolver


class Context:
    """Values some sources need besides their own files, computed once on first use.

    A source's ``to_communes`` (or ``build``) names what it needs as keyword
    arguments: ``root``, ``resolver``, ``universe`` (the 2026 identity table),
    ``communes_geo`` (2026 commune polygons, GeoDataFrame ``code, geometry``),
    ``surfaces`` (``code, surface_km2``), ``centres`` (``code, lat, lon``: the
    population-weighted centre of each commune).
    """

    def __init__(self, **makers: Callable[[], object]) -> None:
        self._makers = makers
        self._values: dict[str, object] = {}

    def get(self, name: str) -> object:
        if name not in self._values:
            self._values[name] = self._makers[name]()
        return self._values[name]

    def kwargs_for(self, func: Callable) -> dict:
        """The context values ``func`` names; a ``**context`` also gets root, resolver and universe."""
        params = inspect.signature(func).parameters
        names = [name for name in params if name in self._makers]
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            names += [n for n in ("root", "resolver", "universe") if n not in names]
        return {name: self.get(name) for name in names}


def _source_values(module, src, resolver: reconcile.CodeResolver, context: Context) -> tuple[pl.DataFrame, dict]:
    """One source's values per 2026 commune and its report entry."""
    if hasattr(module, "build"):  # sources that are not keyed by commune code (points, polygons)
        return module.build(**context.kwargs_for(module.build))
    frame = module.read(context.get("root"))
    mapped, entry = reconcile.attach_codes(frame, resolver, src.files or src.id, cog_date=src.cog_date)
    transform = getattr(module, "to_communes_2026", module.to_communes)  # the build's variant, if any
    values = transform(mapped, **context.kwargs_for(transform))
    if hasattr(module, "report"):  # counts of what was read, or of the values per commune (``values``)
        wants_values = "values" in inspect.signature(module.report).parameters
        entry.update(module.report(values if wants_values else frame))
    return values, entry


def check_ranges(table: pl.DataFrame, catalogue: Catalogue, origin: dict[str, str]) -> None:
    """Refuse raw values outside the range the catalogue allows, naming the source and the communes."""
    for ind in catalogue.indicators:
        if ind.range is None or ind.id not in table.columns:
            continue
        low, high = ind.range
        bad = table.filter(pl.col(ind.id).is_not_null() & ((pl.col(ind.id) < low) | (pl.col(ind.id) > high)))
        if bad.height:
            shown = ", ".join(f"{c} ({v:.6g})" for c, v in bad.select("code", ind.id).head(5).iter_rows())
            raise DataError(
                origin.get(ind.id, ind.source),
                f"valeur(s) de « {ind.label} » hors de l'intervalle admis [{low:g} ; {high:g}] pour "
                f"{bad.height} commune(s) : {shown}.",
            )


def commune_table(root: Path, progress: Progress = _noop, geo: dict | None = None,
                  catalogue: Catalogue | None = None) -> tuple[pl.DataFrame, dict, reconcile.CodeResolver]:
    """The commune table of the cache contract and the reconciliation report entries.

    ``geo`` is the output of ``geometry_tables`` (its full commune polygons and
    surfaces feed the sources that need them); without it, those are computed here.
    """
    catalogue = catalogue or load_catalogue()
    base, resolver = universe(root)
    report: dict[str, dict] = {}
    geo = geo or {}

    def communes_geo():
        if "communes_geo" not in geo:
            full, _simple, _entry = geometry_tables(root, base, resolver)
            geo["communes_geo"] = full["commune"]
        return geo["communes_geo"]

    def surfaces():
        gdf = communes_geo()
        area = gdf.to_crs(EQUAL_AREA_CRS).geometry.area.to_numpy() / 1e6
        return pl.DataFrame({"code": gdf["code"].astype(str).to_numpy(), "surface_km2": area})

    def centres():
        from ifn import distances
        from ifn.sources import iris_population

        iris, entry = iris_population.read(root)
        geo["iris_polygons"] = iris  # read once: the IRIS level (``iris_tables``) draws them too
        report["centres_de_population"] = entry
        codes = [resolver.resolve(str(c))[0] for c in iris["commune"]]
        iris = iris.assign(commune=codes)
        iris = iris[iris["commune"].notna()]
        geo["centres"] = distances.population_centres(iris, communes_geo())  # also written to the cache
        return geo["centres"]

    def source_surfaces():
        from ifn.sources import arcep_mobile_2019

        return arcep_mobile_2019.source_surfaces(root, movements=cog_2026.read_movements(root))

    context = Context(root=lambda: root, resolver=lambda: resolver, universe=lambda: base,
                      communes_geo=communes_geo, surfaces=surfaces, centres=centres,
                      source_surfaces=source_surfaces)
    table = base
    if "communes_geo" in geo:
        outlined = pl.DataFrame({"code": geo["communes_geo"]["code"].astype(str).to_numpy(), "a_contour": True})
        later = resolver.created_after(geo_2024.COG_DATE)
        table = (base.join(context.get("surfaces"), on="code", how="left")
                 .join(outlined, on="code", how="left")
                 .with_columns(pl.col("a_contour").fill_null(False))
                 .with_columns(pl.when(~pl.col("a_contour")).then(
                     pl.col("code").replace_strict(
                         {c: f"commune rétablie le {d[8:10]}/{d[5:7]}/{d[:4]} à partir de {p} : les contours de 2024 "
                             f"ne la distinguent pas encore (elle est dessinée avec {p})" for c, (d, p) in later.items()},
                         default="aucun contour dans les fichiers de 2024")).alias("sans_contour")))
    origin: dict[str, str] = {}
    provided: dict[str, list[str]] = {}
    srcs = build_sources(catalogue)
    for n, src in enumerate(srcs):
        progress(0.45 + 0.45 * n / max(1, len(srcs)), f"Source : {src.label[:60]}")
        module = sources.load(src.module)
        values, entry = _source_values(module, src, resolver, context)
        entry.setdefault("source", src.files or src.id)
        report[src.id] = entry
        dup = values.filter(pl.col("code").is_duplicated())
        if dup.height:
            raise DataError(src.files or src.id, f"la source donne plusieurs lignes pour la commune « {dup['code'][0]} ».")
        new_cols = [c for c in values.columns if c != "code"]
        joined = table.join(values.rename({c: f"__new_{c}" for c in new_cols}), on="code", how="left")
        exprs = []
        for c in new_cols:
            if c in table.columns:  # a fallback source: fills what the first one left empty
                exprs.append(pl.coalesce(pl.col(c), pl.col(f"__new_{c}")).alias(c))
            else:
                exprs.append(pl.col(f"__new_{c}").alias(c))
            provided.setdefault(c, []).append(src.id)
            origin.setdefault(c, src.files or src.id)
        table = joined.with_columns(exprs).drop([f"__new_{c}" for c in new_cols])
        for ind in catalogue.indicators:
            if ind.id in new_cols and src.id in ind.source_ids:
                col = f"source_{ind.id}"
                tag = pl.when(pl.col(ind.id).is_not_null()).then(pl.lit(src.id))
                table = table.with_columns(
                    (pl.coalesce(pl.col(col), tag) if col in table.columns else tag.otherwise(None)).alias(col)
                )
    if "centres" not in geo:  # written to the cache even when no source needs them (ifn.cache.load_centres)
        context.get("centres")
    table = variant_values.derive(table)  # poverty of the 60+ from the 60–74 and 75+ rates; reasons of absence
    # Values the build estimates (a secret poverty rate from the median income) fill the gaps, flagged
    for ind in catalogue.indicators:
        if ind.estimate and ind.id in table.columns and ind.estimate in table.columns:
            table = table.with_columns(
                (pl.col(ind.id).is_null() & pl.col(ind.estimate).is_not_null()).alias(f"estime_{ind.id}"),
                pl.coalesce(ind.id, ind.estimate).alias(ind.id),
            )
    ids = [i for i in indicator_columns(catalogue) if i in table.columns]
    missing = [i for i in indicator_columns(catalogue) if i not in table.columns]
    if missing:
        raise DataError(", ".join(s.files for s in srcs), f"aucune source ne donne les indicateurs {', '.join(missing)}.")
    table = table.with_columns(pl.col(ids).cast(pl.Float64).fill_nan(None))
    check_ranges(table, catalogue, origin)
    # Shares pooled by a count the source gives (surface, households): covered = total × (1 − share)
    derived = [ind for ind in catalogue.indicators if ind.pooling_kind == "locaux" and ind.id in table.columns
               and ind.pool_covered not in table.columns and ind.pool_total in table.columns]
    table = table.with_columns(
        (pl.col(ind.pool_total) * (1 - pl.col(ind.id) / 100)).alias(ind.pool_covered) for ind in derived
    )
    front = [c for c in IDENTITY_COLUMNS if c in table.columns]
    sources_cols = sorted(c for c in table.columns if c.startswith("source_"))
    rest = [c for c in table.columns if c not in front and c not in ids and c not in sources_cols]
    table = table.select(*front, *ids, *sources_cols, *rest).sort("code")
    return table, report, resolver


def geometry_tables(root: Path, table: pl.DataFrame, resolver: reconcile.CodeResolver, progress: Progress = _noop):
    """Full and simplified GeoDataFrames for the four levels, plus the geometry report entry.

    The 2024 polygons are mapped onto the 2026 communes (communes merged since
    are dissolved into their commune nouvelle); a 2026 commune with no polygon
    (re-established after 2024) is listed in the entry.
    """
    import geopandas as gpd

    def read_progress(done: int, total: int) -> None:
        progress(0.02 + 0.2 * done / total, f"Contours communaux ({done}/{total} fichiers)")

    geo = geo_2024.read(root, progress=read_progress)
    src = pl.DataFrame({"code": geo["code"].to_numpy().astype(str)})
    mapped, entry = reconcile.attach_codes(src.with_row_index("_row"), resolver, geo_2024.METRO_DIR,
                                           cog_date=geo_2024.COG_DATE)
    rows = mapped["_row"].to_numpy()
    targets = mapped["code"].to_numpy().astype(object)
    progress(0.24, "Fusion des communes nouvelles")
    codes, geoms = geometry.dissolve(targets, geo.geometry.values[rows], targets)

    members = table.select("code", "epci", "dep", "reg")
    order = pl.DataFrame({"code": codes.astype(str)}).with_row_index("_g").join(members, on="code", how="left")
    levels = {"commune": (codes.astype(str), geoms)}
    for n, level in enumerate(("epci", "departement", "region")):
        progress(0.26 + 0.03 * n, f"Contours agrégés : {level}")
        column = {"epci": "epci", "departement": "dep", "region": "reg"}[level]
        keys = order[column].fill_null("?").to_numpy().astype(object)
        unit_keys, unit_geoms = geometry.dissolve(keys, geoms, keys)
        levels[level] = (unit_keys, geometry.fill_gaps(unit_geoms))  # slivers along département borders

    full, simple, quality = {}, {}, {}
    for n, (level, (keys, gs)) in enumerate(levels.items()):
        progress(0.35 + 0.025 * n, f"Simplification des contours : {level}")
        full[level] = gpd.GeoDataFrame({"code": keys.astype(str)}, geometry=list(gs), crs="EPSG:4326")
        sgeoms = geometry.simplify_coverage(np.asarray(gs, dtype=object), level)
        simple[level] = gpd.GeoDataFrame({"code": keys.astype(str)}, geometry=list(sgeoms), crs="EPSG:4326")
        quality[level] = geometry.coverage_problems(sgeoms)
    entry["qualite_contours_simplifies"] = quality
    return full, simple, entry


def iris_tables(root: Path, communes: pl.DataFrame, resolver: reconcile.CodeResolver, polygons=None):
    """The IRIS table (``ifn.iris``), its full and simplified polygons, and the report entry with the
    reconciliation of the IRIS codes (census 2022 vs polygons ~2024).
    """
    import geopandas as gpd
    import shapely

    from ifn import iris
    from ifn.sources import iris_population, recensement_2022

    census, lost = iris.attach_communes(recensement_2022.read_iris(root), lambda c: resolver.resolve(c)[0])
    table, entry = iris.iris_table(census, communes)
    entry["iris_sans_commune_2026"] = lost
    full, entry["codes_iris"] = iris.polygon_table(
        iris_population.read_polygons(root) if polygons is None else polygons, table["code"].to_list())
    # The IRIS outlines come simplified by their producer (a coverage simplification at 30 m removes 2 % of
    # the vertices for 15 s): the browser version only drops the decimals beyond 1 m.
    sgeoms = shapely.set_precision(np.asarray(full.geometry.values, dtype=object), 1e-5, mode="pointwise")
    simple = gpd.GeoDataFrame({"code": full["code"].to_numpy()}, geometry=list(sgeoms), crs="EPSG:4326")
    drawn = pl.Series(full["code"].to_numpy().astype(str)).implode()
    return table.with_columns(pl.col("code").is_in(drawn).alias("a_contour")), full, simple, entry


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

    base, resolver = universe(root)
    full, simple, geo_entry = geometry_tables(root, base, resolver, progress)
    built = {"communes_geo": full["commune"]}
    table, report, resolver = commune_table(root, progress, geo=built)
    aliases = reconcile.alias_table(resolver, cog_2026.read_sub_units(root), cog_2026.read_movements(root),
                                    dict(base.select("code", "nom").iter_rows()))
    report["contours"] = geo_entry
    progress(0.92, "IRIS : recensement 2022 et contours")
    iris_table, iris_full, iris_simple, iris_entry = iris_tables(root, table, resolver, built.get("iris_polygons"))
    report = _summarise(table, report, differs)
    report["iris"] = iris_entry

    progress(0.95, "Écriture du cache")
    target = cache_target(settings.cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".cache-tmp-", dir=target.parent))
    try:
        table.write_parquet(tmp / "communes.parquet")
        aliases.write_parquet(tmp / "aliases.parquet")
        if "centres" in built:  # population centres of the communes (code, lat, lon, methode, iris)
            built["centres"].write_parquet(tmp / "centres.parquet")
        iris_table.write_parquet(tmp / "iris.parquet")
        iris_full.to_parquet(tmp / "geo_iris.parquet")
        iris_simple.to_parquet(tmp / "geo_iris_simple.parquet")
        for level in LEVELS:
            full[level].to_parquet(tmp / f"geo_{level}.parquet")
            simple[level].to_parquet(tmp / f"geo_{level}_simple.parquet")
        (tmp / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        # vector tiles of the map (ifn.tiles): reused from the previous cache when the geometries are unchanged
        tiles.write_tiles(full, table, tmp / tiles.TILES_DIR, previous=settings.cache_dir / tiles.TILES_DIR,
                          progress=progress, start=0.955, span=0.04)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "code_version": code_fingerprint(),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data_dir": str(root),
            "inputs": inputs,
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    progress(1.0, "Cache prêt")
    return report


def cache_target(cache_dir: Path) -> Path:
    """The directory a build replaces: a symlinked cache is rebuilt where it points, and the link is kept."""
    return cache_dir.resolve()


def _swap(new: Path, target: Path) -> None:
    """Replace the directory ``target`` by ``new`` with renames only (``target``: see ``cache_target``)."""
    old = None
    if target.exists():
        old = target.with_name(f".cache-old-{os.getpid()}-{time.time_ns()}")
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _summarise(table: pl.DataFrame, report: dict, differs: list[str]) -> dict:
    universe_size = table.height
    no_geo = report["contours"]["codes_communes_2026_absentes"]
    coverage = {
        col: {"renseignees": int(table[col].is_not_null().sum()), "manquantes": int(table[col].is_null().sum())}
        for col in indicator_columns() if col in table.columns
    }
    return {
        "communes_2026": universe_size,
        "communes_metropole": int((table["zone"] == "metro").sum()),
        "communes_drom": int((table["zone"] == "drom").sum()),
        "communes_sans_contour": len(no_geo),
        "codes_communes_sans_contour": no_geo,
        "communes_sans_population": int(table["population"].is_null().sum()),
        "valeurs_par_indicateur": coverage,
        "fichiers_differents_de_SHA256SUMS": differs,
        "sources": report,
    }


def format_report(report: dict) -> str:
    """Human-readable French summary of the reconciliation (for the command line)."""
    lines = [
        f"Communes (COG 2026) : {report['communes_2026']} ({report['communes_metropole']} en métropole, "
        f"{report['communes_drom']} dans les DROM)",
        f"Communes sans contour : {report['communes_sans_contour']}"
        + (f" ({', '.join(report['codes_communes_sans_contour'])})" if report["codes_communes_sans_contour"] else ""),
        f"Communes sans population : {report['communes_sans_population']}",
        "",
        "Réconciliation des codes par source (vers le COG 2026) :",
        f"{'source':<52} {'lignes':>7} {'identiq.':>8} {'arrond.':>7} {'fusion':>6} {'h.champ':>7} "
        f"{'non app.':>8} {'abs. 2026':>9}",
    ]
    for name, entry in report["sources"].items():
        if "identiques" not in entry:
            lines.append(f"{name:<52} " + ", ".join(f"{k} : {v}" for k, v in entry.items()
                                                   if isinstance(v, (int, float, str)) and k != "source"))
            continue
        label = str(entry.get("source", name))
        lines.append(
            f"{label[:52]:<52} {entry['lignes']:>7} {entry['identiques']:>8} {entry['arrondissements']:>7} "
            f"{entry['fusions']:>6} {entry['hors_champ']:>7} {entry['non_apparies']:>8} {entry['communes_2026_absentes']:>9}"
        )
        if entry["codes_non_apparies"]:
            shown = ", ".join(entry["codes_non_apparies"][:15])
            more = len(entry["codes_non_apparies"]) - 15
            lines.append(f"    non appariés : {shown}" + (f" … (+{more})" if more > 0 else ""))
        if entry["codes_communes_2026_absentes"] and len(entry["codes_communes_2026_absentes"]) <= 30:
            lines.append(f"    communes 2026 absentes : {', '.join(entry['codes_communes_2026_absentes'])}")
        for code, why in entry.get("communes_retablies_apres_millesime", {}).items():
            lines.append(f"    {code} : {why}")
    if "iris" in report:
        iris, codes = report["iris"], report["iris"]["codes_iris"]
        lines += ["", f"IRIS (recensement 2022, métropole) : {iris['iris']} dans {iris['communes_2026']} communes 2026 ; "
                      f"codes recensement / contours : {codes['apparies']} appariés, {codes['seulement_recensement']} "
                      f"seulement au recensement, {codes['seulement_polygones']} seulement dans les contours"]
        for key in ("codes_seulement_recensement", "codes_seulement_polygones"):
            if codes[key]:
                lines.append(f"    {key.replace('_', ' ')} : {', '.join(codes[key][:15])}"
                             + (f" … (+{len(codes[key]) - 15})" if len(codes[key]) > 15 else ""))
    lines.append("")
    lines.append("Valeurs renseignées par indicateur (avant imputation) :")
    for col, c in report["valeurs_par_indicateur"].items():
        lines.append(f"    {col:<22} {c['renseignees']:>6} renseignées, {c['manquantes']:>6} manquantes")
    if report["fichiers_differents_de_SHA256SUMS"]:
        lines.append("Attention, fichiers différents de SHA256SUMS : " + ", ".join(report["fichiers_differents_de_SHA256SUMS"]))
    return "\n".join(lines)
