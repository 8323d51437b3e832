"""sfutils.models.speed: BatchNorm folding and channels-last compute the same function, and SparseFool
gives the same answers through them where round-off cannot part the paths (float64)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from conftest import images
from sfutils.attacks import sparsefool
from sfutils.models.speed import ChannelsLast, fast_eval, fold_batchnorm


class ConvBnNet(nn.Module):
    """Conv-BN-ReLU, a residual conv-BN block, a conv *without* BN and a linear head."""

    def __init__(self, reuse_conv_output: bool = False) -> None:
        super().__init__()
        self.reuse = reuse_conv_output
        self.c1, self.b1 = nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8)
        self.c2, self.b2 = nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c3 = nn.Conv2d(8, 4, 1)
        self.head = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.b1(self.c1(x)))
        c = self.c2(h)
        h = torch.relu(self.b2(c) + (c if self.reuse else h))
        return self.head(self.c3(h).flatten(1))


def make(reuse: bool = False, seed: int = 0, dtype: torch.dtype = torch.float32) -> nn.Module:
    torch.manual_seed(seed)
    net = ConvBnNet(reuse)
    for bn in (net.b1, net.b2):  # non-trivial statistics, as after training
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        nn.init.uniform_(bn.weight, 0.5, 1.5)
        nn.init.uniform_(bn.bias, -0.2, 0.2)
    return net.eval().to(dtype)


def test_fold_batchnorm_folds_every_conv_bn_pair_and_keeps_the_function():
    net, x = make(), images(4, 3, 8, seed=1)
    folded, n = fold_batchnorm(net, x)
    assert n == 2
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in net.modules()), "the original must stay untouched"
    with torch.no_grad():
        torch.testing.assert_close(folded(x), net(x), rtol=1e-5, atol=1e-5)


def test_channels_last_gives_the_same_input_gradients():
    net, x = make(), images(3, 3, 8, seed=2)
    wrapped = ChannelsLast(make())
    grads = []
    for model in (net, wrapped):
        xg = x.clone().requires_grad_(True)
        grads.append(torch.autograd.grad(model(xg)[:, 1].sum(), xg)[0])
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-4, atol=1e-6)


def test_fast_eval_refuses_a_train_mode_model():
    with pytest.raises(ValueError, match="eval-mode"):
        fast_eval(make().train(), images(2, 3, 8))


def test_fast_eval_refuses_when_a_folded_output_is_used_elsewhere():
    # c2's output feeds b2 *and* the skip: folding b2 into c2 would change the skip, and the check catches it
    with pytest.raises(ValueError, match="differ"):
        fast_eval(make(reuse=True), images(2, 3, 8))


def test_fast_eval_freezes_parameters_and_returns_an_eval_model():
    fast = fast_eval(make(), images(2, 3, 8))
    assert not fast.training
    assert not any(p.requires_grad for p in fast.parameters())


def test_sparsefool_same_answers_through_fast_eval_in_float64():
    net = make(seed=3, dtype=torch.float64)
    x = images(8, 3, 8, seed=4).double()
    plain = sparsefool(net, x, lam=3.0)
    fast = sparsefool(fast_eval(net, x[:2]), x, lam=3.0)
    assert plain.success.any()
    assert torch.equal(plain.adv_label, fast.adv_label)
    assert torch.equal(plain.iterations, fast.iterations)
    assert torch.equal(plain.perturbation != 0, fast.perturbation != 0)
