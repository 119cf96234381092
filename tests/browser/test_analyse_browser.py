"""The analyst page in chromium: two downloads in a row, wrapped names, screenshots at 1400 and 390 px;
the strategy page's sign-in is announced in the page body at 390 px."""

from __future__ import annotations

import pytest

from tests.browser.conftest import free_port, offline_routes, start_server, stop_server


def _analyse(page, server):
    page.goto(f"{server}/analyse")
    page.get_by_text("Classement").first.wait_for(timeout=180_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)


def test_two_downloads_in_a_row(server, browser, artifacts_dir):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR", accept_downloads=True)
    offline_routes(context)
    page = context.new_page()
    try:
        _analyse(page, server)
        names = []
        for label in ("Résultats (CSV)", "Résultats (CSV)", "Résultats (Excel)", "Préréglage (TOML)"):
            button = page.get_by_role("button", name=label)
            button.scroll_into_view_if_needed()
            with page.expect_download(timeout=30_000) as download:
                button.click()
            names.append(download.value.suggested_filename)
        assert names == ["ifn_epci_analyse.csv", "ifn_epci_analyse.csv", "ifn_epci_analyse.xlsx", "ifn_reglages.toml"]
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "analyse_1400.png"))
        grid.screenshot(path=str(artifacts_dir / "analyse_classement_1400.png"))
    finally:
        context.close()


@pytest.mark.parametrize("width", [390])
def test_narrow_screen(server, browser, artifacts_dir, width):
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="fr-FR", is_mobile=True,
                                  has_touch=True)
    offline_routes(context)
    page = context.new_page()
    try:
        _analyse(page, server)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the grid scrolls inside itself
        grid.screenshot(path=str(artifacts_dir / f"analyse_classement_{width}.png"))
    finally:
        context.close()


def test_sign_in_reachable_at_390(built_cache, browser, artifacts_dir, tmp_path):
    import bcrypt

    port = free_port()
    proc = start_server(port, {"IFN_EDITORS": "alice:" + bcrypt.hashpw(b"motdepasse", bcrypt.gensalt(10)).decode(),
                               "IFN_STRATEGY_DB": str(tmp_path / "strategie.sqlite")})
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True,
                                  has_touch=True)
    offline_routes(context)
    page = context.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/strategie")
        page.get_by_text("Éditeurs : connectez-vous dans le panneau latéral").wait_for(timeout=120_000)
        toggle = page.locator('[data-testid="stExpandSidebarButton"]')
        assert toggle.is_visible()
        toggle.click()
        page.get_by_role("heading", name="Édition (CA)").wait_for(timeout=30_000)
        page.get_by_label("Identifiant").wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts_dir / "strategie_connexion_390.png"))
    finally:
        context.close()
        stop_server(proc)
