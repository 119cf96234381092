"""The app's entry page: French texts, first-start build, missing bundle message."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.markdown_safety import shown

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_home_page_with_cache(built_cache, clear_streamlit_caches):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Indice de Fragilité Numérique"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Communes (COG 2026)"] == "34 875"
    assert metrics["Communes sans contour"] == "4"  # the four Cantal communes re-established in 2025
    assert any("ARCEP" in md.value for md in at.markdown)


def test_missing_bundle_is_a_french_message(tmp_path, monkeypatch, clear_streamlit_caches):
    monkeypatch.setenv("IFN_DATA_DIR", str(tmp_path / "absent"))
    monkeypatch.setenv("IFN_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "introuvable" in shown(at.error[0].value) and "IFN_DATA_DIR" in shown(at.error[0].value)


def test_first_start_builds_the_cache(bundle_dir, tmp_path, monkeypatch, clear_streamlit_caches):
    monkeypatch.setenv("IFN_DATA_DIR", str(bundle_dir))
    monkeypatch.setenv("IFN_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(APP, default_timeout=400).run()
    assert not at.exception and not at.error
    assert (tmp_path / "cache" / "communes.parquet").exists()
    assert {m.label: m.value for m in at.metric}["Communes (COG 2026)"] == "34 875"
