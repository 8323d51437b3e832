"""SparseFool (Algorithm 2 of Modas et al., CVPR 2019), batched over samples.

Per sample, exactly as the authors' implementation: at every iteration i DeepFool is restarted
from x_i, giving r_tot and the unit normal w at x_B = x_i + r_tot (Eq. 6); LinearSolver
(Algorithm 1) moves x_i towards the hyperplane through x_i + lam * r_tot (§3.3's lambda) inside
[lb, ub]; the candidate adversarial is clip(x0 + (1 + epsilon)(x_{i+1} - x0)); the loop stops when
its label differs from the clean label (or equals ``target``) or after ``max_iter`` iterations.

Scheduling (speed only, the arithmetic per sample is unchanged). Each sample is a small state
machine: DeepFool steps (a graph-recording forward, K-1 input gradients, a label check at
x_i + (1 + overshoot) r_tot), then the normal at x_B (one gradient), LinearSolver and the label
check of the candidate adversarial. Every model pass serves all in-flight samples that need that
kind of pass, whatever their SparseFool or DeepFool iteration, and a finished sample hands its slot
to the next image (at most ``batch_size`` in flight). Nested loops would instead wait, at every
SparseFool iteration, for the slowest DeepFool of the batch, and run most passes half empty.
The first DeepFool forward at x0 also gives the clean label.
"""

from __future__ import annotations

import torch
from torch import nn
from tqdm.auto import tqdm

from sfutils.attacks._checks import check_batch, check_model, check_target, resolve_bounds
from sfutils.attacks.deepfool import candidate_margins, closest_step, input_gradients, unit
from sfutils.attacks.linear_solver import linear_solver
from sfutils.attacks.result import AttackResult

_EMPTY, _STEP, _NORMAL = 0, 1, 2  # slot phases: free, in a DeepFool step, at the normal + LinearSolver


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


