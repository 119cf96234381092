"""Indicator catalogue: content and validation messages."""

import pytest

from ifn.catalogue import load_catalogue, parse_catalogue
from ifn.errors import ConfigError

GOOD = """
[indicators.a]
label = "A"
axis = 1
unit = "%"
direction = "plus_haut_plus_fragile"
source = "S"
vintage = "2020"
description = "D"
[variants.v]
label = "V"
indicators = ["a"]
"""


def test_shipped_catalogue():
    cat = load_catalogue()
    assert cat.ids[:5] == ("fibre", "couv4g", "age65", "diplome", "pauvrete")
    var = cat.variant("tout_age")
    assert var.label == "Tout âge"
    assert var.indicators == ("fibre", "couv4g", "age65", "diplome", "pauvrete")
    assert var.context == ("thd30", "couv4g_min", "menseul", "fammono", "chomage", "etrangers",
                           "dist_bibliotheque", "dist_france_services", "dist_mediation")
    assert cat.indicator("couv4g").proxy_note  # flagged as a proxy
    assert cat.indicator("fibre").aggregation == "locaux"
    assert cat.indicator("couv4g").aggregation == "surface" and cat.indicator("couv4g").pooling_kind == "locaux"
    # every indicator names catalogue sources, a definition and an allowed range
    known = {s.id for s in cat.sources}
    for ind in cat.indicators:
        assert ind.source_ids and set(ind.source_ids) <= known, ind.id
        assert ind.definition and ind.range is not None, ind.id
    age = cat.indicator("age65")
    assert age.source_ids == ("recensement_2022", "recensement_2017_drom")
    assert age.source == cat.source("recensement_2022").label and age.vintage == "RP 2022"
    assert "rsa" in dict(cat.retired) and cat.retired_reason("fibre") is None
    assert all(cat.indicator(i).axis == 2 for i in var.context)
    assert all(i.direction == "plus_haut_plus_fragile" for i in cat.indicators)


def test_lookup_errors_are_french():
    with pytest.raises(ConfigError, match="Indicateur inconnu « x »"):
        load_catalogue().indicator("x")
    with pytest.raises(ConfigError, match="Variante inconnue « ado »"):
        load_catalogue().variant("ado")


@pytest.mark.parametrize("old, new, message", [
    ("axis = 1", "axis = 3", "attendu 1 ou 2"),
    ('direction = "plus_haut_plus_fragile"', 'direction = "inverse"', "direction"),
    ('indicators = ["a"]', 'indicators = ["b"]', "indicateur inconnu « b »"),
    ('label = "A"', 'label = ""', "texte non vide"),
    ('unit = "%"\n', "", "pas de champ « unit »"),
    ("[variants.v]", "[other]", "aucune table \\[variants"),
    ('indicators = ["a"]', 'indicators = []\ncontext = ["a"]', "axe 1"),
])
def test_validation(old, new, message):
    assert old in GOOD
    with pytest.raises(ConfigError, match=message):
        parse_catalogue(GOOD.replace(old, new), "cat.toml")


SOURCED = GOOD.replace('source = "S"\nvintage = "2020"\n', 'source = "s1"\nfallback_sources = ["s2"]\nrange = [0, 100]\n') + """
[sources.s1]
module = "m1"
label = "Producteur 1"
vintage = "2024"
cog_date = "2024-01-01"
[sources.s2]
module = "m2"
label = "Producteur 2"
vintage = "2017"
[retired]
vieux = "remplacé par a"
"""


def test_sources_fallbacks_range_and_retired():
    cat = parse_catalogue(SOURCED)
    a = cat.indicator("a")
    assert (a.source, a.vintage, a.source_ids, a.range) == ("Producteur 1", "2024", ("s1", "s2"), (0.0, 100.0))
    assert cat.source("s1").cog_date == "2024-01-01" and cat.retired_reason("vieux") == "remplacé par a"


@pytest.mark.parametrize("old, new, message", [
    ('fallback_sources = ["s2"]', 'fallback_sources = ["s9"]', "source inconnue"),
    ("range = [0, 100]", "range = [100, 0]", "\\[minimum, maximum\\]"),
    ('cog_date = "2024-01-01"', 'cog_date = "2024"', "AAAA-MM-JJ"),
    ('vieux = "remplacé par a"', 'a = "remplacé"', "à la fois dans le catalogue et dans \\[retired\\]"),
    ('module = "m2"\n', "", "pas de champ « module »"),
])
def test_source_validation(old, new, message):
    assert old in SOURCED
    with pytest.raises(ConfigError, match=message):
        parse_catalogue(SOURCED.replace(old, new), "cat.toml")


def test_good_minimal_and_syntax_error():
    assert parse_catalogue(GOOD).ids == ("a",)
    with pytest.raises(ConfigError, match="illisible"):
        parse_catalogue("[[[", "cat.toml")
