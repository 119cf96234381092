"""Framing of the map page: which box the map opens on.

The « Cadrage » widget offers metropolitan France and each DROM. Above the commune level the
map is framed on the chosen box; at the commune level it follows the selected commune (the
map then shows one département, so a DROM choice selects that département instead).
"""

from __future__ import annotations

from ifn.mapview import DROM, METROPOLE, feature_bounds

METROPOLE_FRAME = "metropole"
FRAME_LABELS: dict[str, str] = {METROPOLE_FRAME: "France métropolitaine",
                                **{code: name for code, (name, _) in DROM.items()}}

Bounds = tuple[float, float, float, float]


def map_frame(map_level: str, frame: str, level: str, code: str | None, geojson: dict) -> Bounds | None:
    """(west, south, east, north) the map opens on, or None to let the map fit its layer.

    Parameters
    ----------
    map_level : level drawn on the map.
    frame : the « Cadrage » choice (``METROPOLE_FRAME`` or a DROM département code).
    level, code : the selected territory (its level and code; code may be None).
    geojson : the layer drawn (to frame a selected commune).
    """
    if map_level not in ("commune", "iris"):  # the commune and IRIS maps fit their layer
        return DROM[frame][1] if frame in DROM else METROPOLE
    if level == "commune" and code:
        return feature_bounds(geojson, code)
    return None


def frame_department(map_level: str, frame: str) -> str | None:
    """The département to select when the « Cadrage » choice changes: a DROM at the commune level, else None."""
    if map_level == "commune" and frame != METROPOLE_FRAME and frame in DROM:
        return frame
    return None


def tile_frame(map_level: str, frame: str, level: str | None, code: str | None, area, bounds):
    """(west, south, east, north) the tile map opens on, or None to let the map fit its layer.

    The tile map draws all of France at every level, so it always needs a framing: a DROM chosen in
    « Cadrage », else France at the levels above the commune, else the selected commune or the drawn area.
    ``area``: (level, code) of the area drawn, or None; ``bounds(level, code)``: a unit's box from the tiles.
    """
    if frame in DROM:
        return DROM[frame][1]
    if map_level == "iris":
        return None  # the IRIS of one area (GeoJSON): the layer's own bounds
    if map_level != "commune" or (not area and not code):
        return METROPOLE
    if level == "commune" and code:
        return bounds("commune", code)
    return bounds(*area) if area else None
