"""One picture of every verdict: a forest plot of the claims judged against a number.

Each row is one claim: our estimate and its interval (the interval the verdict reads, whose coverage
`verdicts.csv` states, :mod:`sfutils.claims.judge`) against the criterion's band, coloured by the verdict, grouped by
the paper's section (the notebook that tests it). Every row sits on a scale where the criterion
sits at one place, so that rows of different units can be read together:

* rates, differences of rates and other additive quantities (unit ``%``, ``points``, ``cos``, or any
  quantity judged against a bound at or below 0) are drawn as *points from the reference* (the
  cosine of Fig. 8 in hundredths);
* medians, means and factors (perturbed pixels, ``×``) as a *ratio to the reference* on a log axis.

The reference is the paper's value in our statistic's units where the claim gives one
(``Claim.target``); otherwise the criterion's bound when it has one (``≥ paper − 5 points``: the
bound), the centre of its band when it has two (the arithmetic centre in points, the geometric one
in ratios: for a ``÷/×`` band that is the paper's own value), and the upper bound of a band that
starts at 0. Trends (Kendall's τ: a trend read by its p-value, or a per-image mean τ read by its
interval against 0; neither has a paper number to place it by), tests read by their p-value,
illustrations, context and claims not run have no interval on such a scale: the report lists them
beside the plot.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules and "MPLBACKEND" not in os.environ and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")  # headless: the report is written by a script

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sfutils.claims.model import (FAILS, FAILS_STAND_IN, HOLDS, HOLDS_STAND_IN, ILLUSTRATION, INCONCLUSIVE,  # noqa: E402
                                  NOT_RUN, Verdict)

UNDRAWN_KINDS = ("trend", "pvalue", "illustration", "unmeasured")  # no interval on a points or ratio scale
UNDRAWN_UNITS = ("τ",)  # a rank correlation judged against 0: no paper number to take points or a ratio from
RATIO_KINDS = ("ratio", "spread", "estimate", "mean_estimate")  # a "%" of these is a share of pixels
HUNDREDTHS = ("cos",)  # units between −1 and 1, drawn in hundredths on the points scale
COLOURS = {HOLDS: "#1b7837", HOLDS_STAND_IN: "#7fbf7b", FAILS: "#c51b7d", FAILS_STAND_IN: "#de77ae",
           INCONCLUSIVE: "#8c8c8c"}
# Verdicts that are not about SparseFool's claims, by kind (the verdict's words before ": "): a hue
# of their own where they agree with what is checked, where they do not, and light grey where
# unsettled, and a marker of their own, so that no two kinds look alike.
OTHER_STYLES = {"baseline check": ("s", "#2166ac", "#e08214"), "stand-in magnitude": ("D", "#762a83", "#8c510a"),
                "beyond the paper": ("^", "#35978f", "#d6604d")}
OTHER_UNSETTLED = "#b8b8b8"
POINTS_CLIP, LOG2_CLIP = 60.0, 7.0  # axis half-widths: ±60 points, ÷/× 128
BOUND_MARK = "(vs bound)"  # a row placed relative to its criterion's bound, not to the paper's value


@dataclass(frozen=True)
class ForestRow:
    """One drawn claim: its interval and its criterion's band on the row's scale (``scale`` is
    ``points`` or ``log2``; ``None`` for an open end), relative to ``reference``."""

    id: str
    notebook: str
    verdict: str
    scale: str
    reference: float
    value: float | None
    lo: float | None
    hi: float | None
    band_lo: float | None
    band_hi: float | None
    from_paper: bool = True  # False: placed relative to the criterion's bound (the claim has no paper value in our units)


def drawn(v: Verdict) -> bool:
    """Whether ``v`` is a claim judged against a number (a row of the forest plot): measured and
    judged (not run, illustrations and context are not), not a trend, a τ or a p-value, with a bound."""
    c, m = v.claim.criterion, v.claim.measurement
    return (v.verdict not in (NOT_RUN, ILLUSTRATION) and "not judged" not in v.verdict
            and m.kind not in UNDRAWN_KINDS and m.unit not in UNDRAWN_UNITS
            and (c.low is not None or c.high is not None))


def colour(verdict: str) -> str:
    """The colour of ``verdict``: green holds, magenta does not, grey undecided; any other verdict
    its kind's hue where it agrees or where it differs, or light grey (:data:`OTHER_STYLES`)."""
    if verdict.startswith(INCONCLUSIVE):
        return COLOURS[INCONCLUSIVE]
    if verdict in COLOURS:
        return COLOURS[verdict]
    if any(word in verdict for word in ("unsettled", "inconclusive")):
        return OTHER_UNSETTLED
    _, agrees, differs = _style(verdict) or OTHER_STYLES["baseline check"]
    return differs if any(word in verdict for word in ("differs", "does not hold")) else agrees


