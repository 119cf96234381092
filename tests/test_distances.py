"""Places with coordinates and distances to the nearest service (real rows of the bundle, haversine by hand)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ifn import distances, places
from ifn.sources import bibliotheques, france_services, iris_population, lieux_mediation

FS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "france-services-2023-sample.csv"


def haversine_km(lat1, lon1, lat2, lon2, r=6371.0088):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def libraries(bundle_dir):
    return bibliotheques.read(bundle_dir)


def test_distance_from_a_hand_placed_point_to_the_nearest_library(libraries):
    # Médiathèque Madeleine Odent, Bresles (60103): coordonnees_finales "49.409555,2.252608"
    pts = bibliotheques.points(libraries)
    origin = (49.4180, 2.2600)  # placed by hand north-east of Bresles
    km, idx = distances.nearest_km([origin[0]], [origin[1]], pts["lat"], pts["lon"])
    nearest = pts.row(int(idx[0]), named=True)
    assert (nearest["nom"], nearest["code"]) == ("Médiathèque Madeleine Odent", "60103")
    assert km[0] == pytest.approx(haversine_km(*origin, 49.409555, 2.252608), rel=1e-9)  # 1.107 km
    # no other library is closer (checked by the formula on every located library)
    every = [haversine_km(*origin, la, lo) for la, lo in zip(pts["lat"], pts["lon"])]
    assert min(every) == pytest.approx(km[0], rel=1e-9)


def test_count_within_km_matches_the_formula(libraries):
    pts = bibliotheques.points(libraries)
    origin = (48.8566, 2.3522)
    every = np.array([haversine_km(*origin, la, lo) for la, lo in zip(pts["lat"], pts["lon"])])
    n = distances.count_within_km([origin[0]], [origin[1]], pts["lat"], pts["lon"], 3.0)
    assert n[0] == int((every <= 3.0).sum()) and n[0] > 20


def test_libraries_without_or_outside_coordinates_are_listed_not_placed(libraries):
    rep = bibliotheques.report(libraries)
    assert libraries.height == 15481  # open to the public; the 298 administrative addresses are left out
    assert rep["sans_coordonnees"] == 29 and rep["hors_france"] == 1  # Saint-Pierre-et-Miquelon (975)
    listed = {p["code"] for p in rep["points_ecartes"]}
    assert {"69274", "97701", "97502"} <= listed
    pts = bibliotheques.points(libraries)
    assert not ((pts["lat"].abs() < 1) & (pts["lon"].abs() < 1)).any()
    assert pts.height == 15481 - 30


def test_nearest_france_services_site_is_in_the_neighbouring_departement(bundle_dir):
    """Domsure (01147, Ain): the nearest fixed site is Saint-Amour, in the Jura (39), not one of the Ain."""
    import geopandas as gpd

    g = gpd.read_file(bundle_dir / "geo/cog-2024/communes/dep01.geojson")
    communes = gpd.GeoDataFrame({"code": g["code_territoire"].str.removeprefix("com")}, geometry=g.geometry, crs=4326)
    iris, _ = iris_population.read(bundle_dir)
    centres = distances.population_centres(iris[iris["commune"].str.startswith("01")], communes)
    domsure = centres.filter(pl.col("code") == "01147").row(0, named=True)
    assert domsure["methode"] == "contour"  # one IRIS: the representative point of the commune polygon
    sites = france_services.points(france_services.read(bundle_dir))
    km, idx = distances.nearest_km([domsure["lat"]], [domsure["lon"]], sites["lat"], sites["lon"])
    site = sites.row(int(idx[0]), named=True)
    assert (site["id"], site["code"][:2], site["commune"]) == ("3007", "39", "Saint-Amour")
    assert km[0] == pytest.approx(haversine_km(domsure["lat"], domsure["lon"], site["lat"], site["lon"]), rel=1e-9)
    ain = sites.filter(pl.col("code").str.starts_with("01"))
    km_ain, _ = distances.nearest_km([domsure["lat"]], [domsure["lon"]], ain["lat"], ain["lon"])
    assert km[0] < 5 < 14 < km_ain[0]  # 4.6 km against 15.0 km


def test_population_centre_of_a_split_commune_is_the_weighted_mean_of_its_iris():
    import geopandas as gpd
    from shapely.geometry import box

    iris = gpd.GeoDataFrame(
        {"commune": ["01004", "01004", "01001"], "population": [3000.0, 1000.0, 500.0]},
        geometry=[box(5.0, 46.0, 5.02, 46.02), box(5.2, 46.0, 5.22, 46.02), box(4.0, 45.0, 4.1, 45.1)], crs=4326)
    communes = gpd.GeoDataFrame({"code": ["01004", "01001"]},
                                geometry=[box(5.0, 46.0, 5.22, 46.02), box(4.0, 45.0, 4.1, 45.1)], crs=4326)
    out = distances.population_centres(iris, communes).sort("code")
    split = out.filter(pl.col("code") == "01004").row(0, named=True)
    assert split["methode"] == "iris" and split["iris"] == 2
    assert split["lon"] == pytest.approx((3000 * 5.01 + 1000 * 5.21) / 4000, abs=1e-4)  # 5.06
    assert split["lat"] == pytest.approx(46.01, abs=1e-4)
    single = out.filter(pl.col("code") == "01001").row(0, named=True)
    assert single["methode"] == "contour"


def test_france_services_place_outside_france_is_reported(tmp_path):
    target = tmp_path / france_services.FRANCE_SERVICES.relpath
    target.parent.mkdir(parents=True)
    data = FS_FIXTURE.read_bytes()
    first = data.split(b'"1","01"', 1)[1].split(b"\r\n", 1)[0]
    lat = first.split(b",")[7]
    target.write_bytes(data.replace(lat, b"0", 1))
    sites = france_services.read(tmp_path, dataclasses.replace(france_services.FRANCE_SERVICES, min_rows=1))
    rep = france_services.report(sites)
    assert rep["hors_france"] == 2  # the edited Valserhône site and Saint-Martin (978)
    assert rep["points_ecartes"][0]["code"] == "01033" and rep["points_ecartes"][0]["ligne"] == 2 and rep["points_ecartes"][0]["motif"] == places.OUTSIDE
    pts = france_services.points(sites)
    assert "01033" not in pts["code"].to_list()  # not placed at (0, 0)
    # Saint-Martin (978) is outside every box as well
    assert "97801" not in pts["code"].to_list()


def test_cnfs_places_assigned_by_point_in_polygon(bundle_dir):
    import geopandas as gpd

    cnfs = lieux_mediation.read(bundle_dir)
    rep = lieux_mediation.report(cnfs)
    assert cnfs.height == 4930 and rep["sans_coordonnees"] == 22
    assert rep["lieux_en_double_meme_nom_memes_coordonnees"] == 141
    pts = lieux_mediation.points(cnfs)
    foix = pts.filter(pl.col("id") == "6259891c05457b0790817590")  # HARMONIE MUTUELLE, 37 cours Gabriel Fauré, Foix
    g = gpd.read_file(bundle_dir / "geo/cog-2024/communes/dep09.geojson")
    communes = gpd.GeoDataFrame({"code": g["code_territoire"].str.removeprefix("com")}, geometry=g.geometry, crs=4326)
    assigned = lieux_mediation.assign_communes(foix, communes)
    row = assigned.row(0, named=True)
    assert row["code"] == "09122"  # Foix
    assert row["horaires"] == "Mo-Fr 09:00-12:00,13:30-17:30; Tu 09:00-12:00,14:30-17:30"
    assert row["services"][:2] == ["Prendre en main un smartphone ou une tablette", "Prendre en main un ordinateur"]
    assert row["date_maj"] == "2022-04-15"
    counts = lieux_mediation.to_communes(assigned)
    assert dict(counts.iter_rows()) == {"09122": 1}


def test_point_boxes():
    df = pl.DataFrame({"lat": [48.85, 16.24, 18.07, 0.0, None, -12.78, 46.78],
                       "lon": [2.35, -61.53, -63.05, 0.0, 2.0, 45.23, -56.17]})
    located, rejected = places.check_points(df)
    assert located["territoire"].to_list() == ["metropole", "971", "976"]
    assert rejected["motif"].to_list() == [places.OUTSIDE, places.OUTSIDE, places.MISSING, places.OUTSIDE]


def test_iris_without_polygon_are_reported(bundle_dir):
    """The IRIS contours of the bundle have no Lyon and no Marseille: their population rows are listed."""
    iris, rep = iris_population.read(bundle_dir)
    assert rep["iris_contours"] == 47999 and rep["iris_population_2022"] == 48487
    assert rep["populations_sans_contour"] == 592 and rep["contours_sans_population"] == 104
    assert set(iris["commune"]) >= {"75056"} and not {"13055", "69123"} & set(iris["commune"])
    paris = iris[iris["commune"] == "75056"]
    assert len(paris) == 992 and paris["population"].sum() == 2_113_697  # P22_POP of agg_iris_75.parquet


def test_a_place_listed_twice_counts_once(bundle_dir):
    # « Médiathèque Georges OTHILY », Iracoubo (97304): two ids, same name and coordinates (5.476469, -53.206935)
    cnfs = lieux_mediation.read(bundle_dir)
    twice = cnfs.filter(pl.col("nom") == "Médiathèque Georges OTHILY").with_columns(code=pl.lit("97304"))
    assert twice.height == 2 and twice["id"].n_unique() == 2
    assert dict(lieux_mediation.to_communes(twice).iter_rows()) == {"97304": 1}
