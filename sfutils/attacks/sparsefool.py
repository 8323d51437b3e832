"""SparseFool (Algorithm 2 of Modas et al., CVPR 2019), batched over samples.

Per sample, exactly as the authors' implementation: at every iteration i DeepFool is restarted
from x_i, giving r_tot and the unit normal w at x_B = x_i + r_tot (Eq. 6); LinearSolver
(Algorithm 1) moves x_i towards the hyperplane through x_i + lam * r_tot (§3.3's lambda) inside
[lb, ub]; the candidate adversarial is clip(x0 + (1 + epsilon)(x_{i+1} - x0)); the loop stops when
its label differs from the clean label (or equals ``target``) or after ``max_iter`` iterations.
All samples advance together; finished ones leave the active batch.
"""

from __future__ import annotations

import torch
from torch import nn
from tqdm.auto import tqdm

from sfutils.attacks._checks import check_batch, check_model, check_target, resolve_bounds
from sfutils.attacks.deepfool import deepfool_boundary
from sfutils.attacks.linear_solver import linear_solver
from sfutils.attacks.result import AttackResult


def bounds(x: torch.Tensor, delta: float, lo: float = 0.0, hi: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The paper's perceptibility box (§4.2, Fig. 6): [x - delta, x + delta] within [lo, hi].

    ``delta`` is on the 0-255 scale of 8-bit images (the paper uses 255, 30, 10), mapped to the
    [lo, hi] range of ``x``.
    """
    check_batch(x)
    if not 0 <= delta <= 255:
        raise ValueError(f"delta is on the 0-255 scale and must lie in [0, 255], got {delta}")
    d = delta / 255.0 * (hi - lo)
    return (x - d).clamp(min=lo), (x + d).clamp(max=hi)


def _sparsefool_chunk(model: nn.Module, x0: torch.Tensor, lb: torch.Tensor, ub: torch.Tensor, lam: float,
                      max_iter: int, epsilon: float, target: torch.Tensor | None, num_candidates: int,
                      overshoot: float, df_max_iter: int) -> AttackResult:
    n = x0.shape[0]
    dev = x0.device
    with torch.no_grad():
        label = model(x0).argmax(dim=1)
    x_i = x0.clone()
    fool = x0.clone()
    fool_label = label.clone()
    iterations = torch.zeros(n, dtype=torch.long, device=dev)
    grad_evals = torch.zeros(n, dtype=torch.long, device=dev)
    forward_evals = torch.ones(n, dtype=torch.long, device=dev)
    stuck = torch.zeros(n, dtype=torch.bool, device=dev)

    def fooled() -> torch.Tensor:
        return fool_label == target if target is not None else fool_label != label

    for _ in range(max_iter):
        act = (~(fooled() | stuck)).nonzero().squeeze(1)
        if act.numel() == 0:
            break
        xa, x0a = x_i[act], x0[act]
        b = deepfool_boundary(model, xa, num_candidates, overshoot, df_max_iter,
                              None if target is None else target[act])
        grad_evals[act] += b.grad_evals
        forward_evals[act] += b.forward_evals + 1
        iterations[act] += 1
        # A sample whose DeepFool found no other class has no normal: it cannot progress.
        ok = b.found
        stuck[act[~ok]] = True
        act, xa, x0a = act[ok], xa[ok], x0a[ok]
        if act.numel() == 0:
            continue
        xa = linear_solver(xa, b.normal[ok], xa + lam * b.r_tot[ok], lb[act], ub[act])
        x_i[act] = xa
        fa = torch.minimum(torch.maximum(x0a + (1 + epsilon) * (xa - x0a), lb[act]), ub[act])
        fool[act] = fa
        with torch.no_grad():
            fool_label[act] = model(fa).argmax(dim=1)

    return AttackResult(adversarial=fool, perturbation=fool - x0, label=label, adv_label=fool_label,
                        success=fooled(), iterations=iterations, grad_evals=grad_evals,
                        forward_evals=forward_evals)


def sparsefool(model: nn.Module, x: torch.Tensor, lam: float = 3.0, lb: torch.Tensor | float | None = None,
               ub: torch.Tensor | float | None = None, max_iter: int = 50, epsilon: float = 0.02,
               target: torch.Tensor | int | None = None, num_candidates: int = 10,
               batch_size: int | None = None, overshoot: float = 0.02, df_max_iter: int = 50,
               progress: bool = False) -> AttackResult:
    """Sparse adversarial examples for a batch ``x`` (N, ...) in [lb, ub] (default [0, 1]).

    ``lam`` >= 1 is the paper's lambda (1 for MNIST, 3 for CIFAR-10/ImageNet); ``batch_size``
    splits the batch into chunks to bound memory (same labels, pixel sets and counts; values may
    differ by float round-off of the batched convolutions); ``target`` (an int or
    one class per sample) gives the targeted variant of §3.3.
    """
    check_model(model)
    check_batch(x)
    if lam < 1:
        raise ValueError(f"lam must be >= 1 (the paper's lambda), got {lam}")
    if max_iter < 1 or num_candidates < 2:
        raise ValueError("max_iter must be >= 1 and num_candidates >= 2")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size}")
    lb_t, ub_t = resolve_bounds(x, lb, ub)
    x = x.detach()
    if target is not None:
        with torch.no_grad():
            num_classes = model(x[:1]).shape[1]
        target = check_target(target, x.shape[0], num_classes, x.device)
    size = batch_size or x.shape[0]
    chunks = []
    starts = range(0, x.shape[0], size)
    for s in tqdm(starts, desc="sparsefool", disable=not progress or len(starts) == 1):
        sl = slice(s, s + size)
        chunks.append(_sparsefool_chunk(model, x[sl], lb_t[sl], ub_t[sl], lam, max_iter, epsilon,
                                        None if target is None else target[sl], num_candidates,
                                        overshoot, df_max_iter))
    return chunks[0] if len(chunks) == 1 else AttackResult.cat(chunks)
