"""AppTest of the page « Besoins et offre de médiation »: default view, threshold change, level change."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ifn import mediation
from tests.markdown_safety import injected, shown

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "mediation.py")


@pytest.fixture()
def at(built_cache, clear_streamlit_caches):
    return AppTest.from_file(PAGE, default_timeout=180)


def _sentence(at) -> str:
    return next(shown(m.value) for m in at.markdown if "lieu de médiation numérique" in shown(m.value)
                and shown(m.value).startswith("**"))


def _expected(level: str, code: str, name: str, ifn_min: float, km: float) -> tuple[str, list[str]]:
    from ifn.cache import load_communes
    from ifn.score import score_all

    communes = load_communes().collect()
    table = mediation.area_table(mediation.commune_table(score_all(communes)["commune"], communes), level, code)
    th = mediation.Thresholds(ifn_min, km)
    priority = mediation.priority_list(table, th)
    return mediation.sentence(mediation.totals(table, priority, th), th, name), priority["code"].to_list()


def test_default_view_then_thresholds_then_level(at):
    at.run()
    assert not at.exception and not at.error
    assert not injected(at)  # names from the bundle never draw links, images or HTML
    assert shown(at.subheader[0].value).startswith("Ain (département 01) — IFN ")
    sentence, codes = _expected("departement", "01", "Ain", 7, 10)
    assert _sentence(at) == f"**{sentence}**"
    liste = next(d.value for d in at.dataframe if "rang" in d.value.columns)
    assert list(liste["code"]) == codes
    # A looser distance: more communes, same computation as the command line
    at.number_input(key="med_distance").set_value(5.0).run()
    assert not at.exception
    sentence5, codes5 = _expected("departement", "01", "Ain", 7, 5)
    assert _sentence(at) == f"**{sentence5}**" and len(codes5) > len(codes)
    at.number_input(key="med_ifn_min").set_value(9.5).run()
    assert "aucune commune d'IFN ≥ 9,5" in _sentence(at)
    # Another territory: a région
    at.radio(key="med_niveau").set_value("region").run()
    assert not at.exception
    at.selectbox(key="med_code_region").set_value("76").run()
    assert shown(at.subheader[0].value).startswith("Occitanie (région 76) — IFN ")
    assert _sentence(at).startswith("**Occitanie : ")
    by_dep = next(d.value for d in at.dataframe if "communes_prioritaires" in d.value.columns)
    assert set(by_dep["code"]) <= {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}
