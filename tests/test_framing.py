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


def test_tile_frame():
    from ifn.framing import tile_frame
    from ifn.mapview import DROM, METROPOLE

    boxes = {("commune", "42218"): (4.2, 45.3, 4.5, 45.5), ("departement", "42"): (3.6, 45.2, 4.8, 46.3)}

    def bounds(level, code):
        return boxes.get((level, code))

    assert tile_frame("commune", "974", "commune", "42218", None, bounds) == DROM["974"][1]  # a DROM choice wins
    assert tile_frame("departement", "metropole", None, None, None, bounds) == METROPOLE
    assert tile_frame("commune", "metropole", None, None, None, bounds) == METROPOLE  # national communes
    assert tile_frame("commune", "metropole", "commune", "42218", ("departement", "42"), bounds) == boxes[("commune", "42218")]
    assert tile_frame("commune", "metropole", "departement", "42", ("departement", "42"), bounds) == boxes[("departement", "42")]
    assert tile_frame("iris", "metropole", "commune", "75056", ("commune", "75056"), bounds) is None
