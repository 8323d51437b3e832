"""The batched SparseFool against the authors' official code (../shared/reference/LTS4-SparseFool).

Skipped, with the reason, where the official files are absent; they are imported unmodified by
:func:`sfutils.testing.official.load_official` (which supplies torch's removed ``zero_gradients``).
In float64 on the small nets both must give the same labels, iteration counts and perturbed-pixel
sets (Algorithm 2 of the paper, as the authors run it, one image at a time).
"""

from __future__ import annotations

import copy
import sys

import pytest
import torch

from conftest import images
from sfutils.attacks import bounds, sparsefool
from sfutils.testing import official

pytestmark = [
    pytest.mark.skipif(official.missing_reason() is not None, reason=official.missing_reason() or ""),
    # numpy 2 on the official linear_solver's np.unravel_index(torch.argmax(...)): harmless, not ours
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword"),
]


@pytest.fixture(scope="module")
def module():
    return official.load_official()


def _compare(module, model, x, lam, lb=None, ub=None):
    ours = sparsefool(model, x, lam=lam, lb=lb, ub=ub)
    lb_t = torch.zeros_like(x) if lb is None else lb
    ub_t = torch.ones_like(x) if ub is None else ub
    fooled = 0
    for i in range(x.shape[0]):
        theirs = official.official_sparsefool(module, model, x[i], lb_t[i], ub_t[i], lam=lam)
        assert int(ours.label[i]) == theirs.label
        assert int(ours.adv_label[i]) == theirs.adv_label, f"image {i}: adversarial label differs"
        assert int(ours.iterations[i]) == theirs.iterations, f"image {i}: iteration count differs"
        assert torch.equal(ours.perturbation[i] != 0, theirs.perturbation != 0), f"image {i}: pixel sets differ"
        assert int(ours.perturbed_pixels()[i]) == theirs.perturbed_pixels()
        torch.testing.assert_close(ours.adversarial[i], theirs.adversarial, rtol=1e-10, atol=1e-12)
        fooled += theirs.success
    return fooled


@pytest.mark.parametrize("lam", [1.0, 3.0])
def test_same_pixels_as_official_gray(module, gray_model, lam):
    model = copy.deepcopy(gray_model).double()
    x = images(6, 1, 10, seed=int(lam)).double()
    assert _compare(module, model, x, lam) >= 5


def test_same_pixels_as_official_color_delta_box(module, color_model):
    model = copy.deepcopy(color_model).double()
    x = images(5, 3, 8, seed=5).double()
    lb, ub = bounds(x, delta=30)
    assert _compare(module, model, x, 3.0, lb, ub) >= 4


def test_loading_leaves_no_trace(module):
    assert not hasattr(torch.autograd.gradcheck, "zero_gradients")  # torch >= 1.9: the shim is gone again
    root = str(official.official_root())
    assert not any(str(getattr(m, "__file__", None) or "").startswith(root) for m in list(sys.modules.values()))
    assert callable(module.sparsefool)
    assert str(official.official_root()) not in sys.path
    assert not (official.official_root() / "__pycache__").exists()


def test_zero_gradients_shim():
    x = torch.ones(3, requires_grad=True)
    (2 * x).sum().backward()
    official.zero_gradients([x])
    assert torch.equal(x.grad, torch.zeros(3))
    official.zero_gradients(torch.ones(2))  # no gradient: nothing to do


def test_missing_root_says_why(tmp_path):
    assert "sparsefool.py" in official.missing_reason(tmp_path)
    with pytest.raises(FileNotFoundError, match="not at"):
        official.load_official(tmp_path)
