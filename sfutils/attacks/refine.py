"""A cheap greedy refinement after a sparse attack. NOT part of the SparseFool paper.

SparseFool's LinearSolver (Algorithm 1) changes coordinates until the linearised boundary is
crossed, and the final overshoot (1 + epsilon) scales the whole perturbation, so some perturbed
pixels are usually not needed. :func:`refine_sparse` tries, for every successful sample, to
restore its perturbed pixels to their original values one at a time (smallest perturbation
first) and keeps a restoration whenever the image is still misclassified. All samples advance
together: step j tries every sample's j-th pixel in one forward pass, so the cost is one forward
per perturbed pixel and no gradient. The result stays adversarial and its pixel count never grows.
"""

from __future__ import annotations

import torch
from torch import nn

from sfutils.attacks._checks import prepare
from sfutils.attacks.result import AttackResult


def _pixel_order(delta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Perturbed pixels of each sample, smallest l1 perturbation (over channels) first.

    Returns flat pixel indices (N, P) padded with -1 and the count per sample (N,).
    """
    per_pixel = delta.abs().sum(dim=1).flatten(1) if delta.dim() == 4 else delta.abs().flatten(1)
    score = per_pixel.masked_fill(per_pixel == 0, float("inf"))
    order = score.argsort(dim=1)
    counts = (per_pixel != 0).sum(dim=1)
    width = int(counts.max().item()) if counts.numel() else 0
    order = order[:, :width]
    order[torch.arange(width, device=delta.device).unsqueeze(0) >= counts.unsqueeze(1)] = -1
    return order, counts


def refine_sparse(model: nn.Module, x: torch.Tensor, *, result: AttackResult) -> AttackResult:
    """Greedily undo unneeded pixels of ``result`` (an untargeted attack on clean inputs ``x``).

    Only successful samples change; a pixel is restored (all its channels set back to ``x``)
    when the label stays different from ``result.label``. ``forward_evals`` adds the refinement's
    forward passes (one per tried pixel and one for the final label); ``iterations`` and
    ``grad_evals`` are those of the attack.
    """
    x = prepare(model, x, label=False).x
    if result.adversarial.shape != x.shape:
        raise ValueError(f"result is for inputs of shape {tuple(result.adversarial.shape)}, x has {tuple(x.shape)}")
    adv = result.adversarial.detach().clone().to(x.device)
    label = result.label.to(x.device)
    success = result.success.to(x.device).bool()
    order, counts = _pixel_order(adv - x)
    counts = torch.where(success, counts, torch.zeros_like(counts))
    extra = torch.zeros_like(counts)
    image = x.dim() == 4
    flat_adv = adv.flatten(2) if image else adv.flatten(1)  # views of ``adv``
    flat_x = x.flatten(2) if image else x.flatten(1)
    for j in range(order.shape[1]):
        act = (counts > j).nonzero().squeeze(1)
        if act.numel() == 0:
            break
        pix = order[act, j]
        trial = adv[act].clone()
        flat_trial = trial.flatten(2) if image else trial.flatten(1)
        rows = torch.arange(act.numel(), device=x.device)
        if image:
            flat_trial[rows, :, pix] = flat_x[act, :, pix]
        else:
            flat_trial[rows, pix] = flat_x[act, pix]
        with torch.no_grad():
            keep = model(trial).argmax(dim=1) != label[act]
        extra[act] += 1
        if keep.any():
            kept, kpix = act[keep], pix[keep]
            if image:
                flat_adv[kept, :, kpix] = flat_x[kept, :, kpix]
            else:
                flat_adv[kept, kpix] = flat_x[kept, kpix]
    return AttackResult.from_adversarial(model, x, adv, label, iterations=result.iterations.to(x.device),
                                         grad_evals=result.grad_evals.to(x.device),
                                         forward_evals=result.forward_evals.to(x.device) + extra)


__all__ = ["refine_sparse"]
