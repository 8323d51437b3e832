"""The "one-pixel attack" (Su, Vargas & Sakurai, 2019), the evolutionary baseline of Table 1 (§4.1).

A candidate is k pixels, each (row, col, one value per channel) ((index, value) for (N, d)
inputs). Differential evolution as in Su et al.: population ``popsize``, DE/rand/1 mutation
x_r1 + F (x_r2 - x_r3) with F = 0.5 and r1, r2, r3, i distinct, no crossover, each child
replacing its parent when its fitness is not worse; coordinates start uniform, values from
N(0.5, 0.5) clipped to [0, 1] (Su's N(128, 127) on 0-255); out-of-range genes of a child are
redrawn uniformly in range (as scipy does). Untargeted fitness: the softmax probability of the
clean label; a sample stops as soon as one evaluated candidate is misclassified. As the SparseFool
paper ran it (§4.1), k starts at 1 and grows by one until an adversarial is found (or ``max_k``):
:func:`one_pixel` with ``schedule="exact"``. ``schedule="fast"`` grows k along the faster schedule of
:func:`k_schedule` (1, 2, 3, 4, 6, 8, 12, 16, 24, ...), each step from 2 on at most 1.5x the last, for
images that need tens of pixels (MNIST): the k it reports is an upper bound on the smallest k that
succeeds, within a factor 1.5 (the function's docstring says precisely how).

Why not ``scipy.optimize.differential_evolution`` (what Su et al.'s code wraps): it optimises
one image at a time on the CPU and calls the objective once per generation for one population.
Here every generation of *all* still-running samples is one batched tensor program: all
candidates of all samples are rendered and classified in a few large forward passes (chunked
by ``batch_size`` images), on any device. ``forward_evals`` counts queries: images classified.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from tqdm.auto import tqdm

from sfutils.attacks._checks import check_int, prepare
from sfutils.attacks.result import AttackResult

F_SCALE = 0.5


class _Layout:
    """Where a flat pixel index and its channels live: (N, C, S) views of (N, C, H, W) or (N, ...)."""

    def __init__(self, x: torch.Tensor):
        self.channels = x.shape[1] if x.dim() == 4 else 1
        self.spatial = tuple(x.shape[2:]) if x.dim() == 4 else tuple(x.shape[1:])
        self.pixels = math.prod(self.spatial)
        self.genes = len(self.spatial) + self.channels  # per pixel: coordinates, then values

    def high(self, k: int, device: torch.device) -> torch.Tensor:
        """Upper bound of every gene of a k-pixel candidate (lower bounds are 0)."""
        per_pixel = [float(s) for s in self.spatial] + [1.0] * self.channels
        return torch.tensor(per_pixel * k, device=device)

    def render(self, xs: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
        """Images (M, C, S) with candidates (M, k * genes) written into copies of ``xs`` (M, C, S)."""
        m = cand.shape[0]
        cand = cand.view(m, -1, self.genes)
        coords = cand[..., :len(self.spatial)].floor().long()
        pos = torch.zeros(cand.shape[:2], dtype=torch.long, device=cand.device)
        for dim, size in enumerate(self.spatial):
            pos = pos * size + coords[..., dim].clamp(0, size - 1)
        vals = cand[..., len(self.spatial):].to(xs.dtype)
        out = xs.clone()
        for j in range(cand.shape[1]):  # one pixel at a time: a repeated pixel keeps its last value
            out.scatter_(2, pos[:, None, j:j + 1].expand(m, self.channels, 1), vals[:, j, :, None])
        return out


def _distinct_parents(a: int, p: int, g: torch.Generator) -> torch.Tensor:
    """(a, p, 3) indices r1, r2, r3 into a population of p, pairwise distinct and != their row i."""
    i = torch.arange(p)[None, :, None]
    r = torch.randint(0, p - 1, (a, p, 3), generator=g)
    r = r + (r >= i).long()
    while True:
        bad = (r[..., 0] == r[..., 1]) | (r[..., 0] == r[..., 2]) | (r[..., 1] == r[..., 2])
        if not bad.any():
            return r
        fresh = torch.randint(0, p - 1, (int(bad.sum()), 3), generator=g)
        r[bad] = fresh + (fresh >= i.expand(a, p, 1)[bad]).long()


class _Evaluator:
    """Fitness (softmax probability of the clean label) and labels of candidates, in chunks."""

    def __init__(self, model: nn.Module, xs: torch.Tensor, shape: tuple[int, ...], layout: _Layout,
                 batch_size: int):
        self.model, self.xs, self.shape, self.layout, self.batch_size = model, xs, shape, layout, batch_size

    @torch.no_grad()
    def __call__(self, owner: torch.Tensor, label: torch.Tensor, cand: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """``owner`` (M,) sample index of each candidate row of ``cand`` (M, genes) -> (prob, pred)."""
        probs, preds = [], []
        for s in range(0, cand.shape[0], self.batch_size):
            sl = slice(s, s + self.batch_size)
            imgs = self.layout.render(self.xs[owner[sl]], cand[sl])
            logits = self.model(imgs.view(-1, *self.shape))
            probs.append(logits.softmax(dim=1).gather(1, label[owner[sl], None]).squeeze(1))
            preds.append(logits.argmax(dim=1))
        return torch.cat(probs), torch.cat(preds)


def _gather_rows(pop: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """pop (A, P, G) indexed along P by rows (A, P') -> (A, P', G)."""
    return pop.gather(1, rows[..., None].expand(-1, -1, pop.shape[2]))


def _best(cand: torch.Tensor, c_fit: torch.Tensor, c_pred: torch.Tensor, pop: torch.Tensor, fit: torch.Tensor,
          label: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per sample: whether a misclassified ``cand`` exists, and the fittest such one, else the fittest of ``pop``."""
    hit_fit = torch.where(c_pred != label[:, None], c_fit, torch.full_like(c_fit, math.inf)).min(dim=1)
    found = torch.isfinite(hit_fit.values)
    best = torch.where(found[:, None], _gather_rows(cand, hit_fit.indices[:, None])[:, 0],
                       _gather_rows(pop, fit.argmin(dim=1)[:, None])[:, 0])
    return found, best


