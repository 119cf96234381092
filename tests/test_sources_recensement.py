"""Census sources: RP 2022 by IRIS (metro) pooled onto communes, RP 2017 for the DROM.

Exact values are the bundle's own rows (agg_iris_<dep>.parquet, agg_commARM_5Khab.parquet,
data_scol_menage_demandeurEmplois.csv), recomputed here by hand; bad inputs are small Parquet files
written into tmp_path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from ifn.errors import DataError
from ifn.readers import read_movements
from ifn.sources import recensement_2017_drom as drom
from ifn.sources import recensement_2022 as rp


def _to_2026(frame: pl.DataFrame) -> pl.DataFrame:
    """Stand-in for the build's reconciliation: arrondissements → their commune, other codes kept
    (every commune code of the IRIS files is a 2026 code)."""
    return frame.with_columns(pl.col("code").alias("code_source"), rp._whole_commune(pl.col("code")).alias("code"))


@pytest.fixture(scope="module")
def iris(bundle_dir) -> pl.DataFrame:
    return rp.read(bundle_dir)


@pytest.fixture(scope="module")
def communes(iris, bundle_dir) -> pl.DataFrame:
    missing = rp.communes_missing_from_iris(iris["code"].unique(), read_movements(bundle_dir))
    return rp.to_communes(_to_2026(iris), missing=missing)


def _row(frame: pl.DataFrame, code: str) -> dict:
    rows = frame.filter(pl.col("code") == code)
    assert rows.height == 1, code
    return rows.row(0, named=True)


# --------------------------------------------------------------------------- real rows
def test_iris_table_shape(iris):
    assert iris.height == 48_487
    assert iris["iris"].is_unique().all()
    assert iris["code"].n_unique() == 34_780  # communes and arrondissements
    assert int((iris["population"] == 0).sum()) == 126
    assert iris.filter(pl.col("iris") == "751010104")["libelle"].item() == "Saint-Germain l'Auxerrois 4"


def test_paris_share_65_pooled_from_its_iris_rows_by_population(bundle_dir, communes):
    # Independent formula on the raw file: Σ P22_POP × dmv_65p_pct_22 ÷ Σ P22_POP (rows with a rate).
    raw = pq.read_table(bundle_dir / "insee/rp-2022-iris/agg_iris_75.parquet",
                        columns=["P22_POP", "dmv_65p_pct_22"]).to_pylist()
    num = sum(r["P22_POP"] * r["dmv_65p_pct_22"] for r in raw if r["dmv_65p_pct_22"] is not None)
    den = sum(r["P22_POP"] for r in raw if r["dmv_65p_pct_22"] is not None)
    paris = _row(communes, "75056")
    assert len(raw) == 992 and den == 2_113_697
    assert paris["age65"] == pytest.approx(num / den, abs=1e-9)
    assert paris["age65"] == pytest.approx(17.50196, abs=1e-5)
    assert paris["population_2022"] == 2_113_697
    assert paris["nb_iris"] == 992
    # Diplomas and unemployment: the whole-commune row 75056 of the 5k file, not the arrondissements.
    assert (paris["diplome"], paris["diplome_methode"]) == (22.36, "commune_5k")
    assert (paris["chomage"], paris["chomage_methode"]) == (10.55, "commune_5k")


def test_commune_split_into_iris_pooled_by_households(communes):
    # 90009: two IRIS, « Nord » (718.14 households, 38.69 % one-person, 11.82 % single-parent,
    # 1,545 inhabitants, 60.56 % low diploma) and « Sud » (1,515.61; 39.56 %; 11.19 %; 3,440; 56.85 %).
    row = _row(communes, "90009")
    assert row["nb_iris"] == 2
    assert row["menseul"] == pytest.approx((38.69 * 718.14 + 39.56 * 1515.61) / (718.14 + 1515.61), abs=1e-9)
    assert row["fammono"] == pytest.approx((11.82 * 718.14 + 11.19 * 1515.61) / (718.14 + 1515.61), abs=1e-9)
    assert row["age65"] == pytest.approx((25.95 * 1545 + 21.74 * 3440) / 4985, abs=1e-9)
    # Below 5,000 inhabitants: not in the 5k file, diplomas weighted by population (approximation).
    assert row["diplome"] == pytest.approx((60.56 * 1545 + 56.85 * 3440) / 4985, abs=1e-9)
    assert row["diplome_methode"] == "approx_population"
    assert row["menages_2022"] == pytest.approx(718.14 + 1515.61)


def test_one_iris_commune_takes_its_row_as_is(communes):
    row = _row(communes, "01001")  # L'Abergement-Clémenciat, IRIS 010010000 (commune non irisée)
    assert row["nb_iris"] == 1
    assert row["population_2022"] == 859
    assert (row["age65"], row["diplome"], row["menseul"], row["fammono"], row["chomage"], row["etrangers"]) == (
        20.02, 50.31, 20.83, 6.94, 6.2, 1.16)
    assert row["diplome_methode"] == row["chomage_methode"] == "iris_unique"
    assert row["recensement_millesime"] == "RP 2022"
    assert row["recensement_partiel"] is False


def test_large_commune_diploma_from_the_5k_file(communes, iris):
    brest = _row(communes, "29019")  # 64 IRIS; agg_commARM_5Khab: 41.61 % and 13.77 %
    assert brest["nb_iris"] == 64
    assert (brest["diplome"], brest["diplome_methode"]) == (41.61, "commune_5k")
    assert (brest["chomage"], brest["chomage_methode"]) == (13.77, "commune_5k")
    # The population-weighted mean of its IRIS differs: that is why the 5k value is preferred.
    rows = iris.filter(pl.col("code") == "29019")
    approx = (rows["diplome"] * rows["population"]).sum() / rows.filter(pl.col("diplome").is_not_null())["population"].sum()
    assert abs(approx - 41.61) > 0.05


def test_out_of_range_rates_of_the_bundle_are_nulled_and_reported(iris, communes):
    row = iris.filter(pl.col("iris") == "783610105").row(0, named=True)  # Mantes-la-Jolie, « Degas »
    assert row["chomage"] is None
    assert row["valeurs_ecartees"] == "chomage=1331,85"
    assert rp.report(iris)["iris_valeurs_hors_bornes_ecartees"] == 14
    # Two shares of people aged 60 or more above 100 % (IRIS of 7 and 3 inhabitants) are left out too.
    tiny = iris.filter(pl.col("iris") == "514544002").row(0, named=True)
    assert tiny["age60"] is None and tiny["valeurs_ecartees"] == "age60=114,29"
    # A one-IRIS commune whose only unemployment rate was 107.52 % has none.
    felines = _row(communes, "11137")
    assert felines["chomage"] is None and felines["chomage_methode"] is None


def test_communes_missing_from_the_iris_file(iris, bundle_dir, communes):
    missing = rp.communes_missing_from_iris(iris["code"].unique(), read_movements(bundle_dir))
    by_code = {r["code_absent"]: r for r in missing.iter_rows(named=True)}
    assert by_code["93059"]["code_2026"] == "93066"  # Pierrefitte-sur-Seine, merged into Saint-Denis in 2025
    assert by_code["49069"]["code_2026"] == "49126"  # Orée d'Anjou, code change in 2025: no IRIS row at all
    assert missing.height == 68
    saint_denis = _row(communes, "93066")
    assert saint_denis["recensement_partiel"] is True
    assert "93059 Pierrefitte-sur-Seine" in saint_denis["recensement_note"]
    # The 5k file holds the whole 2025 commune (148,907 inhabitants): it gives diplomas and unemployment.
    assert (saint_denis["diplome"], saint_denis["diplome_methode"]) == (54.2, "commune_5k")
    assert communes.filter(pl.col("code") == "49126").height == 0
    assert rp.communes_5k_without_iris(bundle_dir) == ["49126"]


def test_every_multi_iris_commune_has_a_method(communes):
    multi = communes.filter(pl.col("nb_iris") > 1)
    assert multi.height == 1_804
    counts = dict(multi.group_by("diplome_methode").len().iter_rows())
    # 87 = the communes split into IRIS with fewer than 5,000 inhabitants (absent from the 5k file).
    assert counts == {"commune_5k": 1_717, "approx_population": 87}


def test_reconcile_iris_codes_counts(bundle_dir, iris):
    rec = rp.reconcile_iris_codes(iris["iris"].to_list(), rp.polygon_iris_codes(bundle_dir))
    assert (rec["iris_recensement"], rec["iris_polygones"], rec["apparies"]) == (48_487, 47_999, 47_895)
    assert (rec["seulement_recensement"], rec["seulement_polygones"]) == (592, 104)
    only_census = rec["codes_seulement_recensement"]
    # The bundle has no IRIS polygons for Marseille and Lyon.
    assert sum(c.startswith("132") for c in only_census) == 393
    assert sum(c.startswith("6938") for c in only_census) == 185
    assert "930590101" in rec["codes_seulement_polygones"]  # Pierrefitte-sur-Seine, absent from the census


def test_reconcile_iris_codes_small_lists():
    rec = rp.reconcile_iris_codes(["010010000", "010040101", "010040101"], ["010040101", "751010104"])
    assert rec["apparies"] == 1
    assert rec["codes_seulement_recensement"] == ["010010000"]
    assert rec["codes_seulement_polygones"] == ["751010104"]
    assert rec["doublons_recensement"] == 1


def test_merger_of_a_5k_and_a_small_commune_is_approximated():
    mapped = pl.DataFrame({
        "code": ["99001", "99001"], "iris": ["990010101", "990020000"],
        "population": [6000.0, 1000.0], "menages": [3000.0, 400.0],
        **{c: [10.0, 20.0] for c in rp.INDICATORS},
        "c5k_code": ["99001", None], "c5k_population": [6000.0, None],
        **{f"c5k_{c}": [12.0, None] for c in rp.FROM_COMMUNE_FILE},
    })
    row = rp.to_communes(mapped).row(0, named=True)
    assert row["diplome_methode"] == "approx_population"
    assert row["diplome"] == pytest.approx((10 * 6000 + 20 * 1000) / 7000)
    assert row["menseul"] == pytest.approx((10 * 3000 + 20 * 400) / 3400)


# --------------------------------------------------------------------------- DROM, RP 2017
def test_drom_commune_values_and_flag(bundle_dir):
    frame = drom.read(bundle_dir)
    assert frame.height == 112  # 971: 32, 972: 34, 973: 22, 974: 24 (duplicates collapsed); no 976
    assert drom.report(frame)["departements_sans_donnees"] == ["976"]
    out = drom.to_communes(frame.with_columns(pl.col("code").alias("code_source")))
    abymes = _row(out, "97101")  # Les Abymes: line « 35972,97101,Les Abymes,971,54.404…,37.126…,29.186…,21.426… »
    assert abymes["age65"] == 21.426604313730355
    assert abymes["diplome"] == 54.40421679339838
    assert abymes["menseul"] == 37.126994130676316
    assert abymes["fammono"] == 29.186982075998053
    assert abymes["chomage"] is None and abymes["etrangers"] is None
    assert abymes["recensement_millesime"] == "RP 2017"
    assert abymes["definition_differente"] is True
    assert "15 ans et plus" in abymes["age65_note"]
    # Réunion: the empty duplicate row of Les Avirons is collapsed into the full one.
    avirons = _row(out, "97401")
    assert avirons["age65"] == 15.884014019746399


# --------------------------------------------------------------------------- bad input
def _mini_bundle(root: Path) -> Path:
    """96 one-IRIS files and a 5k file in the real schema (only the columns read)."""
    folder = root / rp.IRIS_DIR
    folder.mkdir(parents=True)
    for dep in rp.DEPARTEMENTS:
        com = f"{dep}001"
        _iris_frame([f"{com}0000"], com).write_parquet(folder / f"agg_iris_{dep}.parquet")
    five_k = {"code": ["00FR", "01001"], "P22_POP": [457.0, 859.0]}
    five_k |= {c: [10.0, 20.0] for c in list(rp.COMMUNES_5K_COLUMNS)[1:]}
    pl.DataFrame(five_k).write_parquet(root / rp.COMMUNES_5K)
    return root


def _iris_frame(codes: list[str], com: str, **overrides) -> pl.DataFrame:
    n = len(codes)
    data = {"code": codes, "COM": [com] * n, "libelle": ["X"] * n, "TYP_IRIS": ["Z"] * n,
            "P22_POP": [100.0] * n, "men_tot_stock_22": [40.0] * n}
    data |= {c: [10.0] * n for c in rp.IRIS_RATES}
    data |= {c: [20000.0] * n for c in rp.IRIS_AMOUNTS}
    data |= overrides
    return pl.DataFrame(data)


def test_mini_bundle_reads(tmp_path):
    root = _mini_bundle(tmp_path)
    frame = rp.read(root)
    assert frame.height == 96
    assert frame.filter(pl.col("code") == "01001")["c5k_diplome"].item() == 20.0


def test_missing_column_is_refused(tmp_path):
    root = _mini_bundle(tmp_path)
    path = root / rp.IRIS_DIR / "agg_iris_29.parquet"
    _iris_frame(["290010000"], "29001").drop("men_seul_pct_22").write_parquet(path)
    with pytest.raises(DataError) as err:
        rp.read(root)
    assert "agg_iris_29.parquet" in str(err.value) and "men_seul_pct_22" in str(err.value)


def test_rate_of_140_percent_is_refused(tmp_path):
    root = _mini_bundle(tmp_path)
    path = root / rp.IRIS_DIR / "agg_iris_29.parquet"
    _iris_frame(["290010101", "290010102"], "29001", dmv_65p_pct_22=[12.0, 140.0]).write_parquet(path)
    with pytest.raises(DataError) as err:
        rp.read(root)
    message = str(err.value)
    assert "agg_iris_29.parquet" in message and "290010102" in message and "140" in message
    assert "dmv_65p_pct_22" in message


def test_known_anomaly_with_another_value_is_refused(tmp_path):
    root = _mini_bundle(tmp_path)
    path = root / rp.IRIS_DIR / "agg_iris_78.parquet"
    _iris_frame(["783610105"], "78361", soc_txchom_1564_22=[1331.85]).write_parquet(path)
    assert rp.read(root).filter(pl.col("iris") == "783610105")["chomage"].item() is None
    _iris_frame(["783610105"], "78361", soc_txchom_1564_22=[250.0]).write_parquet(path)
    with pytest.raises(DataError, match="783610105"):
        rp.read(root)


def test_duplicated_iris_code_is_refused(tmp_path):
    root = _mini_bundle(tmp_path)
    path = root / rp.IRIS_DIR / "agg_iris_29.parquet"
    _iris_frame(["290010101", "290010101"], "29001").write_parquet(path)
    with pytest.raises(DataError) as err:
        rp.read(root)
    assert "agg_iris_29.parquet" in str(err.value) and "290010101" in str(err.value)


def test_iris_of_another_departement_is_refused(tmp_path):
    root = _mini_bundle(tmp_path)
    shutil.copy(root / rp.IRIS_DIR / "agg_iris_01.parquet", root / rp.IRIS_DIR / "agg_iris_02.parquet")
    with pytest.raises(DataError) as err:
        rp.read(root)
    # The copy's commune 01001 is outside département 02: refused on that first.
    assert "agg_iris_02.parquet" in str(err.value) and "01001" in str(err.value)


def test_negative_count_and_text_code_dtype_are_refused(tmp_path):
    root = _mini_bundle(tmp_path)
    path = root / rp.IRIS_DIR / "agg_iris_29.parquet"
    _iris_frame(["290010000"], "29001", men_tot_stock_22=[-3.0]).write_parquet(path)
    with pytest.raises(DataError, match="négatif"):
        rp.read(root)
    _iris_frame(["290010000"], "29001").with_columns(pl.lit(290010000).alias("code")).write_parquet(path)
    with pytest.raises(DataError, match="texte"):
        rp.read(root)


def test_missing_file_is_named(tmp_path):
    root = _mini_bundle(tmp_path)
    (root / rp.IRIS_DIR / "agg_iris_2A.parquet").unlink()
    with pytest.raises(DataError, match="agg_iris_2A.parquet"):
        rp.read(root)


def test_corrupt_parquet_file_is_named(tmp_path):
    root = _mini_bundle(tmp_path)
    path = root / rp.IRIS_DIR / "agg_iris_29.parquet"
    path.write_bytes(path.read_bytes()[:200])  # cut short
    with pytest.raises(DataError, match="agg_iris_29.parquet.*Parquet"):
        rp.read(root)


def test_national_row_of_the_5k_file_is_left_out(bundle_dir):
    five_k = rp.read_communes_5k(bundle_dir)
    assert five_k.height == 2_191
    assert "00FR" not in five_k["code"].to_list()
    assert {"75056", "75101", "69123", "13055"} <= set(five_k["code"].to_list())


def test_approximation_weights_of_the_age_group_rates(communes):
    row = _row(communes, "90009")
    assert row["seul80_methode"] == "approx_population_75plus"
    assert row["chomage1524_methode"] == "approx_population_1524"
    assert row["chomage5564_methode"] == "approx_population"
