"""Vector tiles of the map (ifn.tiles): every commune of the cache is in the tiles, the recolour strings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import polars as pl
import pytest

from ifn import tiles
from ifn.classify import classify


def _decode_codes(archive: Path, zoom: int) -> tuple[set[str], dict[str, str], set[int]]:
    """Codes, names and indices of the features of ``archive`` at ``zoom`` (tippecanoe-decode, GeoJSON)."""
    decode = str(Path(tiles.tippecanoe_path()).with_name("tippecanoe-decode"))
    out = subprocess.run([decode, "-Z", str(zoom), "-z", str(zoom), str(archive)], capture_output=True, check=True)
    collection = json.loads(out.stdout)
    codes, names, indices = set(), {}, set()
    for tile in collection["features"]:
        for layer in tile["features"]:
            for feature in layer["features"]:
                props = feature["properties"]
                codes.add(props["c"])
                names[props["c"]] = props["n"]
                indices.add(props["i"])
    return codes, names, indices


def test_every_commune_of_the_cache_is_in_the_tiles(built_cache):
    folder = built_cache.cache_dir / tiles.TILES_DIR
    manifest = tiles.load_manifest(folder)
    assert tiles.complete(folder, manifest)
    geo = pl.read_parquet(built_cache.cache_dir / "geo_commune.parquet", columns=["code"])
    communes = pl.read_parquet(built_cache.cache_dir / "communes.parquet", columns=["code", "nom", "a_contour"])
    entry = manifest["levels"]["commune"]
    codes, names, indices = _decode_codes(folder / entry["file"], 5)
    # every commune with a contour (34,871 of the 34,875: four have none, see the build report) ...
    expected = set(communes.filter(pl.col("a_contour"))["code"].to_list())
    assert len(expected) == 34871
    assert codes == expected == set(geo["code"].to_list()) == set(entry["codes"])
    # ... once, with its index in the manifest's order and its name from the cache
    assert indices == set(range(len(entry["codes"])))
    # the national view (map zoom 5) draws the archive's zoom-4 tiles 512 pixels wide (ifn-tiles.js): all but
    # Castelmoron-d'Albret (33103, 3.5 ha, France's smallest commune: 0.2 px there, smaller than a tile unit)
    assert entry["min_zoom"] == 4
    national, _, _ = _decode_codes(folder / entry["file"], 4)
    assert expected - national == {"33103"} and national <= expected
    assert names["42218"] == "Saint-Étienne"
    assert names["97411"] == "Saint-Denis"
    assert entry["codes"].index("01001") == 0


def test_the_levels_above_are_complete_at_their_minimum_zoom(built_cache):
    folder = built_cache.cache_dir / tiles.TILES_DIR
    manifest = tiles.load_manifest(folder)
    for level, count in (("departement", 101), ("region", 18)):
        entry = manifest["levels"][level]
        codes, _names, _ = _decode_codes(folder / entry["file"], entry["min_zoom"])
        assert len(codes) == count
        assert codes == set(entry["codes"])


def test_recolour_strings_classes_and_scores():
    classes = classify([1.0, 5.5, 10.0], "equal", 3)  # breaks 4, 7, 10
    table = pl.DataFrame({"code": ["B", "A", "C"], "ifn": [5.5, 1.0, None]})
    cls, scores = tiles.recolour_strings(["A", "B", "C", "D"], table, classes)
    assert cls == "01- "  # A class 0, B class 1, C without score, D absent from the table
    d = tiles.SCORE_DIGITS
    assert len(d) == 84 and tiles.SCORE_MAX == 84 * 84 - 1
    assert scores == d[0] + d[10] + d[0] + d[55] + "    "  # tenths 10 and 55 in base 84, two characters each
    big = tiles.recolour_strings(["A"], pl.DataFrame({"code": ["A"], "ifn": [123.44]}), classes)[1]
    assert big == d[1234 // 84] + d[1234 % 84]  # base 100 above 10: 123.4
    # nothing that JSON or the HTML-safe JSON of a <script> escapes (one byte per character on the websocket),
    # and no jinja delimiter (the map's script is rendered through jinja again)
    assert json.dumps(d)[1:-1] == d and not set(d) & set("<>&'{}#%")


def test_publish_links_the_archives_and_removes_stale_ones(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    files = {}
    for level in tiles.TILE_LEVELS:
        files[level] = {"file": f"{level}-abc.pmtiles", "codes": [], "min_zoom": 2, "max_zoom": 5}
        (cache / files[level]["file"]).write_bytes(b"PMTiles")
    (cache / tiles.MANIFEST).write_text(json.dumps({"version": tiles.TILES_VERSION, "levels": files}))
    static = tmp_path / "static"
    static.mkdir()
    (static / "commune-old.pmtiles").write_bytes(b"old")
    manifest = tiles.publish(cache, static)
    assert manifest["levels"]["commune"]["file"] == "commune-abc.pmtiles"
    assert sorted(p.name for p in static.iterdir()) == sorted(f["file"] for f in files.values())
    (cache / "region-abc.pmtiles").unlink()
    assert tiles.publish(cache, static) is None  # incomplete: the pages fall back to GeoJSON


@pytest.mark.parametrize("missing", [None, "{not json"])
def test_no_manifest_means_no_tiles(tmp_path, missing):
    if missing:
        (tmp_path / tiles.MANIFEST).write_text(missing)
    assert tiles.publish(tmp_path, tmp_path / "static") is None


def test_a_link_to_the_national_communes_is_kept_when_the_tiles_draw_them():
    from ifn import urlstate

    state, notices = urlstate.decode({"carte": "commune"}, ["tout_age"], national_communes=True)
    assert (state.map_level, state.code, notices) == ("commune", None, [])
    state, notices = urlstate.decode({"carte": "commune"}, ["tout_age"])  # GeoJSON maps: one area at a time
    assert state.map_level == "departement"
    assert notices == ["La carte des communes demande un territoire : carte des départements affichée."]


def test_a_view_lists_the_other_levels_for_the_workers_to_decode_ahead():
    from ifn.mapview import tile_view

    levels = {lvl: {"file": f"{lvl}-abc.pmtiles", "codes": ["A"], "min_zoom": z, "max_zoom": z + 6}
              for lvl, z in (("commune", 4), ("epci", 3), ("departement", 2), ("region", 1))}
    classes = classify([1.0, 10.0], "equal", 2)
    view = tile_view({"levels": levels}, "epci", pl.DataFrame({"code": ["A"], "ifn": [1.0]}), classes, "IFN",
                     static="/ifn/app/static/")
    # the other levels but the communes (the heaviest tiles), with their URL and zooms
    assert view["prefetch"] == [
        {"url": "/ifn/app/static/tuiles/departement-abc.pmtiles", "level": "departement", "minZoom": 2, "maxZoom": 8},
        {"url": "/ifn/app/static/tuiles/region-abc.pmtiles", "level": "region", "minZoom": 1, "maxZoom": 7},
    ]
    assert [p["level"] for p in tile_view({"levels": levels}, "commune", pl.DataFrame({"code": ["A"], "ifn": [1.0]}),
                                          classes, "IFN")["prefetch"]] == ["epci", "departement", "region"]
