"""Need against offer: priority list, thresholds, French opening hours, border distances, exports, diagnostic."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from pathlib import Path

import polars as pl
import pytest

from ifn import diagnostic, export, mediation, offer
from ifn.distances import EARTH_RADIUS_KM, service_distances
from ifn.errors import InputError
from ifn.hours import french_hours

KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180  # 111.195 km for one degree of a meridian


# --------------------------------------------------------------------------- a made-up territory
def small_territory() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Three communes on the meridian 5° E and two places:

    A (45.0°) IFN 8, 1 000 inhabitants, place P1 at its centre → 0 km;
    B (45.1°) IFN 7.0, 300 inhabitants → P1 at 0.1° = 11.12 km (P2 at 0.4°);
    C (45.3°) IFN 9, 500 inhabitants → P2 (45.5°) at 0.2° = 22.24 km (P1 at 0.3°).
    """
    centres = pl.DataFrame({"code": ["99001", "99002", "99003"], "lat": [45.0, 45.1, 45.3], "lon": [5.0, 5.0, 5.0]})
    places = pl.DataFrame({"lat": [45.0, 45.5], "lon": [5.0, 5.0]})
    table = pl.DataFrame({
        "code": ["99001", "99002", "99003"], "nom": ["Aval", "Bourg", "Combe"], "dep": ["99"] * 3,
        "epci": ["E1", "E1", "E2"], "epci_nom": ["CC Une", "CC Une", "CC Deux"], "reg": ["R"] * 3,
        "population": [1000, 300, 500], "ifn": [8.0, 7.0, 9.0],
    }).join(service_distances(centres, {"dist_mediation": places}), on="code")
    return table, centres, places


def test_small_territory_distances_by_hand():
    table, _, _ = small_territory()
    km = dict(table.select("code", "dist_mediation").iter_rows())
    assert km["99001"] == pytest.approx(0.0, abs=1e-9)
    assert km["99002"] == pytest.approx(0.1 * KM_PER_DEG, rel=1e-9)  # 11.1195 km
    assert km["99003"] == pytest.approx(0.2 * KM_PER_DEG, rel=1e-9)  # 22.2390 km


def test_priority_list_of_the_small_territory():
    table, _, _ = small_territory()
    th = mediation.check_thresholds(7, 10)
    priority = mediation.priority_list(table, th)
    # A is at 0 km; B (IFN exactly 7, 11.1 km) and C (IFN 9, 22.2 km) are listed, most populated first
    assert priority.select("rang", "code", "population").rows() == [(1, "99003", 500), (2, "99002", 300)]
    totals = mediation.totals(table, priority, th)
    assert (totals.communes, totals.habitants, totals.habitants_territoire, totals.fragiles) == (2, 800, 1800, 3)
    assert mediation.sentence(totals, th, "Test") == (
        "Test : 800 habitants vivent dans 2 communes d'IFN ≥ 7 à plus de 10 km d'un lieu de médiation numérique, "
        "soit 44,4 % de la population.")
    # 11.2 km leaves B out (11.12 km); IFN 7.5 leaves B out too
    assert mediation.priority_list(table, mediation.check_thresholds(7, 11.2))["code"].to_list() == ["99003"]
    assert mediation.priority_list(table, mediation.check_thresholds("7,5", 10))["code"].to_list() == ["99003"]
    none = mediation.check_thresholds(9.5, 10)
    empty = mediation.priority_list(table, none)
    assert mediation.sentence(mediation.totals(table, empty, none), none, "Test") == (
        "Test : aucune commune d'IFN ≥ 9,5 à plus de 10 km d'un lieu de médiation numérique.")


def test_priority_summed_per_epci():
    table, _, _ = small_territory()
    priority = mediation.priority_list(table, mediation.Thresholds())
    units = mediation.by_unit(priority, table, "epci")
    assert units.rows() == [("E2", "CC Deux", 1, 500, 500, 100.0), ("E1", "CC Une", 1, 300, 1300, 23.1)]


