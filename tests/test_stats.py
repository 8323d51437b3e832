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


def test_one_sided_p_halves_the_two_sided_p_in_the_claimed_direction():
    t = stats.Trend(0.73, 0.056, 6)
    assert t.one_sided_p(+1) == pytest.approx(0.028)
    assert t.one_sided_p(-1) == pytest.approx(1 - 0.028)
    assert math.isnan(stats.Trend(math.nan, math.nan, 6).one_sided_p(1))
    with pytest.raises(ValueError):
        t.one_sided_p(0)


def test_median_with_failures_counts_them_as_unbounded():
    assert stats.median_with_failures([1.0, 2.0, 3.0], [True, True, True]) == 2.0
    assert stats.median_with_failures([1.0, 2.0, 3.0, 4.0, 5.0], [True, True, False, False, True]) == 5.0
    assert math.isinf(stats.median_with_failures([1.0, 2.0, 3.0], [True, False, False]))  # Fig. 4 at λ = 1's case
    with pytest.raises(ValueError):
        stats.median_with_failures([], [])


def test_cluster_bootstrap_matches_the_binomial_case_and_widens_for_shared_clusters():
    """One trial per cluster is the independent case: the interval is close to Newcombe's. The same
    outcomes repeated 6 times inside each cluster (6 pairs on one image) carry no more information,
    so the cluster interval stays as wide, while pooling them as 6x the trials would halve it."""
    rng = np.random.default_rng(1)
    a, b = rng.random(500) < 0.25, rng.random(500) < 0.10
    ones = np.ones(500)
    d, lo, hi = stats.cluster_bootstrap_difference(a, ones, b, ones)
    n_lo, n_hi = stats.newcombe_difference(int(a.sum()), 500, int(b.sum()), 500)
    assert d == pytest.approx(a.mean() - b.mean())
    assert lo == pytest.approx(n_lo, abs=0.015) and hi == pytest.approx(n_hi, abs=0.015)
    d6, lo6, hi6 = stats.cluster_bootstrap_difference(6 * a, 6 * ones, 6 * b, 6 * ones)
    assert d6 == pytest.approx(d) and (hi6 - lo6) == pytest.approx(hi - lo, rel=0.05)
    p_lo, p_hi = stats.newcombe_difference(int(6 * a.sum()), 3000, int(6 * b.sum()), 3000)
    assert (p_hi - p_lo) < 0.5 * (hi6 - lo6)  # the pooled interval would be far too narrow
    with pytest.raises(ValueError):
        stats.cluster_bootstrap_difference([1], [1, 1], [1], [1])


def test_cluster_bootstrap_rate_is_the_pooled_rate_resampled_by_cluster():
    """Clusters of unequal size: the rate is pooled over trials, the interval brackets it, and a
    cluster whose trials all agree counts once, not once per trial (wider than Wilson's at the trials)."""
    rng = np.random.default_rng(2)
    size = rng.integers(1, 7, 300).astype(float)
    hits = np.where(rng.random(300) < 0.3, size, 0.0)  # every trial of a cluster agrees
    rate, lo, hi = stats.cluster_bootstrap_rate(hits, size)
    assert rate == pytest.approx(hits.sum() / size.sum()) and lo < rate < hi
    w_lo, w_hi = stats.wilson(int(hits.sum()), int(size.sum()))
    assert hi - lo > 1.5 * (w_hi - w_lo)
    assert stats.cluster_bootstrap_rate(hits, size) == (rate, lo, hi)  # seeded
    with pytest.raises(ValueError):
        stats.cluster_bootstrap_rate([0, 0], [0, 0])
    with pytest.raises(ValueError):
        stats.cluster_bootstrap([], np.divide)


def test_friedman_matches_scipy_and_reduces_to_the_sign_test_for_two_samples():
    from scipy.stats import friedmanchisquare

    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=(40, 3)).astype(float)  # ties within blocks: the tie correction
    x[:, 2] += 1.0
    got, ref = stats.friedman(x), friedmanchisquare(*x.T)
    assert got.statistic == pytest.approx(ref.statistic) and got.p == pytest.approx(ref.pvalue)
    assert (got.n, got.k) == (40, 3) and got.w == pytest.approx(got.statistic / (40 * 2))
    two = rng.normal(size=(30, 2))
    b, c = int((two[:, 0] > two[:, 1]).sum()), int((two[:, 0] < two[:, 1]).sum())
    assert stats.friedman(two).statistic == pytest.approx((b - c) ** 2 / (b + c))
    ranked = np.tile([1.0, 2.0, 3.0], (10, 1))  # every block ranks the samples alike
    assert stats.friedman(ranked).w == pytest.approx(1.0) and stats.friedman(ranked).p < 0.001
    assert stats.friedman(np.ones((5, 3))).p == 1.0
    assert math.isnan(stats.friedman(np.ones((1, 3))).p)
    with pytest.raises(ValueError):
        stats.friedman(np.ones((5, 1)))


