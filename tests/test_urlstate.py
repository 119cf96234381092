"""Map page state ↔ query string, transitions (select, level change, area)."""

from __future__ import annotations

from ifn.urlstate import (
    DEFAULT,
    MAX_COMPARED,
    MapState,
    decode,
    decode_compared,
    encode,
    select,
    view_area,
    with_compared,
    with_map_level,
    without_compared,
)

VARIANTS = {"tout_age": "Tout âge"}
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
        "Variante inconnue « ado » dans le lien : variante « Tout âge » utilisée.",
        "Méthode de classes inconnue « kmeans » dans le lien : classes « Tranches égales de 1 à 10 » utilisées.",
        "Aucune commune de code « 00000 » : aucun territoire sélectionné.",
    ]
    assert not any("tout_age" in n or "(e)" in n or "égaux utilisés" in n for n in notices)


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


def test_comparison_list_in_the_link():
    state = with_compared(with_compared(select(DEFAULT, "commune", "69123"), "commune", "69123"), "departement", "974")
    assert with_compared(state, "commune", "69123") == state  # kept once
    params = encode(state)
    assert params["comparer"] == "commune:69123,departement:974"
    assert decode(params, VARIANTS, CODES) == (state, [])
    assert select(state, "epci", "200046977").compared == state.compared  # drilling down keeps the list
    assert "comparer" not in encode(without_compared(state))


def test_comparison_list_with_bad_items():
    items, notices = decode_compared("commune:69123,pays:1,commune:00000,69,commune:69123,", CODES)
    assert items == (("commune", "69123"),)
    assert notices == [
        "Élément « pays:1 » de la comparaison illisible dans le lien (attendu : niveau:code) : ignoré.",
        "Aucune commune de code « 00000 » : retiré de la comparaison.",
        "Élément « 69 » de la comparaison illisible dans le lien (attendu : niveau:code) : ignoré.",
    ]
    many = ",".join(f"commune:{i:05d}" for i in range(MAX_COMPARED + 2))
    items, notices = decode_compared(many)
    assert len(items) == MAX_COMPARED
    assert notices == [f"La comparaison est limitée à {MAX_COMPARED} territoires : « commune:{MAX_COMPARED:05d} » "
                       "et les suivants sont ignorés."]