def test_places_within_the_radius():
    table, centres, places = small_territory()
    counted = mediation.within_radius(table, centres, {"mediation": places}, 12.0)
    # A: P1 at 0 km; B: P1 at 11.1 km; C: P2 at 22.2 km, P1 at 33.4 km
    assert dict(counted.select("code", "lieux_mediation_rayon").iter_rows()) == {"99001": 1, "99002": 1, "99003": 0}
    # 34 km: C also reaches P1 (0.3° = 33.36 km); B's P2 is 0.4° = 44.5 km away, A's 0.5° = 55.6 km
    wide = mediation.within_radius(table, centres, {"mediation": places}, 34.0)
    assert wide["lieux_mediation_rayon"].to_list() == [1, 1, 2]


def test_a_commune_without_ifn_or_distance_is_counted_apart():
    table, _, _ = small_territory()
    table = table.with_columns(pl.when(pl.col("code") == "99003").then(None).otherwise(pl.col("ifn")).alias("ifn"))
    table = pl.concat([table, table.filter(pl.col("code") == "99002").with_columns(
        pl.lit("99004").alias("code"), pl.lit(None, dtype=pl.Float64).alias("dist_mediation"))])
    th = mediation.Thresholds()
    priority = mediation.priority_list(table, th)
    assert priority["code"].to_list() == ["99002"]
    totals = mediation.totals(table, priority, th)
    assert (totals.sans_ifn, totals.sans_distance) == (1, 1)
    assert len(mediation.caveats(totals)) == 2


@pytest.mark.parametrize("ifn, dist, radius, message", [
    (0, 10, 5, "Seuil d'IFN : 0 est hors de l'échelle de l'indice (de 1 à 10)."),
    (10.5, 10, 5, "Seuil d'IFN : 10,5 est hors de l'échelle de l'indice (de 1 à 10)."),
    (7, -1, 5, "Distance : −1 km est négative ; donnez une distance de 0 à 200 km."),
    ("sept", 10, 5, "Seuil d'IFN : « sept » n'est pas un nombre (exemple : 7 ou 7,5)."),
    (7, float("nan"), 5, "Distance : « nan » n'est pas un nombre fini."),
    (7, 10, 0, "Rayon : 0 km doit être compris entre 0 (exclu) et 50 km."),
])
def test_thresholds_are_refused_in_french(ifn, dist, radius, message):
    with pytest.raises(InputError) as err:
        mediation.check_thresholds(ifn, dist, radius)
    assert str(err.value) == message


# --------------------------------------------------------------------------- opening hours
def _cnfs_hours(bundle_dir: Path, ids: list[str]) -> dict[str, str]:
    with (bundle_dir / "services/lieux-mediation-numerique-cnfs-2022.csv").open(encoding="utf-8", newline="") as fh:
        return {r["id"]: r["horaires"] for r in csv.DictReader(fh) if r["id"] in ids}


def test_french_rendering_of_real_cnfs_hours(bundle_dir):
    hours = _cnfs_hours(bundle_dir, ["6259891c05457b0790817590", "625989af05457b079081759e",
                                     "626d482bcc2a0205c7beefa7"])
    # Harmonie Mutuelle, Foix (line 3): the Tuesday rule overrides the Monday-to-Friday one (OSM semantics)
    assert hours["6259891c05457b0790817590"] == "Mo-Fr 09:00-12:00,13:30-17:30; Tu 09:00-12:00,14:30-17:30"
    assert french_hours(hours["6259891c05457b0790817590"]) == (
        "lundi : 9 h – 12 h et 13 h 30 – 17 h 30 ; mardi : 9 h – 12 h et 14 h 30 – 17 h 30 ; "
        "du mercredi au vendredi : 9 h – 12 h et 13 h 30 – 17 h 30")
    # Harmonie Mutuelle, Pamiers (line 4)
    assert french_hours(hours["625989af05457b079081759e"]) == "jeudi : 9 h – 12 h et 13 h 30 – 17 h 30"
    # Œuvres sociales de la Fraternité (line 36): « Tu 12:30 » is malformed → shown as written, no error
    assert hours["626d482bcc2a0205c7beefa7"] == "Mo 09:30-12:00,14:00-17:00; Tu 12:30"
    assert french_hours(hours["626d482bcc2a0205c7beefa7"]) == "Mo 09:30-12:00,14:00-17:00; Tu 12:30"


