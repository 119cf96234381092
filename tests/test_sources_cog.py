"""The 2026 commune universe and its code resolver, on the real COG files of the bundle."""

from __future__ import annotations

import json

import polars as pl
import pytest

from ifn import reconcile
from ifn.errors import DataError
from ifn.search import build_index, search
from ifn.sources import cog_2026


@pytest.fixture(scope="module")
def universe(bundle_dir):
    return cog_2026.read(bundle_dir)


@pytest.fixture(scope="module")
def resolver(bundle_dir, universe):
    return reconcile.make_resolver(universe["code"], cog_2026.read_sub_units(bundle_dir),
                                   cog_2026.read_movements(bundle_dir))


def test_the_2026_universe_is_every_commune_of_metropolitan_france_and_the_drom(universe):
    assert universe.height == 34_875
    assert universe.group_by("zone").len().sort("zone").rows() == [("drom", 129), ("metro", 34_746)]
    assert universe["code"].is_unique().all()
    evry = universe.filter(pl.col("code") == "91228").row(0, named=True)
    assert (evry["nom"], evry["dep"], evry["dep_nom"], evry["reg"], evry["population"]) == (
        "Évry-Courcouronnes", "91", "Essonne", "11", 66_919)
    assert "91182" in evry["anciens_codes"]
    brehat = universe.filter(pl.col("code") == "22016").row(0, named=True)
    assert (brehat["epci"], brehat["epci_nom"]) == (cog_2026.NO_EPCI, cog_2026.NO_EPCI_NAME)
    assert universe.filter(pl.col("epci") == cog_2026.NO_EPCI).height == 4


def test_former_codes_and_arrondissements_resolve_to_their_2026_commune(resolver):
    assert resolver.resolve("91182") == ("91228", reconcile.MERGED)       # Courcouronnes, merged in 2019
    assert resolver.resolve("75111") == ("75056", reconcile.ARRONDISSEMENT)
    assert resolver.resolve("13205") == ("13055", reconcile.ARRONDISSEMENT)
    assert resolver.resolve("15141") == ("15141", reconcile.MATCHED)
    # the four Cantal communes re-established on 2025-01-01 out of 15141
    later = resolver.created_after("2024-01-01")
    assert {c: later[c] for c in ("15031", "15035", "15047", "15171")} == {
        c: ("2025-01-01", "15141") for c in ("15031", "15035", "15047", "15171")}
    assert "15031" not in resolver.created_after("2025-01-01")


def test_search_finds_arrondissements_and_former_codes_with_a_notice(bundle_dir, universe, resolver):
    aliases = reconcile.alias_table(resolver, cog_2026.read_sub_units(bundle_dir), cog_2026.read_movements(bundle_dir),
                                    dict(universe.select("code", "nom").iter_rows()))
    index = build_index(universe, aliases)
    old = search(index, "91182")
    assert [(h.code, h.name) for h in old] == [("91228", "Courcouronnes")]
    assert old[0].notice == "Courcouronnes (91182) est devenue Évry-Courcouronnes (91228) le 01/01/2019."
    marseille = search(index, "13205")
    assert marseille[0].code == "13055" and "arrondissement" in marseille[0].notice
    paris11 = search(index, "Paris 11e")
    assert paris11[0].code == "75056" and paris11[0].name == "Paris 11e Arrondissement"
    # a current name ranks before former names and sub-units
    assert search(index, "Paris")[0].notice is None


@pytest.mark.parametrize("payload, message", [
    (b"{}", "une liste JSON"),
    (b"[1, 2]", "l'entrée n° 1 n'est pas un objet JSON"),
    (b'[{"code": "1001", "type": "commune-actuelle", "zone": "metro", "nom": "X", "departement": "01", '
     b'"region": "84"}]', "« code » vaut « 1001 », format inattendu"),
    (b"[{", "JSON invalide à la ligne 1"),
    (b"\xff\xfe", "pas en UTF-8"),
])
def test_malformed_cog_files_are_named_in_french(tmp_path, payload, message):
    path = tmp_path / cog_2026.COMMUNES_JSON
    path.parent.mkdir(parents=True)
    path.write_bytes(payload)
    with pytest.raises(DataError, match=message) as err:
        cog_2026.read(tmp_path)
    assert "communes.json" in str(err.value)


def test_a_commune_in_two_epci_is_refused(tmp_path):
    path = tmp_path / cog_2026.EPCI_JSON
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps([
        {"code": "200000172", "nom": "CC A", "type": "CC", "membres": [{"code": "74042"}]},
        {"code": "200000173", "nom": "CC B", "type": "CC", "membres": [{"code": "74042"}]},
    ]), encoding="utf-8")
    with pytest.raises(DataError, match="« 74042 » appartient à deux EPCI"):
        cog_2026.read_epci(tmp_path)