def _style(verdict: str) -> tuple[str, str, str] | None:
    """The :data:`OTHER_STYLES` entry of ``verdict``'s kind (its words before ": "), or None."""
    return OTHER_STYLES.get(verdict.split(": ", 1)[0])


def marker(verdict: str) -> str:
    """The marker of ``verdict``: a circle for SparseFool's claims, its kind's for the others."""
    style = _style(verdict)
    return style[0] if style else "o"


def _scale(v: Verdict) -> str:
    m, c = v.claim.measurement, v.claim.criterion
    if m.unit in ("points",) + HUNDREDTHS or (m.unit == "%" and m.kind not in RATIO_KINDS):
        return "points"
    bounds = [b for b in (c.low, c.high) if b is not None]
    if bounds and max(bounds) <= 0:  # a signed quantity judged against 0 has no ratio to it
        return "points"
    return "log2"


def _reference(low: float | None, high: float | None, scale: str) -> float:
    if low is not None and high is not None:
        if scale == "points":
            return (low + high) / 2
        return math.sqrt(low * high) if low > 0 else high
    return low if low is not None else high  # type: ignore[return-value]


def _place(x: float | None, reference: float, scale: str, factor: float) -> float | None:
    """``x`` on the row's scale: points from ``reference`` (times ``factor``), or log2 of the ratio."""
    if x is None or math.isnan(x):
        return None
    if scale == "points":
        return factor * (x - reference)
    if x <= 0:
        return -math.inf
    return math.inf if math.isinf(x) else math.log2(x / reference)


def forest_row(v: Verdict) -> ForestRow:
    """``v`` placed on its scale (module docstring)."""
    c, scale = v.claim.criterion, _scale(v)
    target = getattr(v.claim, "target", None)  # the paper's value in our units, where the registry gives it
    ref = target if target is not None and (scale == "points" or target > 0) else _reference(c.low, c.high, scale)
    factor = 100.0 if v.claim.measurement.unit in HUNDREDTHS else 1.0
    band_lo = _place(c.low, ref, scale, factor) if c.low is not None and (scale == "points" or c.low > 0) else None
    band_hi = _place(c.high, ref, scale, factor) if c.high is not None else None
    from_paper = target is not None and (scale == "points" or target > 0)
    return ForestRow(v.claim.id, v.claim.measurement.notebook, v.verdict, scale, ref,
                     _place(v.value, ref, scale, factor), _place(v.lo, ref, scale, factor),
                     _place(v.hi, ref, scale, factor), band_lo, band_hi, from_paper)


def forest_rows(vs: Sequence[Verdict]) -> list[ForestRow]:
    """The rows of the forest plot, in the order of ``vs`` (the registry's: by section)."""
    return [forest_row(v) for v in vs if drawn(v)]


def _clip(x: float | None, limit: float) -> float | None:
    return None if x is None else max(-limit, min(limit, x))


