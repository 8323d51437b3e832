"""Batched l2-DeepFool (Moosavi-Dezfooli et al., 2016), the boundary oracle of SparseFool §3.2.

Semantics follow the SparseFool authors' public implementation, per sample: the candidate
classes are the top-``num_candidates`` logits at the start point and the label is the argmax
there; every step linearises f_k - f_label for each candidate k, steps onto the closest
hyperplane (step length at least 1e-4), and checks the label at x0 + (1 + overshoot) r_tot.
The boundary point x_B is the last iterate *without* overshoot; the normal (Eq. 6) is
grad(f_k* - f_label) at x_B, normalised, with k* the class reached.

:func:`deepfool_boundary` runs this loop on a batch (for ``deepfool``, ``deepfool_l1`` and the
toy trajectories); :mod:`sfutils.attacks.sparsefool` interleaves the same pieces
(``candidate_margins``, ``input_gradients``, ``closest_step``, ``unit``) with its own iterations.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from sfutils.attacks._checks import check_int, prepare
from sfutils.attacks.result import AttackResult


@dataclass
class Boundary:
    """DeepFool's outcome on a batch: r_tot, x_B = x0 + r_tot, the unit normal there, and counts."""

    r_tot: torch.Tensor
    normal: torch.Tensor
    label: torch.Tensor
    reached: torch.Tensor
    kstar: torch.Tensor
    iterations: torch.Tensor
    grad_evals: torch.Tensor
    forward_evals: torch.Tensor

    @property
    def found(self) -> torch.Tensor:
        """Samples whose normal grad(f_k* - f_label) is defined (k* differs from the label)."""
        return self.kstar != self.label


def unit(t: torch.Tensor) -> torch.Tensor:
    """``t`` divided by its per-sample l2 norm (the normal of Eq. 6)."""
    return t / t.flatten(1).norm(dim=1).view(-1, *([1] * (t.dim() - 1)))


