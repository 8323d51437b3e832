"""Faster eval-mode copies of a model for the attacks' many passes (the ImageNet nets of §4.1).

An input gradient of EfficientNet-Lite0 costs about twice its forward pass, and SparseFool's
DeepFool steps take ``num_candidates - 1`` of them per iteration (``benchmarks/imagenet.md``), so
the backward pass is where ImageNet's CPU time goes. Two rewrites cut it without changing the
function the model computes (only its float round-off):

* :func:`fold_batchnorm`: an eval-mode BatchNorm right after a convolution is an affine map per
  channel, folded into that convolution's weight and bias (no BatchNorm pass forward or backward);
* :class:`ChannelsLast`: weights and inputs in the NHWC layout, which oneDNN's CPU convolutions
  (depthwise ones above all) run faster than NCHW.

:func:`fast_eval` applies both and checks the copy's logits against the original's. The attacks are
untouched: the batched-vs-reference tests run on the plain models.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class ChannelsLast(nn.Module):
    """``net`` with its weights and every input in the channels-last (NHWC) memory layout (a layout
    only: indexing, flattening and the values of outputs and input gradients are unchanged)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.contiguous(memory_format=torch.channels_last))


def _conv_bn_pairs(model: nn.Module, probe: torch.Tensor) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
    """(conv, bn) pairs where the BatchNorm's input is exactly the convolution's output, found by
    running ``probe`` through ``model`` with hooks (works for any module structure)."""
    # each conv output is kept alive until the probe ends, so that no later tensor reuses its id
    made_by: dict[int, tuple[nn.Module, torch.Tensor]] = {}
    pairs: list[tuple[nn.Conv2d, nn.BatchNorm2d]] = []

    def after_conv(conv: nn.Module, _inputs: tuple, out: torch.Tensor) -> None:
        made_by[id(out)] = (conv, out)

    def before_bn(bn: nn.Module, inputs: tuple) -> None:
        made = made_by.get(id(inputs[0]))
        if made is not None and made[1] is inputs[0]:
            pairs.append((made[0], bn))

    hooks = [m.register_forward_hook(after_conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_pre_hook(before_bn) for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    try:
        with torch.no_grad():
            model(probe)
    finally:
        for h in hooks:
            h.remove()
    convs = [conv for conv, _ in pairs]
    bns = [bn for _, bn in pairs]
    # a module called twice (shared weights) cannot be folded for one of its uses only
    return [(c, b) for c, b in pairs if convs.count(c) == 1 and bns.count(b) == 1]


def fold_batchnorm(model: nn.Module, probe: torch.Tensor) -> tuple[nn.Module, int]:
    """A copy of eval-mode ``model`` with each BatchNorm that directly follows a convolution folded
    into it: w' = w * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps). Returns the
    copy and how many BatchNorms were folded (they become identities)."""
    model = copy.deepcopy(model)
    pairs = _conv_bn_pairs(model, probe)
    for conv, bn in pairs:
        with torch.no_grad():
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
            conv.weight.mul_(scale.view(-1, *([1] * (conv.weight.dim() - 1))))
            conv.bias = nn.Parameter((bias - bn.running_mean) * scale + bn.bias)
        _replace(model, bn, nn.Identity())
    return model, len(pairs)


def _replace(model: nn.Module, old: nn.Module, new: nn.Module) -> None:
    for parent in model.modules():
        for name, child in parent.named_children():
            if child is old:
                setattr(parent, name, new)


def fast_eval(model: nn.Module, probe: torch.Tensor, *, rtol: float = 1e-4) -> nn.Module:
    """``model`` with BatchNorms folded and the channels-last layout, for attacks on CPU.

    ``probe`` is a batch of valid inputs (e.g. two test images); the copy's logits on it must equal
    the original's up to ``rtol`` of their largest magnitude, else ValueError (a BatchNorm whose
    input is also used elsewhere would fail here). Parameters are frozen: the attacks take input
    gradients only.
    """
    if model.training:
        raise ValueError("fast_eval needs an eval-mode model (BatchNorm statistics are folded in)")
    folded, _ = fold_batchnorm(model, probe)
    fast = ChannelsLast(folded).eval()
    for p in fast.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        want, got = model(probe), fast(probe)
    err = (got - want).abs().max().item()
    if not err <= rtol * want.abs().max().item():
        raise ValueError(f"the folded model's logits differ from the original's by {err:.3g}; not using it")
    return fast


__all__ = ["ChannelsLast", "fast_eval", "fold_batchnorm"]
