"""Map classes, legend labels and palette."""

import numpy as np
import pytest

from ifn.classify import MISSING_COLOUR, MISSING_LABEL, classify, palette
from ifn.errors import InputError


def test_equal_steps_on_one_to_ten():
    c = classify([1.0, 5.0, None, 10.0], "equal", k=5)
    assert c.breaks == pytest.approx((2.8, 4.6, 6.4, 8.2, 10.0))
    assert c.labels == ("1,0 – 2,8", "2,8 – 4,6", "4,6 – 6,4", "6,4 – 8,2", "8,2 – 10,0")
    assert c.colours == ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
    assert c.index([1.0, 2.8, 2.81, 10.0, None, np.nan]).tolist() == [0, 0, 1, 4, -1, -1]
    assert c.label([None])[0] == MISSING_LABEL == "Données insuffisantes"
    assert c.colour([None, 10.0]) == [MISSING_COLOUR, "#bd0026"]


def test_quantiles():
    c = classify(np.arange(1, 11, dtype=float), "quantiles", k=5)
    assert c.breaks == pytest.approx((2.8, 4.6, 6.4, 8.2, 10.0))
    assert c.lower == 1.0


def test_jenks_finds_the_clusters():
    c = classify([1.0, 1.1, 1.2, 5.0, 5.1, 9.0, 9.2], "jenks", k=3)
    assert c.breaks == pytest.approx((1.2, 5.1, 9.2))
    assert c.labels == ("1,0 – 1,2", "1,2 – 5,1", "5,1 – 9,2")


def test_jenks_on_many_values_is_deterministic_and_ends_at_max():
    x = np.random.default_rng(1).random(5000) * 9 + 1
    a, b = classify(x, "jenks", k=4), classify(x[::-1], "jenks", k=4)
    assert a.breaks == b.breaks and a.breaks[-1] == x.max()


def test_fewer_distinct_values_than_classes():
    c = classify([2.0, 2.0, 7.0], "quantiles", k=5)
    assert c.breaks == (2.0, 7.0) and len(c.colours) == 2


def test_bad_arguments():
    with pytest.raises(InputError, match="Méthode de classes inconnue"):
        classify([1.0], "kmeans")
    with pytest.raises(InputError, match="entre 2 et 9"):
        classify([1.0], "equal", k=12)
    assert len(palette(7)) == 7


def test_polars_series_with_nulls():
    import polars as pl

    values = pl.Series([1.0, None, 9.5, 4.0])
    c = classify(values, "quantiles", k=3)
    assert c.index(values).tolist()[1] == -1
    assert c.label(values)[1] == MISSING_LABEL
    assert classify(pl.Series([None, None], dtype=pl.Float64), "equal").k == 5
