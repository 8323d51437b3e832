"""``sparsefool(..., batch_size=b)`` keeps at most b images in flight to bound memory: the answers
must not change.

Every discrete output (labels, success, iteration and pass counts, perturbed-pixel sets) is
identical; the adversarial values agree to float round-off only (~1e-6: a batched convolution
sums in a batch-size dependent order), the tolerance the per-sample reference test uses too.
"""

from __future__ import annotations

from dataclasses import fields

import pytest
import torch

from conftest import images
from sfutils.attacks import AttackResult, bounds, sparsefool


def _assert_identical(a: AttackResult, b: AttackResult) -> None:
    for f in fields(AttackResult):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if va.is_floating_point():
            torch.testing.assert_close(va, vb, rtol=1e-4, atol=1e-5)
        else:
            assert torch.equal(va, vb), f"{f.name} differs between chunked and whole"
    assert torch.equal(a.perturbation != 0, b.perturbation != 0), "perturbed pixel sets differ"


@pytest.mark.parametrize("batch_size", [1, 3, 5])
def test_chunked_equals_unchunked(gray_model, batch_size):
    x = images(8, 1, 10, seed=21)
    whole = sparsefool(gray_model, x, lam=1.0)
    chunked = sparsefool(gray_model, x, lam=1.0, batch_size=batch_size)
    _assert_identical(whole, chunked)
    assert whole.success.float().mean() > 0.8  # a real attack, not a trivial all-equal result


def test_chunked_equals_unchunked_with_box_and_target(color_model):
    x = images(6, 3, 8, seed=22)
    lb, ub = bounds(x, delta=30)
    with torch.no_grad():
        target = (color_model(x).argmax(1) + 1) % 10
    whole = sparsefool(color_model, x, lam=3.0, lb=lb, ub=ub, target=target)
    chunked = sparsefool(color_model, x, lam=3.0, lb=lb, ub=ub, target=target, batch_size=4)
    _assert_identical(whole, chunked)
    assert torch.equal(chunked.success, chunked.adv_label == target)


@pytest.mark.parametrize("batch_size", [0, -3])
def test_bad_batch_size(gray_model, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        sparsefool(gray_model, images(2, 1, 10), batch_size=batch_size)
