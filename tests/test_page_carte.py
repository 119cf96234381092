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


def _choose(at, query: str, index: int = 0):
    """Type in the search box and click the ``index``-th suggestion."""
    at.text_input(key="carte_recherche").input(query).run()
    at.button(key=f"carte_suggestion_{index}").click().run()
    return at


def _suggestions(at) -> list[str]:
    return [shown(b.label) for b in at.button if b.key and b.key.startswith("carte_suggestion_")]


def _html(at) -> str:
    return "".join(h.proto.body for h in at.get("html"))


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
    assert _suggestions(at)[:2] == ["Saint-Étienne (Commune 42)", "Saint-Étienne Métropole (EPCI 244200770)"]
    at.button(key="carte_suggestion_0").click().run()
    assert not at.exception
    assert shown(at.subheader[0].value) == "Saint-Étienne (Commune 42218)"
    assert _caption(at).startswith("Communes — 42 : 320 territoires affichés")
    assert _metrics(at)["IFN (1 à 10)"] == "6,8/10"
    body = _html(at)
    assert "<th scope=\"row\">Rang dans le département</th><td>24 sur 320</td>" in body
    assert "<th scope=\"row\">Rang en France</th><td>6\u202f337 sur 34\u202f858</td>" in body
    assert body.count('class="ifn-source"') == 14 and body.count('class="ifn-millesime"') == 14
    assert dict(at.query_params) == {"carte": "commune", "niveau": "commune", "code": "42218"}
    assert at.text_input(key="carte_recherche").value == ""  # the box is emptied once a suggestion is chosen
    assert _suggestions(at) == []
    # postal code of another commune: the card changes
    _choose(at, "29000")
    assert shown(at.subheader[0].value) == "Quimper (Commune 29232)"
    assert _caption(at).startswith("Communes — 29 : 2")


@pytest.mark.parametrize("query, heading, notice", [
    ("13205", "Marseille (Commune 13055)", "Marseille 5e Arrondissement (13205) est un arrondissement"),
    ("Paris 11e", "Paris (Commune 75056)", "Paris 11e Arrondissement (75111) est un arrondissement"),
    ("91182", "Évry-Courcouronnes (Commune 91228)", "Courcouronnes (91182) est devenue Évry-Courcouronnes (91228)"),
])
def test_search_arrondissements_and_former_codes(at, query, heading, notice):
    at.run()
    _choose(at, query)
    assert not at.exception
    assert shown(at.subheader[0].value) == heading
    assert any(shown(i.value).startswith(notice) for i in at.info)


def test_search_without_result_says_so(at):
    at.run()
    at.text_input(key="carte_recherche").input("zzzz").run()
    assert "Aucun territoire ne correspond à « zzzz »." in [shown(c.value) for c in at.caption]


def test_drom_commune_and_commune_without_outline_have_notices(at):
    at.run()
    _choose(at, "97101")
    notices = [shown(i.value) for i in at.info]
    assert any(n.startswith("IFN calculé sur 4 des 5 indicateurs de l'indice") and "Taux de pauvreté" in n for n in notices)
    _choose(at, "15031")
    assert any(shown(i.value).startswith("Cette commune n'apparaît pas sur la carte") for i in at.info)


def test_shared_link_restores_the_view(at):
    at.query_params["carte"] = "commune"
    at.query_params["niveau"] = "epci"
    at.query_params["code"] = "200046977"
    at.query_params["classes"] = "quantiles"
    at.run()
    assert not at.exception
    assert shown(at.subheader[0].value) == "Métropole de Lyon (EPCI 200046977)"
    assert _caption(at).startswith("Communes — 200046977 : 58 territoires affichés")
    assert at.selectbox(key="carte_methode").value == "quantiles"


def test_bad_link_gives_french_notices(at):
    at.query_params["carte"] = "pays"
    at.query_params["variante"] = "ado"
    at.run()
    assert not at.exception
    notices = [shown(i.value) for i in at.info]
    assert "Niveau de carte inconnu « pays » dans le lien : carte des départements affichée." in notices
    assert "Variante inconnue « ado » dans le lien : variante « Tout âge » utilisée." in notices
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
    # 5 classes, and Mayotte (no census, no Filosofi: 2 indicators of 5) without a score
    assert len(set(after) - {"Données insuffisantes"}) == 5 and after.count("Données insuffisantes") == 1
    assert dict(at.query_params)["classes"] == "quantiles"


def test_compare_two_territories(at):
    at.run()
    for query in ("Finistère", "Lozère"):
        _choose(at, query)
        at.button(key="carte_ajouter").click().run()
    assert dict(at.query_params)["comparer"] == "departement:29,departement:48"
    grid = _html(at)
    assert "<th scope=\"col\">Finistère (29)</th><th scope=\"col\">Lozère (48)</th>" in grid
    assert "Score « Sans fibre » (1 à 10)" in grid
    at.button(key="carte_vider").click().run()
    assert "Ajoutez des territoires depuis leur fiche pour les comparer." in [c.value for c in at.caption]
    assert "comparer" not in dict(at.query_params)


def test_comparison_restored_from_the_link(at):
    at.query_params["comparer"] = "departement:29,commune:42218"
    at.run()
    assert not at.exception
    assert "<th scope=\"col\">Finistère (29)</th><th scope=\"col\">Saint-Étienne (42218)</th>" in _html(at)


def test_exports_and_method_link(at):
    at.query_params["carte"] = "commune"
    at.query_params["niveau"] = "departement"
    at.query_params["code"] = "48"
    at.run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Fiche imprimable (HTML)", "Tableau (CSV)", "Tableau (Excel)", "Contours (GeoJSON)",
                      "Carte (HTML hors ligne)"]
    assert "Méthode et sources" in "".join(m.value for m in at.markdown)


def test_drom_frame_in_commune_view(at):
    at.query_params["carte"] = "commune"
    at.query_params["niveau"] = "departement"
    at.query_params["code"] = "29"
    at.run()
    at.selectbox(key="carte_frame").set_value("974").run()
    assert not at.exception
    assert _caption(at).startswith("Communes — 974 : 24 territoires affichés")
    assert shown(at.subheader[0].value) == "La Réunion (Département 974)"
