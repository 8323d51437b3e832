"""Judging a claim: the rule that turns an estimate and its interval into a verdict.

* *holds*: the interval of our estimate lies inside the criterion (*holds on a stand-in* when our
  model, data or baseline is not the paper's); a trend within images (mean per-image τ) is such an
  estimate, judged on its interval; a trend over settings alone, or a test, holds when its
  one-sided p < 0.05 in the claimed direction;
* *does not hold*: the interval lies wholly outside it (a trend: significant the other way),
  whatever the power: an interval that excludes the criterion is evidence (*does not hold on a
  stand-in* when our model, data or baseline is not the paper's: a fact about the stand-in);
* *inconclusive*: the interval straddles it or the table gives no interval; *inconclusive (low
  power)*: it straddles it and the criterion could not be met with probability 0.8 at our n even if
  the true value were the paper's (:mod:`sfutils.claims.power`), so the miss says little;
* *illustration*: n < 20, a single-image or qualitative figure, or a sentence our setting cannot
  test (the reason is given): shown, not judged;
* *not run*: the table (or its row) is missing, the claim cannot be run here or is not implemented, or
  the ImageNet job has not computed its data yet (``why`` says which).

A baseline's own configuration gets *baseline check: …*, a share of pixels measured on a stand-in
net *stand-in magnitude: …* (with our value over the paper's), context *context (not judged)*, and
a claim the paper does not make *beyond the paper: …*: none of them is a verdict on SparseFool.
"""

from __future__ import annotations

import dataclasses
import math

from sfutils import stats
from sfutils.claims import power as powers
from sfutils.claims.measure import Estimate, NotRun, Tables, estimate
from sfutils.claims.model import (BASELINE_AS_PAPER, BASELINE_DIFFERS, BASELINE_UNSETTLED, BEYOND_FAILS,
                                  BEYOND_HOLDS, BEYOND_UNSETTLED, CONTEXT, FAILS, FAILS_STAND_IN, HOLDS, HOLDS_STAND_IN,
                                  ILLUSTRATION, INCONCLUSIVE, LOW_POWER, MAGNITUDE_AS_PAPER, MAGNITUDE_DIFFERS,
                                  MAGNITUDE_UNSETTLED, MIN_N, MIN_POWER, NOT_RUN, Claim, Measurement, Verdict)

ALPHA = 0.05
NOT_IMPLEMENTED = "not implemented here"  # an unmeasured claim's reason that is our choice, not a limit of the machine
RULES = ("*holds*: our interval (its kind and real coverage are in `verdicts.csv`, column `interval`: Wilson 95 % "
         "for rates; Newcombe's paired interval for two rates on the same images; seeded bootstrap 95 % for medians "
         "and means, resampling whole images where trials share them, paired where the experiment paired the images; "
         "two marginal intervals combined for a ratio of estimates on different image sets, ≥ 90 % coverage) lies "
         "inside the criterion, which is one-sided where the paper's sentence has a direction. A trend measured within "
         "each image (Figs. 4 and 6: the mean over the images of each image's Kendall τ) is such an estimate: it holds "
         "when its bootstrap interval lies on the claimed side of 0, and its one-sided p is shown beside it; a trend "
         "over the settings' values alone, or a test, holds when its one-sided p < 0.05 in the claimed direction. *does not hold*: the interval lies wholly outside the "
         "criterion, whatever the power (an interval that excludes the criterion is evidence). *inconclusive*: it "
         "straddles the criterion; *inconclusive (low power)*: it straddles it and the criterion's power (the "
         "probability it would hold at our n if the true value were the paper's: exact binomial for rates, simulated "
         "from our per-image records moved to the paper's value for medians and their ratios, an approximation from "
         "our interval elsewhere: where no record is stored, or for a measure (a rate gap, a slope ratio, a mean "
         "of medians, a wall-time factor) whose simulation is not written; column `power method` says which) is < 0.8. *holds on a stand-in* / *does not hold on a stand-in*: our model, data or baseline is not "
         "the paper's (the caveat says how), so the verdict is a fact about the stand-in. *not run*: "
         "the data are not there: either the claim cannot be run here (the reason says why), it is not implemented (our "
         "choice), or the ImageNet job has not computed it yet (the reason says which). *illustration*: n < 20, or a sentence our setting cannot test (the reason is given). *baseline "
         "check*, *stand-in magnitude* (a share of pixels on a stand-in net beside the paper's number, within ÷/× 1.5 "
         "to be \"as the paper's\": a factor-of-two gap cannot pass), *context* and *beyond the paper* rows are not "
         "verdicts on SparseFool. Medians of perturbed pixels are over the fooled images, as the paper's (§4.1); the "
         "median with failures counted as ∞ is shown beside them. Costs: queries (forward and gradient passes) per "
         "image where the paper's sentence is about queries or no time can be compared (a box, a robust net, the "
         "one-pixel attack's evolution); JSMA's speed, which the paper states in time and which a query count "
         "misses (JSMA's pair search), only on the interleaved, repeated wall-time benchmark. Registry: "
         "`sfutils/claims/registry/`.")

