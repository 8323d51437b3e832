"""Notebook 06's read-out of its comparison table: every number in the text comes from the table."""

from __future__ import annotations

import pandas as pd

from sfutils.experiments.beyond_summary import model_summary, ranked_attacks


def table() -> pd.DataFrame:
    base = {"model": "lenet-mnist", "kind": "minimum-norm", "n": 500, "clean acc %": 99.0,
            "forwards/image": 17.0, "backwards/image": 54.0}
    rows = [("SparseFool λ=1", 100.0, 11.0, 0.02), ("σ-zero", 100.0, 8.0, 0.5), ("JSMA", 99.0, 30.0, 0.01),
            ("EAD", 100.0, 784.0, 0.3), ("VFGA", 60.0, 9.0, 0.001), ("SparseFool λ=1 + refine", 100.0, 9.5, 0.03)]
    return pd.DataFrame([{**base, "attack": a, "success %": s, "median px": px, "s/image": t} for a, s, px, t in rows]
                        + [{**base, "attack": "random", "kind": "fixed budget", "success %": 5.0, "median px": 10.0,
                            "s/image": 0.0}])


def test_only_working_sparse_attacks_are_ranked():
    sub = table().query("kind == 'minimum-norm'").set_index("attack")
    assert set(ranked_attacks(sub, 784).index) == {"SparseFool λ=1", "σ-zero", "JSMA", "SparseFool λ=1 + refine"}


def test_the_summary_names_the_sparsest_fastest_and_unranked():
    text = model_summary(table(), "lenet-mnist", 1.0, 784)
    assert "fools 100% of the attacked images with a median of 11 pixels" in text
    assert "the sparsest is σ-zero (median 8 px)" in text and "the fastest is JSMA (0.01 s/image)" in text
    assert "sparser than SparseFool: σ-zero (8 px, 0.5 s); SparseFool λ=1 + refine (9.5 px, 0.03 s)" not in text
    assert "sparser than SparseFool: σ-zero (8 px, 0.5 s)." in text  # other SparseFool rows are not "others"
    assert "Not ranked (< 90% success, infinite median or every pixel changed): EAD, VFGA." in text
    assert "refinement (not the paper's) brings SparseFool to a median of 9.5 px" in text


def test_no_ranked_attack_says_so():
    t = table().assign(**{"success %": 10.0})
    assert "no attack succeeded" in model_summary(t, "lenet-mnist", 1.0, 784)
