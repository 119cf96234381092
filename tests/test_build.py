"""The build on the real bundle, and on deliberately broken copies of it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest

from ifn import build, cache
from ifn.config import Settings
from ifn.errors import DataError


def test_real_cache_contract(built_cache):
    communes = cache.load_communes(built_cache).collect()
    assert communes.height == 34875
    assert communes["code"].is_unique().all()
    front = ["code", "nom", "dep", "dep_nom", "reg", "reg_nom", "epci", "epci_nom", "population", "codes_postaux",
             "zone", "anciens_codes", "surface_km2", "a_contour", "sans_contour", *build.indicator_columns()]
    assert communes.columns[:len(front)] == front
    assert communes.schema["nb_france_services"] == pl.Int64 and communes.schema["estime_pauvrete"] == pl.Boolean
    libraries = dict(communes.select("code", "nb_bibliotheques").iter_rows())
    # Libraries open to the public, counted in the directory by hand (grep on the INSEE column):
    # Lille 59350: 10 + Hellemmes 59298 (associated in 1977): 2 + Lomme 59355 (associated in 2000): 1;
    # Valserhône 01033: 2 + Châtillon-en-Michaille 01091: 1 + Lancrans 01205: 1 (merged 2019);
    # Gien 45155: 1 + Arrabloy 45007 (associated in 1973): 1; L'Abergement-Clémenciat 01001: none.
    assert [libraries[c] for c in ("59350", "01033", "45155", "01001")] == [13, 4, 2, 0]
    sites = dict(communes.select("code", "nb_france_services").iter_rows())
    # France Services sites counted in the ANCT file by hand (insee_com column), buses (format Mobile) left out:
    # Valserhône 01033: 1; Guise 02361: 1 fixed + 1 bus; Moulins 03190: 1 multi-site + 1 bus;
    # Saint-Joseph (La Réunion) 97412: 2; Marseille 13055: 1 + 10 in its arrondissements; Paris 75056: 8 in its
    # arrondissements; Lyon 69123: 69388 ×2 + 69389 ×2; Mansle 16206: 1; L'Abergement-Clémenciat 01001: none;
    # Saint-Denis 93066: its 2 sites (lines 622, 2545) + the 2 of Pierrefitte-sur-Seine (93059, lines 1331 and
    # 2370), merged into Saint-Denis on 2025-01-01.
    codes = ("01033", "02361", "03190", "97412", "13055", "75056", "69123", "16206", "01001", "93066")
    assert [sites[c] for c in codes] == [1, 1, 1, 2, 11, 8, 4, 1, 0, 4]
    # 2,707 sites, 144 buses, 2 in Saint-Martin (outside the index) → 2,561 sites; 2,425 communes of 2020,
    # of which Saint-Denis and Pierrefitte-sur-Seine are one commune in 2026 → 2,424
    assert int(communes["nb_france_services"].sum()) == 2561
    assert int((communes["nb_france_services"] > 0).sum()) == 2424
    row = communes.filter(pl.col("code") == "48001").row(0, named=True)
    # 48.json, "48001": {"f": [168, 180], "n": 184, "d": [178, 168]}
    assert row["fibre"] == pytest.approx(100 * (1 - 168 / 180))
    assert row["thd30"] == pytest.approx(100 * (1 - 178 / 184))
    assert (row["fibre_raccordables"], row["fibre_locaux"], row["locaux"], row["locaux_30m"]) == (168, 180, 184, 178)
    assert row["source_fibre"] == "arcep_fixe_2026"
    brest = communes.filter(pl.col("code") == "29019").row(0, named=True)
    assert brest["pauvrete"] == 19.0 and brest["estime_pauvrete"] is False  # Filosofi 2021, published
    assert brest["codes_postaux"] == ["29200"] and brest["population"] == 142_346  # population légale 2023
    # Saint-Denis (93066) of 2026 = Saint-Denis + Pierrefitte-sur-Seine of 2024: TP60 pooled by persons
    saint_denis = communes.filter(pl.col("code") == "93066").row(0, named=True)
    assert saint_denis["pauvrete"] == pytest.approx((36 * 106_397 + 38 * 30_999) / (106_397 + 30_999))
    paris = communes.filter(pl.col("code") == "75056").row(0, named=True)
    assert paris["couv4g"] == 0.0 and paris["epci"] == "200054781" and paris["dep_nom"] == "Paris"
    # a DROM commune takes the census of 2017, and says so
    reunion = communes.filter(pl.col("code") == "97411").row(0, named=True)
    assert (reunion["source_age65"], reunion["recensement_millesime"], reunion["chomage"]) == (
        "recensement_2017_drom", "RP 2017", None)
    # a commune re-established in 2025 has no 2024 outline and no value from the older sources, with the reason
    celles = communes.filter(pl.col("code") == "15031").row(0, named=True)
    assert celles["a_contour"] is False and "rétablie le 01/01/2025 à partir de 15141" in celles["sans_contour"]
    assert celles["age65"] is None and celles["pauvrete"] is None and celles["fibre"] is not None
    # 4 communes without EPCI, every commune of the universe has a population (0 for the « villages morts »)
    assert communes.filter(pl.col("epci") == "ZZZZZZZZZ").height == 4
    assert communes["population"].null_count() == 0


def test_merged_commune_gets_dissolved_geometry(built_cache):
    import shapely

    geo = cache.load_geometries("commune", simplified=False, settings=built_cache)
    assert len(geo) == 34871  # every 2026 commune but the four Cantal communes re-established in 2025
    # Saint-Denis (93066) of 2026 = Saint-Denis + Pierrefitte-sur-Seine of the COG 2024 polygons
    one = geo[geo["code"] == "93066"].geometry.iloc[0]
    assert one.is_valid and shapely.get_num_geometries(one) == 1
    report = cache.load_report(built_cache)
    assert report["sources"]["contours"]["codes_communes_2026_absentes"] == ["15031", "15035", "15047", "15171"]
    assert report["sources"]["contours"]["fusions"] == 68
    assert report["communes_sans_contour"] == 4


def test_france_services_reconciliation_report(built_cache):
    entry = cache.load_report(built_cache)["sources"]["france_services"]
    assert entry["source"] == "services/france-services-2023.csv"
    assert (entry["sites_lus"], entry["sites_mobiles_non_comptes"]) == (2707, 144)
    # 2,707 rows reconciled onto the COG 2026: 2,678 identical codes, 24 rows in municipal arrondissements,
    # 3 rows of communes merged since (Pierrefitte-sur-Seine…), 2 in Saint-Martin (outside the index)
    assert entry["lignes"] == 2707
    assert (entry["identiques"], entry["arrondissements"], entry["fusions"]) == (2678, 24, 3)
    assert entry["codes_hors_champ"] == ["97801"]
    assert entry["non_apparies"] == 0 and entry["codes_non_apparies"] == []


def test_build_report_names_every_source(built_cache):
    report = cache.load_report(built_cache)
    assert set(report["sources"]) >= {s.id for s in build.build_sources()} | {"contours"}
    text = build.format_report(report)
    assert text.startswith("Communes (COG 2026) : 34875 (34746 en métropole, 129 dans les DROM)")
    assert "Communes sans contour : 4 (15031, 15035, 15047, 15171)" in text
    assert "15031 : créée ou rétablie le 2025-01-01 à partir de 15141" in text
    assert "    non appariés : 69303" in text  # the libraries directory's typo for L'Arbresle, listed


def test_simplified_levels_are_valid(built_cache):
    report = cache.load_report(built_cache)
    quality = report["sources"]["contours"]["qualite_contours_simplifies"]
    for level in ("commune", "epci", "departement", "region"):
        assert quality[level]["polygones_invalides"] == 0


def test_status_fresh_then_stale_after_input_change(built_cache, tmp_path):
    assert build.cache_status(built_cache).fresh
    # same cache, a copy of the bundle whose Filosofi file differs → stale
    rel = "insee/filosofi-2021/cc_filosofi_2021_COM.csv"
    bundle = mirror(built_cache.data_dir, tmp_path / "bundle")
    replace_text(bundle, rel, lambda d: d + b"\n")
    manifest = json.loads((built_cache.cache_dir / "manifest.json").read_text())
    cache_copy = tmp_path / "cache"
    cache_copy.mkdir()
    for name in build.cache_files():
        os.symlink(built_cache.cache_dir / name, cache_copy / name)
    # the manifest records input paths relative to the bundle: same names, other content
    status = build.cache_status(Settings(data_dir=bundle, cache_dir=cache_copy))
    assert not status.fresh and "cc_filosofi_2021_COM.csv" in status.reason
    assert manifest["inputs"][rel]["sha256"]


def test_range_check_names_the_source_and_the_communes():
    from ifn.catalogue import load_catalogue

    table = pl.DataFrame({"code": ["01001", "01002", "01003"], "age65": [12.0, 140.0, -1.0]})
    with pytest.raises(DataError, match=r"agg_iris_<dep>\.parquet.*« Part des 65 ans et plus » hors de l'intervalle admis "
                                        r"\[0 ; 100\] pour 2 commune\(s\) : 01002 \(140\), 01003 \(-1\)"):
        build.check_ranges(table, load_catalogue(), {"age65": "insee/rp-2022-iris/agg_iris_<dep>.parquet"})
    build.check_ranges(table.filter(pl.col("code") == "01001"), load_catalogue(), {})


# ----------------------------------------------------------------------------- broken bundles
def mirror(src: Path, dst: Path) -> Path:
    """A copy of the bundle made of symlinks (cheap); replace a file to break it."""
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if path.is_dir():
            (dst / rel).mkdir(parents=True, exist_ok=True)
        else:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path, dst / rel)
    return dst


def replace_text(bundle: Path, rel: str, transform) -> None:
    target = bundle / rel
    original = target.resolve().read_bytes()
    target.unlink()
    target.write_bytes(transform(original))


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 3]


def _wrong_separator(data: bytes) -> bytes:
    return data.replace(b";", b",")


def _rename_column(data: bytes) -> bytes:
    return data.replace(b"PMUN", b"POP_MUN", 1)


def _lose_zero(data: bytes) -> bytes:
    return data.replace(b"\n01001;", b"\n1001;", 1)


BROKEN = [
    ("missing file", "insee/filosofi-2021/cc_filosofi_2021_COM.csv", None,
     r"cc_filosofi_2021_COM\.csv.*manquant.*IFN_DATA_DIR"),
    ("missing geometry of one département (listed in SHA256SUMS)", "geo/cog-2024/communes/dep48.geojson", None,
     r"dep48\.geojson.*manquant"),
    ("directory where a geometry file is expected", "geo/cog-2024/communes/dep48.geojson", "dir",
     r"dep48\.geojson.*un dossier se trouve là où un fichier"),
    ("COG communes not JSON", "etalab/decoupage-administratif-6.0.0/communes.json", lambda d: d[: len(d) // 2],
     r"communes\.json.*JSON invalide à la ligne"),
    ("EPCI member with a lost leading zero", "etalab/decoupage-administratif-6.0.0/epci.json",
     lambda d: d.replace(b'"code":"01', b'"code":"1', 1).replace(b'"code": "01', b'"code": "1', 1),
     r"epci\.json.*membre de code invalide"),
]


@pytest.mark.parametrize("case, rel, transform, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_bundle_fails_cleanly(bundle_dir, tmp_path, case, rel, transform, message):
    bundle = mirror(bundle_dir, tmp_path / "bundle")
    if transform is None:
        (bundle / rel).unlink()
    elif transform == "dir":
        (bundle / rel).unlink()
        (bundle / rel).mkdir()
    else:
        replace_text(bundle, rel, transform)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "manifest.json").write_text('{"sentinel": true}')
    with pytest.raises(DataError, match=message):
        build.build_cache(Settings(data_dir=bundle, cache_dir=cache_dir))
    # nothing half-written: the previous cache is untouched, no temporary folder left
    assert (cache_dir / "manifest.json").read_text() == '{"sentinel": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "cache"]


def test_missing_bundle_dir_message(tmp_path):
    from ifn.errors import ConfigError

    with pytest.raises(ConfigError, match="introuvable.*IFN_DATA_DIR"):
        build.build_cache(Settings(data_dir=tmp_path / "nowhere", cache_dir=tmp_path / "cache"))


def test_cli_build_reports_counts(built_cache, capsys):
    from ifn.cli import main

    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert "Cache à jour" in out


def test_cli_missing_bundle_exit_code(tmp_path, monkeypatch, capsys):
    from ifn.cli import main

    monkeypatch.setenv("IFN_DATA_DIR", str(tmp_path / "absent"))
    monkeypatch.setenv("IFN_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : Le dossier des données ouvertes") and "Traceback" not in err


def test_dissolved_levels_have_no_slivers_between_departement_files():
    """Two squares of « neighbouring départements » that miss each other by a thin gap, and an enclave."""
    import numpy as np
    import shapely

    from ifn import geometry

    west = shapely.box(0, 0, 1, 1)
    east = shapely.box(1.0001, 0, 2, 1)  # a 0.0001° gap, as between two département files simplified apart
    ring = shapely.box(3, 0, 6, 3).difference(shapely.box(4, 1, 5, 2))
    enclave = shapely.box(4, 1, 5, 2)
    union = shapely.union_all([west, east, shapely.box(0, 0.9, 2, 1), shapely.box(0, 0, 2, 0.1)])
    assert len(union.interiors) == 1  # the gap became a hole
    filled = geometry.fill_gaps(np.array([union, ring, enclave], dtype=object))
    assert len(filled[0].interiors) == 0 and filled[0].area == pytest.approx(2.0)
    assert len(filled[1].interiors) == 1  # the real enclave stays a hole


def test_a_symlinked_cache_is_replaced_where_it_points_and_the_link_kept(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "ancien.parquet").write_text("ancien", encoding="utf-8")
    link = tmp_path / "cache"
    link.symlink_to(real)
    new = tmp_path / ".cache-tmp-1"
    new.mkdir()
    (new / "manifest.json").write_text("{}", encoding="utf-8")
    build._swap(new, build.cache_target(link))
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert sorted(p.name for p in link.iterdir()) == ["manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "real"]  # nothing left beside it
