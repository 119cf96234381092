"""ARCEP sources of issue 12: fixed access 2026 (fibre, ≥ 30 Mbit/s) and 4G coverage maps 2019.

Exact values computed by hand from real rows of the bundle.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest

from ifn.errors import DataError
from ifn.sources import arcep_fixe_2026 as fixe
from ifn.sources import arcep_mobile_2019 as mobile


# ----------------------------------------------------------------------------- fixed access 2026
@pytest.fixture(scope="module")
def fixe_communes(bundle_dir):
    frame = fixe.read(bundle_dir)
    return frame, fixe.to_communes(frame.with_columns(code_source=pl.col("code"), statut=pl.lit("identique")))


def test_non_ftth_share_of_a_commune_from_its_json_entry(fixe_communes):
    # 48.json: "48001":{"f":[168,180],"n":184,"b":{"fo":168,"4gf":10,"sat":6},"d":[178,168],…}
    frame, communes = fixe_communes
    row = communes.filter(pl.col("code") == "48001").row(0, named=True)
    assert row["fibre"] == pytest.approx(100 * (1 - 168 / 180))  # 6.667 %
    assert row["thd30"] == pytest.approx(100 * (1 - 178 / 184))  # 3.261 %
    assert (row["fibre_raccordables"], row["fibre_locaux"], row["locaux"], row["locaux_30m"], row["locaux_1g"]) == (
        168, 180, 184, 178, 168)
    assert (row["locaux_fo"], row["locaux_4gf"], row["locaux_sat"], row["locaux_cu"]) == (168, 10, 6, 0)


def test_epci_pooled_share_from_members_premises(fixe_communes):
    # CC Coeur de Lozère (244800405, epci.json 2026): f = [connectable, Cartefibre premises] of its 7 members
    members = {"48095": (9435, 9691), "48013": (608, 618), "48018": (499, 499), "48137": (348, 350),
               "48016": (401, 409), "48111": (227, 244), "48029": (137, 142)}
    frame, _ = fixe_communes
    as_epci = frame.filter(pl.col("code").is_in(list(members))).with_columns(
        code_source=pl.col("code"), code=pl.lit("244800405"))
    pooled = fixe.to_communes(as_epci).row(0, named=True)
    assert (pooled["fibre_raccordables"], pooled["fibre_locaux"]) == (11655, 11953)
    assert pooled["fibre"] == pytest.approx(100 * 298 / 11953)  # 2.493 %, not the mean of the 7 shares
    mean_of_shares = sum(100 * (1 - a / b) for a, b in members.values()) / 7
    assert pooled["fibre"] != pytest.approx(mean_of_shares, abs=1e-3)  # 2.518 % for the unweighted mean


def test_arrondissement_rows_not_counted_twice_and_dates_kept(bundle_dir, fixe_communes):
    frame, communes = fixe_communes
    _, meta = fixe.read_with_meta(bundle_dir)
    assert meta["lignes_arrondissements_non_relues"] == 45
    assert {s["date"] for s in meta["sources"]} == {"2026-09-10", "2026-06-30", "2025-10-20"}
    assert frame.height == 34875 and not frame["code"].str.starts_with("751").any()
    paris = communes.filter(pl.col("code") == "75056").row(0, named=True)
    assert (paris["fibre_raccordables"], paris["fibre_locaux"]) == (1744131, 1811579)


def test_national_figures_of_both_measures(fixe_communes):
    _, communes = fixe_communes
    fig = fixe.national_figures(communes)
    assert fig["fibre"]["part_des_locaux_pct"] == pytest.approx(4.664, abs=1e-3)
    assert fig["fibre"]["mediane_communes_pct"] == pytest.approx(0.706, abs=1e-3)
    assert fig["fibre"]["communes_sans_local_eligible"] == 552
    assert fig["thd30"]["part_des_locaux_pct"] == pytest.approx(0.154, abs=1e-3)
    assert fig["thd30"]["communes_sans_locaux"] == 7  # the 4 re-established communes of Cantal, 3 of Meuse


@pytest.fixture
def small_fixe(bundle_dir, tmp_path):
    """A bundle with every département file holding its real _meta and its first real commune."""
    for path in fixe.files(bundle_dir):
        data = json.loads(path.read_text(encoding="utf-8"))
        first = next(k for k in data if k != "_meta")
        target = tmp_path / fixe.FOLDER / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"_meta": data["_meta"], first: data[first]}), encoding="utf-8")
    return tmp_path


def _edit(root: Path, dep: str, code: str, **changes) -> None:
    path = root / fixe.FOLDER / f"{dep}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault(code, {"f": [1, 1], "n": 1, "b": {"fo": 1}, "d": [1, 1]}).update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_small_bundle_reads_one_commune_per_departement(small_fixe):
    assert fixe.read(small_fixe).height == 101


def test_missing_departement_file_is_named(small_fixe):
    (small_fixe / fixe.FOLDER / "2B.json").unlink()
    with pytest.raises(DataError, match=r"ma-connexion-internet-2026T2/2B\.json.*fichier manquant"):
        fixe.read(small_fixe)


def test_not_json_is_named_with_its_line(small_fixe):
    (small_fixe / fixe.FOLDER / "973.json").write_text('{"97301": {"f": [1, 2],\n <html>', encoding="utf-8")
    with pytest.raises(DataError, match=r"973\.json.*pas du JSON valide \(ligne 2"):
        fixe.read(small_fixe)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"f": [205, 180]}, r"48\.json.*« 48003 ».*205 locaux raccordables à la fibre \(f\[0\]\) pour 180"),
        ({"d": [190, 100], "n": 184}, r"« 48003 ».*190 locaux éligibles à 30 Mbit/s \(d\[0\]\) pour 184"),
        ({"n": -3}, r"« 48003 ».*« n » = -3 est négatif"),
        ({"f": [12, -1]}, r"« 48003 ».*« f\[1\] » = -1 est négatif"),
        ({"f": [12]}, r"« 48003 ».*« f » devrait être une liste de deux nombres"),
        ({"n": "184"}, r"« 48003 ».*« n » = \"184\" n'est pas un nombre entier"),
    ],
    ids=["connectable > premises", "30 Mbit/s > premises", "negative n", "negative f", "short f", "text n"],
)
def test_inconsistent_counts_name_file_and_commune(small_fixe, changes, message):
    _edit(small_fixe, "48", "48003", **changes)
    with pytest.raises(DataError, match=message):
        fixe.read(small_fixe)


def test_missing_meta_is_refused(small_fixe):
    path = small_fixe / fixe.FOLDER / "01.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["_meta"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError, match=r"01\.json.*« _meta »"):
        fixe.read(small_fixe)


def test_commune_of_another_departement_is_refused(small_fixe):
    _edit(small_fixe, "48", "12001")
    with pytest.raises(DataError, match=r"48\.json.*« 12001 » n'appartient pas au département 48"):
        fixe.read(small_fixe)


# ----------------------------------------------------------------------------- 4G coverage 2019
@pytest.fixture(scope="module")
def mobile_rows(bundle_dir):
    return mobile.read(bundle_dir)


def test_values_above_one_clipped_and_counted(mobile_rows):
    assert mobile.report(mobile_rows)["valeurs_ecretees_a_1"] == 17
    assert mobile_rows["tx_4g_max"].max() == 1.0 and mobile_rows.height == 34832


def test_surface_weighted_4g_of_a_commune_nouvelle(bundle_dir, mobile_rows):
    """Les Deux-Rives (63109, 2025-01-01) = Chidrac (63109) + Saint-Cirgues-sur-Couze (63330), both in the 2019 file."""
    import geopandas as gpd
    from pyproj import Geod

    rows = mobile_rows.filter(pl.col("code").is_in(["63109", "63330"])).sort("code")
    # file rows: 63109 Chidrac tx_4G_max 1.0, tx_4G_min 0.6165048273510737;
    #            63330 Saint-Cirgues-sur-Couze tx_4G_max 1.0, tx_4G_min 0.570690019012385
    assert rows["tx_4g_min"].to_list() == [0.6165048273510737, 0.570690019012385]
    # areas measured independently on the ellipsoid (pyproj.Geod) from the COG 2018 polygons
    g = gpd.read_file(next((bundle_dir / "geo/communes").glob("communes-63-*.geojson")))
    geod = Geod(ellps="GRS80")
    area = {c: abs(geod.geometry_area_perimeter(g[g["code"] == c].geometry.iloc[0])[0]) / 1e6 for c in ("63109", "63330")}
    expected_min = 100 * (1 - (0.6165048273510737 * area["63109"] + 0.570690019012385 * area["63330"])
                          / (area["63109"] + area["63330"]))
    surfaces = mobile.source_surfaces(bundle_dir)
    mapped = rows.with_columns(code_source=pl.col("code"), code=pl.lit("63109"), statut=pl.lit("fusion"))
    out = mobile.to_communes(mapped, surfaces=surfaces).filter(pl.col("code") == "63109").row(0, named=True)
    assert out["couv4g"] == 0.0
    assert out["couv4g_min"] == pytest.approx(expected_min, abs=0.01)  # 39.70 % of the surface
    assert out["surface_4g_km2"] == pytest.approx(area["63109"] + area["63330"], rel=2e-3)
    assert abs(out["couv4g_min"] - 100 * (1 - (0.6165048273510737 + 0.570690019012385) / 2)) > 0.5  # not a plain mean


def test_surface_of_a_2019_commune_nouvelle_adds_its_2018_parts(bundle_dir):
    """Valserhône (01033, 2019-01-01) = Bellegarde-sur-Valserine (01033) + Châtillon-en-Michaille (01091)
    + Lancrans (01205) of the COG 2018: the 2019 file's share covers the three, so does the weight."""
    import geopandas as gpd
    from pyproj import Geod

    surfaces = mobile.source_surfaces(bundle_dir)
    assert not {"01091", "01205"} & set(surfaces["code"].to_list())  # merged on 2019-01-01
    g = gpd.read_file(next((bundle_dir / "geo/communes").glob("communes-01-*.geojson")))
    geod = Geod(ellps="GRS80")
    parts = sum(abs(geod.geometry_area_perimeter(g[g["code"] == c].geometry.iloc[0])[0]) / 1e6
                for c in ("01033", "01091", "01205"))
    assert surfaces.filter(pl.col("code") == "01033")["surface_km2"][0] == pytest.approx(parts, rel=2e-3)
    assert surfaces.filter(pl.col("code") == "75056")["surface_km2"][0] == pytest.approx(105.4, abs=0.5)