def test_paired_ratio_cancels_what_the_pairs_share():
    load = np.linspace(1, 10, 40)  # a load swing hitting both attacks' time on each image alike
    lo, hi = stats.bootstrap_paired_ratio(3 * load, load)
    assert lo == pytest.approx(3.0) and hi == pytest.approx(3.0)
    u_lo, u_hi = stats.bootstrap_ratio(3 * load, load, "mean")
    assert u_hi - u_lo > 1.0  # resampled independently, the swing would blur the ratio


def test_paired_rate_difference_is_the_worst_case_over_the_pairings():
    d = stats.paired_rate_difference(196, 99, 200)
    assert d.difference == pytest.approx(0.485) and 0 < d.lo < 0.485 < d.hi and d.p_greater < 1e-10
    only = stats.paired_rate_difference(30, 0, 100)  # one pairing only: b = 30, c = 0
    assert only.lo == pytest.approx(stats._newcombe_paired(0, 30, 0, 70)[0])
    assert only.p_greater == pytest.approx(0.5 ** 30)
    same = stats.paired_rate_difference(50, 50, 100)
    assert same.lo < 0 < same.hi and same.p_greater > 0.05
    with pytest.raises(ValueError):
        stats.paired_rate_difference(5, 3, 4)


def test_binomial_power_is_exact():
    assert stats.binomial_power(1.0, 20, lambda lo, hi: lo >= 95.0) == 0.0
    assert stats.binomial_power(1.0, 100, lambda lo, hi: lo >= 95.0) == 1.0
    p = stats.binomial_power(0.5, 10, lambda lo, hi: hi <= 80.0)
    assert 0 < p < 1


def test_normal_power():
    assert stats.normal_power(1.0, 0.0, 0.5, 1.5) == 1.0 and stats.normal_power(2.0, 0.0, 0.5, 1.5) == 0.0
    assert stats.normal_power(1.0, 0.1, 0.5, 1.5) == pytest.approx(0.9976, abs=1e-3)
    assert stats.normal_power(0.0, 1.0, -1.0, 1.0) == 0.0  # the interval is wider than the criterion


def test_per_image_tau_is_kendalls_tau_b_per_row():
    from scipy.stats import kendalltau
    rng = np.random.default_rng(1)
    v = rng.integers(0, 4, size=(20, 5)).astype(float)
    v[0] = 2.0  # constant: no trend, 0
    taus = stats.per_image_tau([1, 2, 3, 4, 5], v)
    assert taus[0] == 0.0
    for row, tau in zip(v[1:], taus[1:]):
        expected = kendalltau([1, 2, 3, 4, 5], row).statistic
        assert tau == pytest.approx(0.0 if np.isnan(expected) else expected)
    assert stats.per_image_tau([1, 2], np.array([[np.inf, np.inf]]))[0] == 0.0  # equal infinities tie


def test_paired_trend_sees_a_within_image_trend_that_image_means_hide():
    """Each image rises with the setting, but the images' levels differ far more than the rise."""
    rng = np.random.default_rng(2)
    level = rng.normal(0, 100, size=(30, 1))
    v = level + np.arange(4) + rng.normal(0, 0.1, size=(30, 4))
    t = stats.paired_trend([1, 2, 3, 4], v)
    assert t.tau > 0.9 and t.lo > 0.8 and t.p_rising < 1e-4 and t.p_falling > 0.99 and t.n == 30
    flat = stats.paired_trend([1, 2, 3], np.ones((5, 3)))
    assert (flat.tau, flat.p_rising, flat.p_falling) == (0.0, 1.0, 1.0)



def test_paired_spread_resamples_the_units_together():
    rng = np.random.default_rng(3)
    base = rng.lognormal(0, 1.0, size=200)  # images differ a lot; every net scales them alike
    v = np.vstack([base, 1.5 * base, 1.2 * base])
    spread, lo, hi = stats.bootstrap_paired_spread(v)
    assert spread == pytest.approx(1.5) and lo == pytest.approx(1.5) and hi == pytest.approx(1.5)
    v[2, :10] = np.nan  # an image a net did not fool has no value
    assert stats.bootstrap_paired_spread(v)[0] >= 1.0
    with pytest.raises(ValueError):
        stats.bootstrap_paired_spread(v[:1])


def test_paired_outcomes_difference_uses_the_images_own_pairing():
    first = [True] * 90 + [False] * 10
    second = [True] * 5 + [False] * 95  # every image the second fools, the first fools too: b = 85, c = 0
    d = stats.paired_outcomes_difference(first, second)
    assert d.difference == pytest.approx(0.85)
    assert d.lo <= 0.85 <= d.hi and d.p_greater < 1e-20 and d.p_less == 1.0
    worst = stats.paired_rate_difference(90, 5, 100)  # the same counts, pairing unknown: never narrower
    assert worst.lo <= d.lo and worst.hi >= d.hi
    with pytest.raises(ValueError, match="equal-length"):
        stats.paired_outcomes_difference([True], [True, False])
