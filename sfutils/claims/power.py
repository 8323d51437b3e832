"""The power of a claim's criterion: the probability that the claim would be judged to hold at our n
if the true value were the paper's (:attr:`sfutils.claims.model.Claim.target`).

* a rate (and the lowest of several rates): exact, summing the binomial probabilities of every count
  whose Wilson interval meets the criterion (:func:`sfutils.stats.binomial_power`);
* a median of perturbed pixels over the fooled images (``median px % (ours)``, a row that
  :func:`sfutils.experiments.common.summarize` made and whose ``record`` column names the stored
  per-sample record it came from, :data:`sfutils.results.RECORD`): simulated from our own per-image
  values moved to the paper's value. Our fooled images' pixel counts are scaled so that their median
  is the paper's and rounded to whole pixels (at least 1: a median of pixels lives on the pixel
  grid), :data:`DRAWS` seeded samples of our number of fooled images are drawn from them, and each
  gets the distribution-free 95 % order-statistic interval of its median
  (:func:`sfutils.stats.median_rank_interval`: for our n what the experiment's percentile bootstrap
  gives, without resampling 10 000 images 2 000 times per draw); the power is the share of draws
  whose interval meets the criterion by the rule of :func:`sfutils.claims.judge._outcome` (strict or
  not). A row may name several records joined by ``+`` (Table 2's: its record at the authors' cap,
  then the reruns of the images it left unfooled, :func:`sfutils.experiments.budget.protocol_rows`):
  an image's fooled row is then the first record's that fooled it. Several such medians are simulated
  alike, each row's values drawn on their own and the rows' intervals combined as the measure
  combines them: a ratio of two (kind ``ratio``: the numerator moved so that the ratio of the medians
  is the paper's; :func:`sfutils.stats.ratio_bounds`), a mean of several (``mean_estimate``: every row
  scaled by one factor so that the mean of the medians is the paper's; the mean of the bounds) and
  the largest over the smallest (``spread``: the medians' ratios to the smallest raised to one power
  so that the largest over the smallest is the paper's; the drawn largest and smallest medians'
  intervals by :func:`sfutils.stats.ratio_bounds`, the lower end cut at 1);
* a paired ratio (``ratio (paired)``: Table 1's baseline over SparseFool on the images both fool,
  :func:`sfutils.experiments.overall.table1_paired`; the robust over the standard net,
  :func:`sfutils.experiments.robustness.paired_table`; and Fig. 6's mean queries at δ = 30 over
  δ = 255 on every image attacked at both, ``queries ratio (paired)``,
  :func:`sfutils.experiments.perceptibility.paired_cost`; and Fig. 7's factor, the median over the
  images fooled at both δ of each image's pixels at δ over those at 255,
  :func:`sfutils.experiments.perceptibility.delta_factors`) whose row names its two records
  (:data:`sfutils.results.RECORD`, the numerator's, and :data:`sfutils.results.RECORD_DENOMINATOR`):
  simulated from our per-image pairs. The two records' rows are joined on the data-set image they
  attacked (runs of different ``n`` are different seeded subsets, so row ``id`` i of one is not
  ``id`` i of the other; :func:`sfutils.data._subset_indices` maps them, as the experiment does),
  and checked to give the row's ratio and number of pairs. The numerator is scaled so that the ratio
  is the paper's (perturbed pixels: rounded to whole pixels, at least 1; mean queries: scaled as
  they are), :data:`PAIRED_DRAWS` seeded samples of our pairs are drawn (an image's two values
  together), and each gets the experiment's own interval, the paired percentile bootstrap
  (:func:`sfutils.stats.bootstrap_paired_ratio`, with :data:`PAIRED_RESAMPLES` resamples instead of
  the experiment's 2000, to keep the report quick); the power is the share of draws whose interval
  meets the criterion (Fig. 7's factor: the per-image ratios' median with its percentile bootstrap,
  :func:`sfutils.stats.bootstrap_interval`, as the experiment computes it);
* any other median, mean, ratio or difference, and a median whose record is not stored here (only
  the committed profile's records are committed): our estimate's sampling spread, read off our own
  95 % interval's width, moved to the paper's value, with a normal approximation
  (:func:`sfutils.stats.normal_power`). Ratios and medians or means of a share of the pixels are
  positive and their spread grows with their size, so their width is read on the log scale: a
  relative width, which moves to the paper's value unchanged. A rate pooled over trials
  (:data:`POOLED_RATES`: Table 3's % transferred, whose trials share images) has a spread that grows
  like √(p(1 − p)), not like p, so its width is read on the arcsine-square-root scale, on which a
  rate's variance does not depend on its value (the design effect of the shared images, which our
  interval holds, carries over; a relative width would make a 3.8 % rate's interval four times wider
  moved to 17 %, where a rate's spread grows only about twice). This approximation is poor where the
  interval is discrete (a median of a few whole pixels) or skewed.

:func:`method` says, per claim, which of these gave its number. Claims without a paper number
(trends, tests, qualitative sentences) have no power.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sfutils import paths, stats
from sfutils.claims.measure import Estimate
from sfutils.claims.model import Claim, Criterion
from sfutils.data import _subset_indices
from sfutils.experiments.overall import TEST_IMAGES
from sfutils.experiments.perceptibility import PAIRED_COST
from sfutils.results import RECORD, RECORD_DENOMINATOR, load_params, load_record, record_folders

RATE_KINDS = ("rate", "min_rate")
LOG_UNITS = ("×", "%")  # positive quantities whose spread scales with their size
# Rates (%) pooled over trials that share images (a cluster bootstrap interval): read on the arcsine-square-root scale.
POOLED_RATES = ("mean off-diagonal (pooled, %)",)
MEDIAN_PIXELS = "median px % (ours)"  # summarize's median perturbed pixels over the fooled images, in %
DRAWS = 2000
SEED = 0
APPROXIMATE = "normal approximation from our interval"
PAIRED = "ratio (paired)"  # 01_table1_paired's and 05_robustness_paired's paired ratio over the images both fool
FACTOR, MEDIAN_RATIO = "factor", "median ratio"  # Fig. 7's per-image factor (δ over 255) and its statistic
FACTORS = ("02_fig7_factors", FACTOR)  # the table and column of delta_factors' median per-image factor
PAIRED_DRAWS, PAIRED_RESAMPLES = 400, 400  # simulated samples, and each one's bootstrap resamples (the experiment: 2000)
# Tables whose estimates have per-image data that is not stored (so cannot be simulated), and why.
NOT_STORED = {"03_table3_summary": "Table 3's transfer trials are evaluated by notebook 03, not stored"}
# Why the rest are approximated: their per-image values may be stored, but no simulation reads them.
NOT_SIMULATED = "no simulation from the per-image records is written for this measure"


@dataclass(frozen=True)
class Power:
    """A claim's power (None without a paper number or an interval) and how it was computed."""

    value: float | None
    method: str


