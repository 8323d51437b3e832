"""The interval code of :mod:`sfutils.stats` against values computed by hand / published."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sfutils import stats


@pytest.mark.parametrize("k, n, lo, hi", [
    (0, 10, 0.0, 0.277533),     # z^2 / (n + z^2)
    (10, 10, 0.722467, 1.0),    # n / (n + z^2)
    (5, 10, 0.236593, 0.763407),  # statsmodels proportion_confint(5, 10, method="wilson")
])
def test_wilson_known_values(k, n, lo, hi):
    got = stats.wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-5)


def test_wilson_formula_by_hand():
    z = 1.959963984540054
    k, n = 81, 263
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert stats.wilson(k, n) == pytest.approx((centre - half, centre + half), abs=1e-12)


def test_wilson_rejects_bad_counts():
    with pytest.raises(ValueError):
        stats.wilson(3, 0)
    with pytest.raises(ValueError):
        stats.wilson(11, 10)


def test_rate_interval_in_percent():
    assert stats.rate_interval(50.0, 10) == pytest.approx((23.6593, 76.3407), abs=1e-3)
    assert stats.rate_interval(100.0, 200) == pytest.approx((98.1155, 100.0), abs=1e-3)


def test_newcombe_published_example():
    # Newcombe (1998), Stat. Med. 17:873, Table II example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339.
    lo, hi = stats.newcombe_difference(56, 70, 48, 80)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=5e-4)


def test_bootstrap_is_seeded_and_brackets_the_median():
    values = np.arange(1, 102, dtype=float)  # median 51
    a = stats.bootstrap_interval(values, "median", seed=3)
    b = stats.bootstrap_interval(values, "median", seed=3)
    assert a == b
    assert a[0] < 51 < a[1]
    # the median of 101 uniform ranks has sd ~ sqrt(pi/2) * 29/sqrt(101) ~ 3.6: the interval spans ~ +-7
    assert 8 < a[1] - a[0] < 25


def test_bootstrap_of_constant_sample_is_a_point():
    assert stats.bootstrap_interval([4.0] * 30, "median") == (4.0, 4.0)
    assert stats.bootstrap_interval([4.0] * 30, "mean") == (4.0, 4.0)


def test_bootstrap_keeps_infinite_medians():
    values = [1.0, 2.0] + [math.inf] * 8
    lo, hi = stats.bootstrap_interval(values, "median")
    assert math.isinf(hi) and math.isinf(lo)


def test_bootstrap_ratio():
    assert stats.bootstrap_ratio([2.0] * 20, [1.0] * 25) == (2.0, 2.0)
    rng = np.random.default_rng(0)
    num, den = rng.normal(30, 3, 200), rng.normal(10, 1, 200)
    lo, hi = stats.bootstrap_ratio(num, den, "mean")
    assert lo < 3.0 < hi and hi - lo < 0.3


def test_ratio_bounds():
    assert stats.ratio_bounds((2.0, 4.0), (1.0, 2.0)) == (1.0, 4.0)
    assert stats.ratio_bounds((2.0, 4.0), (0.0, 2.0)) == (1.0, math.inf)


def test_trend_exact_kendall():
    t = stats.trend([1, 2, 3, 4, 5, 6], [11, 21.5, 38, 57.5, 82, 112])
    assert t.tau == pytest.approx(1.0)
    assert t.p == pytest.approx(2 / math.factorial(6))  # exact: only 2 of 720 orderings are as extreme
    assert t.direction() == 1
    down = stats.trend([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1])
    assert down.direction() == -1


def test_trend_flat_and_weak():
    flat = stats.trend([1, 2, 3, 4], [100.0] * 4)
    assert math.isnan(flat.tau) and flat.direction() == 0
    weak = stats.trend([1, 2, 3, 4], [1, 3, 2, 4])
    assert weak.tau == pytest.approx(2 / 3) and weak.direction() == 0


def test_ci_columns():
    assert stats.ci_columns("median px % (ours)") == ("median px % (ours) lo", "median px % (ours) hi")
