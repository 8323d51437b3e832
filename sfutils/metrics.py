"""Sparsity and success metrics used throughout the paper (§4.1), and the model's predictions
they are measured against (:func:`predict`, behind every accuracy of the package).

All sparsity measures take a perturbation ``delta = x_adv - x`` (for finite floats
``x_adv != x`` exactly when ``delta != 0``). A *pixel* counts as perturbed when any of its
channels changed (the paper's measure); for plain feature vectors (N, d), and any input that
is not (N, C, H, W), every coordinate is its own "pixel".
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sfutils.progress import progress_bar


def changed_pixels(delta: torch.Tensor) -> torch.Tensor:
    """Boolean mask of perturbed pixels: (N, H, W) for images, (N, ...) otherwise."""
    changed = delta != 0
    return changed.any(dim=1) if delta.dim() == 4 else changed


def perturbed_pixels(delta: torch.Tensor) -> torch.Tensor:
    """Number of perturbed pixels per sample (long tensor of shape (N,))."""
    return changed_pixels(delta).flatten(1).sum(dim=1)


def perturbed_elements(delta: torch.Tensor) -> torch.Tensor:
    """Number of changed tensor elements (channels counted separately) per sample."""
    return (delta != 0).flatten(1).sum(dim=1)


def num_pixels(x: torch.Tensor) -> int:
    """Pixels per sample: H*W for (N, C, H, W) images, the element count otherwise."""
    return math.prod(x.shape[2:]) if x.dim() == 4 else math.prod(x.shape[1:])


def perturbed_pixels_pct(delta: torch.Tensor) -> torch.Tensor:
    """Perturbed pixels per sample as a percentage of the image's pixels."""
    return 100.0 * perturbed_pixels(delta).double() / num_pixels(delta)


def fooling_rate(success: torch.Tensor) -> float:
    """Percentage of samples whose label the attack changed (§4.1)."""
    return 100.0 * success.double().mean().item() if success.numel() else float("nan")


def median_of_successes(values: torch.Tensor, success: torch.Tensor) -> float:
    """Median over fooled samples only, as the paper's "median perturbation percentage".

    The usual median (mean of the two middle values for an even count), as pandas computes it in
    the notebooks' tables.
    """
    vals = values[success.bool()].double()
    return vals.quantile(0.5).item() if vals.numel() else float("nan")


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 250, progress: bool = False) -> torch.Tensor:
    """Top-1 predictions of ``model`` on ``x`` (inputs in [0, 1], moved to the model's device
    ``batch_size`` at a time), as a long tensor on the CPU."""
    device = next(model.parameters()).device
    batches = progress_bar(range(0, len(x), batch_size), desc="predict", leave=False, disable=not progress)
    return torch.cat([model(x[i:i + batch_size].to(device)).argmax(1).cpu() for i in batches])