def test_paris_and_lyon_fully_covered_marseille_without_value(mobile_rows, bundle_dir):
    surfaces = mobile.source_surfaces(bundle_dir)
    out = mobile.to_communes(mobile_rows.with_columns(code_source=pl.col("code")), surfaces=surfaces)
    paris = out.filter(pl.col("code") == "75056").row(0, named=True)
    assert (paris["couv4g"], paris["couv4g_min"]) == (0.0, 0.0)
    assert "13055" not in out["code"].to_list()  # left to the imputation, reason in NO_VALUE


def test_share_outside_zero_one_is_refused(tmp_path, bundle_dir):
    src = (bundle_dir / mobile.MOBILE_2019.relpath).read_text(encoding="utf-8").splitlines()
    src[3] = src[3].replace(src[3].split(",")[2], "-0.2", 1)
    target = tmp_path / mobile.MOBILE_2019.relpath
    target.parent.mkdir(parents=True)
    target.write_text("\n".join(src) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"« -0\.2 » hors de \[0, 1\].*tx_4G_max.*ligne 4"):
        mobile.read(tmp_path)


# ----------------------------------------------------------------------------- DROM substitute
def _square(lon0: float, lat0: float, half_km: float):
    from shapely.geometry import box

    dlat = half_km / 111.32
    dlon = dlat / math.cos(math.radians(lat0))
    return box(lon0 - dlon, lat0 - dlat, lon0 + dlon, lat0 + dlat)


