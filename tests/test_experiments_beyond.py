"""Notebook 06's harness: one L0 definition, evaluation counting, refinement, Sparse-RS, store reuse."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from sfutils.attacks import refine_sparse, sparse_rs, sparsefool
from sfutils.attacks.sparse_rs import alpha_schedule
from sfutils import stats
from sfutils.experiments import beyond as B
from sfutils.attacks.counting import CountingModel
from sfutils.experiments.common import Setting, rebuild_adversarials

BUDGETS = dict(lams=[1, 3], sigma_zero_steps=5, fmn_steps=5, vfga_max_iter=20, bb_steps=3, ead_steps=5,
               ead_search_steps=1, ta_steps=2, rs_ks=[3], rs_queries=30)


def _net(channels: int = 3, size: int = 6, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, 16), nn.Tanh(), nn.Linear(16, 4)).eval()


@pytest.fixture
def setup() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = _net()
    x = torch.rand(12, 3, 6, 6, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = model(x).argmax(dim=1)
    y[:2] = (y[:2] + 1) % 4  # two misclassified images: never attacked, broken at k = 0
    return model, x, y


def test_counting_model_counts_forward_and_backward_samples() -> None:
    counter = CountingModel(_net()).eval()
    x = torch.rand(5, 3, 6, 6, requires_grad=True)
    counter(x).sum().backward()
    with torch.no_grad():
        counter(x[:2])
    assert (counter.forwards, counter.backwards) == (7, 5)
    assert not counter.training


def test_check_adversarials_clips_rechecks_and_counts_pixels_and_elements() -> None:
    model = _net()
    x = torch.full((2, 3, 6, 6), 0.5)
    adv = x.clone()
    adv[0, :, 0, 0] = torch.tensor([1.5, 0.5, 0.2])  # one pixel, two elements changed, one out of range
    adv[1, 0, 1, 1] = float("nan")  # restored to x: nothing changed
    out, invalid = B.check_adversarials(model, x, torch.zeros(2, dtype=torch.long), adv)
    assert out.adversarial.max() <= 1 and out.adversarial[0, 0, 0, 0] == 1.0
    assert invalid.tolist() == [1, 1]
    assert out.perturbed_pixels().tolist() == [1, 0] and (out.perturbation != 0).flatten(1).sum(1).tolist() == [2, 0]
    with torch.no_grad():
        expected = model(out.adversarial).argmax(dim=1) != 0
    assert torch.equal(out.success, expected)


def test_robust_accuracy_counts_failures_as_infinite_and_misclassified_as_broken() -> None:
    df = pd.DataFrame({"correct": [True, True, True, False], "success": [True, True, False, None],
                       "pixels": [1, 5, 2, None], "elements": [1, 5, 2, None]})
    assert np.isinf(B.l0_with_failures(df)[2])
    assert B.robust_accuracy(df, [0, 1, 4, 5, 100]).tolist() == [75.0, 50.0, 50.0, 25.0, 25.0]


def test_refine_keeps_adversarial_and_never_adds_pixels(setup) -> None:
    model, x, _ = setup
    result = sparsefool(model, x, lam=3.0)
    refined = refine_sparse(model, x, result=result)
    before, after = result.perturbed_pixels(), refined.perturbed_pixels()
    assert result.success.any()
    assert (after <= before).all()
    assert torch.equal(refined.success, result.success)  # successes stay adversarial, failures untouched
    with torch.no_grad():
        assert (model(refined.adversarial).argmax(dim=1)[result.success] != result.label[result.success]).all()
    assert torch.equal(refined.adversarial[~result.success], result.adversarial[~result.success])
    # changed elements are a subset of the original attack's (pixels only restored)
    assert not ((refined.perturbation != 0) & (result.perturbation == 0)).any()
    assert (refined.forward_evals >= result.forward_evals).all()


def test_refine_rejects_mismatched_shapes(setup) -> None:
    model, x, _ = setup
    with pytest.raises(ValueError, match="shape"):
        refine_sparse(model, x[:3], result=sparsefool(model, x[:4]))


def test_sparse_rs_respects_its_pixel_budget_and_success_means_the_label_changed(setup) -> None:
    model, x, _ = setup
    result = sparse_rs(model, x, k=3, max_iter=39, seed=0)
    assert (result.perturbed_pixels() <= 3).all()
    assert ((result.adversarial >= 0) & (result.adversarial <= 1)).all()
    with torch.no_grad():
        assert torch.equal(result.label, model(x).argmax(dim=1))
        assert torch.equal(result.success, model(result.adversarial).argmax(dim=1) != result.label)
    assert (result.forward_evals <= 40 + 2).all() and (result.grad_evals == 0).all()
    assert (result.iterations <= 39).all() and torch.equal(result.forward_evals, result.iterations + 3)
    again = sparse_rs(model, x, k=3, max_iter=39, seed=0)
    assert torch.equal(again.adversarial, result.adversarial)


def test_sparse_rs_schedule_and_bad_input(setup) -> None:
    model, x, _ = setup
    assert alpha_schedule(0, 1000, 0.3) == 0.3 and alpha_schedule(999, 1000, 0.3) == pytest.approx(0.3 / 2 ** 9)
    with pytest.raises(ValueError, match="k must be"):
        sparse_rs(model, x, k=0)
    with pytest.raises(ValueError, match="images"):
        sparse_rs(model, x.flatten(1), k=2)


def test_attack_specs_state_budgets_and_reject_unknowns() -> None:
    specs = B.attack_specs("mnist", BUDGETS)
    names = [s.name for s in specs]
    assert {"sparsefool-lam1", "sparsefool-lam3", "sparsefool-lam1-refined", "sigma-zero", "fmn-l0", "vfga",
            "brendel-bethge-l0", "ead", "torchattacks-sparsefool", "sparse-rs-k3"} <= set(names)
    assert len(set(names)) == len(names) and all(s.budget for s in specs)
    assert next(s for s in specs if s.name == "sparsefool-lam1").keep_adversarials
    with pytest.raises(ValueError, match="budgets lack"):
        B.attack_specs("mnist", {"lams": [1]})
    with pytest.raises(ValueError, match="unknown data set"):
        B.attack_specs("svhn", BUDGETS)
    with pytest.raises(ValueError, match="paper's lambda"):
        B.attack_specs("cifar10", {**BUDGETS, "lams": [1, 2]})


def test_rows_are_stored_resumed_and_refined(setup, tmp_path) -> None:
    model, x, y = setup
    specs = {s.name: s for s in B.attack_specs("mnist", BUDGETS)}
    base, ref, rs = specs["sparsefool-lam1"], specs["sparsefool-lam1-refined"], specs["sparse-rs-k3"]
    kw = dict(load=lambda: (model, x, y), root=tmp_path, chunk_size=5, progress=False)
    toy = Setting("mnist", "toy", 12)
    rows = B.attack_spec_rows(base, toy, **kw)
    assert len(rows) == 12 and rows["correct"].tolist()[:2] == [False, False] and rows["correct"][2:].all()
    att = rows[rows["correct"]]
    assert (att["forwards"] > 0).all() and (att["backwards"] > 0).all() and (att["seconds"] >= 0).all()
    rebuilt = rebuild_adversarials(x[2:], att)
    assert torch.equal(B.check_adversarials(model, x[2:], y[2:], rebuilt)[0].perturbed_pixels(),
                       torch.tensor(att["pixels"].tolist()))

    def boom(*args):
        raise AssertionError("recomputed a stored row")
    stored = B.attack_spec_rows(B.AttackSpec(**{**base.__dict__, "run": boom}), toy,
                                **{**kw, "load": lambda: boom()})
    pd.testing.assert_frame_equal(stored, rows)

    refined = B.refined_rows(ref, base, rows, toy, **kw)
    ra = refined[refined["correct"]]
    assert (ra["pixels"] <= att["pixels"]).all()
    assert (ra["success"] == att["success"]).all()
    assert (ra["seconds"] >= att["seconds"]).all() and (ra["refine_seconds"] >= 0).all()

    rs_rows = B.attack_spec_rows(rs, toy, **kw)
    table = B.comparison_table({"toy": {s: d for s, d in [("sparsefool-lam1", rows), ("sparsefool-lam1-refined", refined),
                                                          ("sparse-rs-k3", rs_rows)]}},
                               {"toy": [base, ref, rs]}, k_report=5)
    assert table["attack"].tolist() == [base.label, ref.label, rs.label]
    assert table["clean acc %"].tolist() == pytest.approx([100.0 * 10 / 12] * 3)
    assert table.loc[2, "at k px"] == 3 and table.loc[0, "at k px"] == 5
    assert table.loc[1, "median px"] <= table.loc[0, "median px"]
    assert ((table["success % lo"] <= table["success %"]) & (table["success %"] <= table["success % hi"])).all()
    assert table.loc[0, "success % hi"] - table.loc[0, "success % lo"] > 10  # 10 attacked images: a wide interval


def test_library_attacks_run_through_the_same_harness(setup, tmp_path) -> None:
    pytest.importorskip("adv_lib")
    pytest.importorskip("foolbox")
    model, x, y = setup
    specs = {s.name: s for s in B.attack_specs("cifar10", BUDGETS)}
    for name in ("sigma-zero", "fmn-l0", "vfga", "ead"):
        rows = B.attack_spec_rows(specs[name], Setting("cifar10", "toy", 12), load=lambda: (model, x, y),
                                  root=tmp_path, chunk_size=12, progress=False)
        att = rows[rows["correct"]]
        assert len(att) == 10 and (att["forwards"] > 0).all(), name
        assert set(att["success"]) <= {True, False} and not math.isnan(att["pixels"].astype(float).mean())


def test_attack_rows_refuses_a_refining_spec(setup, tmp_path) -> None:
    model, x, y = setup
    ref = next(s for s in B.attack_specs("cifar10", BUDGETS) if s.refines)
    kw = dict(load=lambda: (model, x, y), root=tmp_path, progress=False)
    with pytest.raises(ValueError, match="refined_rows"):
        B.attack_spec_rows(ref, Setting("cifar10", "toy", 12), **kw)
    missing = B.AttackSpec("x", "X", "nowhere", "minimum-norm", "-", {}, requires=("no_such_module_06",))
    assert not missing.available()
    with pytest.raises(ImportError, match="no_such_module_06"):
        B.attack_spec_rows(missing, Setting("cifar10", "toy", 12), **kw)


def test_paired_ratio_to_sparsefool_pairs_the_images_and_counts_failures_as_infinite():
    sf = pd.DataFrame({"id": [0, 1, 2, 3], "correct": [True, True, True, False], "success": [True, True, False, False],
                       "pixels": [2.0, 4.0, 9.0, 0.0]})
    other = pd.DataFrame({"id": [0, 1, 2, 3], "correct": [True, True, True, False], "success": [True, True, True, False],
                          "pixels": [1.0, 2.0, 3.0, 0.0]})
    got = B.paired_to_sparsefool(other, sf)
    assert got[B.PAIRED_RATIO] == 2.0  # medians over images 0-2: 4 (2, 4, inf) over 2 (1, 2, 3)
    lo, hi = (got[c] for c in stats.ci_columns(B.PAIRED_RATIO))
    assert lo <= 2.0 <= hi
    assert B.paired_to_sparsefool(other, sf.iloc[:0]) == {}
