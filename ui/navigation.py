"""Explicit page registry: fixed menu order and stable URLs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


@dataclass(frozen=True)
class PageSpec:
    """One entry of the menu."""

    file: str
    title: str
    url_path: str
    icon: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("accueil.py", "Accueil", "accueil", ":material/home:", default=True),
    PageSpec("carte.py", "Carte de la fragilité", "carte", ":material/map:"),
    PageSpec("analyse.py", "Analyse et pondérations", "analyse", ":material/tune:"),
    PageSpec("mediation.py", "Besoins et offre de médiation", "mediation", ":material/diversity_3:"),
    PageSpec("strategie.py", "Stratégie 2025 (CA)", "strategie", ":material/flag:"),
)


def run() -> None:
    """Configure the app and run the selected page."""
    st.set_page_config(page_title="Indice de Fragilité Numérique", page_icon="🗺️", layout="wide")
    pages = [
        st.Page(
            str(PAGES_DIR / spec.file),
            title=spec.title,
            url_path=spec.url_path,
            icon=spec.icon,
            default=spec.default,
        )
        for spec in PAGES
        if (PAGES_DIR / spec.file).exists()
    ]
    st.navigation(pages).run()


def require_app() -> None:
    """Route a deep link opened before the app's first run through the page registry.

    On a fresh server Streamlit runs ``pages/<page>.py`` directly for a URL such as ``/carte``
    (automatic ``pages/`` menu, no wide layout) until ``app.py`` has called ``st.navigation`` once.
    Called first by every page: it switches the server to the registry and reruns, so the same URL
    is then served by ``app.py`` with the French menu.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # internal module moved: keep the automatic menu
        return
    if getattr(PagesManager, "uses_pages_directory", None):  # streamlit 1.67 internals; absent → nothing to do
        PagesManager.uses_pages_directory = False
        st.rerun()
