"""The « Méthode et sources » page text: the repository's methodology plus catalogue tables."""

from __future__ import annotations

import pytest

from ifn.catalogue import load_catalogue
from ifn.errors import ConfigError
from ifn.methodology import METHODOLOGY_PATH, indicators_markdown, page_markdown


def test_page_is_the_same_text_plus_generated_tables():
    text, generated = page_markdown()
    assert text == METHODOLOGY_PATH.read_text(encoding="utf-8")
    assert "## Sources et millésimes (générés depuis le catalogue)" in generated
    assert "| Donnée | Source | Millésime |" in generated
    cat = load_catalogue()
    fibre = cat.indicator("fibre")
    assert f"| indice | {fibre.label} | % |" in indicators_markdown(cat)
    assert all(f"| {s.label.replace('|', chr(92) + '|')} | {s.vintage} |" in generated
               for s in cat.sources if s.id in {"arcep_fixe_2026", "filosofi_2021"})


def test_missing_document_is_a_french_error(tmp_path):
    with pytest.raises(ConfigError, match="Le document de méthode « .*absent.md » est illisible"):
        page_markdown(path=tmp_path / "absent.md")
