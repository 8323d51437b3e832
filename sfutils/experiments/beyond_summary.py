"""Notebook 06's "What the numbers say": the comparison table of every sparse attack under one
harness (:func:`sfutils.experiments.beyond.comparison_table`) read out in words, per model.

Only attacks that work are ranked: success on at least :data:`MIN_SUCCESS` % of the attacked
images and a finite median below the image's pixel count (an l1 attack such as EAD may change
every pixel). The text is written from the table alone, so a test can check every number in it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_SUCCESS = 90.0


def _listing(df: pd.DataFrame) -> str:
    return "; ".join(f"{a} ({r['median px']:g} px, {r['s/image']:.2g} s)" for a, r in df.iterrows()) or "none"


def ranked_attacks(sub: pd.DataFrame, pixels: int) -> pd.DataFrame:
    """The rows of ``sub`` (one model's minimum-norm attacks, indexed by attack) that are ranked."""
    return sub[(sub["success %"] >= MIN_SUCCESS) & np.isfinite(sub["median px"]) & (sub["median px"] < pixels)]


def model_summary(table: pd.DataFrame, model: str, lam: float, pixels: int) -> str:
    """One paragraph on ``model``: SparseFool λ=``lam``'s success, median pixels, time and
    evaluations, the sparsest and fastest ranked attacks, those sparser or faster than SparseFool,
    the unranked ones and, when present, the greedy refinement (not the paper's algorithm)."""
    sub = table[(table["model"] == model) & (table["kind"] == "minimum-norm")].set_index("attack")
    sf = sub.loc[f"SparseFool λ={lam:g}"]
    ranked = ranked_attacks(sub, pixels)
    if ranked.empty:
        return f"**{model}**: no attack succeeded on ≥ {MIN_SUCCESS:g}% of the images with a sparse finite median."
    others = ranked[~ranked.index.str.startswith("SparseFool")]
    sparsest, fastest = ranked["median px"].idxmin(), ranked["s/image"].idxmin()
    ties = " = ".join(ranked.index[ranked["median px"] == ranked.loc[sparsest, "median px"]])
    unranked = ", ".join(sub.index.difference(ranked.index)) or "none"
    text = (f"**{model}** (n={int(sf['n'])}, clean accuracy {sf['clean acc %']:.0f}%): SparseFool λ={lam:g} fools "
            f"{sf['success %']:.0f}% of the attacked images with a median of {sf['median px']:g} pixels in "
            f"{sf['s/image']:.2g} s/image ({sf['forwards/image']:.0f} forward and {sf['backwards/image']:.0f} backward "
            f"evaluations). Among the attacks that succeed on ≥ {MIN_SUCCESS:g}% with a finite median below all "
            f"{pixels} pixels, the sparsest is {ties} (median {ranked.loc[sparsest, 'median px']:g} px) and the "
            f"fastest is {fastest} ({ranked.loc[fastest, 's/image']:.2g} s/image). Other such attacks sparser than "
            f"SparseFool: {_listing(others[others['median px'] < sf['median px']])}. Faster than it: "
            f"{_listing(others[others['s/image'] < sf['s/image']])}. Not ranked (< {MIN_SUCCESS:g}% success, "
            f"infinite median or every pixel changed): {unranked}.")
    refined = sub.index[sub.index.str.contains("refine")]
    if len(refined):
        text += (f" The greedy refinement (not the paper's) brings SparseFool to a median of "
                 f"{sub.loc[refined[0], 'median px']:g} px at {sub.loc[refined[0], 's/image']:.2g} s/image in all.")
    return text


__all__ = ["MIN_SUCCESS", "model_summary", "ranked_attacks"]
