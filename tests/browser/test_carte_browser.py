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
    assert "Tranches égales de 1 à 10" in legend.inner_text()
    # The accessible table is drawn when its expander is opened.
    page.get_by_text("Tableau des territoires affichés").click()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)


def _suggest(page, query: str, option: str) -> None:
    """Type into the one search box and click the suggestion that appears under it."""
    box = page.get_by_label("Rechercher un territoire")
    box.fill(query)
    page.get_by_role("button", name=option).click(timeout=30_000)


def test_search_leads_to_the_card(server, page, artifacts_dir):
    page.goto(f"{server}/carte")
    _map(page)
    _suggest(page, "st etienne", "Saint-Étienne (Commune 42)")
    _heading(page, "Saint-Étienne (Commune 42218)")
    from ifn.cache import load_communes
    from ifn.score import score_all

    communes = score_all(load_communes().collect())["commune"]
    ifn = communes.filter(communes["code"] == "42218")["ifn"][0]
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="IFN (1 à 10)")
    assert f"{ifn:.1f}".replace(".", ",") + "/10" in metric.inner_text()
    assert "24 sur 320" in page.locator(".ifn-entete").inner_text()
    assert "code=42218" in page.url
    _map(page)
    page.screenshot(path=str(artifacts_dir / "carte_saint_etienne.png"), full_page=True)


@pytest.mark.parametrize("query, option, heading", [
    ("13205", "Marseille 5e Arrondissement → Marseille (Commune 13)", "Marseille (Commune 13055)"),
    ("91182", "Courcouronnes → Évry-Courcouronnes (Commune 91)", "Évry-Courcouronnes (Commune 91228)"),
])
def test_search_arrondissement_and_former_code(server, page, query, option, heading):
    page.goto(f"{server}/carte")
    _map(page)
    _suggest(page, query, option)
    _heading(page, heading)
    page.get_by_text(re.compile(r"est (un arrondissement|devenue)")).first.wait_for(timeout=30_000)


def _visible_in_viewport_or_scroller(page, locator, width: int) -> None:
    """The cell's box lies inside the viewport horizontally, or inside a horizontally scrollable ancestor."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    inside = box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    scroller = locator.evaluate("""e => { for (let p = e.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p); if ((s.overflowX === 'auto' || s.overflowX === 'scroll')
        && p.scrollWidth > p.clientWidth) return true; } return false; }""")
    assert inside or scroller, f"cellule hors de la fenêtre : {box}"
    assert locator.inner_text().strip() not in ("", "—")


@pytest.mark.parametrize("width", [1400, 390])
def test_card_source_and_vintage_visible(server, browser, artifacts_dir, width):
    from tests.browser.conftest import offline_routes

    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    offline_routes(context)
    pg = context.new_page()
    try:
        pg.goto(f"{server}/carte?carte=commune&niveau=commune&code=42218")
        _heading(pg, "Saint-Étienne (Commune 42218)")
        _map(pg)
        pg.screenshot(path=str(artifacts_dir / f"carte_fiche_{width}px.png"), full_page=True)
        for css in (".ifn-source", ".ifn-millesime"):
            _visible_in_viewport_or_scroller(pg, pg.locator(css).first, width)
            _visible_in_viewport_or_scroller(pg, pg.locator(css).last, width)
        _visible_in_viewport_or_scroller(pg, pg.locator(".ifn-comparaison td").last, width)
        pg.locator(".ifn-source").first.scroll_into_view_if_needed()
        pg.screenshot(path=str(artifacts_dir / f"carte_fiche_{width}px_indicateurs.png"))
        pg.locator(".ifn-comparaison").scroll_into_view_if_needed()
        pg.screenshot(path=str(artifacts_dir / f"carte_fiche_{width}px_comparaison.png"))
        rank = pg.locator(".ifn-entete td").nth(1)
        assert rank.inner_text() == "6\u202f337 sur 34\u202f858"
        _visible_in_viewport_or_scroller(pg, rank, width)
    finally:
        context.close()


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


def test_print_hides_sidebar_and_widgets(server, page):
    page.goto(f"{server}/carte?carte=commune&niveau=commune&code=42218")
    _heading(page, "Saint-Étienne (Commune 42218)")
    page.emulate_media(media="print")
    # the print style sheet applies (polled: the page may still be finishing its run after the heading)
    page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=10_000)
    page.get_by_label("Rechercher un territoire").wait_for(state="hidden", timeout=10_000)
    page.locator(".ifn-source").first.wait_for(state="visible", timeout=10_000)  # the card's body follows its heading


def test_method_page_linked_from_the_card(server, page):
    page.goto(f"{server}/carte?carte=commune&niveau=commune&code=42218")
    _heading(page, "Saint-Étienne (Commune 42218)")
    page.get_by_role("link", name="Méthode et sources : définitions, formules, millésimes").click()
    page.get_by_role("heading", name="Méthode de calcul de l'Indice de Fragilité Numérique (IFN)").wait_for(timeout=30_000)
    page.get_by_role("heading", name="Sources et millésimes (générés depuis le catalogue)").wait_for()


def test_downloaded_map_draws_offline_from_disk(browser, tmp_path):
    """The exported HTML map opened from disk, every network request refused: the map is drawn once."""
    from pathlib import Path

    from ifn.classify import classify
    from ifn.export import offline_map_html
    from ifn.mapview import build_map

    fc = {"type": "FeatureCollection", "bbox": [4.0, 45.0, 5.0, 46.0], "features": [
        {"type": "Feature", "properties": {"code": "42218", "nom": "Saint-Étienne", "texte": "IFN 6,8/10",
                                           "couleur": "#fd8d3c"},
         "geometry": {"type": "Polygon", "coordinates": [[[4, 45], [5, 45], [5, 46], [4, 45]]]}}]}
    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "carte.html"
    path.write_bytes(offline_map_html(build_map(fc, classify([6.8]), "IFN — Départements", leaflet=""),
                                      "Indice de Fragilité Numérique — Loire", "Niveau : Communes",
                                      root / "static" / "leaflet-1.9.3"))
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    refused = []

    def only_the_file(route):
        if route.request.url.startswith(("file://", "data:", "about:")):
            return route.continue_()
        refused.append(route.request.url)  # e.g. map tiles: no network here
        return route.abort()

    context.route("**/*", only_the_file)
    pg = context.new_page()
    try:
        pg.goto(path.as_uri())
        pg.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for(timeout=30_000)
        assert pg.title() == "Indice de Fragilité Numérique — Loire"
        assert pg.locator(".leaflet-container").count() == 1
        legend = pg.locator(".ifn-legend").inner_text()
        assert "IFN — Départements" in legend and "Tranches égales de 1 à 10" in legend
        assert not any("leaflet" in u for u in refused)  # Leaflet came from the file itself
    finally:
        context.close()


def test_comparison_from_the_shared_link(server, page, artifacts_dir):
    page.goto(f"{server}/carte?carte=commune&niveau=commune&code=42218&comparer=departement:29,commune:42218")
    _heading(page, "Comparer des territoires")
    grid = page.locator(".ifn-grille")
    grid.wait_for(timeout=30_000)
    assert "Finistère (29)" in grid.inner_text() and "Score « Sans fibre » (1 à 10)" in grid.inner_text()
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(timeout=30_000)
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "carte_comparaison_1400px.png"))
