"""The claim data model: a :class:`Claim` of the paper, the :class:`Measurement` that tests it,
the :class:`Criterion` it must meet and the :class:`Verdict` it gets, plus the criterion builders
that every registry module shares (so a bound is computed one way everywhere)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MIN_N = 20  # fewer images than this: an illustration, never a match
MIN_POWER = 0.8  # below this, a straddling interval is "inconclusive (low power)"; an interval wholly outside
# the criterion is evidence whatever the power (it is never relabelled)
HOLDS, HOLDS_STAND_IN, FAILS, FAILS_STAND_IN, INCONCLUSIVE, LOW_POWER, NOT_RUN, ILLUSTRATION = (
    "holds", "holds on a stand-in", "does not hold", "does not hold on a stand-in", "inconclusive",
    "inconclusive (low power)", "not run", "illustration")
# Claims that are not SparseFool's verdicts: a baseline's own configuration, numbers shown as context,
# and claims the paper does not make (notebook 06's).
BASELINE_AS_PAPER, BASELINE_DIFFERS, BASELINE_UNSETTLED = (
    "baseline check: as the paper's", "baseline check: differs from the paper's", "baseline check: unsettled")
CONTEXT = "context (not judged)"
# A magnitude (a share of pixels) measured on a stand-in net: compared with the paper's number as a fact about
# the stand-in, never a verdict on SparseFool (a stand-in's density is the stand-in's, not the algorithm's).
MAGNITUDE_AS_PAPER, MAGNITUDE_DIFFERS, MAGNITUDE_UNSETTLED = (
    "stand-in magnitude: as the paper's", "stand-in magnitude: differs", "stand-in magnitude: unsettled")
BEYOND_HOLDS, BEYOND_FAILS, BEYOND_UNSETTLED = (
    "beyond the paper: holds", "beyond the paper: does not hold", "beyond the paper: inconclusive")
VERDICTS = (HOLDS, HOLDS_STAND_IN, FAILS, FAILS_STAND_IN, INCONCLUSIVE, LOW_POWER, NOT_RUN, ILLUSTRATION,
            BASELINE_AS_PAPER, BASELINE_DIFFERS, BASELINE_UNSETTLED, MAGNITUDE_AS_PAPER, MAGNITUDE_DIFFERS,
            MAGNITUDE_UNSETTLED, CONTEXT, BEYOND_HOLDS, BEYOND_FAILS, BEYOND_UNSETTLED)
# What a claim is: SparseFool's (the paper's claim, judged), a baseline's configuration (checked against
# the paper's baseline numbers, never a SparseFool verdict), context (shown, not judged), the paper's
# sentence where our data cannot test it (shown, with the reason), a claim beyond the paper, or a stand-in's
# magnitude set beside the paper's number (compared, not a verdict on SparseFool).
ROLES = ("sparsefool", "baseline", "context", "shown", "beyond", "magnitude")
KINDS = ("rate", "estimate", "ratio", "min_rate", "trend", "gap", "rate_gap", "paired_drop", "mean_estimate",
         "spread", "pvalue", "illustration", "unmeasured")
# Pixels per image (spatial positions) of each data set as the attacks count them, for pixel-grid bounds.
PIXELS = {"mnist": 28 * 28, "cifar10": 32 * 32, "imagenet": 224 * 224}
Rows = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Measurement:
    """What tests a claim: ``kind`` of statistic over ``columns`` of the rows of ``table`` (written
    by ``notebook``) whose columns equal the values in ``rows``.

    Kinds (one measuring function each, :mod:`sfutils.claims.measure`): ``rate`` (a % over
    ``n_column`` trials: Wilson), ``estimate`` (a median or mean with its interval columns),
    ``ratio`` (columns[0] of ``rows`` / columns[1] of ``denominator_rows``), ``min_rate`` (the
    worst of several rates), ``trend`` (columns[1] against columns[0]: Kendall, one-sided),
    ``gap`` (mean of columns[0] - columns[1] with the table's interval of the difference),
    ``rate_gap`` (rate columns[0] minus rate columns[1] of one row, on the same images: Newcombe's
    paired interval at the least favourable pairing), ``paired_drop`` (the same difference, judged
    on that interval: e.g. fooling before minus after clipping), ``pvalue`` (columns[0] is a
    statistic and columns[1] its p-value, written by the experiment), ``mean_estimate``
    (the mean of several rows' estimates), ``spread`` (largest over smallest estimate of the rows),
    ``illustration`` (``figure`` exists) and ``unmeasured`` (a claim this repository cannot test,
    with ``reason``).

    ``requires``: columns that must be in ``table`` for it to be the run this claim reads (e.g. the
    uncapped Table 2 of issue 33), else the claim is not run, saying ``reason``; ``fallback``: the
    measurement read when this one is not run (its ``reason`` says what it lacks);
    ``denominator_table``: the table of ``denominator_rows`` when not ``table``; ``interval``: how
    the experiment made the interval it wrote, where its kind's default label would not say (e.g. a
    bootstrap that resamples whole images).
    """

    notebook: str
    table: str | None
    kind: str
    columns: tuple[str, ...] = ()
    rows: Rows = ()
    denominator_rows: Rows = ()
    n_column: str = "n"
    model_column: str | None = None
    unit: str = "%"
    figure: str | None = None
    reason: str = ""
    requires: tuple[str, ...] = ()
    fallback: Measurement | None = None
    denominator_table: str | None = None
    interval: str = ""
    pending: str = ""
    beside: tuple[tuple[str, str, Rows, str], ...] = ()  # (label, table, rows, column): values shown beside ours

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown measurement kind {self.kind!r}; known: {', '.join(KINDS)}")
        if self.kind == "unmeasured" and not self.reason:
            raise ValueError("an unmeasured claim must say why it cannot be run (reason)")


@dataclass(frozen=True)
class Criterion:
    """The interval must lie in [``low``, ``high``] (either may be open), or in (``low``, ``high``)
    when ``strict`` (a claim that one quantity exceeds another: an interval that reaches the bound
    does not show it); for a trend, ``low=0`` asks for a significant rise and ``high=0`` for a
    significant fall. ``text`` says it in words."""

    text: str
    low: float | None = None
    high: float | None = None
    strict: bool = False

    def contains(self, lo: float, hi: float) -> bool:
        """Whether the interval [``lo``, ``hi``] lies inside the criterion (the claim holds)."""
        if self.strict:  # (low, high): an interval reaching a bound does not show the claim
            return (self.low is None or lo > self.low) and (self.high is None or hi < self.high)
        return (self.low is None or lo >= self.low) and (self.high is None or hi <= self.high)

    def excludes(self, lo: float, hi: float) -> bool:
        """Whether [``lo``, ``hi``] lies wholly outside the criterion (the claim does not hold)."""
        if self.strict:  # an interval beyond a strict bound, or on it, refutes the claim
            return (self.low is not None and hi <= self.low) or (self.high is not None and lo >= self.high)
        return (self.low is not None and hi < self.low) or (self.high is not None and lo > self.high)


@dataclass(frozen=True)
class Claim:
    """One claim of the paper and how this repository tests it."""

    id: str
    where: str
    claim: str
    paper: str
    measurement: Measurement
    criterion: Criterion
    paper_setting: str
    our_setting: str  # "{model}" is replaced by the model named in the measured row
    same_models: tuple[str, ...] = ()  # our models with which the setting is the paper's
    caveat: str = ""  # how our setting differs from the paper's: shown whatever the verdict
    reading: str = ""  # how the sentence becomes a statistic, a direction and a tolerance, and why
    role: str = "sparsefool"  # one of ROLES
    target: float | None = None  # the paper's value in our statistic's units: the power is computed at it

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"{self.id}: unknown role {self.role!r}; known: {', '.join(ROLES)}")


@dataclass(frozen=True)
class Verdict:
    """A claim judged on one run's tables."""

    claim: Claim
    verdict: str
    value: float | None = None
    lo: float | None = None
    hi: float | None = None
    p: float | None = None
    n: int | None = None
    ours: str = ""
    why: str = ""
    detail: dict[str, float] = field(default_factory=dict)
    power: float | None = None  # P(judged to hold at our n | the true value is the paper's), see claims.power
    power_method: str = ""  # how the power was computed (claims.power.method)
    coverage: str = ""  # what the interval is and the coverage it has


def at_least(value: float, text: str) -> Criterion:
    return Criterion(text, low=value)


def at_most(value: float, text: str) -> Criterion:
    return Criterion(text, high=value)


def above(value: float, text: str) -> Criterion:
    """Strictly above ``value``: the whole interval must exceed it."""
    return Criterion(text, low=value, strict=True)


def below(value: float, text: str) -> Criterion:
    """Strictly below ``value``: the whole interval must stay under it."""
    return Criterion(text, high=value, strict=True)


def band(paper: float, factor: float, what: str = "") -> Criterion:
    """Two-sided: within ÷/× ``factor`` of the paper's ``paper`` (a ratio)."""
    lo, hi = paper / factor, paper * factor
    return Criterion(f"within ÷/× {factor:g} of {what or f'{paper:.3g}×'} ({lo:.3g}–{hi:.3g}×)", lo, hi)


def on_pixel_grid(low_pct: float, high_pct: float, dataset: str) -> tuple[float, float]:
    """[``low_pct``, ``high_pct``] (% of the pixels) rounded outward to whole pixels of ``dataset``,
    so that a bound never falls between two counts a median can take (1 px of CIFAR-10 = 0.0977 %)."""
    total = PIXELS[dataset]
    lo_px = math.floor(low_pct * total / 100.0 + 1e-9)
    hi_px = math.ceil(high_pct * total / 100.0 - 1e-9)
    return 100.0 * lo_px / total, 100.0 * hi_px / total


MAGNITUDE_FACTOR = 1.5  # a share of pixels is "as the paper's" within ÷/× 1.5: a factor-of-two gap cannot pass


def within_factor(paper: float, dataset: str, low: float | None = None, high: float | None = None) -> Criterion:
    """Median perturbed pixels within ÷/× :data:`MAGNITUDE_FACTOR` of the paper's value (or of the
    paper's range ``low``-``high``), rounded outward to whole pixels of ``dataset``: a relative band,
    so that a share twice or half the paper's never passes."""
    a, b = (paper, paper) if low is None or high is None else (low, high)
    # The paper's percentages are rounded whole-pixel counts (4.85 % of 784 is 38 pixels): the factor applies
    # to that count, then rounds outward, so that rounding never widens the band by a pixel.
    a, b = (100.0 * round(v * PIXELS[dataset] / 100.0) / PIXELS[dataset] or v for v in (a, b))
    lo, hi = on_pixel_grid(a / MAGNITUDE_FACTOR, b * MAGNITUDE_FACTOR, dataset)
    what = f"{paper:g} %" if low is None else f"the paper's range {low:g}–{high:g} %"
    return Criterion(f"within ÷/× {MAGNITUDE_FACTOR:g} of {what}, to whole pixels ({lo:.3g}–{hi:.3g} %)", lo, hi)


def fooling_near(paper: float) -> Criterion:
    """A fooling rate no more than 5 points below the paper's."""
    return at_least(paper - 5.0, f"≥ {paper - 5.0:g} % (paper − 5 points)")
