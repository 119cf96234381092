"""Map framing (ifn.framing): which box the map page opens on."""

from ifn.framing import FRAME_LABELS, METROPOLE_FRAME, frame_department, map_frame
from ifn.mapview import DROM, METROPOLE

# Two communes of La Réunion as the map layer draws them (bbox of each feature's outline).
LAYER = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"code": "97411"},
     "geometry": {"type": "Polygon", "coordinates": [[[55.4, -20.9], [55.5, -20.9], [55.5, -20.8], [55.4, -20.9]]]}},
    {"type": "Feature", "properties": {"code": "97415"},
     "geometry": {"type": "Polygon", "coordinates": [[[55.2, -21.0], [55.3, -21.0], [55.3, -20.9], [55.2, -21.0]]]}},
]}


def test_drom_frames_above_the_commune_level():
    assert map_frame("departement", "974", "departement", "974", LAYER) == DROM["974"][1]
    assert map_frame("region", "976", "region", None, LAYER) == DROM["976"][1]
    assert map_frame("epci", "971", "commune", "97101", LAYER) == DROM["971"][1]
    assert map_frame("departement", METROPOLE_FRAME, "commune", "97411", LAYER) == METROPOLE
    assert map_frame("departement", "not-a-frame", "departement", None, LAYER) == METROPOLE


def test_commune_level_follows_the_selected_commune():
    assert map_frame("commune", "974", "commune", "97415", LAYER) == (55.2, -21.0, 55.3, -20.9)
    assert map_frame("commune", METROPOLE_FRAME, "commune", "97411", LAYER) == (55.4, -20.9, 55.5, -20.8)
    assert map_frame("commune", "974", "departement", "974", LAYER) is None
    assert map_frame("commune", "974", "commune", None, LAYER) is None


def test_drom_choice_selects_its_departement_at_commune_level():
    assert frame_department("commune", "973") == "973"
    assert frame_department("commune", METROPOLE_FRAME) is None
    assert frame_department("departement", "973") is None
    assert list(FRAME_LABELS) == [METROPOLE_FRAME, "971", "972", "973", "974", "976"]
    assert FRAME_LABELS["973"] == "Guyane" and FRAME_LABELS[METROPOLE_FRAME] == "France métropolitaine"
