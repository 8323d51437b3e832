"""The contract every attack of :mod:`sfutils.attacks` keeps, checked over one parametrised list.

One shape ``attack(model, x, *, ...) -> AttackResult``; image batches (N, C, H, W) and feature
vectors (N, d); adversarials inside the valid box (l2/l1-DeepFool excepted: they ignore it, §2.2);
``label`` / ``adv_label`` are the model's own predictions on the clean input and the returned
adversarial, and ``success`` means the label changed; ``forward_evals`` / ``grad_evals`` add up to
the rows that went through the model's forward and backward passes; every bad input is refused
with a clear error.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from conftest import images, tiny_mlp
from sfutils.attacks import (ATTACKS, AttackResult, deepfool, deepfool_l1, jsma, one_pixel, random_sparse,
                             refine_sparse, sparse_rs, sparsefool)
from sfutils.attacks.counting import CountingModel


def _prior(model: nn.Module, x: torch.Tensor) -> AttackResult:
    """The attack refine_sparse post-processes: SparseFool, on an uncounted model."""
    inner = model.model if isinstance(model, CountingModel) else model
    return sparsefool(inner, x, lam=1.0, max_iter=10)


@dataclass(frozen=True)
class Case:
    """How to run one attack with a small budget, and which parts of the contract apply to it."""

    run: Callable[[nn.Module, torch.Tensor], AttackResult]
    in_box: bool = True  # adversarials stay in [0, 1]
    checks_box: bool = True  # inputs outside [0, 1] are refused
    images_only: bool = False  # (N, d) inputs are refused
    prior: bool = False  # post-processes the result of another attack (_prior)


CASES: dict[str, Case] = {
    "deepfool": Case(lambda m, x: deepfool(m, x, max_iter=20), in_box=False, checks_box=False),
    "deepfool_l1": Case(lambda m, x: deepfool_l1(m, x, max_iter=20), in_box=False),
    "jsma": Case(lambda m, x: jsma(m, x, gamma=0.2, seed=1)),
    "one_pixel": Case(lambda m, x: one_pixel(m, x, max_k=2, popsize=6, max_iter=2, batch_size=32, seed=1)),
    "random_sparse": Case(lambda m, x: random_sparse(m, x, per_channel_counts=3, seed=1)),
    "sparse_rs": Case(lambda m, x: sparse_rs(m, x, k=3, max_iter=20, seed=1), images_only=True),
    "sparsefool": Case(lambda m, x: sparsefool(m, x, lam=1.0, max_iter=10, batch_size=3)),
    "refine_sparse": Case(lambda m, x: refine_sparse(m, x, result=_prior(m, x)), prior=True),
}
INPUTS = ["images", "vectors"]


@pytest.fixture(scope="module")
def vector_model() -> nn.Module:
    return tiny_mlp(dim=8, classes=3, seed=2)


def _inputs(kind: str, gray_model: nn.Module, vector_model: nn.Module) -> tuple[nn.Module, torch.Tensor]:
    if kind == "images":
        return gray_model, images(5, 1, 10, seed=13)
    return vector_model, torch.rand(6, 8, generator=torch.Generator().manual_seed(4)) * 0.8 + 0.1


def test_every_attack_is_in_the_contract():
    assert set(CASES) == set(ATTACKS) | {"refine_sparse"}


@pytest.mark.parametrize("name", CASES)
def test_one_shape_model_x_then_keywords(name):
    attack = ATTACKS.get(name, refine_sparse)
    params = list(inspect.signature(attack).parameters.values())
    assert [p.name for p in params[:2]] == ["model", "x"]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params[:2])
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[2:]), name


@pytest.mark.parametrize("kind", INPUTS)
@pytest.mark.parametrize("name", CASES)
def test_result_is_honest(name, kind, gray_model, vector_model):
    """Shapes, box, labels recomputed with the model, success == label changed, x recoverable."""
    case = CASES[name]
    model, x = _inputs(kind, gray_model, vector_model)
    if case.images_only and kind == "vectors":
        with pytest.raises(ValueError, match="images"):
            case.run(model, x)
        return
    res = case.run(model, x)
    n = x.shape[0]
    assert res.adversarial.shape == res.perturbation.shape == x.shape
    for counts in (res.label, res.adv_label, res.success, res.iterations, res.grad_evals, res.forward_evals):
        assert counts.shape == (n,)
    with torch.no_grad():
        assert torch.equal(res.label, model(x).argmax(dim=1))
        assert torch.equal(res.adv_label, model(res.adversarial).argmax(dim=1))
    assert torch.equal(res.success, res.adv_label != res.label)
    torch.testing.assert_close(res.adversarial - res.perturbation, x)
    assert torch.isfinite(res.adversarial).all()
    if case.in_box:
        assert ((res.adversarial >= 0) & (res.adversarial <= 1)).all()
    assert (res.iterations >= 0).all() and (res.grad_evals >= 0).all() and (res.forward_evals >= 1).all()


@pytest.mark.parametrize("kind", INPUTS)
@pytest.mark.parametrize("name", CASES)
def test_counters_add_up_to_the_passes_made(name, kind, gray_model, vector_model):
    """Every row through a forward pass is in some sample's forward_evals, every row through a
    backward pass in its grad_evals (the model wrapped in a pass counter)."""
    case = CASES[name]
    model, x = _inputs(kind, gray_model, vector_model)
    if case.images_only and kind == "vectors":
        pytest.skip("images only")
    counter = CountingModel(model)
    before = _prior(model, x) if case.prior else None
    res = refine_sparse(counter, x, result=before) if case.prior else case.run(counter, x)
    forwards, grads = int(res.forward_evals.sum()), int(res.grad_evals.sum())
    if before is not None:  # the refinement adds passes to the attack's counts
        forwards -= int(before.forward_evals.sum())
        grads -= int(before.grad_evals.sum())
    assert (counter.forwards, counter.backwards) == (forwards, grads)


def test_targeted_success_means_the_target_was_reached(gray_model):
    x = images(6, 1, 10, seed=17)
    with torch.no_grad():
        target = (gray_model(x).argmax(dim=1) + 4) % 10
    res = sparsefool(gray_model, x, lam=3.0, target=target)
    assert torch.equal(res.success, res.adv_label == target) and res.success.any()


def _bad_inputs(x: torch.Tensor) -> dict[str, tuple[torch.Tensor, type, str]]:
    nan = x.clone()
    nan.view(-1)[0] = float("nan")
    return {
        "one dim": (x.flatten()[:10], ValueError, "at least 2 dims"),
        "empty": (x[:0], ValueError, "empty"),
        "integer dtype": ((x * 255).to(torch.uint8), TypeError, "floating-point"),
        "NaN": (nan, ValueError, "NaN"),
        "outside [0, 1]": (x * 255 + 1, ValueError, "outside its bounds"),
    }


@pytest.mark.parametrize("bad", list(_bad_inputs(torch.zeros(2, 1, 10, 10))))
@pytest.mark.parametrize("name", CASES)
def test_bad_inputs_raise_clear_errors(name, bad, gray_model):
    case = CASES[name]
    x, err, match = _bad_inputs(images(2, 1, 10, seed=3))[bad]
    if bad == "outside [0, 1]" and not case.checks_box:  # l2-DeepFool ignores the valid range (§2.2)
        assert torch.isfinite(case.run(gray_model, x).adversarial).all()
        return
    prior = _prior(gray_model, images(2, 1, 10, seed=3)) if case.prior else None
    run = (lambda m, z: refine_sparse(m, z, result=prior)) if case.prior else case.run
    with pytest.raises(err, match=match):
        run(gray_model, x)


@pytest.mark.parametrize("name", CASES)
def test_models_that_cannot_be_attacked_are_refused(name, gray_model):
    case = CASES[name]
    x = images(2, 1, 10, seed=3)
    prior = _prior(gray_model, x) if case.prior else None
    run = (lambda m, z: refine_sparse(m, z, result=prior)) if case.prior else case.run
    try:
        with pytest.raises(ValueError, match="train mode"):
            run(gray_model.train(), x)
    finally:
        gray_model.eval()
    with pytest.raises(TypeError, match="nn.Module"):
        run(lambda z: z, x)