def forest_figure(vs: Sequence[Verdict], titles: dict[str, str]) -> Figure:
    """The forest plot of ``vs``: one row per :func:`drawn` claim, grouped under ``titles`` (a
    title per notebook), points from the reference on the left panel and ratios on the right."""
    rows = forest_rows(vs)
    lines: list[tuple[str, ForestRow | None]] = []  # a section title, then its rows
    for nb, title in titles.items():
        sub = [r for r in rows if r.notebook == nb]
        if sub:
            lines += [(title, None)] + [(r.id, r) for r in sub]
    height = max(3.0, 0.8 + 0.17 * len(lines))  # room for the title and legend even with few rows
    fig, (ax_pts, ax_log) = plt.subplots(1, 2, figsize=(10, height), sharey=True,
                                         gridspec_kw={"wspace": 0.08})
    limits = {"points": POINTS_CLIP, "log2": LOG2_CLIP}
    for y, (label, r) in enumerate(lines):
        if r is None:
            continue
        ax = ax_pts if r.scale == "points" else ax_log
        lim = limits[r.scale]
        lo_b = -lim if r.band_lo is None else _clip(r.band_lo, lim)
        hi_b = lim if r.band_hi is None else _clip(r.band_hi, lim)
        ax.fill_betweenx([y - 0.4, y + 0.4], lo_b, hi_b, color="#dfe8f0", lw=0)
        col = colour(r.verdict)
        if r.lo is not None and r.hi is not None:
            ax.plot([_clip(r.lo, lim), _clip(r.hi, lim)], [y, y], color=col, lw=2.2, solid_capstyle="butt")
        if r.value is not None:
            ax.plot([_clip(r.value, lim)], [y], marker(r.verdict), color=col, ms=3.5, mec="black", mew=0.4)
        else:
            ax.text(0, y, "no value", va="center", ha="center", fontsize=6, color=col)
    if not lines:
        ax_pts.text(POINTS_CLIP, 0, "no claim was judged against a number in this run", ha="center", va="center",
                    fontsize=8)
    labels = [(label if r.from_paper else f"{label} {BOUND_MARK}") if r is not None else label.upper()
              for label, r in lines]
    ax_pts.set_yticks(range(len(lines)), labels)
    for tick, (_, r) in zip(ax_pts.get_yticklabels(), lines):
        tick.set_fontsize(6 if r is not None else 6.5)
        tick.set_fontweight("normal" if r is not None else "bold")
    ax_pts.set_ylim(max(len(lines), 1) - 0.5, -0.5)
    ax_pts.set_xlim(-POINTS_CLIP, POINTS_CLIP)
    ax_log.set_xlim(-LOG2_CLIP, LOG2_CLIP)
    ticks = range(-6, 7, 2)
    ax_log.set_xticks(list(ticks), [f"{2.0 ** t:g}×" if t >= 0 else f"÷{2.0 ** -t:g}" for t in ticks])
    ax_pts.set_xlabel(f"rates, differences: points from the paper\n(rows marked {BOUND_MARK}: from the criterion's bound)")
    ax_log.set_xlabel(f"pixels, factors: ratio to the paper, log scale\n(rows marked {BOUND_MARK}: to the criterion's bound)")
    for ax in (ax_pts, ax_log):
        ax.axvline(0, color="black", lw=0.6)
        ax.xaxis.label.set_fontsize(7)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="y", visible=False)
    present = sorted({r.verdict for r in rows}, key=lambda k: (k not in COLOURS, list(COLOURS).index(k)
                                                              if k in COLOURS else 0, k))
    handles = [plt.Line2D([], [], color=colour(k), lw=2.2, marker=marker(k), ms=3.5, mec="black", mew=0.4, label=k)
               for k in present]
    handles.append(matplotlib.patches.Patch(color="#dfe8f0", label="criterion (band or one-sided bound)"))
    legend_rows = math.ceil(len(handles) / 4)  # the plot starts below the legend (inches from the top)
    fig.subplots_adjust(top=1 - (0.35 + 0.2 * legend_rows) / height, bottom=0.45 / height)
    fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 4), fontsize=7, frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.2 / height))
    fig.suptitle(f"Every claim judged against a number ({len(rows)}): our value and its interval against the "
                 "criterion", fontsize=9, y=1 - 0.02 / height)
    return fig


def write_forest(vs: Sequence[Verdict], titles: dict[str, str], stem: Path) -> list[Path]:
    """Write :func:`forest_figure` as ``<stem>.png`` and ``<stem>.pdf`` (no creation date, so an
    unchanged plot gives unchanged files); the paths written."""
    fig = forest_figure(vs, titles)
    out = []
    for fmt, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None})):
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, dpi=150, bbox_inches="tight", metadata=meta)
        out.append(path)
    plt.close(fig)
    return out
