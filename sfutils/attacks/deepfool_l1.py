"""l1-DeepFool (§2.1-2.2 of the SparseFool paper), batched: the sparse attack that motivates SparseFool.

DeepFool's projection generalised to lp norms (Moosavi-Dezfooli et al., 2016, Eq. for p != 2)
with p = 1: the dual norm is q = inf, so among the candidate classes k the closest linearised
boundary is the k minimising |f_k| / ||w_k||_inf, and the minimal-l1 step onto it moves the
single coordinate d of largest |w_k,d| by |f_k| / |w_k,d| (at least 1e-4) along sign(w_k,d).
Everything else is the l2 loop of :func:`sfutils.attacks.deepfool.deepfool_boundary` (f_k = Z_k - Z_label,
the top-``num_candidates`` classes fixed at the start, the label checked at x0 + (1 + overshoot) r_tot). §2.2: the result is very sparse and fools ~100% of the time but
leaves the valid range; clipping x0 + (1 + overshoot) r_tot to [0, 1] afterwards (``clip=True``)
collapses the fooling rate (13% on ImageNet VGG-16 in the paper).
"""

from __future__ import annotations

import torch
from torch import nn

from sfutils.attacks._checks import prepare
from sfutils.attacks.deepfool import check_deepfool_args, deepfool_boundary
from sfutils.attacks.result import AttackResult


def deepfool_l1(model: nn.Module, x: torch.Tensor, *, clip: bool = False, num_candidates: int = 10,
                overshoot: float = 0.02, max_iter: int = 50) -> AttackResult:
    """l1-DeepFool on a batch ``x`` (N, ...) in [0, 1]; the adversarial is x + (1 + overshoot) r_tot.

    Unclipped by default (it may leave [0, 1], as in §2.2); ``clip=True`` clips the final
    adversarial to [0, 1]. ``adv_label``/``success`` always come from a forward pass on the
    returned adversarial.
    """
    check_deepfool_args(num_candidates, overshoot, max_iter)
    start = prepare(model, x, label=False)
    b = deepfool_boundary(model, start.x, num_candidates=num_candidates, overshoot=overshoot, max_iter=max_iter,
                          norm="l1", with_normal=False)
    adversarial = start.x + (1 + overshoot) * b.r_tot
    if clip:
        adversarial = torch.minimum(torch.maximum(adversarial, start.lb), start.ub)
    return AttackResult.from_adversarial(model, start.x, adversarial, b.label, iterations=b.iterations,
                                         grad_evals=b.grad_evals, forward_evals=b.forward_evals)


__all__ = ["deepfool_l1"]
