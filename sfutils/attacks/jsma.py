"""JSMA (Papernot et al., 2016), the saliency-map baseline of SparseFool's Table 1 (§4.1), batched.

As the SparseFool paper ran it (§4.1): JSMA is targeted, so its "untargeted" version draws a
random target class different from the clean label for every sample (:func:`random_targets`),
and the success condition is changed from "label == target" to "label != source": a sample stops
as soon as its label changes. Everything else follows cleverhans' ``jsma_symbolic``: the
saliency map is built from the gradients of the *logits* (not the softmax; the "JSMA-Z" of
Carlini & Wagner), features are the input's elements (pixel-channels), the search domain starts
as the elements not yet at the bound theta pushes towards, and every iteration changes the pair
(p, q) of domain elements, p != q, maximising

    alpha = dZ_t/dx_p + dZ_t/dx_q,   beta = sum_{j != t} (dZ_j/dx_p + dZ_j/dx_q),
    S(p, q) = -alpha * beta   subject to alpha > 0, beta < 0   (alpha < 0, beta > 0 for theta < 0),

adds theta to both (clipped to [0, 1]) and removes them from the domain; at most
floor(gamma * d / 2) iterations, i.e. at most a fraction gamma of the d elements changes. A
sample for which no admissible pair remains stops unsuccessfully (cleverhans would instead keep
bumping element 0). The pair search is quadratic in d (one sample at a time, over its search domain):
fine for MNIST/CIFAR-10, impractical for ImageNet, which is why the paper skips JSMA there.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sfutils.attacks._checks import check_target, prepare
from sfutils.attacks.result import AttackResult

_SCORE_CHUNK = 2 ** 18  # pair scores per block of rows in best_pairs (1 MiB of float32)
JSMA_GAMMA = 0.145  # the original JSMA paper's maximal distortion (14.5 % of the elements, MNIST)


def random_targets(label: torch.Tensor, num_classes: int, seed: int = 0) -> torch.Tensor:
    """One target per sample, uniform over the classes != ``label`` (the paper's untargeted JSMA, §4.1).

    Drawn on the CPU from ``seed`` so the targets do not depend on the device.
    """
    if num_classes < 2:
        raise ValueError(f"a random target needs at least 2 classes, got {num_classes}")
    g = torch.Generator().manual_seed(seed)
    shift = torch.randint(1, num_classes, tuple(label.shape), generator=g).to(label.device)
    return (label + shift) % num_classes


def best_pairs(a: torch.Tensor, b: torch.Tensor, domain: torch.Tensor, increase: bool
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The saliency-maximising pair per sample, vectorised over all pairs of the search domain.
    ``a`` = dZ_t/dx and ``b`` = sum_{j != t} dZ_j/dx, flattened to (A, d); ``domain`` (A, d) bool.
    Returns p, q (first maximiser in row-major order of the d x d score matrix) and whether an
    admissible pair exists.

    Per sample, only the domain's m elements enter an m x m matrix, and the admissibility test is
    folded into the score: relu(alpha) * relu(-beta) equals -alpha * beta where alpha > 0 and
    beta < 0, bit for bit, and is 0 elsewhere. With ``increase=False`` the signs of a and b are
    flipped first, which changes no bit of the score either: rounding is symmetric, so a sum or
    product of negated numbers is the negated rounded result. Whenever the largest score is
    positive the first maximiser is the same pair as with the masked -alpha * beta of cleverhans;
    a sample whose largest score is 0 (no admissible pair, or admissible ones whose product
    underflows to 0) or whose gradients are not all finite (inf * 0 would make a NaN score) falls
    back to :func:`_best_pair_masked`. The matrix is scored in blocks of rows that stay in cache:
    the whole attack runs several times faster than with the masked score, with identical
    adversarials (measured side by side in benchmarks/jsma.md and benchmarks/speed.md).
    """
    n = a.shape[0]
    p = torch.zeros(n, dtype=torch.long, device=a.device)
    q, ok = torch.zeros_like(p), torch.zeros(n, dtype=torch.bool, device=a.device)
    sign = 1.0 if increase else -1.0
    for i in range(n):
        idx = domain[i].nonzero().squeeze(1)
        m = idx.numel()
        if m < 2:
            continue
        aa, nb = sign * a[i, idx], -sign * b[i, idx]
        if not (torch.isfinite(aa).all() and torch.isfinite(nb).all()):
            p[i], q[i], ok[i] = _best_pair_masked(a[i], b[i], domain[i], increase)
            continue
        best, arg = 0.0, 0
        rows = max(1, _SCORE_CHUNK // m)
        for r in range(0, m, rows):  # blocks of rows: small enough to stay in cache
            score = (aa[r:r + rows, None] + aa[None, :]).clamp_min_(0).mul_(
                (nb[r:r + rows, None] + nb[None, :]).clamp_min_(0))
            score.diagonal(offset=r).zero_()
            top = int(score.view(-1).argmax())  # the first maximiser of the block
            if float(score.view(-1)[top]) > best:  # strictly: an earlier block keeps a tie
                best, arg = float(score.view(-1)[top]), r * m + top
        if best > 0:
            p[i], q[i], ok[i] = idx[arg // m], idx[arg % m], True
        else:
            p[i], q[i], ok[i] = _best_pair_masked(a[i], b[i], domain[i], increase)
    return p, q, ok


def _best_pair_masked(a: torch.Tensor, b: torch.Tensor, domain: torch.Tensor, increase: bool
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`best_pairs` for one sample (``a``, ``b``, ``domain`` of shape (d,)) as cleverhans
    writes it: -alpha * beta over the admissible pairs, -inf elsewhere."""
    d = a.numel()
    alpha, beta = a[:, None] + a[None, :], b[:, None] + b[None, :]
    ok = (alpha > 0) & (beta < 0) if increase else (alpha < 0) & (beta > 0)
    ok &= domain[:, None] & domain[None, :] & ~torch.eye(d, dtype=torch.bool, device=a.device)
    best = torch.where(ok, -alpha * beta, torch.full_like(alpha, -math.inf)).view(-1).argmax()
    return best // d, best % d, ok.any()


def _target_other_gradients(logits: torch.Tensor, x: torch.Tensor, target: torch.Tensor, rows: torch.Tensor
                            ) -> tuple[torch.Tensor, torch.Tensor]:
    """dZ_t/dx and d(sum_{j != t} Z_j)/dx for the selected ``rows`` (two backward passes)."""
    z_t = logits.gather(1, target[:, None]).squeeze(1)
    z_o = logits.sum(dim=1) - z_t
    g_t = torch.autograd.grad(z_t[rows].sum(), x, retain_graph=True)[0][rows]
    g_o = torch.autograd.grad(z_o[rows].sum(), x)[0][rows]
    return g_t.flatten(1), g_o.flatten(1)


def jsma(model: nn.Module, x: torch.Tensor, *, target: torch.Tensor | int | None = None, theta: float = 1.0,
         gamma: float = JSMA_GAMMA, seed: int = 0) -> AttackResult:
    """Untargeted-as-in-the-paper JSMA on a batch ``x`` (N, ...) in [0, 1]; adversarials stay in [0, 1].

    ``target`` steers the saliency map (default: :func:`random_targets` of the clean labels with
    ``seed``; pass it explicitly to know it); success is ``adv_label != label`` either way (§4.1).
    ``theta`` > 0 increases elements (cleverhans' default +1), < 0 decreases them; ``gamma`` is
    the maximal fraction of elements changed, by default :data:`JSMA_GAMMA` = 14.5 %, the
    distortion cap of the original JSMA paper (Papernot et al. 2016, MNIST, theta = +1): SparseFool's
    §4.1 names no cap, but its JSMA fooling rate below 100 % on MNIST (95.73 %, Table 1) points to
    one, and the original's is the one a re-run of JSMA gets by default (cleverhans' ``gamma`` = 1
    lets JSMA change every element). ``iterations`` counts changed pairs; every
    iteration costs one forward and two backward passes (the backward passes run through every
    sample of the forward, the finished ones included, and count for all of them), and the last
    forward of each sample classifies its returned adversarial.
    """
    if not (math.isfinite(theta) and theta != 0 and abs(theta) <= 1):
        raise ValueError(f"theta must be a nonzero value in [-1, 1], got {theta}")
    if not 0 < gamma <= 1:
        raise ValueError(f"gamma (max fraction of changed elements) must lie in (0, 1], got {gamma}")
    start = prepare(model, x, label=False)
    x = start.x
    increase = theta > 0
    n, dev = x.shape[0], x.device
    adv = x.clone()
    flat = adv.view(n, -1)
    domain = (flat < 1) if increase else (flat > 0)
    max_iters = math.floor(flat.shape[1] * gamma / 2)
    iterations = torch.zeros(n, dtype=torch.long, device=dev)
    grad_evals = torch.zeros(n, dtype=torch.long, device=dev)
    forward_evals = torch.zeros(n, dtype=torch.long, device=dev)
    label = adv_label = tgt = None
    active = torch.arange(n, device=dev)

    while active.numel():
        xa = adv[active].requires_grad_(True)
        with torch.enable_grad():
            logits = model(xa)
            forward_evals[active] += 1
            pred = logits.detach().argmax(dim=1)
            if label is None:  # the first pass is at the clean input
                label, adv_label = pred.clone(), pred.clone()
                tgt = random_targets(label, logits.shape[1], seed) if target is None else \
                    check_target(target, n, logits.shape[1], dev)
                if (tgt == label).any():
                    raise ValueError("target must differ from the clean label of every sample")
            adv_label[active] = pred
            go = ((pred == label[active]) & (iterations[active] < max_iters)
                  & (domain[active].sum(dim=1) >= 2)).nonzero().squeeze(1)
            if go.numel() == 0:
                break
            a, b = _target_other_gradients(logits, xa, tgt[active], go)
        grad_evals[active] += 2  # both backward passes run through every row of the forward
        sub = active[go]
        p, q, found = best_pairs(a, b, domain[sub], increase)
        sub, p, q = sub[found], p[found], q[found]  # samples without an admissible pair stop here
        for idx in (p, q):
            flat[sub, idx] = (flat[sub, idx] + theta).clamp(0.0, 1.0)
            domain[sub, idx] = False
        iterations[sub] += 1
        active = sub

    return AttackResult.from_adversarial(model, x, adv, label, adv_label=adv_label, iterations=iterations,
                                         grad_evals=grad_evals, forward_evals=forward_evals)


__all__ = ["JSMA_GAMMA", "best_pairs", "jsma", "random_targets"]
