"""The power of a claim's criterion: the probability that the claim would be judged to hold at our n
if the true value were the paper's (:attr:`sfutils.claims.model.Claim.target`).

* a rate (and the lowest of several rates): exact, summing the binomial probabilities of every count
  whose Wilson interval meets the criterion (:func:`sfutils.stats.binomial_power`);
* a median, mean, ratio or difference: our estimate's sampling spread, read off our own 95 %
  interval's width, moved to the paper's value, with a normal approximation
  (:func:`sfutils.stats.normal_power`). Ratios, medians and means of a share (% of the pixels,
  % transferred) are positive and their spread grows with their size, so their width is read on
  the log scale: a relative width, which moves to the paper's value unchanged (an absolute width
  measured at 0.46 % and moved to 0.21 % would be twice too wide). This is an approximation from the summary
  tables: the per-image values are not in them, so no per-image simulation is made; a bootstrap
  percentile interval that is skewed makes it less exact.

Claims without a paper number (trends, tests, qualitative sentences) have no power.
"""

from __future__ import annotations

import math

from sfutils import stats
from sfutils.claims.measure import Estimate
from sfutils.claims.model import Claim, Criterion

RATE_KINDS = ("rate", "min_rate")
LOG_UNITS = ("×", "%")  # positive quantities whose spread scales with their size


def _inside(c: Criterion, lo: float, hi: float) -> bool:
    if c.strict:
        return (c.low is None or lo > c.low) and (c.high is None or hi < c.high)
    return (c.low is None or lo >= c.low) and (c.high is None or hi <= c.high)


def power(claim: Claim, est: Estimate) -> float | None:
    """The power of ``claim``'s criterion at ``est``'s n if the true value were the paper's (None
    when the claim has no paper number or our estimate no interval to read its spread from)."""
    m, c, t = claim.measurement, claim.criterion, claim.target
    if t is None or est.n < 1 or m.kind in ("trend", "pvalue", "illustration", "unmeasured"):
        return None
    if m.kind in RATE_KINDS:
        return stats.binomial_power(t / 100.0, est.n, lambda lo, hi: _inside(c, lo, hi))
    if est.lo is None or est.hi is None or any(math.isnan(v) or math.isinf(v) for v in (est.lo, est.hi)):
        return None
    if m.unit in LOG_UNITS and est.lo > 0 and t > 0:
        log = lambda v: None if v is None else (math.log(v) if v > 0 else -math.inf)  # noqa: E731
        se = (math.log(est.hi) - math.log(est.lo)) / (2 * stats.Z95)
        return stats.normal_power(math.log(t), se, log(c.low), log(c.high), c.strict)
    se = (est.hi - est.lo) / (2 * stats.Z95)
    return stats.normal_power(t, se, c.low, c.high, c.strict)


def method(claim: Claim) -> str:
    """How :func:`power` computes the claim's power, in words."""
    if claim.target is None:
        return ""
    if claim.measurement.kind in RATE_KINDS:
        return "exact binomial"
    return "normal approximation from our interval's width" + (" (log scale: relative width)"
                                                               if claim.measurement.unit in LOG_UNITS else "")
