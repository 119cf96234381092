"""Normalisation methods on hand-computed fixtures."""

import numpy as np
import pytest

from ifn.normalise import base100_scores, decile_scores, midrank_percentile, minmax_scores, rank_scores

NAN = np.nan


def test_midrank_percentile_with_ties():
    # observed 1, 2, 2, 3, 5 (n = 5): F(1) = 0.5/5, F(2) = (1 + 1)/5, F(3) = 3.5/5, F(5) = 4.5/5
    v = np.array([1, 2, 2, 3, 5.0])
    assert midrank_percentile(v, np.ones(5, bool)) == pytest.approx([0.1, 0.4, 0.4, 0.7, 0.9])


def test_rank_scores_min_one_max_ten_and_ties():
    v = np.array([1, 2, 2, 3, 5.0])
    # s = 1 + 9 (F - 0.1) / 0.8
    assert rank_scores(v, np.ones(5, bool)) == pytest.approx([1.0, 4.375, 4.375, 7.75, 10.0])


def test_rank_scores_min_and_max_exact_with_tied_extremes():
    v = np.array([0, 0, 0, 7, 9, 9.0])
    s = rank_scores(v, np.ones(6, bool))
    assert s[0] == s[1] == s[2] == 1.0
    assert s[4] == s[5] == 10.0
    # F(0) = 1.5/6, F(7) = 3.5/6, F(9) = 5/6 → 1 + 9 · 2 / 3.5
    assert s[3] == pytest.approx(1 + 9 * 2 / 3.5)


def test_imputed_values_scored_against_observed_only():
    v = np.array([10, 20, 30, 40, 25, 5, 50, NAN])
    obs = np.array([1, 1, 1, 1, 0, 0, 0, 0], bool)
    s = rank_scores(v, obs)
    assert s[:4] == pytest.approx([1, 4, 7, 10])
    # 25: two observed below → F = 0.5 → 1 + 9 (0.5 - 0.125) / 0.75 = 5.5
    assert s[4] == pytest.approx(5.5)
    assert s[5] == 1.0 and s[6] == 10.0  # outside the observed range: clipped
    assert np.isnan(s[7])


def test_constant_observed_values_give_middle_score():
    s = rank_scores(np.array([3.0, 3.0, NAN]), np.array([True, True, False]))
    assert s[:2] == pytest.approx([5.5, 5.5]) and np.isnan(s[2])


def test_nothing_observed_gives_no_score():
    assert np.isnan(rank_scores(np.array([1.0, 2.0]), np.zeros(2, bool))).all()


def test_deciles_are_integers_one_to_ten():
    v = np.arange(1, 11, dtype=float)
    # F = (i - 0.5)/10 → ceil(10 F) = i
    assert decile_scores(v, np.ones(10, bool)).tolist() == list(range(1, 11))


def test_minmax_winsorised():
    v = np.arange(0, 101, dtype=float)  # P1 = 1, P99 = 99
    s = minmax_scores(v, np.ones(101, bool))
    assert s[0] == 1.0 and s[1] == 1.0 and s[99] == 10.0 and s[100] == 10.0
    assert s[50] == pytest.approx(1 + 9 * 49 / 98)


def test_base100():
    s = base100_scores(np.array([10.0, 20.0, NAN]), 20.0)
    assert s[:2] == pytest.approx([50.0, 100.0]) and np.isnan(s[2])
    assert np.isnan(base100_scores(np.array([1.0]), 0.0)).all()