class _Engine:
    """In-flight state of up to ``slots`` samples and the per-sample outputs of all N samples."""

    def __init__(self, model: nn.Module, x: torch.Tensor, lb: torch.Tensor, ub: torch.Tensor,
                 target: torch.Tensor | None, slots: int, lam: float, max_iter: int, epsilon: float,
                 num_candidates: int, overshoot: float, df_max_iter: int) -> None:
        self.model, self.x, self.lb, self.ub, self.target = model, x, lb, ub, target
        self.lam, self.max_iter, self.epsilon = lam, max_iter, epsilon
        self.num_candidates, self.overshoot, self.df_max_iter = num_candidates, overshoot, df_max_iter
        n, dev = x.shape[0], x.device
        long = {"dtype": torch.long, "device": dev}
        # per-sample outputs
        self.fool = x.clone()
        self.label = torch.zeros(n, **long)
        self.fool_label = torch.zeros(n, **long)
        self.iterations = torch.zeros(n, **long)
        self.grad_evals = torch.zeros(n, **long)
        self.forward_evals = torch.zeros(n, **long)
        # per-slot state: sample index, phase, SparseFool iterate, DeepFool state
        self.idx = torch.full((slots,), -1, **long)
        self.phase = torch.full((slots,), _EMPTY, **long)
        self.x_i = torch.empty((slots, *x.shape[1:]), dtype=x.dtype, device=dev)
        self.pert = torch.empty_like(self.x_i)
        self.r_tot = torch.empty_like(self.x_i)
        self.df_label = torch.zeros(slots, **long)
        self.cand = torch.zeros(slots, 0, **long)  # K-1 columns, sized at the first forward
        self.reached = torch.zeros(slots, **long)
        self.df_iter = torch.zeros(slots, **long)
        self.outer = torch.zeros(slots, **long)
        self.admitted = 0

    def busy(self) -> bool:
        return self.admitted < self.x.shape[0] or bool((self.phase != _EMPTY).any())

    def admit(self) -> None:
        """Fill free slots with the next samples; they start DeepFool at x0."""
        free = (self.phase == _EMPTY).nonzero().squeeze(1)
        free = free[:self.x.shape[0] - self.admitted]
        if free.numel() == 0:
            return
        g = torch.arange(self.admitted, self.admitted + free.numel(), device=self.x.device)
        self.admitted += free.numel()
        self.idx[free] = g
        self.x_i[free] = self.x[g]
        self.outer[free] = 0
        self._restart_deepfool(free)

    def _restart_deepfool(self, s: torch.Tensor) -> None:
        self.phase[s] = _STEP
        self.pert[s] = self.x_i[s]
        self.r_tot[s] = 0
        self.df_iter[s] = 0

    def finish(self, s: torch.Tensor) -> int:
        """Free slots ``s`` whose samples are done; returns how many finished."""
        self.iterations[self.idx[s]] = self.outer[s]
        self.phase[s] = _EMPTY
        self.idx[s] = -1
        return s.numel()

    def fooled(self, g: torch.Tensor) -> torch.Tensor:
        """Algorithm 2's stopping test for samples ``g``: the candidate's label left the clean label
        (or reached the target)."""
        if self.target is not None:
            return self.fool_label[g] == self.target[g]
        return self.fool_label[g] != self.label[g]

    def deepfool_step(self, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
        """One DeepFool step for slots ``s``; returns the slots that stepped, the points to label
        (x_i + (1 + overshoot) r_tot) and how many samples finished."""
        g = self.idx[s]
        xg = self.pert[s].requires_grad_(True)
        with torch.enable_grad():
            logits = self.model(xg)
            finished = self._start_deepfool(s, g, logits.detach())
            f = candidate_margins(logits, self.df_label[s], self.cand[s])
            w = input_gradients(f, xg)
        self.forward_evals[g] += 1
        self.grad_evals[g] += self.cand.shape[1]
        ok, step = closest_step(f.detach(), w)
        live = self.phase[s] == _STEP  # samples that finished at the start take no step
        finished += self.deepfool_done(s[live & ~ok])
        keep = live & ok
        s, step = s[keep], step[keep]
        self.r_tot[s] += step
        self.pert[s] += step
        self.df_iter[s] += 1
        return s, self.x_i[s] + (1 + self.overshoot) * self.r_tot[s], finished

    def _start_deepfool(self, s: torch.Tensor, g: torch.Tensor, logits: torch.Tensor) -> int:
        """At a DeepFool start (x_i) take its label and top-k candidates from the logits; at x0 also
        the clean label. Returns how many samples finished right away."""
        first = self.df_iter[s] == 0  # no step taken yet: at the start x_i
        if not first.any():
            return 0
        if self.cand.shape[1] == 0:
            if logits.shape[1] < 2:
                raise ValueError("the model must output at least 2 classes")
            width = 1 if self.target is not None else min(self.num_candidates, logits.shape[1]) - 1
            self.cand = self.cand.new_zeros(self.cand.shape[0], width)
        s, g, logits = s[first], g[first], logits[first]
        new = self.outer[s] == 0
        clean = logits.argmax(dim=1)
        self.label[g[new]] = clean[new]
        self.fool_label[g[new]] = clean[new]
        top = logits.topk(min(self.num_candidates, logits.shape[1]), dim=1).indices
        self.df_label[s] = top[:, 0]
        self.reached[s] = top[:, 0]
        if self.target is None:
            self.cand[s] = top[:, 1:]
            return 0
        self.cand[s] = self.target[g, None]
        done = self.fooled(g) & new  # already the target: success after 0 iterations
        finished = self.finish(s[done])
        return finished + self.deepfool_done(s[~done & (self.df_label[s] == self.target[g])])

    def deepfool_done(self, s: torch.Tensor) -> int:
        """DeepFool ended for slots ``s``: go on to the normal where the class k* reached differs from
        DeepFool's label, else the sample is stuck (it cannot progress). Returns how many finished."""
        kstar = self.reached[s] if self.target is None else self.target[self.idx[s]]
        found = kstar != self.df_label[s]
        self.phase[s[found]] = _NORMAL
        stuck = s[~found]
        self.outer[stuck] += 1
        return self.finish(stuck)

    def normal_and_solve(self, s: torch.Tensor) -> torch.Tensor:
        """Normal at x_B (Eq. 6), LinearSolver (Algorithm 1) and the candidate adversarial for slots
        ``s``; returns the candidates to label."""
        g = self.idx[s]
        kstar = self.reached[s] if self.target is None else self.target[g]
        xb = self.pert[s].requires_grad_(True)
        with torch.enable_grad():
            normal = input_gradients(candidate_margins(self.model(xb), self.df_label[s], kstar[:, None]), xb)[:, 0]
        self.forward_evals[g] += 1
        self.grad_evals[g] += 1
        x_i, x0, lb, ub = self.x_i[s], self.x[g], self.lb[g], self.ub[g]
        x_i = linear_solver(x_i, unit(normal), x_i + self.lam * self.r_tot[s], lb, ub)
        self.x_i[s] = x_i
        self.outer[s] += 1
        fool = torch.minimum(torch.maximum(x0 + (1 + self.epsilon) * (x_i - x0), lb), ub)
        self.fool[g] = fool
        return fool

    def label_points(self, stepped: torch.Tensor, df_points: torch.Tensor, solved: torch.Tensor,
                     fools: torch.Tensor) -> int:
        """One no-grad forward labels DeepFool's overshot points and the candidate adversarials;
        then every sample moves on. Returns how many samples finished."""
        if stepped.numel() + solved.numel() == 0:
            return 0
        with torch.no_grad():
            pred = self.model(torch.cat([df_points, fools])).argmax(dim=1)
        self.forward_evals[self.idx[stepped]] += 1
        self.forward_evals[self.idx[solved]] += 1
        df_pred, fool_pred = pred[:stepped.numel()], pred[stepped.numel():]
        self.reached[stepped] = df_pred
        if self.target is None:
            running = df_pred == self.df_label[stepped]
        else:
            running = df_pred != self.target[self.idx[stepped]]
        finished = self.deepfool_done(stepped[~running | (self.df_iter[stepped] >= self.df_max_iter)])
        g = self.idx[solved]
        self.fool_label[g] = fool_pred
        done = self.fooled(g) | (self.outer[solved] >= self.max_iter)
        finished += self.finish(solved[done])
        self._restart_deepfool(solved[~done])
        return finished

    def tick(self) -> int:
        """Admit waiting samples, then one round of passes; returns how many samples finished."""
        self.admit()
        solving = (self.phase == _NORMAL).nonzero().squeeze(1)
        stepping = (self.phase == _STEP).nonzero().squeeze(1)
        finished, empty = 0, self.x.new_empty((0, *self.x.shape[1:]))
        stepped, df_points = stepping, empty
        if stepping.numel():
            stepped, df_points, finished = self.deepfool_step(stepping)
        fools = self.normal_and_solve(solving) if solving.numel() else empty
        return finished + self.label_points(stepped, df_points, solving, fools)

    def result(self) -> AttackResult:
        return AttackResult(adversarial=self.fool, perturbation=self.fool - self.x, label=self.label,
                            adv_label=self.fool_label, success=self.fooled(slice(None)), iterations=self.iterations,
                            grad_evals=self.grad_evals, forward_evals=self.forward_evals)


def sparsefool(model: nn.Module, x: torch.Tensor, lam: float = 3.0, lb: torch.Tensor | float | None = None,
               ub: torch.Tensor | float | None = None, max_iter: int = 50, epsilon: float = 0.02,
               target: torch.Tensor | int | None = None, num_candidates: int = 10,
               batch_size: int | None = None, overshoot: float = 0.02, df_max_iter: int = 50,
               progress: bool = False) -> AttackResult:
    """Sparse adversarial examples for a batch ``x`` (N, ...) in [lb, ub] (default [0, 1]).

    ``lam`` >= 1 is the paper's lambda (1 for MNIST, 3 for CIFAR-10/ImageNet); ``batch_size``
    bounds memory: at most that many images are in flight, and a finished image hands its slot to
    the next one (same labels, pixel sets and counts; values may differ by float round-off of the
    batched convolutions); ``target`` (an int or one class per sample) gives the targeted variant
    of §3.3; ``progress`` shows a bar of finished images.
    """
    check_model(model)
    check_batch(x)
    if lam < 1:
        raise ValueError(f"lam must be >= 1 (the paper's lambda), got {lam}")
    if max_iter < 1 or df_max_iter < 1 or num_candidates < 2:
        raise ValueError("max_iter and df_max_iter must be >= 1 and num_candidates >= 2")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size}")
    lb_t, ub_t = resolve_bounds(x, lb, ub)
    x = x.detach()
    if target is not None:
        with torch.no_grad():
            num_classes = model(x[:1]).shape[1]
        target = check_target(target, x.shape[0], num_classes, x.device)
    engine = _Engine(model, x, lb_t, ub_t, target, min(batch_size or x.shape[0], x.shape[0]), lam, max_iter,
                     epsilon, num_candidates, overshoot, df_max_iter)
    with tqdm(total=x.shape[0], desc="sparsefool", unit="img", disable=not progress) as bar:
        while engine.busy():
            bar.update(engine.tick())
    return engine.result()
