"""The one-pixel attack's k schedules: exact (+1, the paper's §4.1) and fast (steps of at most 1.5x)."""

from __future__ import annotations

import itertools

import pytest
import torch

from conftest import images
from sfutils.attacks.one_pixel import k_schedule, one_pixel


def test_schedules():
    assert k_schedule(1, 5) == [1, 2, 3, 4, 5]
    fast = k_schedule(1, 784, "fast")
    assert fast[:12] == [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64] and fast[-1] == 784
    assert all(b / a <= 1.5 for a, b in itertools.pairwise(fast) if a >= 2)  # 1 -> 2 is the exact schedule's step
    assert k_schedule(5, 30, "fast") == [5, 6, 8, 12, 16, 24, 30]
    assert k_schedule(3, 3, "fast") == [3]
    with pytest.raises(ValueError, match="schedule"):
        k_schedule(1, 4, "doubling")


def _model_and_images(color_model):
    x = images(8, 3, 8, seed=12)
    return color_model, x


def test_fast_equals_exact_where_the_schedules_coincide(color_model):
    model, x = _model_and_images(color_model)
    budget = {"popsize": 16, "max_iter": 4, "seed": 3}
    by_4 = one_pixel(model, x, max_k=4, **budget)
    exact, fast = one_pixel(model, x, max_k=8, **budget), one_pixel(model, x, max_k=8, schedule="fast", **budget)
    early = by_4.success
    assert early.any() and (~early).any()  # both kinds of sample in the batch
    # every draw up to k = 4 is the same: samples fooled by then get the same adversarial and generations
    assert torch.equal(exact.adversarial[early], fast.adversarial[early])
    assert torch.equal(exact.iterations[early], fast.iterations[early])
    assert torch.equal(by_4.adversarial[early], fast.adversarial[early])
    # beyond k = 4 the fast schedule tries 6 and 8 only: at most 8 pixels, and at most 2 more rounds
    assert (fast.perturbed_pixels() <= 8).all()
    assert (fast.iterations[~early] <= exact.iterations[~early] + 2 * 5).all()


def test_fast_reports_an_upper_bound_within_its_step(gray_model):
    x = images(6, 1, 10, seed=5)
    res = one_pixel(gray_model, x, max_k=24, schedule="fast", popsize=12, max_iter=3, seed=1)
    steps = k_schedule(1, 24, "fast")
    for pixels, ok in zip(res.perturbed_pixels().tolist(), res.success.tolist()):
        if ok:  # the pixels of the first schedule value that succeeded: no more than that value
            assert pixels <= min(v for v in steps if v >= pixels)


def test_unknown_schedule_is_refused(gray_model):
    with pytest.raises(ValueError, match="schedule"):
        one_pixel(gray_model, images(2, 1, 10, seed=5), max_k=4, schedule="doubling")
