"""Map page state ↔ query string, transitions (select, level change, area)."""

from __future__ import annotations

from ifn.urlstate import DEFAULT, MapState, decode, encode, select, view_area, with_map_level

VARIANTS = ["tout_age"]
CODES = {"commune": {"69123"}, "departement": {"69", "974"}, "epci": {"200046977"}, "region": {"84"}}


def test_roundtrip():
    state = MapState("commune", "commune", "69123", "tout_age", "jenks")
    params = encode(state)
    assert params == {"carte": "commune", "niveau": "commune", "code": "69123", "classes": "jenks"}
    assert decode(params, VARIANTS, CODES) == (state, [])


def test_defaults():
    assert encode(DEFAULT) == {"carte": "departement"}
    assert decode({}, VARIANTS, CODES) == (DEFAULT, [])


def test_lists_from_query_params():
    state, notices = decode({"carte": ["epci"], "niveau": ["epci"], "code": ["200046977"]}, VARIANTS, CODES)
    assert state == MapState("epci", "epci", "200046977") and notices == []


def test_unknown_values_fall_back_with_french_notices():
    state, notices = decode({"carte": "pays", "variante": "ado", "classes": "kmeans", "niveau": "commune",
                             "code": "00000"}, VARIANTS, CODES)
    assert state == DEFAULT
    assert notices == [
        "Niveau de carte inconnu « pays » dans le lien : carte des départements affichée.",
        "Variante inconnue « ado » dans le lien : variante « tout_age » utilisée.",
        "Méthode de classes inconnue « kmeans » dans le lien : pas égaux utilisés.",
        "Aucun(e) commune de code « 00000 » : aucun territoire sélectionné.",
    ]


def test_code_without_level_and_communes_without_territory():
    state, notices = decode({"carte": "commune", "code": "69"}, VARIANTS, CODES)
    assert state == DEFAULT
    assert notices == ["Le lien donne le code « 69 » sans son niveau : aucun territoire sélectionné.",
                       "La carte des communes demande un territoire : carte des départements affichée."]


def test_transitions():
    s = select(DEFAULT, "departement", "69")
    assert s == MapState("commune", "departement", "69")
    assert view_area(s) == ("departement", "69")
    c = select(s, "commune", "69123")
    assert view_area(c, "69") == ("departement", "69")
    assert view_area(with_map_level(c, "epci")) is None
    assert with_map_level(DEFAULT, "commune") == DEFAULT
    assert with_map_level(c, "region") == MapState("region", "commune", "69123")
