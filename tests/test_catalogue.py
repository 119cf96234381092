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
    assert cat.ids[:5] == ("thd", "mobile", "age65", "diplome", "pauvrete")
    var = cat.variant("tout_age")
    assert var.label == "Tout âge"
    assert var.indicators == ("thd", "mobile", "age65", "diplome", "pauvrete")
    assert var.context == ("menseul", "fammono", "chomage", "rsa", "bibliotheque", "service_public")
    assert cat.indicator("mobile").proxy_note  # flagged as a proxy
    assert cat.indicator("thd").aggregation == "locaux"
    assert all(cat.indicator(i).axis == 2 for i in var.context)
    assert all(i.direction == "plus_haut_plus_fragile" for i in cat.indicators)


def test_lookup_errors_are_french():
    with pytest.raises(ConfigError, match="Indicateur inconnu « x »"):
        load_catalogue().indicator("x")
    with pytest.raises(ConfigError, match="Variante inconnue « jeune »"):
        load_catalogue().variant("jeune")


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


def test_good_minimal_and_syntax_error():
    assert parse_catalogue(GOOD).ids == ("a",)
    with pytest.raises(ConfigError, match="illisible"):
        parse_catalogue("[[[", "cat.toml")
