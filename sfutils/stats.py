"""Intervals and tests behind every reported number: a 95 % Wilson interval for rates, seeded
bootstrap 95 % intervals for medians, means and their ratios, Newcombe's interval for a
difference of two rates, Kendall's rank test for trends, Friedman's rank test for related samples and
cluster (per-image) bootstrap intervals for rates pooled over trials that share images.

The paper reports point values only (fooling rate, median perturbed pixels, mean time, §4.1);
these intervals say how far a reproduction's numbers, measured on far fewer images, can be
trusted. A table stores the interval of an estimate in the columns named by :func:`ci_columns`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

Z95 = float(_st.norm.ppf(0.975))  # 1.959963984540054
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
# A table's column of the images a row's run will hold when finished, beside its "n" (the images it
# holds so far): written by the experiments where a run may still be computing (Table 1), read by
# sfutils.claims to say that a verdict rests on an unfinished run.
N_PLANNED = "n planned"


def ci_columns(column: str) -> tuple[str, str]:
    """The names of the columns holding the 95 % interval of ``column``: ``<column> lo`` and ``<column> hi``."""
    return f"{column} lo", f"{column} hi"


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval (fractions in [0, 1]) of ``successes`` out of ``n`` trials.

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0/n or n/n.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in [0, n={n}], got {successes!r}")
    if successes in (0, n):  # the closed forms: z^2 / (n + z^2) and n / (n + z^2)
        return (0.0, z * z / (n + z * z)) if successes == 0 else (n / (n + z * z), 1.0)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_interval(percent: float, n: int) -> tuple[float, float]:
    """The Wilson interval (in %) of a rate given in % over ``n`` trials (successes rounded from it)."""
    k = int(round(percent * n / 100.0))
    lo, hi = wilson(k, n)
    return 100.0 * lo, 100.0 * hi


def newcombe_difference(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Newcombe's (1998, method 10) 95 % interval of the difference of rates k1/n1 - k2/n2, built
    from the two Wilson intervals (fractions)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def _percentile_interval(estimates: np.ndarray) -> tuple[float, float]:
    """The 2.5 % and 97.5 % order statistics of ``estimates`` (no interpolation, so infinite
    estimates, e.g. medians over failures counted as infinity, stay infinite)."""
    s = np.sort(estimates)
    b = len(s)
    return float(s[int(math.floor(0.025 * (b - 1)))]), float(s[int(math.ceil(0.975 * (b - 1)))])


def _as_sample(values: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError(f"{what}: no values to bootstrap")
    if np.isnan(arr).any():
        raise ValueError(f"{what}: NaN among the values")
    return arr


def bootstrap_interval(values: Sequence[float] | np.ndarray, statistic: Callable[[np.ndarray], np.ndarray] | str = "median",
                       resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Seeded percentile-bootstrap 95 % interval of ``statistic`` ("median", "mean" or a function
    reducing along axis 1) of ``values``; the same seed gives the same interval."""
    arr = _as_sample(values, "bootstrap_interval")
    fn = _statistic(statistic)
    rng = np.random.default_rng(seed)
    draws = arr[rng.integers(0, arr.size, size=(resamples, arr.size))]
    return _percentile_interval(fn(draws))


