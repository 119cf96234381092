"""AppTest of the map page's IRIS view (issue 13): opened from a shared link, from a search hit,
the DROM fallback, the Lyon notice, the card of an IRIS."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ifn import urlstate
from tests.markdown_safety import shown

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "carte.py")


@pytest.fixture()
def at(built_cache, clear_streamlit_caches):
    return AppTest.from_file(PAGE, default_timeout=180)


def _caption(at) -> str:
    return next(c.value for c in at.caption if "territoires affichés" in c.value)


def test_shared_link_opens_the_iris_of_a_commune(at):
    at.query_params.update({"carte": "iris", "niveau": "commune", "code": "01004"})
    at.run()
    assert not at.exception and not at.error
    assert _caption(at).startswith("IRIS — 01004 : 4 territoires affichés")
    assert shown(at.subheader[0].value) == "Ambérieu-en-Bugey (Commune 01004)"


def test_search_hit_opens_the_iris_card(at):
    at.run()
    at.text_input(key="carte_recherche").input("Saint-Germain l'Auxerrois 4").run()
    suggestions = [shown(b.label) for b in at.button if b.key and b.key.startswith("carte_suggestion_")]
    assert suggestions[0] == "Saint-Germain l'Auxerrois 4 (IRIS de Paris)"
    at.button(key="carte_suggestion_0").click().run()
    assert not at.exception and not at.error
    assert shown(at.subheader[0].value) == "Saint-Germain l'Auxerrois 4 (IRIS 751010104)"
    assert dict(at.query_params) == {"carte": "iris", "niveau": "iris", "code": "751010104"}
    assert _caption(at).startswith("IRIS — 75056 : 992 territoires affichés")
    body = "".join(h.proto.body for h in at.get("html"))
    assert "Population de l&#x27;IRIS (recensement 2022)</th><td>0</td>" in body
    assert "Valeur de la commune" in body


def test_drom_falls_back_to_the_communes(at):
    at.query_params.update({"carte": "iris", "niveau": "departement", "code": "974"})
    at.run()
    assert not at.exception and not at.error
    assert urlstate.NO_DROM_IRIS in [shown(i.value) for i in at.info]
    assert _caption(at).startswith("Communes — 974")


def test_lyon_iris_have_no_outline(at):
    at.query_params.update({"carte": "iris", "niveau": "commune", "code": "69123"})
    at.run()
    assert not at.exception and not at.error
    assert _caption(at).startswith("IRIS — 69123 : 0 territoires affichés")
    assert any("Lyon et Marseille" in shown(i.value) for i in at.info)