_ROLE_LABELS = {
    "baseline": {HOLDS: BASELINE_AS_PAPER, FAILS: BASELINE_DIFFERS, INCONCLUSIVE: BASELINE_UNSETTLED,
                 LOW_POWER: BASELINE_UNSETTLED},
    "beyond": {HOLDS: BEYOND_HOLDS, FAILS: BEYOND_FAILS, INCONCLUSIVE: BEYOND_UNSETTLED, LOW_POWER: BEYOND_UNSETTLED},
    "magnitude": {HOLDS: MAGNITUDE_AS_PAPER, FAILS: MAGNITUDE_DIFFERS, INCONCLUSIVE: MAGNITUDE_UNSETTLED,
                  LOW_POWER: MAGNITUDE_UNSETTLED},
}


def _relative(claim: Claim, est: Estimate) -> str:
    """Our value over the paper's, for a share of pixels compared with the paper's number."""
    t = claim.target
    if (t is None or t <= 0 or est.value is None or math.isnan(est.value) or claim.measurement.unit != "%"
            or claim.measurement.kind not in ("estimate", "mean_estimate")):
        return ""
    text = f"ours is {est.value / t:.2g}× the paper's {t:g} %"
    if est.lo is not None and est.hi is not None:
        text += f" ({est.lo / t:.2g}–{est.hi / t:.2g}× over our interval)"
    return text


def _outcome(claim: Claim, est: Estimate) -> tuple[str, str, dict[str, float]]:
    """(holds / does not hold / inconclusive, why, detail) of ``est`` under the claim's criterion."""
    c, kind = claim.criterion, claim.measurement.kind
    if est.value is None or math.isnan(est.value):
        if kind == "trend":
            return INCONCLUSIVE, "the measure is the same at every setting, so no trend can show", est.detail
        return INCONCLUSIVE, "no value: nothing was fooled, so there is no median", est.detail
    if kind in ("trend", "pvalue"):
        want = 1 if c.low is not None else -1
        if kind == "pvalue":  # a test of the claimed effect (one direction): p is the test's
            p_want, p_other = (est.p if est.p is not None else math.nan), math.nan
        else:
            t = stats.Trend(est.value, est.p if est.p is not None else math.nan, 0)
            p_want, p_other = t.one_sided_p(want), t.one_sided_p(-want)
        detail = {**est.detail, "one-sided p": p_want}
        if p_want < ALPHA:
            return HOLDS, "", detail
        if p_other < ALPHA:
            return FAILS, "the trend runs the other way", detail
        return INCONCLUSIVE, f"not significant (one-sided p = {p_want:.2g})", detail
    if est.lo is None or est.hi is None:
        return INCONCLUSIVE, ("the table gives no 95 % interval for this estimate (re-run notebook "
                              f"{claim.measurement.notebook} to write it)"), est.detail
    inside, outside = c.contains(est.lo, est.hi), c.excludes(est.lo, est.hi)
    if inside:
        return HOLDS, "", est.detail
    if outside:
        return FAILS, "the interval lies outside the criterion", est.detail
    return INCONCLUSIVE, f"the interval straddles the criterion ({c.text})", est.detail


# What a context row's value says when read against the paper's criterion anyway (its ``why``; the
# report names the rows that run against the paper, so that not judging them hides nothing).
AGREES, RUNS_AGAINST = "read against the paper's criterion anyway, it agrees with the paper", \
    "read against the paper's criterion anyway, it runs against the paper"
CONTEXT_READ = {HOLDS: AGREES, FAILS: RUNS_AGAINST,
                INCONCLUSIVE: "read against the paper's criterion anyway, it is undecided"}
NOT_COMPARED = "no criterion: not compared with the paper"  # a context row with no criterion (shown only)


