"""Filosofi 2021 source module and the poverty estimate, on the real file of the bundle.

Expected values are read off the file's rows (line numbers given) and computed by hand here.
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import polars as pl
import pytest

from ifn import estimate
from ifn.errors import DataError
from ifn.sources import filosofi_2021 as filosofi

REL = filosofi.SPEC.relpath

# Line 10293: 29019;63988;120131;21420;48,0;19,0;30,0;22,0;19,0;17,0;12,0;9,0;…
BREST = "29019"
# Line 2: 01001;346;895;25820;s;s;…  (TP60 secret, MED21 published)
ABERGEMENT = "01001"


def cog2026_codes(root) -> pl.DataFrame:
    """COG 2024 code → 2026 code from Etalab's communes.json (``anciensCodes``, arrondissements)."""
    rows = []
    for c in json.loads((root / "etalab/decoupage-administratif-6.0.0/communes.json").read_text(encoding="utf-8")):
        if c["type"] == "commune-actuelle" and c.get("zone") != "com":
            rows.append((c["code"], c["code"], "identique"))
            rows += [(old, c["code"], "fusion") for old in c.get("anciensCodes", [])]
        elif c["type"] == "arrondissement-municipal":
            rows.append((c["code"], c["commune"], "arrondissement"))
    return pl.DataFrame(rows, schema=["code_source", "code", "statut"], orient="row").unique("code_source", keep="first")


@pytest.fixture(scope="module")
def source(bundle_dir):
    return filosofi.read(bundle_dir)


@pytest.fixture(scope="module")
def mapped(source, bundle_dir):
    out = source.rename({"code": "code_source"}).join(cog2026_codes(bundle_dir), on="code_source", how="left")
    assert out["code"].null_count() == 0
    return out


@pytest.fixture(scope="module")
def estimated(mapped):
    return filosofi.estimate_rows(mapped)


@pytest.fixture(scope="module")
def communes(mapped):
    return filosofi.to_communes(mapped)


def row(frame: pl.DataFrame, code: str, key: str = "code") -> dict:
    found = frame.filter(pl.col(key) == code)
    assert found.height == 1, (code, found)
    return found.row(0, named=True)


# --------------------------------------------------------------------------- read
def test_brest_published_poverty_rate(source, communes):
    brest = row(source, BREST)
    assert brest["tp60"] == 19.0
    assert (brest["menages"], brest["personnes"], brest["med21"]) == (63988.0, 120131.0, 21420.0)
    assert [brest[f"tp60_age{i}"] for i in range(1, 7)] == [30.0, 22.0, 19.0, 17.0, 12.0, 9.0]
    out = row(communes, BREST)
    assert out["pauvrete"] == 19.0
    assert out["pauvrete_methode"] == "publie"
    assert out["pauvrete_estimee"] is None and out["pauvrete_erreur"] is None
    assert out["revenu_median"] == 21420.0
    assert out["pauvrete_age1"] == 30.0 and out["pauvrete_age6"] == 9.0


def test_markers_and_codes(source):
    assert source.height == 34909
    abergement = row(source, ABERGEMENT)  # s in TP60, numbers elsewhere
    assert abergement["tp60"] is None and abergement["med21"] == 25820.0 and abergement["nd"] is False
    sans = row(source, "09304")  # line 3105: nd everywhere
    assert sans["nd"] is True and sans["med21"] is None and sans["menages"] is None
    assert row(source, "2A004")["tp60"] == 16.0  # Ajaccio, code kept as text
    assert source.filter(pl.col("code").str.contains(r"^(751|6938|132[01])")).height == 45
    assert source["tp60"].is_not_null().sum() == 4397  # 4,409 in the bundle README counts the 12 « nd » rows
    assert source["med21"].is_not_null().sum() == 31304
    assert source["nd"].sum() == 12


def copy_with(bundle_dir, tmp_path, line_no: int, old: str, new: str):
    """The real file copied into a temporary bundle with one cell of line ``line_no`` changed."""
    target = tmp_path / REL
    target.parent.mkdir(parents=True)
    shutil.copyfile(bundle_dir / REL, target)
    lines = target.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    target.write_text("\n".join(lines), encoding="utf-8")
    return tmp_path


def test_non_numeric_cell_names_file_line_column_value(bundle_dir, tmp_path):
    root = copy_with(bundle_dir, tmp_path, 10293, "21420;48,0;19,0;", "21420;48,0;19.0;")
    with pytest.raises(DataError) as err:
        filosofi.read(root)
    msg = str(err.value)
    assert REL in msg and "ligne 10293" in msg and "« TP6021 »" in msg and "« 19.0 »" in msg
    assert "point décimal" in msg


def test_unknown_marker_refused(bundle_dir, tmp_path):
    root = copy_with(bundle_dir, tmp_path, 2, "01001;346;895;25820;", "01001;346;895;n.d.;")
    with pytest.raises(DataError, match=r"« n\.d\. » inattendue dans la colonne « MED21 » à la ligne 2 "):
        filosofi.read(root)


