"""The map page in a real chromium against ``streamlit run``: map + legend, search → card, shared link, click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _map(page):
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for(timeout=60_000)
    return frame


def _heading(page, text: str):
    page.get_by_role("heading", name=text).wait_for(timeout=30_000)


def test_map_with_legend_and_screenshot(server, page, artifacts_dir):
    page.goto(f"{server}/carte")
    frame = _map(page)
    legend = frame.locator(".ifn-legend")
    legend.wait_for()
    assert "IFN — Départements" in legend.inner_text()
    assert "Données insuffisantes" in legend.inner_text()
    page.get_by_text("Départements : 101 territoires affichés").wait_for()
    page.screenshot(path=str(artifacts_dir / "carte_departements.png"), full_page=True)
    # The accessible table is drawn when its expander is opened.
    page.get_by_text("Tableau des territoires affichés").click()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)


def test_search_leads_to_the_card(server, page, artifacts_dir):
    page.goto(f"{server}/carte")
    _map(page)
    box = page.get_by_label("Rechercher un territoire")
    box.fill("st etienne")
    box.press("Enter")
    results = page.locator('[data-testid="stSelectbox"]').filter(has_text="Résultats")
    results.locator("input:not([disabled])").click(timeout=30_000)
    page.get_by_role("option", name="Saint-Étienne (Commune 42)").click()
    _heading(page, "Saint-Étienne (Commune 42218)")
    from ifn.cache import load_communes
    from ifn.score import score_all
    from ifn.territory import rank_of

    communes = score_all(load_communes().collect())["commune"]
    ifn = communes.filter(communes["code"] == "42218")["ifn"][0]
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="IFN (1 à 10)")
    assert f"{ifn:.1f}".replace(".", ",") + "/10" in metric.inner_text()
    rank, n = rank_of(communes, "42218", "dep")
    rank_box = page.locator('[data-testid="stMetric"]').filter(has_text="Rang dans le département")
    assert f"{rank} / {n}" in rank_box.inner_text() and n == 320
    assert "code=42218" in page.url
    _map(page)
    page.screenshot(path=str(artifacts_dir / "carte_saint_etienne.png"), full_page=True)


def test_shared_link_opens_the_territory(server, page):
    page.goto(f"{server}/carte?carte=commune&niveau=epci&code=200046977")
    _heading(page, "Métropole de Lyon (EPCI 200046977)")
    page.get_by_text("Communes — 200046977 : 58 territoires affichés").wait_for()
    _map(page)


def test_click_on_the_map_selects_a_departement(server, page):
    page.goto(f"{server}/carte")
    _map(page)
    iframe = page.locator(MAP_FRAME)
    bbox = iframe.bounding_box()
    heading = page.get_by_role("heading", name=re.compile(r"\(Département \d"))
    # Leaflet binds its click handlers once the component has settled: click again until the card opens.
    for _ in range(6):
        page.mouse.click(bbox["x"] + bbox["width"] * 0.5, bbox["y"] + bbox["height"] * 0.5)
        try:
            heading.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            continue
    heading.wait_for(timeout=30_000)
    page.get_by_text(re.compile(r"Communes — \d+ : \d+ territoires affichés")).wait_for()


def test_deep_link_on_a_fresh_server_uses_the_french_menu(fresh_server, page):
    # Before app.py has ever run, Streamlit would serve pages/carte.py with its automatic menu
    # ("app", "accueil", "carte"…); the page reroutes through the registry instead.
    page.goto(f"{fresh_server}/carte?carte=commune&niveau=epci&code=200046977")
    _heading(page, "Métropole de Lyon (EPCI 200046977)")
    _map(page)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Carte de la fragilité" in nav
    assert "Stratégie 2025 (CA)" in nav
    assert "app" not in nav.split()
    assert "code=200046977" in page.url