def judge(claim: Claim, est: Estimate, ours: str = "", same: bool = False) -> Verdict:
    """The verdict on ``est`` under the claim's criterion and role (see the module docstring)."""
    assessed = powers.assess(claim, est) if claim.role in ("sparsefool", "baseline", "magnitude") else None
    pw = assessed.value if assessed is not None else None
    out = dict(value=est.value, lo=est.lo, hi=est.hi, p=est.p, n=est.n, ours=ours, power=pw, coverage=est.coverage,
               power_method=assessed.method if assessed is not None and pw is not None else "")
    caveat = f"caveat: {claim.caveat}" if claim.caveat else ""

    def verdict(v: str, why: str = "", detail: dict[str, float] | None = None) -> Verdict:
        why = "; ".join(w for w in (why, caveat) if w)
        return Verdict(claim, v, why=why, detail=est.detail if detail is None else detail, **out)

    if claim.role == "context":  # not judged, but what the paper's criterion alone would say is told
        compared = claim.criterion.low is not None or claim.criterion.high is not None
        read = _outcome(claim, est)[0] if compared and est.value is not None and not math.isnan(est.value) else ""
        return verdict(CONTEXT, "; ".join(w for w in ("shown beside the claims, not judged",
                                                      CONTEXT_READ.get(read, "" if compared else NOT_COMPARED)) if w))
    if claim.role == "shown":
        return verdict(ILLUSTRATION, claim.measurement.reason or "shown, not judged")
    if est.n < MIN_N and not (est.value is None or math.isnan(est.value)):
        return verdict(ILLUSTRATION, f"n = {est.n} < {MIN_N} images: an illustration, not a result")
    v, why, detail = _outcome(claim, est)
    if v == INCONCLUSIVE and pw is not None and pw < MIN_POWER:  # a miss by an interval wholly outside stays one
        why = (f"power {pw:.2f} < {MIN_POWER:g}: at n = {est.n} the criterion would be met with probability "
               f"{pw:.2f} even if the true value were the paper's ({why})")
        v = LOW_POWER
    if claim.role in ("magnitude", "baseline"):
        why = "; ".join(w for w in (_relative(claim, est), why) if w)
    if claim.role in _ROLE_LABELS:
        return verdict(_ROLE_LABELS[claim.role][v], why, detail)
    if not same:
        v = {HOLDS: HOLDS_STAND_IN, FAILS: FAILS_STAND_IN}.get(v, v)
    return verdict(v, why, detail)


def _estimate(m: Measurement, tables: Tables) -> tuple[Estimate, Measurement, str]:
    """The estimate of ``m`` (or, when ``m`` is not run, of its fallback, with a note saying why)."""
    try:
        return estimate(m, tables), m, ""
    except NotRun as err:
        if m.fallback is None:
            raise
        est, used, note = _estimate(m.fallback, tables)
        return est, used, "; ".join(n for n in (f"read from {m.fallback.table} ({err})", note) if n)


def measure(claim: Claim, tables: Tables) -> Verdict:
    """The claim measured on ``tables`` (one run's outputs) and judged; where a row it reads holds
    fewer images than planned (a run still being computed), it is not judged: "not run yet", with
    the images stored so far and the value they give."""
    m = claim.measurement
    fallback = claim.our_setting.replace("{model}", "our model")
    if m.kind == "unmeasured":
        return Verdict(claim, NOT_RUN, ours=fallback, why=m.reason if m.reason.startswith(NOT_IMPLEMENTED)
                       else f"cannot be run here: {m.reason}")
    if m.kind == "illustration":
        if m.figure and not tables.has_figure(m.figure):
            return Verdict(claim, NOT_RUN, ours=fallback, why=f"figure {m.figure} was not made in this run")
        return Verdict(claim, ILLUSTRATION, ours=fallback,
                       why=m.reason or "a single-image or qualitative figure: shown, not judged")
    try:
        est, used, note = _estimate(m, tables)
    except NotRun as err:
        return Verdict(claim, NOT_RUN, ours=fallback, why=str(err) if not m.pending or str(err).startswith(
            "not run yet") else f"not started: {m.pending} ({err})")
    row = est.row
    col = used.model_column
    model = str(row[col]) if row is not None and col and col in row.index else None
    v = judge(claim, est, claim.our_setting.replace("{model}", model or "our model"), same=model in claim.same_models)
    if est.unfinished and claim.role != "context":  # a run still being computed is not judged on what it holds so far
        progress = ", ".join(f"n = {n} of the {planned} images planned" for n, planned in est.unfinished)
        return dataclasses.replace(v, verdict=NOT_RUN, power=None, why="; ".join(w for w in (
            f"not run yet: the run is not finished ({progress}); its value so far is shown, not judged", note) if w))
    return dataclasses.replace(v, why="; ".join(w for w in (v.why, note) if w)) if note else v