def test_lost_leading_zero(bundle_dir, tmp_path):
    root = copy_with(bundle_dir, tmp_path, 2, "01001;", "1001;")
    with pytest.raises(DataError, match=r"code « 1001 » invalide à la ligne 2 — le zéro initial a été perdu"):
        filosofi.read(root)


def test_rate_out_of_range_and_duplicate_code(bundle_dir, tmp_path):
    root = copy_with(bundle_dir, tmp_path, 10293, "21420;48,0;19,0;", "21420;48,0;119,0;")
    with pytest.raises(DataError, match=r"« 119 » invalide dans la colonne « TP6021 » à la ligne 10293 \(code 29019\)"):
        filosofi.read(root)
    root = copy_with(bundle_dir, tmp_path / "w", 10293, "29019;63988;120131;", "29019;63988;s;")
    with pytest.raises(DataError, match=r"« 19 » invalide dans la colonne « TP6021 » à la ligne 10293 .*sans nombre de personnes"):
        filosofi.read(root)
    other = tmp_path / "b"
    root = copy_with(bundle_dir, other, 3, "01002;", "01001;")
    with pytest.raises(DataError, match=r"le code « 01001 » apparaît plusieurs fois \(lignes 2, 3\)"):
        filosofi.read(root)


# --------------------------------------------------------------------------- estimate
def test_secret_commune_estimate_from_coefficients(estimated):
    rows, errors = estimated
    # Fitted by hand on the published communes outside the Ain (département 01): the regressors of
    # ifn.estimate, one 0/1 column per région, and one penalty row per région (ridge, λ = 1).
    train = rows.filter(
        pl.col("tp60").is_not_null() & (pl.col("dep") != "01") & (pl.col("statut") != "arrondissement")
    )
    regions = sorted(rows["reg"].unique().to_list())
    assert len(regions) == 15  # 13 metropolitan régions, Martinique, La Réunion
    lm, men = np.log(train["med21"].to_numpy()), np.maximum(train["menages"].to_numpy(), 750.0)
    reg = train["reg"].to_numpy()
    X = np.column_stack(
        [np.ones_like(lm), lm]
        + [np.maximum(lm - math.log(k), 0) for k in (18000, 21000, 24000, 28000)]
        + [np.log(men), train["dep"].str.starts_with("97").to_numpy().astype(float)]
        + [(reg == r).astype(float) for r in regions]
    )
    X = np.vstack([X, np.hstack([np.zeros((15, 8)), np.eye(15)])])
    y = np.concatenate([train["tp60"].to_numpy(), np.zeros(15)])
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    model = estimate.fit_excluding(rows, "01")
    np.testing.assert_allclose(model.coefficients, coef, rtol=1e-6, atol=1e-8)
    # L'Abergement-Clémenciat: MED21 25 820 €, 346 households (below the 750 floor), Auvergne-Rhône-Alpes (84).
    lm = math.log(25820)
    x = [1, lm, lm - math.log(18000), lm - math.log(21000), lm - math.log(24000), 0.0, math.log(750), 0.0]
    x += [1.0 if r == "84" else 0.0 for r in regions]
    expected = float(np.dot(x, coef))
    got = row(rows, ABERGEMENT, "code_source")
    assert got["pauvrete_estimee"] == pytest.approx(expected, abs=1e-6)
    assert round(expected, 2) == 6.96
    assert got["pauvrete_methode"] == "revenu"
    # Its « ± x pts »: the cross-validated MAE of the published communes under 1,000 households.
    small = rows.filter(
        pl.col("tp60").is_not_null() & (pl.col("menages") < 1000) & (pl.col("statut") != "arrondissement")
    )
    mae = (small["prediction"] - small["tp60"]).abs().mean()
    assert small.height == 197
    assert got["pauvrete_erreur"] == pytest.approx(mae, abs=1e-12)
    assert row(errors, "moins de 1 000 ménages", "classe")["mae"] == pytest.approx(mae, abs=1e-12)


def test_departement_never_sees_its_own_communes(estimated, mapped):
    rows, _ = estimated
    changed = mapped.with_columns(
        pl.when(pl.col("code_source").str.starts_with("29") & pl.col("tp60").is_not_null())
        .then(pl.lit(60.0))
        .otherwise(pl.col("tp60"))
        .alias("tp60")
    )
    again, _ = filosofi.estimate_rows(changed)
    finistere = pl.col("dep") == "29"
    before = rows.filter(finistere)["prediction"]
    assert before.is_not_null().sum() == 275  # Finistère communes with MED21
    assert again.filter(finistere)["prediction"].equals(before)
    # ... while every other département's model saw the change.
    other = rows.filter(~finistere & pl.col("prediction").is_not_null())["prediction"]
    other_again = again.filter(~finistere & pl.col("prediction").is_not_null())["prediction"]
    assert (other_again - other).abs().min() > 0


