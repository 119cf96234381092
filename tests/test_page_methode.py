"""AppTest of the « Méthode et sources » page: the methodology text, then the catalogue tables."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ifn.methodology import METHODOLOGY_PATH
from ui.navigation import PAGES

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "methode.py")


def test_method_page_renders_the_document_and_sources(clear_streamlit_caches):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    bodies = [m.value for m in at.markdown]
    assert bodies[0] == METHODOLOGY_PATH.read_text(encoding="utf-8").strip()  # streamlit strips the body
    assert "| Donnée | Source | Millésime |" in bodies[1]
    assert any(p.url_path == "methode" and p.file == "methode.py" for p in PAGES)