def bootstrap_ratio(numerator: Sequence[float] | np.ndarray, denominator: Sequence[float] | np.ndarray,
                    statistic: Callable[[np.ndarray], np.ndarray] | str = "median", resamples: int = BOOTSTRAP_RESAMPLES,
                    seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Seeded bootstrap 95 % interval of statistic(numerator) / statistic(denominator), the two
    samples resampled independently (e.g. the median perturbed pixels of two nets)."""
    a, b = _as_sample(numerator, "numerator"), _as_sample(denominator, "denominator")
    fn = _statistic(statistic)
    rng = np.random.default_rng(seed)
    sa = fn(a[rng.integers(0, a.size, size=(resamples, a.size))])
    sb = fn(b[rng.integers(0, b.size, size=(resamples, b.size))])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(sb > 0, sa / np.where(sb > 0, sb, 1.0), np.inf)
    return _percentile_interval(ratios)


def _statistic(statistic: Callable[[np.ndarray], np.ndarray] | str) -> Callable[[np.ndarray], np.ndarray]:
    if statistic == "median":
        return lambda d: np.median(d, axis=1)
    if statistic == "mean":
        return lambda d: np.mean(d, axis=1)
    if callable(statistic):
        return statistic
    raise ValueError(f"statistic must be 'median', 'mean' or a function, got {statistic!r}")


def interval_columns(column: str, values: Sequence[float] | np.ndarray,
                     statistic: Callable[[np.ndarray], np.ndarray] | str = "median") -> dict[str, float]:
    """``{"<column> lo": ..., "<column> hi": ...}``: the bootstrap interval of ``statistic`` of
    ``values`` under the names of :func:`ci_columns` (NaN for an empty sample), for a table row."""
    arr = np.asarray(values, dtype=float).ravel()
    lo, hi = bootstrap_interval(arr, statistic) if arr.size else (math.nan, math.nan)
    return dict(zip(ci_columns(column), (lo, hi)))


def ratio_bounds(num: tuple[float, float], den: tuple[float, float]) -> tuple[float, float]:
    """A conservative interval of a/b from intervals of a and b (both positive): [a_lo / b_hi,
    a_hi / b_lo]; from two independent 95 % intervals it covers the ratio with ≥ 90 % probability."""
    (a_lo, a_hi), (b_lo, b_hi) = num, den
    if min(a_lo, b_lo) < 0:
        raise ValueError("ratio_bounds needs non-negative intervals")
    return (a_lo / b_hi if b_hi > 0 else math.inf), (a_hi / b_lo if b_lo > 0 else math.inf)


@dataclass(frozen=True)
class Trend:
    """Kendall's rank correlation ``tau`` of y against x over ``points`` pairs and its two-sided
    p-value (exact for small samples without ties); ``tau`` is NaN when y (or x) is constant."""

    tau: float
    p: float
    points: int

    def one_sided_p(self, want: int) -> float:
        """The one-sided p-value of a trend in direction ``want`` (+1 rising, -1 falling): half the
        two-sided p when tau points that way, else 1 - p/2 (NaN when tau is)."""
        if want not in (1, -1):
            raise ValueError(f"want must be +1 or -1, got {want!r}")
        if math.isnan(self.tau) or math.isnan(self.p):
            return math.nan
        return self.p / 2 if self.tau * want > 0 else 1.0 - self.p / 2

    def direction(self, alpha: float = 0.05) -> int:
        """+1 (significantly increasing), -1 (significantly decreasing) or 0 (no significant trend)."""
        if math.isnan(self.tau) or math.isnan(self.p) or self.p >= alpha:
            return 0
        return 1 if self.tau > 0 else -1


def trend(x: Sequence[float], y: Sequence[float]) -> Trend:
    """Kendall's tau of ``y`` against ``x`` with its p-value (a rank test: no linearity assumed)."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xa.shape != ya.shape or xa.size < 3:
        raise ValueError(f"trend needs two equally long sequences of at least 3 points, got {xa.size} and {ya.size}")
    if np.ptp(xa) == 0 or np.ptp(ya) == 0:
        return Trend(float("nan"), float("nan"), int(xa.size))
    res = _st.kendalltau(xa, ya)
    return Trend(float(res.statistic), float(res.pvalue), int(xa.size))


@dataclass(frozen=True)
class Friedman:
    """Friedman's rank test of ``k`` related samples over ``n`` blocks: the statistic (chi-square with
    k - 1 degrees of freedom under the null), its p-value and Kendall's W = statistic / (n (k - 1)),
    the agreement of the blocks' rankings (0: none, 1: every block ranks the samples alike)."""

    statistic: float
    p: float
    n: int
    k: int
    w: float


def friedman(blocks: Sequence[Sequence[float]] | np.ndarray) -> Friedman:
    """Friedman's test that the ``k`` columns of ``blocks`` (one row per block, e.g. one image measured
    on k networks) come from one distribution, against some column tending higher or lower: ranks
    within each block (mid-ranks for ties, with the tie correction), so no normality is assumed and
    each block is its own control. Unlike :func:`scipy.stats.friedmanchisquare` it accepts k = 2 (then
    a two-sided sign test in its chi-square form). NaN with fewer than 2 blocks; 0 (p = 1) when every
    block ties throughout."""
    arr = np.asarray(blocks, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(f"friedman needs a 2-D array of blocks by at least 2 samples, got shape {arr.shape}")
    if np.isnan(arr).any():
        raise ValueError("friedman: NaN among the values")
    n, k = arr.shape
    if n < 2:
        return Friedman(math.nan, math.nan, int(n), int(k), math.nan)
    ranks = _st.rankdata(arr, axis=1)
    ties = sum(float((c ** 3 - c).sum()) for c in (np.unique(row, return_counts=True)[1] for row in arr))
    correction = 1.0 - ties / (n * k * (k * k - 1))
    if correction <= 0:
        return Friedman(0.0, 1.0, int(n), int(k), 0.0)
    q = (12.0 / (n * k * (k + 1)) * float((ranks.sum(axis=0) ** 2).sum()) - 3.0 * n * (k + 1)) / correction
    return Friedman(q, float(_st.chi2.sf(q, k - 1)), int(n), int(k), q / (n * (k - 1)))


def median_with_failures(values: Sequence[float] | np.ndarray, success: Sequence[bool] | np.ndarray) -> float:
    """The median of ``values`` with every failed sample counted as unbounded (+inf): an attack that
    fails on more than half of its samples has an infinite median. Beside the median over the
    successes only (the paper's "per fooling sample", §4.1), it does not flatter an attack that
    fails often."""
    v, ok = np.asarray(values, dtype=float), np.asarray(success, dtype=bool)
    if v.shape != ok.shape or v.size == 0:
        raise ValueError(f"need equally long non-empty values and success flags, got {v.shape} and {ok.shape}")
    return float(np.median(np.where(ok, v, np.inf)))


def cluster_bootstrap(counts: Sequence[Sequence[float] | np.ndarray], statistic: Callable[..., Any],
                      resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> tuple[float, float, float]:
    """``statistic`` of the totals of per-cluster ``counts`` (one equally long sequence of counts per
    argument of ``statistic``, one count per cluster, e.g. per image), with a seeded 95 % percentile
    interval that resamples whole clusters with replacement: for trials that share a cluster and are
    therefore not independent (Table 3's source/target pairs all reuse the same images). Resamples
    where ``statistic`` is not finite (no trial drawn) are left out. Returns (estimate, lo, hi)."""
    arrays = [np.asarray(c, dtype=float) for c in counts]
    if not arrays or len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1 or arrays[0].size == 0:
        raise ValueError("cluster counts must be equally long non-empty 1-D sequences")
    idx = np.random.default_rng(seed).integers(0, arrays[0].size, size=(resamples, arrays[0].size))
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = np.asarray(statistic(*(a[idx].sum(1) for a in arrays)), dtype=float)
        value = float(statistic(*(a.sum() for a in arrays)))
    lo, hi = _percentile_interval(boot[np.isfinite(boot)])
    return value, lo, hi


def cluster_bootstrap_rate(hits: Sequence[float] | np.ndarray, trials: Sequence[float] | np.ndarray,
                           resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
                           ) -> tuple[float, float, float]:
    """The pooled rate sum(hits) / sum(trials) over clusters holding one count each (e.g. an image's
    transfer trials over every source/target pair), with :func:`cluster_bootstrap`'s interval that
    resamples whole clusters. Returns (rate, lo, hi) as fractions."""
    if np.asarray(trials, dtype=float).sum() <= 0:
        raise ValueError("the pooled rate needs at least one trial")
    return cluster_bootstrap((hits, trials), np.divide, resamples, seed)


def cluster_bootstrap_difference(hits_a: Sequence[float] | np.ndarray, trials_a: Sequence[float] | np.ndarray,
                                 hits_b: Sequence[float] | np.ndarray, trials_b: Sequence[float] | np.ndarray,
                                 resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
                                 ) -> tuple[float, float, float]:
    """Pooled rate A minus pooled rate B, with :func:`cluster_bootstrap`'s interval that resamples
    whole clusters (e.g. images). Each argument holds one count per cluster. Returns (difference,
    lo, hi) as fractions."""
    if np.asarray(trials_a, dtype=float).sum() <= 0 or np.asarray(trials_b, dtype=float).sum() <= 0:
        raise ValueError("both pooled rates need at least one trial")
    return cluster_bootstrap((hits_a, trials_a, hits_b, trials_b), lambda ha, ta, hb, tb: ha / ta - hb / tb,
                             resamples, seed)


def bootstrap_paired_ratio(numerator: Sequence[float] | np.ndarray, denominator: Sequence[float] | np.ndarray,
                           statistic: Callable[[np.ndarray], np.ndarray] | str = "mean",
                           resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Seeded bootstrap 95 % interval of statistic(numerator) / statistic(denominator) for paired
    samples (element i of both measured on the same unit, e.g. two attacks' times on one image):
    the units are resampled together, so what they share cancels."""
    a, b = _as_sample(numerator, "numerator"), _as_sample(denominator, "denominator")
    if a.shape != b.shape:
        raise ValueError(f"paired samples must be equally long, got {a.size} and {b.size}")
    fn = _statistic(statistic)
    idx = np.random.default_rng(seed).integers(0, a.size, size=(resamples, a.size))
    sa, sb = fn(a[idx]), fn(b[idx])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(sb > 0, sa / np.where(sb > 0, sb, 1.0), np.inf)
    return _percentile_interval(ratios)


def _newcombe_paired(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """Newcombe's (1998, method 10) 95 % interval of p1 - p2 for paired rates from the 2×2 table
    (a: both, b: first only, c: second only, d: neither), as fractions."""
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n)
    l2, u2 = wilson(a + c, n)
    denom = math.sqrt(float((a + b) * (c + d) * (a + c) * (b + d)))
    num = a * d - b * c
    phi = 0.0 if denom == 0 else (max(num - n / 2, 0.0) if num > 0 else num) / denom
    theta = p1 - p2
    lo = theta - math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    hi = theta + math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return max(lo, -1.0), min(hi, 1.0)


def _mcnemar_one_sided(b: int, c: int) -> float:
    """Exact one-sided McNemar p-value of more 'first only' (b) than 'second only' (c) pairs."""
    return float(_st.binom.sf(b - 1, b + c, 0.5)) if b + c else 1.0


@dataclass(frozen=True)
class PairedDifference:
    """Rate 1 minus rate 2 measured on the same ``n`` units (fractions): Newcombe's paired interval
    and one-sided exact McNemar p-values, on the units' own 2×2 table
    (:func:`paired_outcomes_difference`) or, when only the two counts are known, the worst case over
    every 2×2 table those counts allow (:func:`paired_rate_difference`: coverage at least 95 %)."""

    difference: float
    lo: float
    hi: float
    p_greater: float  # worst-case exact McNemar p of rate 1 > rate 2
    p_less: float  # worst-case exact McNemar p of rate 1 < rate 2


def paired_outcomes_difference(first: Sequence[bool] | np.ndarray, second: Sequence[bool] | np.ndarray
                               ) -> PairedDifference:
    """The rate of ``first`` minus that of ``second``, two outcomes of the same units in the same
    order (e.g. SparseFool and the random baseline on the same images, §4.2): Newcombe's paired
    interval and exact one-sided McNemar tests on the 2×2 table the pairs give (no worst case)."""
    a1, a2 = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
    if a1.shape != a2.shape or a1.ndim != 1 or not len(a1):
        raise ValueError(f"need two equal-length, non-empty 1-D outcome vectors, got {a1.shape} and {a2.shape}")
    a, b, c = int((a1 & a2).sum()), int((a1 & ~a2).sum()), int((~a1 & a2).sum())
    d = len(a1) - a - b - c
    lo, hi = _newcombe_paired(a, b, c, d)
    return PairedDifference((b - c) / len(a1), lo, hi, _mcnemar_one_sided(b, c), _mcnemar_one_sided(c, b))


def paired_rate_difference(k1: int, k2: int, n: int) -> PairedDifference:
    """``k1``/n minus ``k2``/n on the same n units (e.g. an attack's fooling rate before and after
    clipping its adversarials): Newcombe's paired interval and exact McNemar tests, each taken at the
    least favourable of the 2×2 tables with these margins (the units' pairing is not known)."""
    if not (0 <= k1 <= n and 0 <= k2 <= n and n >= 1):
        raise ValueError(f"need 0 <= k1, k2 <= n and n >= 1, got {k1}, {k2}, {n}")
    los, his, pg, pl = [], [], [], []
    for c in range(max(0, k2 - k1), min(k2, n - k1) + 1):  # c: second only
        b, a = k1 - k2 + c, k2 - c
        d = n - a - b - c
        lo, hi = _newcombe_paired(a, b, c, d)
        los.append(lo)
        his.append(hi)
        pg.append(_mcnemar_one_sided(b, c))
        pl.append(_mcnemar_one_sided(c, b))
    return PairedDifference((k1 - k2) / n, min(los), max(his), max(pg), max(pl))


def binomial_power(p: float, n: int, holds: Callable[[float, float], bool]) -> float:
    """The probability that ``holds(lo, hi)`` of the Wilson interval (in %) of k/n when k ~ Binomial(n, p):
    the exact power of a rate criterion if the true rate were ``p`` (a fraction)."""
    ks = np.arange(n + 1)
    pmf = _st.binom.pmf(ks, n, min(max(p, 0.0), 1.0))
    ok = np.array([holds(*(100.0 * v for v in wilson(int(k), n))) for k in ks])
    return float(pmf[ok].sum())


def normal_power(target: float, se: float, low: float | None, high: float | None, strict: bool = False) -> float:
    """The probability that a 95 % interval ``X ± 1.96 se`` lies in [``low``, ``high``] when X ~ N(target, se):
    an approximate power of an estimate's criterion if the true value were ``target`` (se from our
    own interval's width; on the log scale for ratios, the caller transforms)."""
    lo_edge = -math.inf if low is None else low + Z95 * se
    hi_edge = math.inf if high is None else high - Z95 * se
    if se <= 0:
        inside = lo_edge < target < hi_edge if strict else lo_edge <= target <= hi_edge
        return 1.0 if inside else 0.0
    if hi_edge < lo_edge:
        return 0.0
    return float(_st.norm.cdf((hi_edge - target) / se) - _st.norm.cdf((lo_edge - target) / se))


def median_rank_interval(n: int) -> tuple[int, int]:
    """The 1-based ranks (l, u) of the distribution-free 95 % interval [x_(l), x_(u)] of the median
    of ``n`` values: whatever the distribution, each end misses the population median with
    probability ≤ 2.5 % (a Binomial(n, 1/2) count of values below it), so the coverage is ≥ 95 %; for
    large n it is what the seeded percentile bootstrap of a median gives, without resampling."""
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    low = max(1, int(_st.binom.ppf(0.025, n, 0.5)))
    return low, n - low + 1


def sampled_medians(values: Sequence[float] | np.ndarray, n: int, draws: int, seed: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The medians and their :func:`median_rank_interval` bounds (median, lo, hi: one each per draw)
    of ``draws`` seeded samples of ``n`` values drawn with replacement from ``values`` (drawn as counts
    of its distinct values, so a sample of 10 000 costs no more than one of 100)."""
    distinct, counts = np.unique(_as_sample(values, "sampled_medians"), return_counts=True)
    cum = np.random.default_rng(seed).multinomial(n, counts / counts.sum(), size=draws).cumsum(axis=1)

    def rank(k: int) -> np.ndarray:  # the k-th smallest value (1-based) of each sample
        return distinct[(cum < k).sum(axis=1)]

    low, high = median_rank_interval(n)
    return (rank((n + 1) // 2) + rank(n // 2 + 1)) / 2.0, rank(low), rank(high)


def sampled_median_power(values: Sequence[float] | np.ndarray, n: int, holds: Callable[[float, float], bool],
                         draws: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> float:
    """The share of ``draws`` seeded samples of ``n`` values drawn from ``values`` whose median's
    95 % interval (:func:`median_rank_interval`) meets ``holds(lo, hi)``: the simulated power of a
    median's criterion if the population were ``values`` (moved by the caller to the value tested)."""
    _, lo, hi = sampled_medians(values, n, draws, seed)
    return float(np.mean([holds(float(a), float(b)) for a, b in zip(lo, hi)]))


def sampled_ratio_power(numerator: Sequence[float] | np.ndarray, n_numerator: int,
                        denominator: Sequence[float] | np.ndarray, n_denominator: int,
                        holds: Callable[[float, float], bool], draws: int = BOOTSTRAP_RESAMPLES,
                        seed: int = BOOTSTRAP_SEED) -> float:
    """The simulated power of a criterion on a ratio of two medians measured on independent samples:
    per draw, each median's 95 % interval (:func:`median_rank_interval`, ``n_numerator`` and
    ``n_denominator`` values drawn from ``numerator`` and ``denominator``) combined by
    :func:`ratio_bounds` (as the ratio's interval is made), and the share of draws where ``holds``."""
    _, a_lo, a_hi = sampled_medians(numerator, n_numerator, draws, seed)
    _, b_lo, b_hi = sampled_medians(denominator, n_denominator, draws, seed + 1)
    return float(np.mean([holds(*ratio_bounds((float(a), float(b)), (float(c), float(d))))
                          for a, b, c, d in zip(a_lo, a_hi, b_lo, b_hi)]))


@dataclass(frozen=True)
class PairedTrend:
    """A trend measured within each image (paired over settings): ``tau`` is the mean over the
    ``n`` images of each image's Kendall τ_b between the setting and its value (an image whose value
    is the same at every setting counts 0), ``lo``-``hi`` its seeded bootstrap 95 % interval
    resampling whole images, and ``p_rising`` / ``p_falling`` the one-sided p-values of Wilcoxon's
    signed-rank test of the per-image τ against 0 (ties at 0 split, ``zsplit``)."""

    tau: float
    lo: float
    hi: float
    p_rising: float
    p_falling: float
    n: int


def per_image_tau(settings: Sequence[float], values: np.ndarray) -> np.ndarray:
    """Each row's Kendall τ_b of ``values[i]`` (one value per setting; ±inf allowed, equal infinities
    tie) against the distinct ``settings``; 0 for a row with one value throughout."""
    s = np.asarray(settings, dtype=float)
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[1] != s.size or s.size < 2 or np.unique(s).size != s.size:
        raise ValueError(f"need values of shape (images, {s.size}) over at least 2 distinct settings, got {v.shape}")
    if np.isnan(v).any():
        raise ValueError("per_image_tau: NaN among the values")
    i, j = np.triu_indices(s.size, k=1)
    sign_s = np.sign(s[j] - s[i])
    sign_v = (v[:, j] > v[:, i]).astype(float) - (v[:, j] < v[:, i]).astype(float)
    pairs, untied = float(i.size), (sign_v != 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (sign_v * sign_s).sum(axis=1) / np.sqrt(pairs * untied)
    return np.where(untied > 0, tau, 0.0)


def paired_trend(settings: Sequence[float], values: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES,
                 seed: int = BOOTSTRAP_SEED) -> PairedTrend:
    """The :class:`PairedTrend` of ``values`` (images × settings) against ``settings``."""
    tau = per_image_tau(settings, values)
    if tau.size < 1:
        raise ValueError("paired_trend: no images")
    lo, hi = bootstrap_interval(tau, "mean", resamples, seed)
    if np.all(tau == 0):
        p_up = p_down = 1.0
    else:
        p_up = float(_st.wilcoxon(tau, zero_method="zsplit", alternative="greater").pvalue)
        p_down = float(_st.wilcoxon(tau, zero_method="zsplit", alternative="less").pvalue)
    return PairedTrend(float(tau.mean()), lo, hi, p_up, p_down, int(tau.size))


def bootstrap_paired_medians(values: np.ndarray, combine: Callable[[np.ndarray], np.ndarray],
                             resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> tuple[float, float, float]:
    """``combine`` (columns of sample medians -> one value per column, e.g. their largest over their
    smallest, or their mean) of the medians of several samples measured on the same units (rows of
    ``values``: one per sample, e.g. a net; columns: the units, e.g. images; NaN where a unit has no
    value, e.g. an image the net was not fooled on), with its seeded bootstrap 95 % interval that
    resamples the units together (paired). Returns (value, lo, hi)."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[0] < 2 or v.shape[1] < 1:
        raise ValueError(f"need at least 2 samples over the same units, got shape {v.shape}")
    if np.isnan(v).all(axis=1).any():
        raise ValueError("a sample has no value at all")
    idx = np.random.default_rng(seed).integers(0, v.shape[1], size=(resamples, v.shape[1]))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a resample in which a sample has no value: NaN, dropped
        reps = combine(np.nanmedian(v[:, idx], axis=2))
        point = float(combine(np.nanmedian(v, axis=1)[:, None])[0])
    lo, hi = _percentile_interval(reps[np.isfinite(reps)])
    return point, lo, hi


def bootstrap_paired_spread(values: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES,
                            seed: int = BOOTSTRAP_SEED) -> tuple[float, float, float]:
    """The largest over the smallest median of :func:`bootstrap_paired_medians`' samples, with its
    paired bootstrap 95 % interval. Returns (spread, lo, hi)."""
    return bootstrap_paired_medians(values, lambda m: np.nanmax(m, axis=0) / np.nanmin(m, axis=0), resamples, seed)
