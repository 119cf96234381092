"""Shared fixtures.

``built_cache``: the real cache built once per test session from the bundle
(``IFN_DATA_DIR`` or ``../shared/opendata``), in the project's default cache
folder (reused when fresh). Tests that need it are skipped when the bundle is
absent. ``IFN_CACHE_DIR`` is set for the session so AppTest pages see it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ifn.config import resolve_settings

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    settings = resolve_settings()
    if not settings.data_dir.is_dir():
        pytest.skip(f"jeu de données ouvertes absent ({settings.data_dir})")
    return settings.data_dir


@pytest.fixture(scope="session")
def built_cache(bundle_dir):
    """Settings whose cache is built and fresh."""
    from ifn import build

    settings = resolve_settings()
    if not build.cache_status(settings).fresh:
        build.build_cache(settings)
    os.environ["IFN_CACHE_DIR"] = str(settings.cache_dir)
    os.environ["IFN_DATA_DIR"] = str(settings.data_dir)
    return settings


@pytest.fixture
def synthetic_cache(tmp_path, monkeypatch):
    """A cache holding only the synthetic commune table of tests/test_score.py; returns its parent folder."""
    from tests.test_score import synthetic_communes

    cache = tmp_path / "cache"
    cache.mkdir()
    synthetic_communes().write_parquet(cache / "communes.parquet")
    monkeypatch.setenv("IFN_CACHE_DIR", str(cache))
    return tmp_path


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture()
def clear_streamlit_caches():
    """Clear session state and both caches around an AppTest run."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
