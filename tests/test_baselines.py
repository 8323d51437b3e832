"""The baselines of §2.2 and §4 (JSMA, one-pixel, random sparse, l1-DeepFool) on small seeded models."""

from __future__ import annotations

import importlib
import itertools
import math

import pytest
import torch
from torch import nn

from conftest import images, tiny_mlp
from sfutils.attacks import deepfool, deepfool_l1, jsma, median_channel_counts, one_pixel, random_sparse
from sfutils.attacks.jsma import _best_pair_masked, best_pairs, random_targets
from sfutils.attacks.one_pixel import _distinct_parents


def _assert_honest(model: nn.Module, x: torch.Tensor, res, in_box: bool = True) -> None:
    """Labels recomputed with the model, success = label change, perturbation consistent."""
    with torch.no_grad():
        assert torch.equal(model(x).argmax(1), res.label)
        assert torch.equal(model(res.adversarial).argmax(1), res.adv_label)
    assert torch.equal(res.success, res.adv_label != res.label)
    torch.testing.assert_close(res.adversarial - res.perturbation, x)
    if in_box:
        assert (res.adversarial >= 0).all() and (res.adversarial <= 1).all()


class _BrightPixel(nn.Module):
    """Class 1 iff some element exceeds 0.5: exactly one changed pixel can flip a dark image."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x.flatten(1).max(dim=1).values
        return torch.stack([0.5 - m, m - 0.5], dim=1)


# --- JSMA ------------------------------------------------------------------------------------

def test_best_pairs_matches_brute_force():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(6, 7, generator=g), torch.randn(6, 7, generator=g)
    domain = torch.rand(6, 7, generator=g) > 0.3
    for increase in (True, False):
        p, q, ok = best_pairs(a, b, domain, increase)
        for i in range(6):
            best, arg = -math.inf, None
            for u, v in itertools.permutations(range(7), 2):
                al, be = a[i, u] + a[i, v], b[i, u] + b[i, v]
                admissible = (al > 0 and be < 0) if increase else (al < 0 and be > 0)
                if admissible and domain[i, u] and domain[i, v] and -al * be > best:
                    best, arg = float(-al * be), {u, v}
            assert bool(ok[i]) == (arg is not None)
            if arg is not None:
                assert {int(p[i]), int(q[i])} == arg


@pytest.mark.parametrize("block", [2 ** 18, 120, 1])
def test_best_pairs_equals_the_masked_cleverhans_form(monkeypatch, block):
    """The folded score picks the very pair of the masked -alpha * beta, ties (coarse values) and
    samples without an admissible pair or with underflowing products (the fallback) included,
    non-finite gradients (the fallback too) included, whether the matrix is scored in one block or in
    blocks of a few rows or of one."""
    monkeypatch.setattr(importlib.import_module("sfutils.attacks.jsma"), "_SCORE_CHUNK", block)
    g = torch.Generator().manual_seed(1)
    a = torch.randint(-3, 4, (40, 50), generator=g).float()
    b = torch.randint(-3, 4, (40, 50), generator=g).float()
    a[0], b[0] = 1.0, 1.0  # no admissible pair when increasing
    a[1], b[1] = 1e-30, -1e-30  # admissible, but every product underflows to 0
    domain = torch.rand(40, 50, generator=g) > 0.2
    domain[2] = False
    domain[2, 7] = True  # a single element: no pair
    a[3, :4], b[3, :4], domain[3, :4] = torch.tensor([math.inf, 1, 2, 3]), torch.tensor([-5.0, 10, -2, -3]), True
    for increase in (True, False):
        p, q, ok = best_pairs(a, b, domain, increase)
        for i in range(40):
            mp, mq, mok = _best_pair_masked(a[i], b[i], domain[i], increase)
            assert bool(ok[i]) == bool(mok), i
            if mok:
                assert (int(p[i]), int(q[i])) == (int(mp), int(mq)), i
    assert not best_pairs(a, b, domain, True)[2][[0, 2]].any() and best_pairs(a, b, domain, True)[2][1]


def test_random_targets_differ_from_label_and_are_seeded():
    label = torch.arange(10).repeat(50)
    t0, t1 = random_targets(label, 10, seed=0), random_targets(label, 10, seed=1)
    assert (t0 != label).all() and (t0 >= 0).all() and (t0 < 10).all()
    assert torch.equal(t0, random_targets(label, 10, seed=0)) and not torch.equal(t0, t1)
    assert len(set(t0[label == 3].tolist())) > 5  # spread over the other classes


def test_jsma_fools_and_respects_budget(gray_model):
    x = images(12, 1, 10, seed=3)
    res = jsma(gray_model, x, gamma=0.5)
    _assert_honest(gray_model, x, res)
    assert res.success.float().mean() >= 0.9
    assert (res.perturbation >= 0).all()  # theta = +1 only increases
    changed = (res.perturbation != 0).flatten(1).sum(1)
    assert (changed <= 2 * res.iterations).all() and (res.iterations <= math.floor(100 * 0.5 / 2)).all()
    assert torch.equal(res.forward_evals, res.iterations + 1)
    assert (res.grad_evals >= 2 * res.iterations).all()


def test_jsma_batch_equals_one_at_a_time_and_seeded(color_model):
    x = images(5, 3, 8, seed=4)
    full = jsma(color_model, x, gamma=0.3, seed=7)
    again = jsma(color_model, x, gamma=0.3, seed=7)
    assert torch.equal(full.adversarial, again.adversarial)
    with torch.no_grad():
        target = random_targets(color_model(x).argmax(1), 10, seed=7)
    for i in range(5):
        one = jsma(color_model, x[i:i + 1], target=target[i:i + 1], gamma=0.3)
        assert torch.equal(one.adversarial[0], full.adversarial[i])
        assert int(one.iterations[0]) == int(full.iterations[i])


def test_jsma_decreasing_theta_and_feature_vectors():
    model = tiny_mlp(dim=8, classes=3)
    x = torch.rand(10, 8, generator=torch.Generator().manual_seed(2)) * 0.8 + 0.1
    res = jsma(model, x, theta=-0.5, gamma=1.0)
    _assert_honest(model, x, res)
    assert (res.perturbation <= 0).all() and res.success.any()


def test_jsma_bad_input(gray_model):
    x = images(2, 1, 10)
    with pytest.raises(ValueError, match="theta"):
        jsma(gray_model, x, theta=0.0)
    with pytest.raises(ValueError, match="gamma"):
        jsma(gray_model, x, gamma=1.5)
    with torch.no_grad():
        label = gray_model(x).argmax(1)
    with pytest.raises(ValueError, match="differ from the clean label"):
        jsma(gray_model, x, target=label)


# --- one-pixel attack ----------------------------------------------------------------------

def test_distinct_parents():
    r = _distinct_parents(3, 5, torch.Generator().manual_seed(0))
    i = torch.arange(5)[None, :, None]
    assert (r != i).all() and (r >= 0).all() and (r < 5).all()
    assert (r[..., 0] != r[..., 1]).all() and (r[..., 0] != r[..., 2]).all() and (r[..., 1] != r[..., 2]).all()


@pytest.mark.parametrize("shape", [(4, 3, 6, 6), (4, 20)])
def test_one_pixel_finds_the_single_pixel(shape):
    model = _BrightPixel().eval()
    x = torch.full(shape, 0.2)
    res = one_pixel(model, x, popsize=8, max_iter=5)
    _assert_honest(model, x, res)
    assert res.success.all()
    assert (res.perturbed_pixels() == 1).all()
    assert torch.equal(res.forward_evals, 2 + 8 * (res.iterations + 1))  # clean + final label, DE queries
    assert (res.grad_evals == 0).all()


def test_one_pixel_grows_k_in_box_and_seeded(gray_model):
    x = images(6, 1, 10, seed=5)
    kw = dict(k=1, max_k=3, popsize=16, max_iter=8)
    res = one_pixel(gray_model, x, seed=3, **kw)
    _assert_honest(gray_model, x, res)
    assert (res.perturbed_pixels() <= 3).all()
    # k grows only for samples not yet fooled: one k level (initial population + generations) each
    levels = (res.forward_evals - 2 - 16 * res.iterations) // 16
    assert ((levels >= 1) & (levels <= 3)).all()
    assert (levels[~res.success] == 3).all()
    again = one_pixel(gray_model, x, seed=3, **kw)
    assert torch.equal(res.adversarial, again.adversarial)
    other = one_pixel(gray_model, x, seed=4, **kw)
    assert not torch.equal(res.adversarial, other.adversarial)


def test_one_pixel_bad_input(gray_model):
    x = images(2, 1, 10)
    with pytest.raises(ValueError, match="max_k"):
        one_pixel(gray_model, x, k=0)
    with pytest.raises(ValueError, match="max_k"):
        one_pixel(gray_model, x, k=3, max_k=2)
    with pytest.raises(ValueError, match="max_k"):
        one_pixel(gray_model, x, k=1, max_k=101)
    with pytest.raises(TypeError, match="k must be an int"):
        one_pixel(gray_model, x, k=1.5)
    with pytest.raises(ValueError, match="popsize"):
        one_pixel(gray_model, x, popsize=3)


# --- random sparse baseline --------------------------------------------------------------

def test_random_sparse_counts_values_and_seeds(color_model):
    x = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(0)) * 0.8 + 0.1
    res = random_sparse(color_model, x, per_channel_counts=[2, 5, 0], values=(0.0, 1.0), seed=1)
    _assert_honest(color_model, x, res)
    per_channel = (res.perturbation != 0).flatten(2).sum(2)
    assert (per_channel == torch.tensor([2, 5, 0])).all()
    assert set(res.adversarial[res.perturbation != 0].unique().tolist()) <= {0.0, 1.0}
    assert median_channel_counts(res.perturbation) == [2, 5, 0]
    assert torch.equal(res.adversarial, random_sparse(color_model, x, per_channel_counts=[2, 5, 0], seed=1).adversarial)
    assert not torch.equal(res.adversarial, random_sparse(color_model, x, per_channel_counts=[2, 5, 0], seed=2).adversarial)
    assert (res.forward_evals == 2).all() and (res.grad_evals == 0).all()


def test_random_sparse_int_count_and_feature_vectors():
    model = tiny_mlp(dim=6, classes=3)
    x = torch.full((5, 6), 0.5)
    res = random_sparse(model, x, per_channel_counts=4, values=(0.25,))
    _assert_honest(model, x, res)
    assert (res.perturbed_pixels() == 4).all() and set(res.adversarial.unique().tolist()) == {0.25, 0.5}


def test_median_channel_counts_masks():
    delta = torch.zeros(3, 2, 4, 4)
    delta[0, 0, :1] = 1  # 4 elements in channel 0
    delta[1, 0, :2] = 1  # 8
    delta[2, 1, :3] = 1  # 12 in channel 1
    assert median_channel_counts(delta) == [4, 0]
    assert median_channel_counts(delta, mask=torch.tensor([False, True, True])) == [0, 0]
    with pytest.raises(ValueError, match="no samples"):
        median_channel_counts(delta, mask=torch.zeros(3, dtype=torch.bool))


@pytest.mark.parametrize("counts, err, match", [
    ([1, 2], ValueError, "one count per channel"), (-1, ValueError, "lie in"), (65, ValueError, "lie in"),
    (2.0, TypeError, "ints"), ([1, True, 1], TypeError, "ints"),
])
def test_random_sparse_bad_counts(color_model, counts, err, match):
    with pytest.raises(err, match=match):
        random_sparse(color_model, images(2, 3, 8), per_channel_counts=counts)


def test_random_sparse_bad_values(color_model):
    with pytest.raises(ValueError, match="values"):
        random_sparse(color_model, images(2, 3, 8), per_channel_counts=2, values=(0.0, 255.0))


# --- l1-DeepFool ----------------------------------------------------------------------------

def test_deepfool_l1_linear_model_is_the_minimal_l1_step():
    torch.manual_seed(0)
    model = nn.Linear(5, 2).eval()
    x = torch.rand(8, 5, generator=torch.Generator().manual_seed(1))
    res = deepfool_l1(model, x)
    w = (model.weight[1] - model.weight[0]).detach()
    f = model(x).detach()
    d = int(w.abs().argmax())
    for i in range(8):
        sign = 1.0 if int(res.label[i]) == 0 else -1.0  # move f_other - f_label up to 0
        gap = (f[i, 1] - f[i, 0]).abs()
        expected = torch.zeros(5)
        expected[d] = 1.02 * sign * gap / w[d]  # one step onto the plane, then the overshoot
        torch.testing.assert_close(res.perturbation[i], expected, rtol=1e-4, atol=1e-6)
    assert (res.iterations == 1).all()


def test_deepfool_l1_sparse_unclipped_and_clipped(color_model):
    x = images(10, 3, 8, seed=6)
    res = deepfool_l1(color_model, x)
    _assert_honest(color_model, x, res, in_box=False)
    assert res.success.float().mean() >= 0.9
    changed = (res.perturbation != 0).flatten(1).sum(1)
    assert (changed <= res.iterations).all()  # one coordinate per step
    assert (res.perturbed_pixels() < deepfool(color_model, x).perturbed_pixels()).all()
    clipped = deepfool_l1(color_model, x, clip=True)
    _assert_honest(color_model, x, clipped)
    torch.testing.assert_close(clipped.adversarial, res.adversarial.clamp(0, 1))
    assert torch.equal(res.forward_evals, 2 * res.iterations + 2)


class _Constant(nn.Module):
    """Logits that do not depend on the input: every gradient vanishes."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.sum(dim=1, keepdim=True) * 0 + torch.tensor([1.0, 0.0, -1.0])


def test_deepfool_l1_zero_gradient_stops_without_nan():
    x = torch.rand(3, 4, generator=torch.Generator().manual_seed(0))
    res = deepfool_l1(_Constant().eval(), x)
    assert torch.equal(res.adversarial, x) and not res.success.any() and (res.iterations == 0).all()


def test_deepfool_l1_bad_args(gray_model):
    with pytest.raises(ValueError, match="num_candidates"):
        deepfool_l1(gray_model, images(2, 1, 10), num_candidates=1)
    with pytest.raises(ValueError, match="overshoot"):
        deepfool_l1(gray_model, images(2, 1, 10), overshoot=-0.1)