def candidate_margins(logits: torch.Tensor, label: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
    """f_k - f_label (A, K) for each candidate column k of ``cand`` (A, K)."""
    return logits.gather(1, cand) - logits.gather(1, label[:, None])


def input_gradients(f: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """w_k = grad_x f_k (A, K, ...) for each column of ``f`` (A, K), built with a graph to ``x``.

    One backward pass per column over the whole batch (the samples' gradients are independent
    in eval mode); the profiler finds this as fast as ``is_grads_batched`` or replicating the batch.
    """
    k = f.shape[1]
    return torch.stack([torch.autograd.grad(f[:, j].sum(), x, retain_graph=j < k - 1)[0] for j in range(k)], dim=1)


def _candidate_gradients(model: nn.Module, x: torch.Tensor, label: torch.Tensor, cand: torch.Tensor
                         ) -> tuple[torch.Tensor, torch.Tensor]:
    """f_k - f_label (A, K) at ``x`` and its input gradients w_k (A, K, ...): one forward, K backward."""
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        f = candidate_margins(model(x), label, cand)
        w = input_gradients(f, x)
    return f.detach(), w


def _l2_step(f: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """l2 rule: candidate ratios |f_k| / ||w_k||_2 and, per candidate, the step onto its hyperplane."""
    norm = w.flatten(2).norm(dim=2)
    ratio = f.abs() / norm
    view = norm.shape + (1,) * (w.dim() - 2)
    return ratio, ratio.clamp(min=1e-4).view(view) * w / norm.view(view)


def _l1_step(f: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """l1 rule (dual norm l-inf, §2.1): ratios |f_k| / ||w_k||_inf; the step moves only the coordinate
    of largest |w_k,d|, by |f_k| / |w_k,d| (at least 1e-4) along sign(w_k,d)."""
    flat = w.flatten(2)
    w_inf, coord = flat.abs().max(dim=2)
    ratio = f.abs() / w_inf
    w_d = flat.gather(2, coord[..., None]).squeeze(2)
    step = torch.zeros_like(flat)
    step.scatter_(2, coord[..., None], (ratio.clamp(min=1e-4) * torch.sign(w_d))[..., None])
    return ratio, step.view_as(w)


_STEP_RULES = {"l2": _l2_step, "l1": _l1_step}


def closest_step(f: torch.Tensor, w: torch.Tensor, norm: str = "l2") -> tuple[torch.Tensor, torch.Tensor]:
    """DeepFool's step onto the closest linearised boundary (Eq. 3 of the paper's §2.1).

    Returns ``ok`` (A,), False where every candidate's ratio is NaN/inf (vanishing gradients: no
    hyperplane to step onto), and the step (A, ...) of the candidate with the smallest ratio; the
    first minimum wins, as with the authors' strict "<" scan.
    """
    ratio, steps = _STEP_RULES[norm](f, w)
    ratio = torch.where(torch.isnan(ratio), torch.full_like(ratio, float("inf")), ratio)
    best = ratio.argmin(dim=1)
    rows = torch.arange(f.shape[0], device=f.device)
    return torch.isfinite(ratio[rows, best]), steps[rows, best]


def deepfool_boundary(model: nn.Module, x: torch.Tensor, *, num_candidates: int = 10, overshoot: float = 0.02,
                      max_iter: int = 50, target: torch.Tensor | None = None, norm: str = "l2",
                      with_normal: bool = True) -> Boundary:
    """Run batched DeepFool from ``x`` (already validated) and return the boundary and its normal.

    With ``target`` the step always heads for the hyperplane f_target = f_label and the loop runs
    until the overshot point is classified as the target (§3.3's targeted variant). ``norm="l1"``
    takes l1-DeepFool's single-coordinate steps (§2.1). A sample whose candidate gradients all
    vanish has no hyperplane to step onto and stops where it is.
    """
    if norm not in _STEP_RULES:
        raise ValueError(f"unknown DeepFool norm {norm!r}; choose from {sorted(_STEP_RULES)}")
    n = x.shape[0]
    dev = x.device
    with torch.no_grad():
        logits = model(x)
    k = min(num_candidates, logits.shape[1])
    top = logits.topk(k, dim=1).indices
    label = top[:, 0].clone()
    cand = target[:, None] if target is not None else top[:, 1:]

    r_tot = torch.zeros_like(x)
    pert = x.clone()
    reached = label.clone()
    stalled = torch.zeros(n, dtype=torch.bool, device=dev)
    iterations = torch.zeros(n, dtype=torch.long, device=dev)
    grad_evals = torch.zeros(n, dtype=torch.long, device=dev)
    forward_evals = torch.ones(n, dtype=torch.long, device=dev)

    for _ in range(max_iter):
        running = (reached != target) if target is not None else (reached == label)
        act = (running & ~stalled).nonzero().squeeze(1)
        if act.numel() == 0 or cand.shape[1] == 0:
            break
        f, w = _candidate_gradients(model, pert[act], label[act], cand[act])
        grad_evals[act] += cand.shape[1]
        forward_evals[act] += 1
        ok, step = closest_step(f, w, norm)
        stalled[act[~ok]] = True
        act, step = act[ok], step[ok]
        if act.numel() == 0:
            continue
        r_tot[act] += step
        pert[act] += step
        with torch.no_grad():
            reached[act] = model(x[act] + (1 + overshoot) * r_tot[act]).argmax(dim=1)
        iterations[act] += 1
        forward_evals[act] += 1

    kstar = target if target is not None else reached
    normal = torch.full_like(x, float("nan"))
    if with_normal:
        xb = pert.detach().requires_grad_(True)
        with torch.enable_grad():
            normal = input_gradients(candidate_margins(model(xb), label, kstar[:, None]), xb)[:, 0]
        normal = unit(normal)
        grad_evals += 1
        forward_evals += 1
    return Boundary(r_tot=r_tot, normal=normal, label=label, reached=reached, kstar=kstar, iterations=iterations,
                    grad_evals=grad_evals, forward_evals=forward_evals)


def check_deepfool_args(num_candidates: int, overshoot: float, max_iter: int) -> None:
    """DeepFool's budget: at least 2 candidate classes, one iteration and a non-negative overshoot."""
    check_int("num_candidates", num_candidates, 2)
    check_int("max_iter", max_iter, 1)
    if not overshoot >= 0:
        raise ValueError(f"overshoot must be >= 0, got {overshoot}")


def deepfool(model: nn.Module, x: torch.Tensor, *, num_candidates: int = 10, overshoot: float = 0.02,
             max_iter: int = 50) -> AttackResult:
    """Untargeted l2-DeepFool on a batch ``x`` (N, ...); the adversarial is x + (1 + overshoot) r_tot.

    Like the original DeepFool this ignores the valid range (§2.2): ``x`` may lie anywhere and the
    adversarial is not clipped. ``adv_label`` is the label DeepFool's last check found at exactly
    that point, so no extra pass is made.
    """
    check_deepfool_args(num_candidates, overshoot, max_iter)
    start = prepare(model, x, box=False, label=False)
    b = deepfool_boundary(model, start.x, num_candidates=num_candidates, overshoot=overshoot, max_iter=max_iter)
    return AttackResult.from_adversarial(model, start.x, start.x + (1 + overshoot) * b.r_tot, b.label,
                                         adv_label=b.reached, iterations=b.iterations, grad_evals=b.grad_evals,
                                         forward_evals=b.forward_evals)


__all__ = ["Boundary", "candidate_margins", "check_deepfool_args", "closest_step", "deepfool", "deepfool_boundary", "input_gradients",
           "unit"]
