"""The vectorised LinearSolver equals the greedy loop of Algorithm 1 (property test over seeds)."""

from __future__ import annotations

import pytest
import torch

from sfutils.testing.reference import ref_linear_solver
from sfutils.attacks import linear_solver


def _case(seed: int, n: int = 6, d: int = 40):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, d, generator=g)
    w = torch.randn(n, d, generator=g)
    w[torch.rand(n, d, generator=g) < 0.2] = 0.0  # zeros in w are never used
    lb = torch.minimum(x, torch.rand(n, d, generator=g))
    ub = torch.maximum(x, torch.rand(n, d, generator=g))
    pin = torch.rand(n, d, generator=g) < 0.2  # boxes that pin coordinates
    lb[pin] = x[pin]
    ub[pin] = x[pin]
    # the plane point: mostly on the far side along w (the normal case), sometimes unreachable
    scale = torch.rand(n, 1, generator=g) * 3
    p = x + scale * w / w.norm(dim=1, keepdim=True)
    return x, w, p, lb, ub


def _check(x, w, p, lb, ub):
    got = linear_solver(x, w, p, lb, ub)
    for i in range(x.shape[0]):
        want = ref_linear_solver(x[i], w[i], p[i], lb[i], ub[i])
        assert torch.equal(got[i] != x[i], want != x[i]), f"sample {i}: changed coordinates differ"
        torch.testing.assert_close(got[i], want, rtol=1e-5, atol=1e-6)
    assert (got >= lb).all() and (got <= ub).all()
    return got


@pytest.mark.parametrize("seed", range(60))
def test_matches_greedy_loop(seed):
    _check(*_case(seed))


def test_wrong_side_of_plane_walks_away_like_the_loop():
    """f(x) > 0: the greedy loop steps away from the plane and uses every coordinate."""
    for seed in range(10):
        x, w, p, lb, ub = _case(100 + seed)
        p = x - 0.3 * w / w.norm(dim=1, keepdim=True)
        _check(x, w, p, lb, ub)


def test_point_on_plane_takes_one_minimal_step():
    x, w, _, lb, ub = _case(7)
    _check(x, w, x.clone(), lb, ub)


def test_unreachable_plane_uses_every_coordinate():
    x = torch.full((1, 5), 0.5)
    w = torch.tensor([[1.0, -2.0, 0.0, 0.5, 3.0]])
    p = x + 100.0 * w  # far beyond the box
    lb, ub = torch.zeros_like(x), torch.ones_like(x)
    got = _check(x, w, p, lb, ub)
    assert torch.equal(got, torch.tensor([[1.0, 0.0, 0.5, 1.0, 1.0]]))


def test_image_shaped_inputs_and_ties():
    """Ties in |w| are taken in index order; (N, C, H, W) shapes are preserved."""
    x = torch.full((2, 3, 4, 4), 0.5)
    w = torch.ones_like(x)
    p = x + 0.2 * w
    lb, ub = torch.zeros_like(x), torch.ones_like(x)
    got = _check(x, w, p, lb, ub)
    assert got.shape == x.shape