def _evolve(evaluate: _Evaluator, layout: _Layout, idx: torch.Tensor, label: torch.Tensor, k: int,
            popsize: int, max_iter: int, g: torch.Generator
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """DE with k pixels for the samples ``idx``: (found, best candidate, generations, queries)."""
    a, dev = idx.numel(), idx.device
    high = layout.high(k, dev)
    genes = high.numel()
    is_value = torch.tensor(([False] * len(layout.spatial) + [True] * layout.channels) * k, device=dev)
    uniform = torch.rand(a, popsize, genes, generator=g).to(dev) * high
    normal = (0.5 + 0.5 * torch.randn(a, popsize, genes, generator=g)).clamp(0, 1).to(dev)
    pop = torch.where(is_value, normal, uniform)
    lab = label[idx]

    def fitness(rows: torch.Tensor, cand: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        prob, pred = evaluate(idx[rows].repeat_interleave(popsize), label, cand.reshape(-1, genes))
        return prob.view(-1, popsize), pred.view(-1, popsize)

    everyone = torch.arange(a, device=dev)
    fit, pred = fitness(everyone, pop)
    found, best = _best(pop, fit, pred, pop, fit, lab)
    queries = torch.full((a,), popsize, dtype=torch.long, device=dev)
    gens = torch.zeros(a, dtype=torch.long, device=dev)
    for _ in range(max_iter):
        run = (~found).nonzero().squeeze(1)
        if run.numel() == 0:
            break
        r = _distinct_parents(run.numel(), popsize, g).to(dev)
        parents = pop[run]
        child = _gather_rows(parents, r[..., 0]) + F_SCALE * (_gather_rows(parents, r[..., 1])
                                                              - _gather_rows(parents, r[..., 2]))
        redraw = torch.rand(child.shape, generator=g).to(dev) * high
        child = torch.where((child < 0) | (child >= high), redraw, child)
        c_fit, c_pred = fitness(run, child)
        queries[run] += popsize
        gens[run] += 1
        better = c_fit <= fit[run]
        pop[run] = torch.where(better[..., None], child, parents)
        fit[run] = torch.where(better, c_fit, fit[run])
        found[run], best[run] = _best(child, c_fit, c_pred, pop[run], fit[run], lab[run])
    return found, best, gens, queries


def k_schedule(k: int, max_k: int, schedule: str = "exact") -> list[int]:
    """The values of k tried in turn, from ``k`` up to ``max_k``.

    ``"exact"``: k, k + 1, ..., max_k (the paper's protocol, §4.1). ``"fast"``: k, then the values
    1, 2, 3, 4, 6, 8, 12, 16, 24, 32, ... (2^i and 3 * 2^i) above it, then ``max_k``; from 2 on each
    value is at most 1.5x the one before (k = 1 to 4 are the same as the exact schedule's).
    """
    check_int("k", k, 1)
    check_int("max_k", max_k, k)
    if schedule == "exact":
        return list(range(k, max_k + 1))
    if schedule != "fast":
        raise ValueError(f"schedule must be 'exact' or 'fast', got {schedule!r}")
    steps, i = set(), 0
    while 2 ** i < max_k:
        steps |= {2 ** i, 3 * 2 ** i}
        i += 1
    return [k, *sorted(v for v in steps if k < v < max_k), *([max_k] if max_k > k else [])]


def one_pixel(model: nn.Module, x: torch.Tensor, *, k: int = 1, max_k: int | None = None, popsize: int = 400,
              max_iter: int = 100, schedule: str = "exact", seed: int = 0, batch_size: int = 256,
              progress: bool = False) -> AttackResult:
    """The k-pixel DE attack on a batch ``x`` (N, ...) in [0, 1], growing k until success (§4.1).

    k runs from ``k`` to ``max_k`` (default: ``k``, a single k; the paper grows it without bound,
    which costs up to ``popsize * (max_iter + 1)`` queries per sample and k) along
    :func:`k_schedule`'s ``schedule``: ``"exact"`` grows k by one, as the paper does; ``"fast"``
    tries k, then 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, ... above it, the same DE at every k.
    ``max_iter`` is the number of DE generations per k; ``batch_size`` bounds the candidate images
    classified in one forward pass (memory and speed only, the answers are the same: on a 2-core CPU
    256 beats 4096, as ``benchmarks/bench_one_pixel.py`` measures side by side). Adversarials stay in
    [0, 1]; a failed sample returns the fittest candidate of its last k. ``iterations`` counts DE
    generations over all k. Randomness is drawn on the CPU from ``seed``: results are reproducible
    for a given batch (they depend on which samples are still running).

    How the fast schedule approximates the smallest k: a sample's reported k (its perturbed pixels
    are at most k) is the first value of the schedule at which DE found an adversarial, k_j, after
    failing at every earlier value, k_{j-1} among them. The exact schedule would have tried
    k_{j-1} + 1, ..., k_j - 1 too, so the smallest k at which DE succeeds (the exact schedule's
    answer, on the same draws) lies in (k_{j-1}, k_j] provided DE succeeding at k also succeeds at
    every larger k: the reported k_j is an upper bound on it and less than 1.5x it (k_j <= 1.5
    k_{j-1} for k_j > 4), and it is exact where k_j <= 4 (the schedules coincide there, and so do the
    random draws: a batch whose samples all succeed by k = 4 gets bit for bit the same adversarials
    from both schedules).
    """
    return _grow_k(model, x, k, k if max_k is None else max_k, schedule, popsize, max_iter, seed, batch_size,
                   progress)


def _grow_k(model: nn.Module, x: torch.Tensor, k: int, max_k: int, schedule: str, popsize: int, max_iter: int,
            seed: int, batch_size: int, progress: bool) -> AttackResult:
    """The DE attack at each k of ``k_schedule(k, max_k, schedule)`` in turn, for the samples not yet fooled."""
    check_int("k", k, 0)
    check_int("max_k", max_k, 0)
    check_int("popsize", popsize, 4)
    check_int("max_iter", max_iter, 0)
    check_int("batch_size", batch_size, 1)
    start = prepare(model, x)
    x, label = start.x, start.label
    layout = _Layout(x)
    if not 1 <= k <= max_k <= layout.pixels:
        raise ValueError(f"need 1 <= k <= max_k <= pixels per input ({layout.pixels}), got k={k}, max_k={max_k}")
    n, dev = x.shape[0], x.device
    xs = x.reshape(n, layout.channels, layout.pixels)
    evaluate = _Evaluator(model, xs, tuple(x.shape[1:]), layout, batch_size)
    g = torch.Generator().manual_seed(seed)
    adversarial = x.clone()
    done = torch.zeros(n, dtype=torch.bool, device=dev)
    iterations = torch.zeros(n, dtype=torch.long, device=dev)
    forward_evals = torch.ones(n, dtype=torch.long, device=dev)  # the clean label
    for kk in tqdm(k_schedule(k, max_k, schedule), desc="one-pixel k", disable=not progress):
        idx = (~done).nonzero().squeeze(1)
        if idx.numel() == 0:
            break
        found, best, gens, queries = _evolve(evaluate, layout, idx, label, kk, popsize, max_iter, g)
        adversarial[idx] = layout.render(xs[idx], best).view(-1, *x.shape[1:])
        done[idx] = found
        iterations[idx] += gens
        forward_evals[idx] += queries
    # the reported labels come from the returned adversarials themselves
    return AttackResult.from_adversarial(model, x, adversarial, label, iterations=iterations,
                                         grad_evals=torch.zeros_like(iterations), forward_evals=forward_evals)


__all__ = ["k_schedule", "one_pixel"]
