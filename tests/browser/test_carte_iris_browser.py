"""The IRIS map of Paris in a real chromium: the 992 IRIS drawn with the legend of the IRIS level."""

from __future__ import annotations

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_iris_map_of_paris_with_its_legend(server, page, artifacts_dir):
    page.goto(f"{server}/carte?carte=iris&niveau=commune&code=75056")
    page.get_by_text("IRIS — 75056 : 992 territoires affichés").wait_for(timeout=120_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for(timeout=60_000)
    legend = frame.locator(".ifn-legend")
    legend.wait_for()
    assert "IFN — IRIS" in legend.inner_text()
    assert "Données insuffisantes" in legend.inner_text()
    page.get_by_role("heading", name="Paris (Commune 75056)").wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "carte_iris_paris.png"), full_page=True)
