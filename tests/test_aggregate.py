"""Aggregation of commune values to EPCI / département / région / France."""

import polars as pl
import pytest

from ifn.aggregate import Pooling, aggregate_level

POOLS = [Pooling("x"), Pooling("fibre", "locaux", "fibre_locaux", "fibre_raccordables")]


@pytest.fixture
def communes():
    # a, b, c in E1 (dep 01 except c in 02); d, e in E2 (dep 02); x of c, d, e imputed
    return pl.DataFrame({
        "code": ["a", "b", "c", "d", "e"], "nom": list("ABCDE"),
        "epci": ["E1", "E1", "E1", "E2", "E2"], "epci_nom": ["Un", "Un", "Un", "Deux", "Deux"],
        "dep": ["01", "01", "02", "02", "02"], "dep_nom": ["Ain", "Ain", "Aisne", "Aisne", "Aisne"],
        "reg": ["84", "84", "32", "32", "32"], "reg_nom": ["ARA", "ARA", "HDF", "HDF", "HDF"],
        "population": [100, 300, 50, 10, 5],
        "x": [10.0, 20.0, 17.5, 30.0, 60.0], "imputed_x": [False, False, True, True, True],
        "fibre": [50.0, 25.0, 0.0, 10.0, None], "imputed_fibre": [False, True, False, False, False],
        "fibre_locaux": [100.0, None, 50.0, 10.0, None], "fibre_raccordables": [50.0, None, 50.0, 9.0, None],
    })


def test_epci(communes):
    out = aggregate_level(communes, "epci", POOLS)
    assert out.columns[:5] == ["code", "nom", "population", "dep", "reg"]
    assert out["code"].to_list() == ["E1", "E2"]
    assert out["population"].to_list() == [450, 15]
    assert out["dep"].to_list() == ["01", "02"]  # majority of the population
    # x: E1 observed a, b → (10·100 + 20·300)/400 ; E2 nothing observed → imputed values (30·10 + 60·5)/15
    assert out["x"].to_list() == pytest.approx([17.5, 40.0])
    assert out["imputed_x"].to_list() == [False, True]
    assert out["part_pop_observee_x"].to_list() == pytest.approx([400 / 450, 0.0])
    # fibre pooled over observed premises: E1 a + c → 1 − 100/150 ; E2 d → 1 − 9/10
    assert out["fibre"].to_list() == pytest.approx([100 / 3, 10.0])
    assert out["part_pop_observee_fibre"].to_list() == pytest.approx([150 / 450, 10 / 15])


def test_departement_and_region_and_france(communes):
    dep = aggregate_level(communes, "departement", POOLS)
    assert dep["code"].to_list() == ["01", "02"] and dep["nom"].to_list() == ["Ain", "Aisne"]
    assert dep["reg"].to_list() == ["84", "32"]
    reg = aggregate_level(communes, "region", POOLS)
    assert reg["code"].to_list() == ["32", "84"]
    fr = aggregate_level(communes, "france", POOLS)
    assert fr["code"].to_list() == ["FR"] and fr["population"][0] == 465
    assert fr["x"][0] == pytest.approx(17.5)
    assert fr["fibre"][0] == pytest.approx(100 * (1 - 109 / 160))


def test_majority_parent_tie_breaks_on_commune_count_then_code():
    df = pl.DataFrame({
        "code": ["a", "b", "c"], "nom": list("abc"), "epci": ["E"] * 3, "epci_nom": ["E"] * 3,
        "dep": ["02", "01", "02"], "dep_nom": ["", "", ""], "reg": ["R", "R", "R"], "reg_nom": ["", "", ""],
        "population": [50, 100, 50], "x": [1.0, 2.0, 3.0], "imputed_x": [False] * 3,
    })
    assert aggregate_level(df, "epci", [Pooling("x")])["dep"][0] == "02"
