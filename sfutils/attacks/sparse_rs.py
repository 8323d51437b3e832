"""Sparse-RS for the L0 (pixel) threat model: a clean re-implementation from the paper's text.

Croce, Andriushchenko, Singh, Flammarion & Hein, "Sparse-RS: a versatile framework for
query-efficient sparse black-box adversarial attacks", AAAI 2022, §3 (L0-bounded attacks).
Written here from the paper's description; no code of the authors' repository was used, and it
is NOT part of the SparseFool paper. A fixed-budget, score-based attack: it sees only logits.

Per sample, with a budget of ``k`` pixels: start from ``k`` random pixels, each set to a random
vertex of the colour cube {0, 1}^C; at every iteration replace a fraction ``alpha_i`` of the
perturbed pixels by as many random unperturbed ones with new random vertex colours, and accept
the candidate when the margin loss ``z_y - max_{j != y} z_j`` does not increase. The fraction
starts at ``alpha_init`` and halves at iterations 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000
of a 10,000-query run (rescaled to the ``max_iter + 1`` queries of a run here), as in the paper. A
sample stops as soon as it is misclassified; one query (forward pass) per iteration plus one for
the start. The margin is taken against the clean label, so success means the label changed.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sfutils.attacks._checks import check_int, prepare
from sfutils.attacks.result import AttackResult

_HALVINGS = (10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000)  # of a 10k-query run (Croce et al., 2022)


def alpha_schedule(i: int, queries: int, alpha_init: float) -> float:
    """The fraction of the ``k`` pixels resampled at iteration ``i`` of a run of ``queries`` queries
    (piecewise constant, halving)."""
    scaled = int(i / queries * 10_000)
    return alpha_init / 2 ** sum(scaled > h for h in _HALVINGS)


def _margin(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    true = logits.gather(1, y.unsqueeze(1)).squeeze(1)
    other = logits.scatter(1, y.unsqueeze(1), float("-inf")).amax(dim=1)
    return true - other


def _apply(x: torch.Tensor, idx: torch.Tensor, colours: torch.Tensor) -> torch.Tensor:
    """``x`` (N, C, P) with pixels ``idx`` (N, k) set to ``colours`` (N, C, k)."""
    return x.scatter(2, idx.unsqueeze(1).expand(-1, x.shape[1], -1), colours)


def sparse_rs(model: nn.Module, x: torch.Tensor, *, k: int, max_iter: int = 999, alpha_init: float = 0.3,
              seed: int = 0) -> AttackResult:
    """Untargeted Sparse-RS with at most ``k`` perturbed pixels per image of ``x`` (N, C, H, W) in [0, 1].

    The margin loss moves away from the clean label. ``max_iter`` bounds the iterations (candidate
    queries after the start: ``max_iter + 1`` queries in all); ``iterations`` counts accepted or
    rejected candidates, ``forward_evals`` the queries plus the clean and the final label,
    ``grad_evals`` is zero.
    """
    check_int("max_iter", max_iter, 0)
    if not 0 < alpha_init <= 1:
        raise ValueError(f"alpha_init must lie in (0, 1], got {alpha_init}")
    start = prepare(model, x)
    x, label = start.x, start.label
    if x.dim() != 4:
        raise ValueError(f"Sparse-RS perturbs pixels of images (N, C, H, W), got shape {tuple(x.shape)}")
    n, c, h, w = x.shape
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= h * w:
        raise ValueError(f"k must be an int pixel budget in [1, {h * w}], got {k!r}")
    dev = x.device
    gen = torch.Generator(device="cpu").manual_seed(seed)

    def rand(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=gen).to(dev)

    flat = x.flatten(2)
    idx = rand(n, h * w).argsort(dim=1)[:, :k]
    colours = (rand(n, c, k) < 0.5).to(x.dtype)
    with torch.no_grad():
        logits = model(_apply(flat, idx, colours).view_as(x))
    loss = _margin(logits, label)
    queries = torch.ones(n, dtype=torch.long, device=dev)
    for i in range(1, max_iter + 1):
        act = (loss >= 0).nonzero().squeeze(1)
        if act.numel() == 0:
            break
        m = max(1, min(k, math.ceil(alpha_schedule(i, max_iter + 1, alpha_init) * k)))
        na = act.numel()
        out_pos = rand(na, k).argsort(dim=1)[:, :m]  # positions in the set to replace
        free = rand(na, h * w)
        free.scatter_(1, idx[act], 2.0)  # never pick a pixel already in the set
        new_pix = free.argsort(dim=1)[:, :m]
        cand_idx = idx[act].scatter(1, out_pos, new_pix)
        cand_col = colours[act].scatter(2, out_pos.unsqueeze(1).expand(-1, c, -1), (rand(na, c, m) < 0.5).to(x.dtype))
        with torch.no_grad():
            cand_loss = _margin(model(_apply(flat[act], cand_idx, cand_col).view(na, c, h, w)), label[act])
        queries[act] += 1
        better = cand_loss <= loss[act]
        upd = act[better]
        idx[upd], colours[upd], loss[upd] = cand_idx[better], cand_col[better], cand_loss[better]
    adv = _apply(flat, idx, colours).view_as(x)
    return AttackResult.from_adversarial(model, x, adv, label, iterations=queries - 1,
                                         grad_evals=torch.zeros_like(queries), forward_evals=queries + 1)
