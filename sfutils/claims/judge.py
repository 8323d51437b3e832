"""Judging a claim: the rule that turns an estimate and its 95 % interval into a verdict.

* *holds*: the 95 % interval of our estimate lies inside the criterion (*holds on a stand-in*
  when our model or data is not the paper's); a trend holds when Kendall's rank test gives a
  one-sided p < 0.05 in the claimed direction;
* *does not hold*: the interval lies outside it (a trend: significant the other way);
* *inconclusive*: the interval straddles it, the table gives no interval, or n < 20;
* *not run in this profile*: the table (or its row) is missing, or the claim cannot be run here
  (an *unmeasured* claim says why);
* *illustration*: a single-image or qualitative figure (Figs. 1, 5, 7, 9), shown but not judged.
"""

from __future__ import annotations

import dataclasses
import math

from sfutils import stats
from sfutils.claims.measure import Estimate, NotRun, Tables, estimate
from sfutils.claims.model import (FAILS, HOLDS, HOLDS_STAND_IN, ILLUSTRATION, INCONCLUSIVE, MIN_N, NOT_RUN, Claim,
                                  Verdict)

ALPHA = 0.05
RULES = ("*holds*: the 95 % interval (Wilson for rates, Newcombe for a difference of rates, seeded bootstrap for "
         "medians and means, resampling whole images where trials share them, the conservative interval of two "
         "such intervals for ratios) lies inside the criterion; a trend holds when Kendall's rank test gives a "
         "one-sided p < 0.05 in the claimed direction. *does not hold*: the interval lies outside (a trend: "
         "significant the other way). *inconclusive*: it straddles the criterion, the table gives no interval, or "
         "n < 20. *holds on a stand-in*: holds, but our model or data is not the paper's. Medians of perturbed "
         "pixels are over the fooled images, as the paper's (§4.1); the median with failures counted as ∞ is shown "
         "beside them. Costs are judged on queries (forward and gradient passes) per image; wall times only from "
         "the interleaved, repeated speed benchmark. Registry: `sfutils/claims/registry/`.")


def judge(claim: Claim, est: Estimate, ours: str = "", same: bool = False) -> Verdict:
    """The verdict on ``est`` under the claim's criterion (see the module docstring)."""
    c, kind = claim.criterion, claim.measurement.kind
    out = dict(value=est.value, lo=est.lo, hi=est.hi, p=est.p, n=est.n, ours=ours, detail=est.detail)

    def verdict(v: str, why: str = "") -> Verdict:
        return Verdict(claim, HOLDS_STAND_IN if v == HOLDS and not same else v, why=why, **out)

    caveat = f": {claim.caveat}" if claim.caveat else ""
    if est.value is None or math.isnan(est.value):
        if kind == "trend":
            return verdict(INCONCLUSIVE, "the measure is the same at every setting, so no trend can show" + caveat)
        return verdict(INCONCLUSIVE, "no value: nothing was fooled, so there is no median")
    if est.n < MIN_N:
        return verdict(INCONCLUSIVE, f"n = {est.n} < {MIN_N} images: an illustration, not a result")
    if kind == "trend":
        want = 1 if c.low is not None else -1
        t = stats.Trend(est.value, est.p if est.p is not None else math.nan, 0)
        p_want, p_other = t.one_sided_p(want), t.one_sided_p(-want)
        out["detail"] = {**est.detail, "one-sided p": p_want}
        if p_want < ALPHA:
            return verdict(HOLDS)
        if p_other < ALPHA:
            return verdict(FAILS, claim.caveat or "the trend runs the other way")
        return verdict(INCONCLUSIVE, f"no significant trend (one-sided Kendall p = {p_want:.2g})" + caveat)
    if est.lo is None or est.hi is None:
        return verdict(INCONCLUSIVE, "the table gives no 95 % interval for this estimate (re-run notebook "
                       f"{claim.measurement.notebook} to write it)")
    if c.strict:  # (low, high): an interval reaching a bound does not show the claim, and one beyond it refutes it
        inside = (c.low is None or est.lo > c.low) and (c.high is None or est.hi < c.high)
        outside = (c.low is not None and est.hi <= c.low) or (c.high is not None and est.lo >= c.high)
    else:
        inside = (c.low is None or est.lo >= c.low) and (c.high is None or est.hi <= c.high)
        outside = (c.low is not None and est.hi < c.low) or (c.high is not None and est.lo > c.high)
    if inside:
        return verdict(HOLDS)
    if outside:
        return verdict(FAILS, claim.caveat or "the 95 % interval lies outside the criterion")
    return verdict(INCONCLUSIVE, f"the 95 % interval straddles the criterion ({c.text})")


def measure(claim: Claim, tables: Tables) -> Verdict:
    """The claim measured on ``tables`` (one run's outputs) and judged; where a row it reads holds
    fewer images than planned (a run still being computed), its ``why`` says so."""
    m = claim.measurement
    fallback = claim.our_setting.replace("{model}", "our model")
    if m.kind == "unmeasured":
        return Verdict(claim, NOT_RUN, ours=fallback, why=f"cannot be run here: {m.reason}")
    if m.kind == "illustration":
        if m.figure and not tables.has_figure(m.figure):
            return Verdict(claim, NOT_RUN, ours=fallback, why=f"figure {m.figure} was not made in this run")
        return Verdict(claim, ILLUSTRATION, ours=fallback, why="a single-image or qualitative figure: shown, not judged")
    try:
        est = estimate(m, tables)
    except NotRun as err:
        return Verdict(claim, NOT_RUN, ours=fallback, why=str(err))
    row = est.row
    model = str(row[m.model_column]) if row is not None and m.model_column and m.model_column in row.index else None
    v = judge(claim, est, claim.our_setting.replace("{model}", model or "our model"), same=model in claim.same_models)
    if not est.unfinished:
        return v
    note = ", ".join(f"n = {n} of the {planned} images planned" for n, planned in est.unfinished)
    note += ": the run is not finished"
    return dataclasses.replace(v, why=f"{v.why}; {note}" if v.why else note)
