"""The tile map in a real chromium: national communes, click → code, recolour in the same iframe, legend, DROM."""

from __future__ import annotations

import time

import pytest

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
STATE_JS = """() => { const c = document.querySelector('.leaflet-container');
  return c ? [c.getAttribute('data-ifn-level'), c.getAttribute('data-ifn-view'), c.getAttribute('data-ifn-loaded')] : null; }"""


@pytest.fixture(autouse=True)
def _tiles_built(built_cache):
    from ifn import tiles

    if not tiles.complete(built_cache.cache_dir / tiles.TILES_DIR,
                          tiles.load_manifest(built_cache.cache_dir / tiles.TILES_DIR)):
        pytest.fail("le cache n'a pas de tuiles : « python -m ifn build » les construit")


def _frame(page):
    page.locator(MAP_FRAME).first.wait_for(timeout=120_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "streamlit_folium" in frame.url:
                return frame
        page.wait_for_timeout(50)
    raise AssertionError("pas d'iframe de carte")


def _loaded(page, level: str, after_view: int = 0, timeout: float = 90.0) -> int:
    """Wait until the tiles of ``level`` are all drawn for a view numbered above ``after_view``; its number."""
    frame = _frame(page)
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = frame.evaluate(STATE_JS)
        if state and state[0] == level and state[1] == state[2] and int(state[1]) > after_view:
            return int(state[1])
        page.wait_for_timeout(50)
    raise AssertionError(f"tuiles « {level} » non dessinées : {state}")


def _commune_point(code: str) -> tuple[float, float]:
    from ifn.cache import load_geometries

    gdf = load_geometries("commune", simplified=False)
    point = gdf[gdf["code"] == code].geometry.iloc[0].representative_point()
    return point.y, point.x


def _click(page, lat: float, lon: float) -> None:
    frame = _frame(page)
    x, y = frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
    box = page.locator(MAP_FRAME).first.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_national_communes_and_a_click_returns_the_commune(server, page, artifacts_dir):
    page.goto(f"{server}/carte?carte=commune")
    page.get_by_text("Communes : 34875 territoires affichés").wait_for(timeout=60_000)
    _loaded(page, "commune")
    frame = _frame(page)
    # the tiles drawn hold communes of every part of mainland France (not one département)
    drawn = frame.evaluate("async () => new Set((await window.ifnTiles.drawnCodes()).map(c => c.slice(0, 2))).size")
    assert drawn >= 90  # départements 01…95 and 2A/2B
    page.screenshot(path=str(artifacts_dir / "carte_communes_nationale.png"), full_page=True)
    lat, lon = _commune_point("13004")  # Arles, 759 km²: several pixels wide at the national zoom
    heading = page.get_by_role("heading", name="Arles (Commune 13004)")
    for _ in range(4):
        _click(page, lat, lon)
        try:
            heading.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - the component was still binding its handlers
            continue
    heading.wait_for(timeout=20_000)
    assert "code=13004" in page.url


def test_the_legend_follows_the_level(server, page):
    page.goto(f"{server}/carte")
    view = _loaded(page, "departement")
    legend = _frame(page).locator(".ifn-legend")
    assert "IFN — Départements" in legend.inner_text()
    assert "Données insuffisantes" in legend.inner_text()
    page.locator('[data-testid="stButtonGroup"]').get_by_text("Communes", exact=True).click()
    _loaded(page, "commune", view)
    text = _frame(page).locator(".ifn-legend").inner_text()
    assert "IFN — Communes" in text and "IFN — Départements" not in text


def test_a_drom_frame_shows_la_reunion(server, page):
    page.goto(f"{server}/carte")
    view = _loaded(page, "departement")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Cadrage").click()
    page.get_by_role("option", name="La Réunion").click()
    _loaded(page, "departement", view)
    frame = _frame(page)
    inside = frame.evaluate("() => window.map.getBounds().contains([-21.115, 55.536])"
                            " && !window.map.getBounds().contains([46.6, 2.4])")
    assert inside
    codes = frame.evaluate("() => window.ifnTiles.drawnCodes()")
    assert "974" in codes


def test_a_weight_change_recolours_the_same_iframe(server, page):
    page.goto(f"{server}/analyse")
    page.get_by_role("button", name="Appliquer").wait_for(timeout=120_000)
    view = _loaded(page, "epci")
    page.locator(MAP_FRAME).first.evaluate("el => { el.dataset.marque = 'avant'; }")
    before = _frame(page).evaluate("() => window.ifnTiles.view.classes")
    box = page.get_by_label("Taux de pauvreté")
    box.fill("5")
    page.get_by_role("button", name="Appliquer").click()
    _loaded(page, "epci", view)
    assert page.locator(MAP_FRAME).first.evaluate("el => el.dataset.marque") == "avant"  # the same element
    after = _frame(page).evaluate("() => window.ifnTiles.view.classes")
    assert len(after) == len(before) == 1256 and after != before


def test_a_level_switch_draws_the_tiles_decoded_ahead_without_fetching(server, page):
    epci = []
    # requests of the map's workers are reported on the page: those of the EPCI archive are counted
    page.on("request", lambda r: epci.append(r.url) if "/tuiles/epci-" in r.url else None)
    page.goto(f"{server}/carte?carte=commune")
    view = _loaded(page, "commune")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not epci:  # the workers fetch the EPCI tiles once communes are drawn
        page.wait_for_timeout(100)
    assert epci, "les tuiles des EPCI n'ont pas été lues d'avance"
    seen = -1
    while len(epci) != seen:  # until the prefetch is over (no new request for 1 s)
        seen = len(epci)
        page.wait_for_timeout(1000)
    page.locator('[data-testid="stButtonGroup"]').get_by_text("EPCI", exact=True).click()
    _loaded(page, "epci", view)
    assert len(epci) == seen  # drawn from the tiles decoded ahead: no fetch
    assert "IFN — EPCI" in _frame(page).locator(".ifn-legend").inner_text()


def test_the_tooltip_names_the_commune_and_its_score(server, page, built_cache):
    from ifn.cache import load_communes
    from ifn.score import score_all

    row = score_all(load_communes())["commune"].filter(code="13004").row(0, named=True)
    expected = f"IFN {row['ifn']:.1f}".replace(".", ",") + "/10"  # the score travels as two characters
    page.goto(f"{server}/carte?carte=commune")
    _loaded(page, "commune")
    frame = _frame(page)
    lat, lon = _commune_point("13004")
    x, y = frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
    box = page.locator(MAP_FRAME).first.bounding_box()
    tip = frame.locator(".ifn-tooltip")
    for dx in (0, 1, 0):  # a move inside the commune: the worker answers, the tooltip opens
        page.mouse.move(box["x"] + x + dx, box["y"] + y)
        page.wait_for_timeout(200)
    tip.wait_for(timeout=10_000)
    assert tip.inner_text().split("\n") == ["Arles", expected]
