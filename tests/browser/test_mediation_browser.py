"""The page « Besoins et offre de médiation » in a real chromium: the IFN map with three toggleable clustered
layers of places (served by the app, no CDN), a place's popup, the priority list and its sentence."""

from __future__ import annotations

import re

MAP_FRAME = '[data-testid="stIFrame"]'


def _map(page):
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").first.wait_for(timeout=90_000)
    return frame


def test_three_layers_and_the_list(server, page, artifacts_dir):
    page.goto(f"{server}/mediation")
    page.get_by_role("heading", name=re.compile(r"Ain \(département 01\)")).wait_for(timeout=120_000)
    frame = _map(page)
    control = frame.locator(".leaflet-control-layers-overlays")
    control.wait_for(timeout=30_000)
    labels = control.locator("label").all_inner_texts()
    assert len(labels) == 3
    assert labels[0].strip().startswith("Lieux de médiation numérique")
    assert labels[1].strip().startswith("France Services")
    assert labels[2].strip().startswith("Bibliothèques publiques")
    # Each layer is drawn as clusters (leaflet.markercluster from the app's static folder)
    for layer in ("mediation", "france_services", "bibliotheque"):
        frame.locator(f".ifn-cluster-{layer}").first.wait_for(timeout=30_000)
    # Hiding a layer removes its clusters, the others stay
    control.locator("label").nth(2).locator("input").uncheck()
    assert frame.locator(".ifn-cluster-bibliotheque").count() == 0
    assert frame.locator(".ifn-cluster-mediation").count() > 0
    # The priority list: its sentence and its table
    page.get_by_text(re.compile(r"Ain : .*communes? d'IFN ≥ 7 à plus de 10 km d'un lieu de médiation")).wait_for(
        timeout=30_000)
    page.locator('[data-testid="stDataFrame"]:visible').first.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "mediation_ain.png"), full_page=True)
