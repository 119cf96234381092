"""Imputation from the EPCI, then the département, population-weighted."""

import polars as pl
import pytest

from ifn.impute import imputation_counts, impute_communes


@pytest.fixture
def communes():
    return pl.DataFrame({
        "code": ["a", "b", "c", "d", "e", "f", "g", "h", "i"],
        "epci": ["E1", "E1", "E1", "E2", "ZZZZZZZZZ", "E3", "E4", "E5", "E5"],
        "dep": ["01", "01", "01", "01", "01", "01", "02", "03", "03"],
        "population": [100, 300, 50, 10, 5, 100, 10, 0, None],
        "x": [10.0, 20.0, None, None, None, 40.0, None, 6.0, None],
    })


def test_epci_then_departement(communes):
    out = impute_communes(communes, ["x"])
    x = dict(zip(out["code"], out["x"]))
    flag = dict(zip(out["code"], out["imputed_x"]))
    assert x["c"] == pytest.approx((10 * 100 + 20 * 300) / 400)  # EPCI E1: 17.5
    dep01 = (10 * 100 + 20 * 300 + 40 * 100) / 500  # 22.0
    assert x["d"] == pytest.approx(dep01)  # E2 has no observed commune
    assert x["e"] == pytest.approx(dep01)  # no EPCI → département
    assert x["g"] is None and flag["g"] is False  # nothing observed in dep 02
    assert x["i"] == pytest.approx(6.0)  # zero total population → plain mean
    assert [flag[k] for k in "abcdef"] == [False, False, True, True, True, False]
    assert imputation_counts(out, ["x"]) == {"x": 4}
    assert out["code"].to_list() == communes["code"].to_list()


def test_disabled(communes):
    out = impute_communes(communes, ["x"], enabled=False)
    assert out["x"].to_list() == communes["x"].to_list()
    assert not out["imputed_x"].any()
