"""JSMA's default distortion cap: the original JSMA paper's 14.5 % (Papernot et al. 2016), theta = +1."""

from __future__ import annotations

import inspect
import math

import torch

from conftest import images
from sfutils.attacks import jsma
from sfutils.attacks.jsma import JSMA_GAMMA


def test_default_is_the_original_cap():
    params = inspect.signature(jsma).parameters
    assert JSMA_GAMMA == 0.145 and params["gamma"].default == JSMA_GAMMA and params["theta"].default == 1.0


def test_default_cap_bounds_the_changed_elements(gray_model):
    x = images(8, 1, 10, seed=6)
    res = jsma(gray_model, x, seed=2)
    explicit = jsma(gray_model, x, gamma=0.145, theta=1.0, seed=2)
    assert torch.equal(res.adversarial, explicit.adversarial)
    cap = math.floor(100 * 0.145 / 2)  # pairs: at most 14.5 % of the 100 elements change
    assert (res.iterations <= cap).all() and ((res.perturbation != 0).flatten(1).sum(1) <= 2 * cap).all()
    uncapped = jsma(gray_model, x, gamma=1.0, seed=2)
    assert uncapped.success.sum() >= res.success.sum()