def test_hours_edge_cases():
    assert french_hours(None) == "horaires non renseignés"
    assert french_hours("  ") == "horaires non renseignés"
    assert french_hours("24/7") == "tous les jours, 24 h sur 24"
    assert french_hours("Mo-Su 09:00-12:00") == "tous les jours : 9 h – 12 h"
    assert french_hours("Mo,Tu 10:00-12:00") == "lundi et mardi : 10 h – 12 h"
    assert french_hours("off") == "fermé"
    seasonal = french_hours("Jan-Jun Mo 10:00-12:00")
    assert seasonal.startswith("semaine de janvier : lundi : 10 h – 12 h (horaires variables")
    assert french_hours("<b>Mo</b>") == "<b>Mo</b>"  # as written: the caller escapes it


def test_france_services_hours_to_osm():
    row = {"h_lundi": "09:00 - 12:00 / 13:30 - 17:00", "h_mardi": "", "h_mercredi": None,
           "h_jeudi": "08:30 - 12:00", "h_vendredi": None, "h_samedi": None}
    assert offer.fs_opening_hours(row) == "Mo 09:00-12:00,13:30-17:00; Th 08:30-12:00"
    assert french_hours(offer.fs_opening_hours(row)) == "lundi : 9 h – 12 h et 13 h 30 – 17 h ; jeudi : 8 h 30 – 12 h"


# --------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def real(built_cache):
    from ifn.cache import load_centres, load_communes, load_geometries
    from ifn.classify import classify
    from ifn.score import score_all
    from ifn.territory import france_values

    communes = load_communes().collect()
    scored = score_all(communes)
    geoms = load_geometries("commune")
    places = offer.read_offer(built_cache.data_dir, geoms)
    return {"communes": communes, "scored": scored, "geoms": geoms, "offer": places, "centres": load_centres(),
            "france": france_values(communes), "classes": classify(scored["commune"]["ifn"], "equal")}


def haversine(lat1, lon1, lat2, lon2) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def test_nearest_place_across_a_departement_border(real):
    """Hirson (Aisne, 02381): its nearest CNFS place is « Réussir en Sambre Avesnois » at Fourmies (Nord,
    line 689 of the CNFS file, 50.015598, 4.048695), 10.47 km away; every place of the Aisne is farther."""
    centre = real["centres"].filter(pl.col("code") == "02381").row(0, named=True)
    expected = haversine(centre["lat"], centre["lon"], 50.015598, 4.048695)
    assert expected == pytest.approx(10.467, abs=0.001)
    table = mediation.commune_table(real["scored"]["commune"], real["communes"])
    assert table.filter(pl.col("code") == "02381")["dist_mediation"][0] == pytest.approx(expected, rel=1e-6)
    fourmies = real["offer"].layer("mediation").filter(pl.col("id") == "62aaff538255a806e299c6df")
    assert fourmies["code"].to_list() == ["59249"]
    aisne = offer.in_area(real["offer"].layer("mediation"), real["communes"], "departement", "02")
    own = min(haversine(centre["lat"], centre["lon"], la, lo) for la, lo in aisne.select("lat", "lon").iter_rows())
    assert own > expected + 5


def test_places_without_coordinates_are_counted_not_drawn(real):
    o = real["offer"]
    rejected = dict(o.rejected.group_by("couche").len().iter_rows())
    assert rejected == {"mediation": 22, "bibliotheque": 30, "france_services": 2}
    assert o.places.filter((pl.col("lat") == 0) | (pl.col("lon") == 0) | pl.col("lat").is_null()).height == 0
    assert o.duplicates == 141
    assert o.layer("mediation").height == 4908 - 141


