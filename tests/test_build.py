"""The build on the real bundle, and on deliberately broken copies of it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from ifn import build, cache, readers
from ifn.config import Settings
from ifn.errors import DataError


def test_real_cache_contract(built_cache):
    communes = cache.load_communes(built_cache).collect()
    assert communes.height == 34968
    assert communes["code"].is_unique().all()
    expected = ["code", "nom", "dep", "dep_nom", "reg", "reg_nom", "epci", "epci_nom", "population", "codes_postaux",
                *build.INDICATOR_COLUMNS, "thd_locaux", "thd_eligibles", "nb_bibliotheques", "nb_france_services"]
    assert communes.columns == expected
    assert communes.schema["nb_france_services"] == pl.Int64
    libraries = dict(communes.select("code", "nb_bibliotheques").iter_rows())
    # Libraries open to the public, counted in the directory by hand (grep on the INSEE column):
    # Lille 59350: 10 + Hellemmes 59298 (associated in 1977): 2 + Lomme 59355 (associated in 2000): 1;
    # Valserhône 01033: 2 + Châtillon-en-Michaille 01091: 1 + Lancrans 01205: 1 (merged 2019);
    # Gien 45155: 1 + Arrabloy 45007 (associated in 1973): 1; L'Abergement-Clémenciat 01001: none.
    assert [libraries[c] for c in ("59350", "01033", "45155", "01001")] == [13, 4, 2, 0]
    no_library = dict(communes.select("code", "bibliotheque").iter_rows())
    assert [no_library[c] for c in ("59350", "01001")] == [0.0, 100.0]
    sites = dict(communes.select("code", "nb_france_services").iter_rows())
    # France Services sites counted in the ANCT file by hand (insee_com column), buses (format Mobile) left out:
    # Valserhône 01033: 1; Guise 02361: 1 fixed + 1 bus; Moulins 03190: 1 multi-site + 1 bus;
    # Saint-Joseph (La Réunion) 97412: 2; Marseille 13055: 1 + 10 in its arrondissements (13202 ×2, 13203,
    # 13210, 13211, 13213, 13214 ×2, 13215, 13216; the EPISEC bus of 13213 left out); Paris 75056: 8 in its
    # arrondissements (75112 ×2, 75115, 75118 ×3, 75120 ×2; the "Mairie mobile" of 75104 left out);
    # Lyon 69123: 69388 ×2 + 69389 ×2 (the Pimms bus of 69123 left out); Mansle 16206: 1 (commune nouvelle
    # Mansle-les-Fontaines in 2023, same code); L'Abergement-Clémenciat 01001: none.
    codes = ("01033", "02361", "03190", "97412", "13055", "75056", "69123", "16206", "01001")
    assert [sites[c] for c in codes] == [1, 1, 1, 2, 11, 8, 4, 1, 0]
    no_service = dict(communes.select("code", "service_public").iter_rows())
    assert [no_service[c] for c in ("02361", "69123", "01001")] == [0.0, 0.0, 100.0]
    # 2,707 sites, 144 buses, 2 sites in Saint-Martin (97801, outside the index) → 2,561 sites in 2,425 communes
    assert int(communes["nb_france_services"].sum()) == 2561
    assert int((communes["nb_france_services"] > 0).sum()) == 2425
    assert int((communes["service_public"] == 0).sum()) == 2425
    row = communes.filter(pl.col("code") == "67017").row(0, named=True)
    # ARCEP: 148 premises, 138 eligible ≥ 30 Mbit/s → 100·(1 − 138/148)
    assert row["thd"] == pytest.approx(100 * (1 - 138 / 148))
    assert row["thd_locaux"] == 148 and row["thd_eligibles"] == 138
    assert row["codes_postaux"] == ["67320"]
    # Paris: the 20 arrondissements of the census summed into 75056
    paris = communes.filter(pl.col("code") == "75056").row(0, named=True)
    arr = readers.read_populations(built_cache.data_dir).filter(pl.col("code").str.starts_with("751"))
    assert paris["population"] == int(arr["population"].sum())
    assert paris["epci"] == "200054781" and paris["dep_nom"] == "Paris"


def test_merged_commune_gets_dissolved_geometry(built_cache):
    import shapely

    geo = cache.load_geometries("commune", simplified=False, settings=built_cache)
    assert len(geo) == 34967  # every 2020 commune but Sannerville (14666, re-established in 2019-12)
    # Valserhône (01033) = Bellegarde-sur-Valserine + Châtillon-en-Michaille + Lancrans (COG 2018)
    one = geo[geo["code"] == "01033"].geometry.iloc[0]
    assert one.is_valid and shapely.get_num_geometries(one) == 1
    report = cache.load_report(built_cache)
    assert report["sources"]["contours"]["codes_communes_2020_absentes"] == ["14666"]
    assert report["sources"]["contours"]["fusions"] == 390


def test_france_services_reconciliation_report(built_cache):
    entry = cache.load_report(built_cache)["sources"]["france_services"]
    assert entry["source"] == "services/france-services-2023.csv"
    assert (entry["sites_lus"], entry["sites_mobiles_non_comptes"]) == (2707, 144)
    # 2,438 distinct commune codes of fixed sites (COG 2023): 2,423 in the 2020 universe, 14 municipal
    # arrondissements of Paris, Lyon, Marseille, Saint-Martin outside the index, none merged or unmatched
    assert entry["lignes"] == 2438
    assert (entry["identiques"], entry["arrondissements"], entry["fusions"]) == (2423, 14, 0)
    assert entry["codes_hors_champ"] == ["97801"]
    assert entry["non_apparies"] == 0 and entry["codes_non_apparies"] == []
    assert entry["communes_2020_absentes"] == 34968 - 2425


def test_simplified_levels_are_valid_coverages(built_cache):
    report = cache.load_report(built_cache)
    quality = report["sources"]["contours"]["qualite_contours_simplifies"]
    for level in ("epci", "departement", "region"):
        assert quality[level] == {"polygones_invalides": 0, "bords_incoherents": 0}
    assert quality["commune"]["polygones_invalides"] == 0


def test_status_fresh_then_stale_after_input_change(built_cache, tmp_path):
    assert build.cache_status(built_cache).fresh
    # same cache, a copy of the bundle whose populations file differs → stale
    bundle = mirror(built_cache.data_dir, tmp_path / "bundle")
    target = bundle / readers.POPULATIONS.relpath
    text = (built_cache.data_dir / readers.POPULATIONS.relpath).read_text(encoding="utf-8")
    target.unlink()
    target.write_text(text.replace("01001;L' Abergement-Clémenciat;776", "01001;L' Abergement-Clémenciat;777"), encoding="utf-8")
    manifest = json.loads((built_cache.cache_dir / "manifest.json").read_text())
    cache_copy = tmp_path / "cache"
    cache_copy.mkdir()
    for name in build.cache_files():
        os.symlink(built_cache.cache_dir / name, cache_copy / name)
    # the manifest records input paths relative to the bundle: same names, other content
    status = build.cache_status(Settings(data_dir=bundle, cache_dir=cache_copy))
    assert not status.fresh and "Communes.csv" in status.reason
    assert manifest["inputs"]["insee/Communes.csv"]["sha256"]


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
    ("missing file", "derived-2020/taux_pauvrete.csv", None, r"taux_pauvrete\.csv.*manquant.*IFN_DATA_DIR"),
    ("truncated csv", "insee/Communes.csv", _truncate, r"Communes\.csv.*tronqué"),
    ("wrong separator", "insee/Communes.csv", _wrong_separator, r"Communes\.csv.*séparateur attendu est « ; »"),
    ("renamed column", "insee/Communes.csv", _rename_column, r"Communes\.csv.*PMUN"),
    ("lost leading zero", "insee/Communes.csv", _lose_zero, r"Communes\.csv.*« 1001 ».*zéro initial"),
    ("unknown France Services format", "services/france-services-2023.csv",
     lambda d: d.replace(b'"Lieu fixe"', b'"Fixe"', 1), r"france-services-2023\.csv.*« Fixe ».*format_fs_anct.*ligne 2 "),
    ("geojson that is not", "geo/communes/communes-01-ain.geojson", lambda d: b"code;nom\n01001;A\n", r"communes-01-ain\.geojson.*GeoJSON"),
]


@pytest.mark.parametrize("case, rel, transform, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_bundle_fails_cleanly(bundle_dir, tmp_path, case, rel, transform, message):
    bundle = mirror(bundle_dir, tmp_path / "bundle")
    if transform is None:
        (bundle / rel).unlink()
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


def test_xlsx_sheet_renamed(bundle_dir, tmp_path):
    import openpyxl

    bundle = mirror(bundle_dir, tmp_path / "bundle")
    target = bundle / readers.EPCI_XLSX
    book = openpyxl.load_workbook(target.resolve())
    book["Composition_communale"].title = "Composition"
    target.unlink()
    book.save(target)
    with pytest.raises(DataError, match=r"intercommunalite.*« Composition_communale » introuvable.*Composition"):
        readers.read_epci_composition(bundle)


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
