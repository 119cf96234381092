"""Search index: normalisation and ranked hits on a small hand-made commune table."""

from __future__ import annotations

import polars as pl
import pytest

from ifn.search import Hit, build_index, normalise, search


@pytest.mark.parametrize("text, key", [
    ("Saint-Étienne", "saint etienne"),
    ("ST-ETIENNE", "saint etienne"),
    ("ste Marie", "sainte marie"),
    ("L'Haÿ-les-Roses", "l hay les roses"),
    ("  Bœuf  ", "boeuf"),
    ("Stenay", "stenay"),
    ("", ""),
])
def test_normalise(text, key):
    assert normalise(text) == key


@pytest.fixture()
def index():
    communes = pl.DataFrame({
        "code": ["42218", "76575", "69123", "27378", "97411"],
        "nom": ["Saint-Étienne", "Saint-Étienne-du-Rouvray", "Lyon", "Lyons-la-Forêt", "Saint-Denis"],
        "dep": ["42", "76", "69", "27", "974"],
        "dep_nom": ["Loire", "Seine-Maritime", "Rhône", "Eure", "La Réunion"],
        "epci": ["244200770", "200023414", "200046977", "200070", "249740119"],
        "epci_nom": ["Saint-Etienne Métropole", "Métropole Rouen Normandie", "Métropole de Lyon", "CC Lyons Andelle",
                     "CA CINOR"],
        "population": [172565, 28641, 513275, 751, 147931],
        "codes_postaux": [["42000", "42100"], ["76800"], ["69001", "69002"], ["27480"], ["97400", "97490"]],
    })
    return build_index(communes)


def test_index_has_every_level(index):
    assert index.height == 5 + 5 + 5
    assert sorted(index["level"].unique().to_list()) == ["commune", "departement", "epci"]


def test_name_accent_case_and_saint(index):
    hits = search(index, "st etienne")
    assert [(h.level, h.code) for h in hits] == [("commune", "42218"), ("epci", "244200770"), ("commune", "76575")]


def test_exact_before_prefix(index):
    assert [h.code for h in search(index, "LYON")] == ["69123", "27378", "200046977", "200070"]


def test_postal_code(index):
    assert search(index, "42100") == [Hit("commune", "42218", "Saint-Étienne", "42")]
    assert [h.code for h in search(index, "97400")] == ["97411"]


def test_insee_code_and_departement_code(index):
    assert [h.code for h in search(index, "69123")] == ["69123"]
    assert [(h.level, h.code) for h in search(index, "974")] == [("departement", "974")]


def test_epci_and_departement_names(index):
    assert [(h.level, h.code) for h in search(index, "métropole de lyon")] == [("epci", "200046977")]
    assert [(h.level, h.code) for h in search(index, "reunion")] == [("departement", "974")]
    assert search(index, "Seine-Maritime")[0].label == "Seine-Maritime (Département 76)"


def test_nothing(index):
    assert search(index, "") == []
    assert search(index, "zzzz") == []
    assert search(index, "!!!") == []


def test_real_index(built_cache):
    from ifn.cache import load_communes

    index = build_index(load_communes().collect())
    assert search(index, "st etienne", 1)[0].code == "42218"
    assert search(index, "75001")[0].code == "75056"
    assert search(index, "Nantes Métropole", 1)[0].code == "244400404"


@pytest.fixture(scope="module")
def real_index(built_cache):
    from ifn.cache import load_aliases, load_communes

    return build_index(load_communes().collect(), load_aliases())


@pytest.mark.parametrize("query", ["13205", "Marseille 5e", "marseille 5e arrondissement"])
def test_arrondissement_of_marseille_leads_to_its_commune(real_index, query):
    hit = search(real_index, query)[0]
    assert (hit.level, hit.code, hit.name, hit.target) == ("commune", "13055", "Marseille 5e Arrondissement", "Marseille")
    assert hit.label == "Marseille 5e Arrondissement → Marseille (Commune 13)"
    assert hit.notice == ("Marseille 5e Arrondissement (13205) est un arrondissement : l'indice est calculé pour la "
                          "commune Marseille (13055).")


def test_paris_11e(real_index):
    hit = search(real_index, "Paris 11e")[0]
    assert (hit.code, hit.name) == ("75056", "Paris 11e Arrondissement")
    assert hit.notice.startswith("Paris 11e Arrondissement (75111) est un arrondissement")


def test_pre_2026_code_and_name_lead_to_the_current_commune(real_index):
    hit = search(real_index, "91182")[0]
    assert (hit.code, hit.name, hit.target) == ("91228", "Courcouronnes", "Évry-Courcouronnes")
    assert hit.notice == "Courcouronnes (91182) est devenue Évry-Courcouronnes (91228) le 01/01/2019."
    assert search(real_index, "Courcouronnes")[0].code == "91228"
    # a current commune is never shadowed by an alias of the same text
    assert search(real_index, "Évry-Courcouronnes")[0] == Hit("commune", "91228", "Évry-Courcouronnes", "91")
    assert search(real_index, "Évry-Courcouronnes")[0].label == "Évry-Courcouronnes (Commune 91)"
