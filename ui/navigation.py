"""Explicit page registry: fixed menu order and stable URLs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import streamlit.errors  # noqa: F401  (st.errors in page_link)

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
    PageSpec("methode.py", "Méthode et sources", "methode", ":material/menu_book:"),
)


def page_link(url_path: str, label: str, icon: str | None = None) -> None:
    """Link to a page of the registry by its URL path (``methode``).

    Through ``st.page_link`` when the app runs with its registry; a page run on its own (AppTest,
    or before ``app.py`` ran) gets a plain relative link instead of Streamlit's « page not found » error.
    """
    spec = next(s for s in PAGES if s.url_path == url_path)
    try:
        st.page_link(f"pages/{spec.file}", label=label, icon=icon)
    except st.errors.StreamlitAPIException:
        st.markdown(f"[{label}](./{spec.url_path})")


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