def test_clipped_and_no_estimate_without_median(estimated):
    rows, _ = estimated
    assert rows["prediction"].min() >= 0 and rows["prediction"].max() <= 100
    sans = row(rows, "09304", "code_source")
    assert sans["pauvrete_methode"] is None and sans["pauvrete_estimee"] is None


def test_error_table_by_hand():
    table = estimate.error_table(
        pl.Series([10.0, 20.0, 30.0, 40.0]), pl.Series([12.0, 19.0, 35.0, None]), pl.Series([500.0, 800.0, 3000.0, 3000.0])
    )
    overall = row(table, "ensemble", "classe")
    assert overall["n"] == 3 and overall["mae"] == pytest.approx(8 / 3) and overall["erreur_mediane"] == 2.0
    assert overall["spearman"] == pytest.approx(1.0)
    assert row(table, "moins de 1 000 ménages", "classe")["mae"] == 1.5


def test_group_mean_rule_leaves_the_commune_out():
    frame = pl.DataFrame(
        {
            "epci": ["A", "A", "A", "B", None],
            "dep": ["01", "01", "01", "01", "01"],
            "poids": [100.0, 300.0, 50.0, 1000.0, 10.0],
            "tp60": [10.0, 20.0, None, 30.0, 12.0],
        }
    )
    got = estimate.group_mean_predictions(frame).to_list()
    # A: each other's value; the secret one the weighted mean of both; B alone → département without it.
    assert got[0] == 20.0 and got[1] == 10.0
    assert got[2] == pytest.approx((100 * 10 + 300 * 20) / 400)
    assert got[3] == pytest.approx((100 * 10 + 300 * 20 + 10 * 12) / 410)
    assert got[4] == pytest.approx((100 * 10 + 300 * 20 + 1000 * 30) / 1400)


# --------------------------------------------------------------------------- to_communes
def test_merged_commune_pooled_by_persons(communes):
    # Saint-Denis (93066) absorbed Pierrefitte-sur-Seine (93059) on 2025-01-01.
    # Line 34614: 93066;41208;106397;16620;42,0;36,0  — line 34609: 93059;10276;30999;16080;38,0;38,0
    got = row(communes, "93066")
    assert got["pauvrete"] == pytest.approx((36 * 106397 + 38 * 30999) / (106397 + 30999))  # 36.4512…
    assert round(got["pauvrete"], 2) == 36.45
    assert got["pauvrete_methode"] == "publie" and got["pauvrete_estimee"] is None
    assert got["revenu_median"] == pytest.approx((16620 * 106397 + 16080 * 30999) / 137396)
    assert (got["filosofi_menages"], got["filosofi_personnes"], got["filosofi_parties"]) == (51484.0, 137396.0, 2)
    assert got["pauvrete_age1"] is None  # by-age rates are not pooled
    assert communes.filter(pl.col("code") == "93059").height == 0


def test_merged_commune_with_a_secret_part_is_estimated(communes, estimated):
    rows, _ = estimated
    # Merdrignac (22147, line 7415: 2 720 persons, TP60 15) + 22309 (line 7559: 180 persons, secret).
    part = row(rows, "22309", "code_source")
    got = row(communes, "22147")
    assert got["pauvrete"] is None and got["pauvrete_methode"] == "revenu"
    assert got["pauvrete_estimee"] == pytest.approx((15 * 2720 + part["pauvrete_estimee"] * 180) / 2900)
    assert got["pauvrete_erreur"] == pytest.approx(part["pauvrete_erreur"] * 180 / 2900)


def test_paris_lyon_marseille_take_their_whole_row(communes, mapped):
    for code, tp60, persons in (("75056", 16.0, 1958437.0), ("69123", 16.0, 451689.0), ("13055", 26.0, 773344.0)):
        got = row(communes, code)
        assert (got["pauvrete"], got["filosofi_personnes"], got["filosofi_parties"]) == (tp60, persons, 1)
    # Without the whole-commune row, Paris is pooled from its 20 arrondissements.
    arr = mapped.filter((pl.col("statut") == "arrondissement") & (pl.col("code") == "75056"))
    assert arr.height == 20
    pooled = (arr["tp60"] * arr["personnes"]).sum() / arr["personnes"].sum()
    got = row(filosofi.to_communes(mapped.filter(pl.col("code_source") != "75056")), "75056")
    assert got["pauvrete"] == pytest.approx(pooled) and got["filosofi_parties"] == 20


def test_one_row_per_2026_commune_and_report(communes):
    assert communes["code"].is_unique().all()
    assert communes.height == 34800  # 34 909 rows − 45 arrondissements − 64 codes merged into others
    rep = filosofi.report(communes)
    assert rep["taux_publie"] + rep["taux_estime_revenu"] + rep["sans_taux_ni_revenu"] == communes.height
    assert rep["communes_regroupees"] == 46
    # rates by age of the reference person: published for few communes, estimated from the median income elsewhere
    assert (rep["pauvrete_moins30_publie"], rep["pauvrete_60_74_publie"], rep["pauvrete_75p_publie"]) == (685, 1087, 530)
    assert rep["pauvrete_moins30_estime_revenu"] == 30526