@dataclass(frozen=True)
class Fooled:
    """The perturbed pixels of the fooled images of one stored record, and the pixels of one image."""

    pixels: np.ndarray
    total: int

    def pct(self, px: np.ndarray | float) -> np.ndarray | float:
        return 100.0 * px / self.total

    def moved(self, median_pct: float) -> np.ndarray:
        """The pixel counts scaled so that their median is ``median_pct`` % of the image, rounded to
        whole pixels, at least 1."""
        factor = median_pct * self.total / 100.0 / float(np.median(self.pixels))
        return np.maximum(1.0, np.rint(self.pixels * factor))


@functools.lru_cache(maxsize=64)
def _fooled(record: str, base: str) -> Fooled | str:
    """The fooled images' pixels of ``record`` (one record, or several joined by '+': an image's row
    is the first record's that fooled it, over the first record's images), or why not (``base``, the
    results root they are read from, keys the cache only: one name is one record)."""
    stems = record.split("+")
    frames = [load_record(stem) for stem in stems]
    first = frames[0]
    if first is None:  # a rerun of no image has no file: only the first record must be there
        return "its per-image record is not stored here"
    if not all({"success", "pixels", "pct"} <= set(df.columns) for df in frames if df is not None and len(df)):
        return "its record has no per-image pixel counts"
    df = pd.concat([df for df in frames if df is not None and len(df)], ignore_index=True)
    ok = df[df["success"].astype(bool) & (df["pct"].astype(float) > 0) & df["id"].isin(first["id"])]
    ok = ok.drop_duplicates("id", keep="first")
    if ok.empty:
        return "its record has no fooled image"
    total = int(round(float(np.median(ok["pixels"].astype(float) / ok["pct"].astype(float) * 100.0))))
    return Fooled(ok["pixels"].to_numpy(dtype=float), total)


