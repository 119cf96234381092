"""AppTest of the map page: default view, level/search/method/compare transitions, URL restore, notices."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.markdown_safety import shown

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "carte.py")


@pytest.fixture()
def at(built_cache, clear_streamlit_caches):
    return AppTest.from_file(PAGE, default_timeout=120)


def _caption(at) -> str:
    return next(c.value for c in at.caption if "territoires affichés" in c.value)


def _frame(at, column: str, index: int = 0):
    """The ``index``-th table or dataframe of the page having ``column`` (the card uses static tables)."""
    return [d.value for d in [*at.table, *at.dataframe] if column in d.value.columns][index]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_default_view_then_level_change(at):
    at.run()
    assert not at.exception and not at.error
    assert _caption(at).startswith("Départements : 101 territoires affichés")
    assert at.info[0].value.startswith("Cliquez sur un territoire")
    at.segmented_control(key="carte_niveau").set_value("epci").run()
    assert not at.exception
    assert _caption(at).startswith("EPCI : 1256 territoires affichés")
    assert dict(at.query_params) == {"carte": "epci"}
    at.segmented_control(key="carte_niveau").set_value("region").run()
    assert _caption(at).startswith("Régions : 18 territoires affichés")


def test_search_selects_and_drills_down(at):
    at.run()
    at.text_input(key="carte_recherche").input("st etienne").run()
    results = at.selectbox(key="carte_resultat")
    assert results.options[:2] == ["Saint-Étienne (Commune 42)",
                                                      "Saint-Etienne Métropole (EPCI 244200770)"]
    results.select_index(0).run()
    assert not at.exception
    assert shown(at.subheader[0].value) == "Saint-Étienne (Commune 42218)"
    assert _caption(at).startswith("Communes — 42 : 323 territoires affichés")
    metrics = _metrics(at)
    assert metrics["IFN (1 à 10)"] == "4,1/10"
    assert metrics["Rang dans le département"] == "263 / 323"
    assert dict(at.query_params) == {"carte": "commune", "niveau": "commune", "code": "42218"}
    indicators = _frame(at, "Indicateur")
    assert indicators["Indicateur"].tolist()[0] == "Locaux non éligibles au très haut débit"
    assert indicators["Valeur"].tolist()[0] == "12,0 %"
    comparison = _frame(at, "IFN")
    assert [shown(t) for t in comparison["Territoire"]] == ["Saint-Étienne (Commune)", "Loire (Département)", "France"]
    # postal code of another commune: the card changes
    at.text_input(key="carte_recherche").input("29000").run()
    at.selectbox(key="carte_resultat").select_index(0).run()
    assert shown(at.subheader[0].value) == "Quimper (Commune 29232)"
    assert _caption(at).startswith("Communes — 29 : 277 territoires affichés")


def test_shared_link_restores_the_view(at):
    at.query_params["carte"] = "commune"
    at.query_params["niveau"] = "epci"
    at.query_params["code"] = "200046977"
    at.query_params["classes"] = "quantiles"
    at.run()
    assert not at.exception
    assert shown(at.subheader[0].value) == "Métropole de Lyon (EPCI 200046977)"
    assert _caption(at).startswith("Communes — 200046977 : 59 territoires affichés")
    assert at.selectbox(key="carte_methode").value == "quantiles"


def test_bad_link_gives_french_notices(at):
    at.query_params["carte"] = "pays"
    at.query_params["variante"] = "ado"
    at.run()
    assert not at.exception
    notices = [shown(i.value) for i in at.info]
    assert "Niveau de carte inconnu « pays » dans le lien : carte des départements affichée." in notices
    assert "Variante inconnue « ado » dans le lien : variante « tout_age » utilisée." in notices
    assert _caption(at).startswith("Départements : 101")


def test_territory_table_is_drawn_only_when_opened(at):
    at.run()
    assert not [d for d in at.dataframe if "Classe" in d.value.columns]
    at.session_state["carte_tableau_ouvert"] = True
    at.run()
    table = _frame(at, "Classe")
    assert table.shape == (101, 4)
    assert list(table.columns) == ["Territoire", "Code", "IFN", "Classe"]


def test_method_changes_the_classes(at):
    at.session_state["carte_tableau_ouvert"] = True
    at.run()
    before = _frame(at, "Classe")["Classe"].tolist()
    at.selectbox(key="carte_methode").set_value("quantiles").run()
    after = _frame(at, "Classe")["Classe"].tolist()
    assert before != after
    assert len(set(after)) == 5
    assert dict(at.query_params)["classes"] == "quantiles"


def test_compare_two_territories(at):
    at.run()
    for query in ("Finistère", "Lozère"):
        at.text_input(key="carte_recherche").input(query).run()
        at.selectbox(key="carte_resultat").select_index(0).run()
        at.button(key="carte_ajouter").click().run()
    table = _frame(at, "Niveau")
    assert table["Territoire"].tolist() == ["Finistère", "Lozère"]
    assert table["Niveau"].tolist() == ["Département", "Département"]
    at.button(key="carte_vider").click().run()
    assert "Ajoutez des territoires depuis leur fiche pour les comparer." in [c.value for c in at.caption]


def test_drom_frame_in_commune_view(at):
    at.query_params["carte"] = "commune"
    at.query_params["niveau"] = "departement"
    at.query_params["code"] = "29"
    at.run()
    at.selectbox(key="carte_frame").set_value("974").run()
    assert not at.exception
    assert _caption(at).startswith("Communes — 974 : 24 territoires affichés")
    assert shown(at.subheader[0].value) == "La Réunion (Département 974)"
