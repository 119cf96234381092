"""Analyst page at the IRIS level (AppTest): scores among IRIS from the IRIS rows, notices, map rule."""

from __future__ import annotations

import pytest

from ifn.analysis import iris_map_needs_area, iris_notices
from tests.analyse_app import apply, opened


@pytest.fixture
def page(built_cache, clear_streamlit_caches):
    return opened(180)


def infos(at) -> list[str]:
    return [i.value for i in at.info]


def test_iris_of_paris_ranked_by_their_own_unemployment(page):
    page.selectbox(key="an_level").set_value("iris")
    page.selectbox(key="an_dep").set_value("75")
    apply(page)
    assert "Résultat : IRIS, 75 — Paris" in [h.value for h in page.subheader]
    table = page.dataframe[0].value
    assert len(table) == 992  # the IRIS of Paris in the census of 2022
    # only the census unemployment rate weighted: the IRIS are ranked by the rate of their own row
    # (iris.parquet: Jardin de Bercy 42.86 %, Saint-Fargeau 13 35.26 %, Maison Blanche 19 34.01 %),
    # not by Paris's commune value (which would give all 992 the same score)
    for key in [n.key for n in page.number_input if n.key and n.key.startswith("an_w_")]:
        page.number_input(key=key).set_value(0.0)
    page.number_input(key="an_w_chomage").set_value(1.0)
    page.number_input(key="an_min").set_value(1)
    apply(page)
    table = page.dataframe[0].value
    assert table["code"].tolist()[:3] == ["751124708", "751207813", "751135119"]
    assert table["nom"].tolist()[0] == "Jardin de Bercy"
    assert table["ifn"].nunique() > 100


def test_iris_of_all_france_need_a_departement_for_the_map(page):
    page.selectbox(key="an_level").set_value("iris")
    apply(page)
    assert len(page.dataframe[0].value) == 48487
    assert "Choisissez un département dans « Territoire affiché » pour la carte des IRIS." in infos(page)


def test_iris_notices():
    assert iris_notices("commune", "97", True) == []
    drom, = iris_notices("iris", "974", False)
    assert drom.startswith("Les DROM n'ont pas de données par IRIS")
    custom, = iris_notices("iris", "75", True)
    assert "ne sont pas utilisés au niveau des IRIS" in custom
    assert iris_map_needs_area("iris", "__france__") and not iris_map_needs_area("iris", "75")
    assert not iris_map_needs_area("commune", "__france__")