def test_command_line_gives_the_page_list(real, tmp_path, capsys):
    from ifn.cli import main

    out = tmp_path / "p.csv"
    assert main(["priorites", "--territoire", "dep:12", "--ifn-min", "7", "--distance-km", "10", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table = mediation.commune_table(real["scored"]["commune"], real["communes"])
    area = mediation.area_table(table, "departement", "12")
    th = mediation.Thresholds(7, 10)
    priority = mediation.priority_list(area, th)
    assert mediation.sentence(mediation.totals(area, priority, th), th, "Aveyron") in printed
    text = out.read_bytes()
    assert text.startswith(export.BOM)
    rows = list(csv.reader(io.StringIO(text[len(export.BOM):].decode("utf-8")), delimiter=";"))
    assert rows[0][:3] == ["rang", "code_commune", "commune"]
    assert rows[0][-3:] == ["territoire", "reglage_ifn_min", "reglage_distance_km"]
    assert [r[1] for r in rows[1:]] == priority["code"].to_list()
    assert rows[1][-3:] == ["Aveyron", "7,0", "10,0"]
    assert "," in rows[1][6]  # decimal comma for the IFN


def test_command_line_refuses_bad_thresholds(built_cache, tmp_path, capsys):
    from ifn.cli import main

    assert main(["priorites", "--ifn-min", "12", "--out", str(tmp_path / "x.csv")]) == 2
    assert "Seuil d'IFN : 12 est hors de l'échelle" in capsys.readouterr().err
    assert main(["priorites", "--distance-km", "-2", "--out", str(tmp_path / "x.csv")]) == 2
    assert "Distance : −2 km est négative" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_geojson_exports_carry_the_settings(real):
    places = offer.in_area(real["offer"].places, real["communes"], "departement", "12")
    frame = offer.export_frame(places, "Aveyron")
    data = json.loads(offer.to_geojson_bytes(frame, offer.export_metadata("Aveyron", 54)))
    assert data["reglages"]["Territoire"] == "Aveyron"
    assert data["reglages"]["Source — Lieux de médiation numérique (Conseillers numériques)"].startswith(
        "lieux CNFS, décembre 2022")
    assert len(data["features"]) == places.height
    assert data["features"][0]["geometry"]["type"] == "Point"


def test_diagnostic_has_name_ifn_and_every_source(real):
    from ifn.vintage import source_rows

    d = diagnostic.assemble(real["scored"], real["communes"], real["centres"], real["offer"], real["geoms"],
                            "departement", "12", mediation.Thresholds(), real["france"], real["classes"])
    page = diagnostic.to_html(d)
    ifn = real["scored"]["departement"].filter(pl.col("code") == "12")["ifn"][0]
    assert "Besoins et offre de médiation numérique — Aveyron</h1>" in page
    assert f"IFN {ifn:.1f}".replace(".", ",") + " / 10" in page
    for row in source_rows():
        assert f"<td class=\"\">{diagnostic.esc(row['source'])}</td><td class=\"\">{diagnostic.esc(row['millesime'])}</td>" in page
    for layer in offer.LAYERS.values():
        assert diagnostic.esc(layer.source) in page
    assert diagnostic.esc(mediation.sentence(d.totals, d.thresholds, "Aveyron")) in page
    assert "<svg" in page and "<script" not in page
    if diagnostic.pdf_available():  # WeasyPrint and Pango installed (requirements.txt, Debian's libpango)
        assert diagnostic.to_pdf(page).startswith(b"%PDF-")


def test_diagnostic_escapes_names_and_free_text(real):
    d = diagnostic.assemble(real["scored"], real["communes"], real["centres"], real["offer"], real["geoms"],
                            "epci", "200067791", mediation.Thresholds(), real["france"], real["classes"])
    evil = "<img src=x onerror=alert(1)>"
    forged = dataclasses.replace(d, territory=evil, priority=d.priority.with_columns(pl.lit(evil).alias("nom")),
                                 table=d.table.with_columns(pl.lit(evil).alias("nom")))
    page = diagnostic.to_html(forged)
    assert evil not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_popup_fields_are_escaped():
    from ifn.offermap import callback, popup_fields

    evil = '<script>alert("x")</script>'
    row = {"couche": "mediation", "nom": evil, "adresse": evil, "code_postal": "09000", "commune_source": evil,
           "services": evil, "horaires_fr": evil, "conditions_acces": evil, "date_maj": "2022-04-15"}
    fields = popup_fields(row)
    assert all("<script>" not in f for f in fields)
    assert fields[0] == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert fields[1] == f"{fields[0]}, 09000 {fields[0]}"
    assert fields[-1] == "fiche mise à jour le 15/04/2022"
    js = callback(offer.LAYERS["mediation"])
    assert "Source : lieux CNFS, décembre 2022" in js and "</script" not in js.lower()
