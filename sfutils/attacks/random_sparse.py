"""The random sparse baseline of §4.2 (ImageNet, next to Table 2).

Per colour channel, a random subset of that channel's elements is replaced by a value drawn
uniformly from V = {0, 255} (here {0, 1}); the subset size of each channel is SparseFool's median
number of perturbed elements of that channel (:func:`median_channel_counts`). One random draw
per sample, no model queries beyond the clean and the adversarial label. The paper's fooling
rates (sfutils.paper.TABLE2): 18.2 / 13.2 / 14.5 / 9.6 % on VGG-16 / ResNet-101 / DenseNet-161 / Inception-v3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from sfutils.attacks._checks import check_batch, prepare
from sfutils.attacks.result import AttackResult


def _channels(x: torch.Tensor) -> tuple[int, int]:
    """(channels, elements per channel): (C, H*W) for images (N, C, H, W), (1, all) otherwise."""
    return (x.shape[1], math.prod(x.shape[2:])) if x.dim() == 4 else (1, math.prod(x.shape[1:]))


def channel_counts(perturbation: torch.Tensor) -> torch.Tensor:
    """Changed elements per channel of each sample, (N, C) (one channel for non-image inputs)."""
    c, s = _channels(perturbation)
    return (perturbation.reshape(perturbation.shape[0], c, s) != 0).sum(dim=2)


def median_counts(counts: torch.Tensor, mask: torch.Tensor | None = None) -> list[int]:
    """Per channel, the (lower) median over samples (those in ``mask``, default all) of ``counts``
    (N, C): the subset sizes of the random baseline (§4.2), as one int per channel."""
    counts = torch.as_tensor(counts)
    if mask is not None:
        counts = counts[torch.as_tensor(mask).bool()]
    if counts.shape[0] == 0:
        raise ValueError("no samples selected to take the median over")
    return [int(v) for v in counts.median(dim=0).values.tolist()]


def median_channel_counts(perturbation: torch.Tensor, mask: torch.Tensor | None = None) -> list[int]:
    """:func:`median_counts` of the :func:`channel_counts` of ``perturbation``."""
    check_batch(perturbation, "perturbation")
    return median_counts(channel_counts(perturbation), mask)


def _check_counts(per_channel_counts: int | Sequence[int], c: int, s: int) -> torch.Tensor:
    counts = list(per_channel_counts) if isinstance(per_channel_counts, Sequence) else [per_channel_counts] * c
    if any(isinstance(v, bool) or not isinstance(v, int) for v in counts):
        raise TypeError(f"per_channel_counts must be an int or a sequence of ints, got {per_channel_counts!r}")
    if len(counts) != c:
        raise ValueError(f"per_channel_counts needs one count per channel ({c}), got {len(counts)}")
    if any(v < 0 or v > s for v in counts):
        raise ValueError(f"each count must lie in [0, {s}] (elements per channel), got {counts}")
    return torch.tensor(counts)


def random_sparse(model: nn.Module, x: torch.Tensor, *, per_channel_counts: int | Sequence[int],
                  values: Sequence[float] = (0.0, 1.0), seed: int = 0) -> AttackResult:
    """Set ``per_channel_counts`` random elements of each channel of each sample to a random value of ``values``.

    ``x`` is (N, C, H, W) (counts per channel) or any other (N, ...) batch (one channel); inputs and
    ``values`` lie in [0, 1]. Randomness is drawn on the CPU from ``seed`` (device-independent).
    One draw per sample (``iterations`` = 1), no gradient, two forward passes (clean and adversarial).
    """
    start = prepare(model, x)
    x = start.x
    c, s = _channels(x)
    counts = _check_counts(per_channel_counts, c, s)
    vals = torch.as_tensor(list(values), dtype=x.dtype)
    if vals.dim() != 1 or vals.numel() == 0 or not ((vals >= 0) & (vals <= 1)).all():
        raise ValueError(f"values must be a non-empty sequence of numbers in [0, 1], got {values!r}")
    n = x.shape[0]
    g = torch.Generator().manual_seed(seed)
    rank = torch.rand(n, c, s, generator=g).argsort(dim=2).argsort(dim=2)
    chosen = rank < counts[None, :, None]
    new = vals[torch.randint(vals.numel(), (n, c, s), generator=g)]
    adversarial = torch.where(chosen.to(x.device), new.to(x.device), x.reshape(n, c, s)).reshape(x.shape)
    ones = torch.ones(n, dtype=torch.long, device=x.device)
    return AttackResult.from_adversarial(model, x, adversarial, start.label, iterations=ones,
                                         grad_evals=torch.zeros_like(ones), forward_evals=ones)


__all__ = ["channel_counts", "median_channel_counts", "median_counts", "random_sparse"]