def test_drom_share_within_radius_by_hand(tmp_path):
    """One operator's site at the centre of a 20 km square of Mayotte: covered share = π R² / side²."""
    import geopandas as gpd

    target = tmp_path / mobile.drom_site_file("976")
    target.parent.mkdir(parents=True)
    lines = ["Operateur;X;Y;C2G;C3G;C4G"] + ["64710;45.15;-12.80;1;1;1"] * 10 + ["64700;45.15;-12.80;1;1;0"]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    communes = gpd.GeoDataFrame({"code": ["97611"]}, geometry=[_square(45.15, -12.80, 10.0)], crs=4326)
    out = mobile.drom_4g_surface(tmp_path, communes, radius_km=5.0).row(0, named=True)
    # the square is 20 × 20 km in WGS84 degrees, ~400 km² once projected; the disc is a 64-gon
    disc = 64 / 2 * 5.0 ** 2 * math.sin(2 * math.pi / 64)
    assert out["couv4g"] == pytest.approx(100 * (1 - disc / out["surface_4g_km2"]), abs=0.05)
    assert out["surface_4g_km2"] == pytest.approx(400, rel=0.01)
    assert out["couv4g_min"] is None  # no calibrated radius for the worst operator: null, never 0 or 100


def test_drom_site_outside_its_territory_is_refused(tmp_path):
    import geopandas as gpd

    target = tmp_path / mobile.drom_site_file("972")
    target.parent.mkdir(parents=True)
    target.write_text("Operateur;X;Y;C2G;C3G;C4G\n" + "34001;-61.0;14.6;1;1;1\n" * 10 + "34001;0;0;1;1;1\n", encoding="utf-8")
    communes = gpd.GeoDataFrame({"code": ["97209"]}, geometry=[_square(-61.0, 14.6, 3.0)], crs=4326)
    with pytest.raises(DataError, match=r"MAR_sites_mobiles_2020_T2\.csv.*hors de 972 à la ligne 12"):
        mobile.drom_4g_surface(tmp_path, communes)


def test_drom_real_communes_all_valued(bundle_dir):
    import geopandas as gpd
    import pandas as pd

    parts = []
    for path in sorted((bundle_dir / "geo/cog-2024/communes-drom").glob("*.geojson")):
        g = gpd.read_file(path)
        parts.append(gpd.GeoDataFrame({"code": g["code_commune"].astype(str)}, geometry=g.geometry, crs=4326))
    communes = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=4326)
    out = mobile.drom_4g_surface(bundle_dir, communes)
    assert out.height == 129 and out["couv4g"].null_count() == 0
    assert out["couv4g"].min() >= 0 and out["couv4g"].max() <= 100
    guyane = out.filter(pl.col("code").str.starts_with("973"))
    pooled = 100 * (1 - guyane["surface_couverte_4g_km2"].sum() / guyane["surface_4g_km2"].sum())
    assert pooled > 90  # the forest interior of Guyane has no site
