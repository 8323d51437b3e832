"""Property tests (hypothesis): the attack contract of DeepFool (§2.1) and SparseFool (§3, Algorithm 2)
over random shapes, boxes and linear classifiers, and the harness's record keys (sfutils.harness).

On an affine classifier the linearisation DeepFool and SparseFool rely on is exact, so the
contract can be checked together with what the paper derives for it: DeepFool's first step reaches
the closest decision hyperplane, at l2 distance min_k |f_k - f_l| / ||w_k - w_l|| (Eq. 3 of §2.1).
"""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from sfutils.attacks import deepfool, sparsefool
from sfutils.attacks.result import AttackResult
from sfutils.harness import effective_settings
from sfutils.results import params_hash

FAST = settings(max_examples=20, deadline=None, derandomize=True)  # the same examples on every run (CI)
SHAPES = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(2, 5), st.integers(2, 5))


def _linear(shape: tuple[int, int, int, int], classes: int, seed: int) -> nn.Module:
    """A random affine classifier on images of ``shape`` (float64, eval mode)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(shape[1] * shape[2] * shape[3], classes)).double().eval()


def _images(shape: tuple[int, int, int, int], seed: int) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _check_contract(model: nn.Module, x: torch.Tensor, res: AttackResult) -> None:
    """The parts of the contract (tests/test_attack_contract.py) every attack keeps."""
    with torch.no_grad():
        assert torch.equal(res.label, model(x).argmax(dim=1))
        assert torch.equal(res.adv_label, model(res.adversarial).argmax(dim=1))
    assert torch.equal(res.success, res.adv_label != res.label)
    torch.testing.assert_close(res.adversarial - res.perturbation, x)
    assert torch.isfinite(res.adversarial).all() and (res.forward_evals >= 1).all()


@FAST
@given(shape=SHAPES, classes=st.integers(2, 4), seed=st.integers(0, 2**16),
       below=st.floats(0.0, 1.0), above=st.floats(0.0, 1.0))
def test_sparsefool_keeps_the_contract_and_its_box(shape, classes, seed, below, above):
    model, x = _linear(shape, classes, seed), _images(shape, seed)
    lb, ub = (x - below).clamp(min=0.0), (x + above).clamp(max=1.0)
    res = sparsefool(model, x, lam=2.0, lb=lb, ub=ub, max_iter=10)
    _check_contract(model, x, res)
    assert ((res.adversarial >= lb - 1e-9) & (res.adversarial <= ub + 1e-9)).all()
    untouched = (lb == ub).flatten(1)  # a zero-width box leaves its element alone
    assert (res.perturbation.flatten(1)[untouched] == 0).all()


@FAST
@given(shape=SHAPES, classes=st.integers(2, 4), seed=st.integers(0, 2**16), overshoot=st.floats(0.0, 0.1))
def test_deepfool_fools_an_affine_classifier_at_the_closest_hyperplane(shape, classes, seed, overshoot):
    model, x = _linear(shape, classes, seed), _images(shape, seed)
    res = deepfool(model, x, overshoot=overshoot, max_iter=50)
    _check_contract(model, x, res)
    assert res.success.all()
    w, b = model[1].weight, model[1].bias
    with torch.no_grad():
        f = x.flatten(1) @ w.T + b
    label = res.label
    gaps = (f - f.gather(1, label[:, None])).abs() / (w[None] - w[label][:, None]).norm(dim=2)
    closest = gaps.scatter(1, label[:, None], float("inf")).amin(dim=1)
    norms = res.perturbation.flatten(1).norm(dim=1)
    one_step = res.iterations <= 1  # one linear step lands (1 + overshoot) x the distance away (at least 1e-4)
    torch.testing.assert_close(norms[one_step], (1 + overshoot) * closest[one_step].clamp(min=1e-4))
    assert (norms >= closest * (1 - 1e-9)).all()  # no adversarial is closer than the closest hyperplane


DEFAULTS = effective_settings(sparsefool, {})


@FAST
@given(chosen=st.sets(st.sampled_from(sorted(DEFAULTS))), batch_size=st.one_of(st.none(), st.integers(1, 64)),
       progress=st.booleans())
def test_passing_defaults_or_memory_settings_never_changes_the_record_key(chosen, batch_size, progress):
    kwargs = {k: DEFAULTS[k] for k in chosen}
    same = effective_settings(sparsefool, {**kwargs, "batch_size": batch_size, "progress": progress})
    assert params_hash({"settings": same}) == params_hash({"settings": DEFAULTS})


@FAST
@given(lam=st.floats(0.5, 10.0).filter(lambda v: v != DEFAULTS["lam"]))
def test_a_changed_setting_changes_the_record_key(lam):
    changed = effective_settings(sparsefool, {"lam": lam})
    assert params_hash({"settings": changed}) != params_hash({"settings": DEFAULTS})