def fooled_pixels(row: pd.Series | None, value: float, n: int) -> Fooled | str:
    """The fooled images' pixels of the record ``row`` names (``record`` column), checked to give
    the row's median ``value`` over the fooled of its ``n`` images; else why they cannot be used."""
    stem = row.get(RECORD) if row is not None else None
    if not isinstance(stem, str) or not stem:
        return "no per-image record"
    found = _fooled(stem, str(paths.results_root().resolve()))
    if isinstance(found, str):
        return found
    if not math.isclose(float(found.pct(np.median(found.pixels))), value, rel_tol=1e-6) or len(found.pixels) > n:
        return f"its record {stem} does not give the row's median"
    return found


def _arcsine(percent: float) -> float:
    """A rate in % on the arcsine-square-root scale (its variance there does not depend on the rate)."""
    return math.asin(math.sqrt(min(max(percent, 0.0), 100.0) / 100.0))


def _moved_draws(found: Fooled, median_pct: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, lo and hi (in %) of :data:`DRAWS` samples of ``found``'s values moved to ``median_pct``."""
    med, lo, hi = stats.sampled_medians(found.moved(median_pct), len(found.pixels), DRAWS, seed)
    return 100.0 * med / found.total, 100.0 * lo / found.total, 100.0 * hi / found.total


def _rows_pixels(claim: Claim, est: Estimate) -> list[Fooled] | str:
    """The fooled pixels of every row ``est`` read (a mean's or a spread's), or why not."""
    m = claim.measurement
    if not est.rows:
        return "no per-image record"
    found = [fooled_pixels(r, float(r[m.columns[0]]), int(r[m.n_column])) for r in est.rows]
    bad = [f for f in found if isinstance(f, str)]
    return str(bad[0]) if bad else [f for f in found if not isinstance(f, str)]


def _simulated_mean(claim: Claim, est: Estimate) -> Power:
    t, c = claim.target, claim.criterion
    found = _rows_pixels(claim, est)
    if isinstance(found, str) or t is None:
        return _approximate(claim, est, found if isinstance(found, str) else "no paper value")
    medians = [float(f.pct(np.median(f.pixels))) for f in found]
    factor = t / float(np.mean(medians))
    drawn = [_moved_draws(f, m * factor, SEED + i) for i, (f, m) in enumerate(zip(found, medians))]
    lo, hi = np.mean([d[1] for d in drawn], axis=0), np.mean([d[2] for d in drawn], axis=0)
    ns = ", ".join(str(len(f.pixels)) for f in found)
    return Power(float(np.mean([c.contains(float(a), float(b)) for a, b in zip(lo, hi)])),
                 f"simulated from our {ns} per-image values of {len(found)} rows, scaled by one factor so that the mean "
                 f"of their medians is the paper's ({t:.3g} %, whole pixels), {DRAWS} draws, each median with the "
                 "distribution-free 95 % order-statistic interval, the bounds averaged as the measure averages them")


def _simulated_spread(claim: Claim, est: Estimate) -> Power:
    t, c = claim.target, claim.criterion
    found = _rows_pixels(claim, est)
    if isinstance(found, str) or t is None:
        return _approximate(claim, est, found if isinstance(found, str) else "no paper value")
    medians = np.array([float(f.pct(np.median(f.pixels))) for f in found])
    smallest, spread = float(medians.min()), float(medians.max() / medians.min())
    if spread <= 1.0 or t <= 1.0:
        return _approximate(claim, est, "our medians are all equal: no spread to move")
    moved = smallest * (medians / smallest) ** (math.log(t) / math.log(spread))
    drawn = [_moved_draws(f, float(m), SEED + i) for i, (f, m) in enumerate(zip(found, moved))]
    med, lo, hi = (np.array([d[k] for d in drawn]) for k in range(3))  # rows × draws
    top, bottom, cols = med.argmax(axis=0), med.argmin(axis=0), np.arange(DRAWS)
    holds = [c.contains(max(1.0, a_lo / b_hi), a_hi / b_lo) for a_lo, b_hi, a_hi, b_lo in
             zip(lo[top, cols], hi[bottom, cols], hi[top, cols], lo[bottom, cols])]
    ns = ", ".join(str(len(f.pixels)) for f in found)
    return Power(float(np.mean(holds)),
                 f"simulated from our {ns} per-image values of {len(found)} rows, their medians' ratios to the smallest "
                 f"raised to one power so that the largest over the smallest is the paper's ({t:.3g}×, whole pixels), "
                 f"{DRAWS} draws, each median with the distribution-free 95 % order-statistic interval, the drawn "
                 "largest's and smallest's combined as the measure combines them")


def _approximate(claim: Claim, est: Estimate, why: str) -> Power:
    """The normal approximation from our interval's width (module docstring)."""
    m, c, t = claim.measurement, claim.criterion, claim.target
    pooled = bool(m.columns) and m.columns[0] in POOLED_RATES
    log = m.unit in LOG_UNITS and not pooled
    text = f"{APPROXIMATE} ({why})" + ("; log scale: relative width" if log else
                                       "; arcsine-square-root scale: a rate's variance-stabilised width" if pooled else "")
    if t is None or est.lo is None or est.hi is None or any(math.isnan(v) or math.isinf(v) for v in (est.lo, est.hi)):
        return Power(None, text)
    if pooled and 0 <= est.lo <= est.hi <= 100 and 0 <= t <= 100:
        as_low, as_high = (None if v is None else _arcsine(v) for v in (c.low, c.high))
        se = (_arcsine(est.hi) - _arcsine(est.lo)) / (2 * stats.Z95)
        return Power(stats.normal_power(_arcsine(t), se, as_low, as_high, c.strict), text)
    if log and est.lo > 0 and t > 0:
        to_log = lambda v: None if v is None else (math.log(v) if v > 0 else -math.inf)  # noqa: E731
        se = (math.log(est.hi) - math.log(est.lo)) / (2 * stats.Z95)
        return Power(stats.normal_power(math.log(t), se, to_log(c.low), to_log(c.high), c.strict), text)
    se = (est.hi - est.lo) / (2 * stats.Z95)
    return Power(stats.normal_power(t, se, c.low, c.high, c.strict), text)


def _simulated_median(claim: Claim, est: Estimate) -> Power:
    t, c = claim.target, claim.criterion
    found = fooled_pixels(est.row, est.value, est.n) if t is not None and est.value is not None else "no value"
    if isinstance(found, str) or t is None:
        return _approximate(claim, est, found if isinstance(found, str) else "no paper value")
    n = len(found.pixels)
    pw = stats.sampled_median_power(found.moved(t), n, lambda lo, hi: c.contains(found.pct(lo), found.pct(hi)),
                                    DRAWS, SEED)
    return Power(pw, f"simulated from our {n} per-image values moved to the paper's value ({t:.3g} %, whole pixels), "
                     f"{DRAWS} draws of n = {n}, each with the distribution-free 95 % order-statistic interval of its "
                     "median")


def _simulated_ratio(claim: Claim, est: Estimate) -> Power:
    t, c, m = claim.target, claim.criterion, claim.measurement
    if len(est.rows) != 2 or t is None:
        return _approximate(claim, est, "no per-image record")
    top, bottom = est.rows
    a = fooled_pixels(top, float(top[m.columns[0]]), int(top[m.n_column]))
    b = fooled_pixels(bottom, float(bottom[m.columns[1]]), int(bottom[m.n_column]))
    if isinstance(a, str) or isinstance(b, str):
        return _approximate(claim, est, a if isinstance(a, str) else str(b))
    na, nb = len(a.pixels), len(b.pixels)
    numerator = a.moved(t * float(b.pct(np.median(b.pixels))))
    pw = stats.sampled_ratio_power(a.pct(numerator), na, b.pct(b.pixels), nb, lambda lo, hi: c.contains(lo, hi),
                                   DRAWS, SEED)
    return Power(pw, f"simulated from our {na} and {nb} per-image values, the numerator's moved so that the ratio of "
                     f"the medians is the paper's ({t:.3g}×, whole pixels), {DRAWS} draws, each median with the "
                     "distribution-free 95 % order-statistic interval, combined as the measure combines them")


@dataclass(frozen=True, eq=False)
class Pairs:
    """One paired ratio's per-image values on the images both runs fooled: the numerator's and the
    denominator's, and the statistic: of each side (``median`` of perturbed pixels, ``mean``
    queries: a ratio of the two), or ``median ratio``, the median of the per-image ratios (Fig. 7's factor).
    Hashed by identity (one object per pair of records, :func:`_paired` caches it)."""

    numerator: np.ndarray
    denominator: np.ndarray
    statistic: str

    def ratio(self, numerator: np.ndarray | None = None) -> float:
        top = self.numerator if numerator is None else numerator
        if self.statistic == MEDIAN_RATIO:
            return float(np.median(top / self.denominator))
        fn = np.median if self.statistic == "median" else np.mean
        return float(fn(top) / fn(self.denominator))

    def interval(self, numerator: np.ndarray, idx: np.ndarray, seed: int) -> tuple[float, float]:
        """The experiment's percentile bootstrap 95 % interval on the pairs ``idx`` (with
        :data:`PAIRED_RESAMPLES` resamples)."""
        if self.statistic == MEDIAN_RATIO:
            return stats.bootstrap_interval(numerator[idx] / self.denominator[idx], "median",
                                            resamples=PAIRED_RESAMPLES, seed=seed)
        return stats.bootstrap_paired_ratio(numerator[idx], self.denominator[idx], self.statistic,
                                            resamples=PAIRED_RESAMPLES, seed=seed)


def _image_index(df: pd.DataFrame, params: dict, n: int) -> np.ndarray:
    """The data-set image each row of a run of ``n`` images attacked (its seeded subset, as
    :func:`sfutils.experiments.overall.paired_on_images` maps it)."""
    return _subset_indices(TEST_IMAGES[params["dataset"]], n, int(params["seed"])).numpy()[df["id"].to_numpy(int)]


@functools.lru_cache(maxsize=64)
def _paired(top: str, bottom: str, quantity: str, fooled_only: bool, folder: str) -> Pairs | str:
    """The per-image pairs of records ``top`` (numerator) and ``bottom`` in ``folder`` on the images
    both attacked (both fooled, if ``fooled_only``), joined on the data-set image (runs of different
    ``n`` are different seeded subsets, so their ids differ), or why not."""
    if "+" in top or "+" in bottom:
        return "one side combines several records (Table 2's protocol: a batched run and its reruns)"
    frames = [load_record(s, folder) for s in (top, bottom)]
    params = [load_params(s, folder) for s in (top, bottom)]
    stored = [(df, p) for df, p in zip(frames, params) if df is not None and len(df) and p is not None]
    if len(stored) < 2:
        return "its paired records are not stored here"
    if stored[0][1].get("seed") != stored[1][1].get("seed"):
        return "its paired records were drawn with different seeds"
    same_n = stored[0][1]["n"] == stored[1][1]["n"]
    statistic = MEDIAN_RATIO if quantity == FACTOR else "median" if "px" in quantity else "mean"
    sides = []
    for side, (df, p) in zip("ab", stored):
        value = (df["forward_evals"] + df["grad_evals"] if statistic == "mean" else df["pixels"]).to_numpy(float)
        image = df["id"].to_numpy(int) if same_n else _image_index(df, p, int(p["n"]))
        sides.append(pd.DataFrame({f"ok_{side}": df["success"].astype(bool).to_numpy(), f"v_{side}": value},
                                  index=image))
    both = sides[0].join(sides[1], how="inner")
    both = both[both["ok_a"] & both["ok_b"]] if fooled_only else both
    if both.empty:
        return "its paired records share no fooled image"
    return Pairs(both["v_a"].to_numpy(float), both["v_b"].to_numpy(float), statistic)


def paired_values(row: pd.Series | None, value: float, n: int) -> Pairs | str:
    """The per-image pairs behind a paired ratio ``row`` (its :data:`RECORD` and
    :data:`RECORD_DENOMINATOR` columns and ``quantity``), checked to give the row's ratio ``value``
    over its ``n`` pairs; else why they cannot be used."""
    stems = [row.get(c) if row is not None else None for c in (RECORD, RECORD_DENOMINATOR)]
    if not all(isinstance(s, str) and s for s in stems):
        return "no per-image record"
    cost = row is not None and PAIRED_COST in row.index  # Fig. 6's paired cost: every image attacked at both δ
    quantity = ("queries/image" if cost else FACTOR if row is not None and FACTOR in row.index
                else str(row.get("quantity", "")) if row is not None else "")
    # a record of one name may be stored by two profiles, computed apart: the folder whose pairs give the row
    found = [_paired(str(stems[0]), str(stems[1]), quantity, not cost, str(f.resolve())) for f in record_folders()]
    pairs = [f for f in found if not isinstance(f, str)]
    for f in pairs:
        if len(f.numerator) == n and math.isclose(f.ratio(), value, rel_tol=1e-6):
            return f
    if pairs:
        return f"its records {stems[0]} and {stems[1]} do not give the row's ratio"
    return next((f for f in found if isinstance(f, str) and "not stored" not in f),
                "its paired records are not stored here")


@functools.lru_cache(maxsize=64)
def _paired_power(found: Pairs, target: float, low: float | None, high: float | None, strict: bool) -> float:
    """The share of :data:`PAIRED_DRAWS` simulated samples of ``found`` (its numerator moved so that
    the ratio is ``target``: whole pixels for a median, at least 1) whose paired percentile bootstrap
    interval meets the criterion ``low``/``high``/``strict`` (cached: the report judges every claim
    several times)."""
    c = Criterion("", low=low, high=high, strict=strict)
    factor, n = target / found.ratio(), len(found.numerator)
    moved = (found.numerator * factor if found.statistic == "mean"
             else np.maximum(1.0, np.rint(found.numerator * factor)))
    rng, holds = np.random.default_rng(SEED), 0
    for k in range(PAIRED_DRAWS):
        idx = rng.integers(0, n, size=n)
        holds += c.contains(*found.interval(moved, idx, SEED + 1 + k))
    return holds / PAIRED_DRAWS


def _simulated_paired(claim: Claim, est: Estimate) -> Power:
    """A paired ratio (module docstring): the numerator moved so that the ratio is the paper's, the
    images resampled with their pairs, each draw with the experiment's paired percentile bootstrap."""
    t, c = claim.target, claim.criterion
    found = paired_values(est.row, est.value, est.n) if t is not None and est.value is not None else "no value"
    if isinstance(found, str) or t is None:
        return _approximate(claim, est, found if isinstance(found, str) else "no paper value")
    pixels = found.statistic != "mean"
    what = {"median": "median perturbed pixels", "mean": "mean queries",
            MEDIAN_RATIO: "the median of the per-image ratios of perturbed pixels"}[found.statistic]
    return Power(_paired_power(found, t, c.low, c.high, c.strict),
                 f"simulated from our {len(found.numerator)} per-image pairs ({what}), the numerator's moved so that "
                 f"the paired ratio is the paper's ({t:.3g}×{', whole pixels' if pixels else ''}), {PAIRED_DRAWS} "
                 "draws resampling the images with their pairs, each with the experiment's percentile bootstrap "
                 f"95 % interval ({PAIRED_RESAMPLES} resamples instead of {stats.BOOTSTRAP_RESAMPLES})")


def assess(claim: Claim, est: Estimate) -> Power:
    """The power of ``claim``'s criterion at ``est``'s n if the true value were the paper's, and how it
    was computed (value None when the claim has no paper number or our estimate no interval)."""
    m, c, t = claim.measurement, claim.criterion, claim.target
    if t is None or est.n < 1 or m.kind in ("trend", "pvalue", "illustration", "unmeasured"):
        return Power(None, "")
    if m.kind in RATE_KINDS:
        return Power(stats.binomial_power(t / 100.0, est.n, lambda lo, hi: c.contains(lo, hi)), "exact binomial")
    if est.value is None or math.isnan(est.value):
        return _approximate(claim, est, "no value")
    if m.kind == "estimate" and m.columns[0] == MEDIAN_PIXELS:
        return _simulated_median(claim, est)
    if m.kind == "ratio" and m.columns[:2] == (MEDIAN_PIXELS, MEDIAN_PIXELS):
        return _simulated_ratio(claim, est)
    if m.kind == "estimate" and (m.columns[0] in (PAIRED, PAIRED_COST) or (m.table, m.columns[0]) == FACTORS):
        return _simulated_paired(claim, est)
    if m.kind in ("mean_estimate", "spread") and m.columns[0] == MEDIAN_PIXELS:
        return (_simulated_mean if m.kind == "mean_estimate" else _simulated_spread)(claim, est)
    return _approximate(claim, est, NOT_STORED.get(m.table or "", NOT_SIMULATED))


def power(claim: Claim, est: Estimate) -> float | None:
    """The power of :func:`assess`."""
    return assess(claim, est).value


def method(claim: Claim, est: Estimate | None = None) -> str:
    """How :func:`assess` computes the claim's power on ``est``, in words (without ``est``: how it is
    computed where no simulation applies)."""
    if claim.target is None:
        return ""
    if est is not None:
        return assess(claim, est).method
    if claim.measurement.kind in RATE_KINDS:
        return "exact binomial"
    return _approximate(claim, Estimate(None, 0), NOT_STORED.get(claim.measurement.table or "", NOT_SIMULATED)
                        ).method
