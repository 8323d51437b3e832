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

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from sfutils.attacks._checks import check_batch, check_int, check_target, prepare
from sfutils.attacks.deepfool import candidate_margins, closest_step, input_gradients, unit
from sfutils.attacks.linear_solver import linear_solver
from sfutils.attacks.result import AttackResult

_FREE, _STEP, _NORMAL = 0, 1, 2  # slot phases, see _Engine


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


@dataclass(frozen=True)
class SparseFoolConfig:
    """Algorithm 2's settings: ``lam`` (the paper's lambda, >= 1), ``max_iter`` SparseFool iterations,
    the final overshoot ``epsilon``, and DeepFool's ``num_candidates``, ``overshoot`` and
    ``df_max_iter``."""

    lam: float = 3.0
    max_iter: int = 50
    epsilon: float = 0.02
    num_candidates: int = 10
    overshoot: float = 0.02
    df_max_iter: int = 50

    def __post_init__(self) -> None:
        if not self.lam >= 1:
            raise ValueError(f"lam must be >= 1 (the paper's lambda), got {self.lam}")
        check_int("max_iter", self.max_iter, 1)
        check_int("df_max_iter", self.df_max_iter, 1)
        check_int("num_candidates", self.num_candidates, 2)
        if not (self.epsilon >= 0 and self.overshoot >= 0):
            raise ValueError(f"epsilon and overshoot must be >= 0, got {self.epsilon} and {self.overshoot}")


@dataclass
class SparseFoolStep:
    """One SparseFool iteration of some samples, as a ``trace`` hook receives it (Fig. 3): for each
    sample index in ``samples``, the iterate ``x_i``, DeepFool's boundary point x_B = x_i + r_adv
    (``boundary``), the point x_i + lam r_adv the hyperplane goes through (``plane``), the unit
    normal w (Eq. 6), LinearSolver's ``x_next`` (Algorithm 1) and the candidate ``adversarial``
    clip(x_0 + (1 + epsilon)(x_next - x_0))."""

    samples: torch.Tensor
    x_i: torch.Tensor
    boundary: torch.Tensor
    plane: torch.Tensor
    normal: torch.Tensor
    x_next: torch.Tensor
    adversarial: torch.Tensor


Trace = Callable[[SparseFoolStep], None]


class _Engine:
    """Algorithm 2 for up to ``slots`` samples in flight, and the per-sample outputs of all N samples.

    Each slot is a small state machine; one :meth:`tick` serves every slot in one round of passes::

        FREE ──admit the next image──► STEP ◄───────────────────────────────────┐
                                        │  one DeepFool step (a graph forward,  │ not fooled yet:
                                        │  K-1 input gradients, a label check   │ restart DeepFool
                                        │  at x_i + (1 + overshoot) r_tot)      │ from x_{i+1}
                                        ▼                                       │
                       label left / df_max_iter / no step possible              │
                                        │                                       │
              k* == DeepFool's label ◄──┴──► NORMAL: normal at x_B (Eq. 6),     │
              (stuck: FREE)                  LinearSolver (Alg. 1), label the ──┤
                                             candidate adversarial              │
                                                                                ▼
                                                         fooled or max_iter: FREE

    Names: ``slots`` index the in-flight state (``sample_of[slot]`` is its sample), ``samples``
    index the N inputs and the outputs.
    """

    def __init__(self, model: nn.Module, x: torch.Tensor, lb: torch.Tensor, ub: torch.Tensor,
                 target: torch.Tensor | None, slots: int, config: SparseFoolConfig, trace: Trace | None) -> None:
        self.model, self.x, self.lb, self.ub, self.target = model, x, lb, ub, target
        self.config, self.trace = config, trace
        n, dev = x.shape[0], x.device
        long = {"dtype": torch.long, "device": dev}
        # per-sample outputs
        self.fool = x.clone()
        self.label = torch.zeros(n, **long)
        self.fool_label = torch.zeros(n, **long)
        self.iterations = torch.zeros(n, **long)
        self.grad_evals = torch.zeros(n, **long)
        self.forward_evals = torch.zeros(n, **long)
        # per-slot state: sample, phase, SparseFool iterate x_i, DeepFool state
        self.sample_of = torch.full((slots,), -1, **long)
        self.phase = torch.full((slots,), _FREE, **long)
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
        return self.admitted < self.x.shape[0] or bool((self.phase != _FREE).any())

    def admit(self) -> None:
        """Fill free slots with the next samples; they start DeepFool at x0."""
        free = (self.phase == _FREE).nonzero().squeeze(1)
        free = free[:self.x.shape[0] - self.admitted]
        if free.numel() == 0:
            return
        samples = torch.arange(self.admitted, self.admitted + free.numel(), device=self.x.device)
        self.admitted += free.numel()
        self.sample_of[free] = samples
        self.x_i[free] = self.x[samples]
        self.outer[free] = 0
        self._restart_deepfool(free)

    def _restart_deepfool(self, slots: torch.Tensor) -> None:
        self.phase[slots] = _STEP
        self.pert[slots] = self.x_i[slots]
        self.r_tot[slots] = 0
        self.df_iter[slots] = 0

    def finish(self, slots: torch.Tensor) -> int:
        """Free ``slots`` whose samples are done; returns how many finished."""
        self.iterations[self.sample_of[slots]] = self.outer[slots]
        self.phase[slots] = _FREE
        self.sample_of[slots] = -1
        return slots.numel()

    def fooled(self, samples: torch.Tensor | slice) -> torch.Tensor:
        """Algorithm 2's stopping test for ``samples``: the candidate's label left the clean label
        (or reached the target)."""
        if self.target is not None:
            return self.fool_label[samples] == self.target[samples]
        return self.fool_label[samples] != self.label[samples]

    def deepfool_step(self, slots: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
        """One DeepFool step for ``slots``; returns the slots that stepped, the points to label
        (x_i + (1 + overshoot) r_tot) and how many samples finished."""
        samples = self.sample_of[slots]
        xg = self.pert[slots].requires_grad_(True)
        with torch.enable_grad():
            logits = self.model(xg)
            finished = self._start_deepfool(slots, samples, logits.detach())
            f = candidate_margins(logits, self.df_label[slots], self.cand[slots])
            w = input_gradients(f, xg)
        self.forward_evals[samples] += 1
        self.grad_evals[samples] += self.cand.shape[1]
        ok, step = closest_step(f.detach(), w)
        live = self.phase[slots] == _STEP  # samples that finished at the start take no step
        finished += self.deepfool_done(slots[live & ~ok])
        keep = live & ok
        slots, step = slots[keep], step[keep]
        self.r_tot[slots] += step
        self.pert[slots] += step
        self.df_iter[slots] += 1
        return slots, self.x_i[slots] + (1 + self.config.overshoot) * self.r_tot[slots], finished

    def _start_deepfool(self, slots: torch.Tensor, samples: torch.Tensor, logits: torch.Tensor) -> int:
        """At a DeepFool start (x_i) take its label and top-k candidates from the logits; at x0 also
        the clean label. Returns how many samples finished right away."""
        first = self.df_iter[slots] == 0  # no step taken yet: at the start x_i
        if not first.any():
            return 0
        k = self.config.num_candidates
        if self.cand.shape[1] == 0:
            if logits.shape[1] < 2:
                raise ValueError("the model must output at least 2 classes")
            width = 1 if self.target is not None else min(k, logits.shape[1]) - 1
            self.cand = self.cand.new_zeros(self.cand.shape[0], width)
        slots, samples, logits = slots[first], samples[first], logits[first]
        new = self.outer[slots] == 0
        clean = logits.argmax(dim=1)
        self.label[samples[new]] = clean[new]
        self.fool_label[samples[new]] = clean[new]
        top = logits.topk(min(k, logits.shape[1]), dim=1).indices
        self.df_label[slots] = top[:, 0]
        self.reached[slots] = top[:, 0]
        if self.target is None:
            self.cand[slots] = top[:, 1:]
            return 0
        self.cand[slots] = self.target[samples, None]
        done = self.fooled(samples) & new  # already the target: success after 0 iterations
        finished = self.finish(slots[done])
        return finished + self.deepfool_done(slots[~done & (self.df_label[slots] == self.target[samples])])

    def _kstar(self, slots: torch.Tensor) -> torch.Tensor:
        """The class whose boundary DeepFool went to: the class reached, or the target."""
        return self.reached[slots] if self.target is None else self.target[self.sample_of[slots]]

    def deepfool_done(self, slots: torch.Tensor) -> int:
        """DeepFool ended for ``slots``: go on to the normal where the class k* reached differs from
        DeepFool's label, else the sample is stuck (it cannot progress). Returns how many finished."""
        found = self._kstar(slots) != self.df_label[slots]
        self.phase[slots[found]] = _NORMAL
        stuck = slots[~found]
        self.outer[stuck] += 1
        return self.finish(stuck)

    def normal_and_solve(self, slots: torch.Tensor) -> torch.Tensor:
        """Normal at x_B (Eq. 6), LinearSolver (Algorithm 1) and the candidate adversarial for
        ``slots``; returns the candidates to label."""
        samples = self.sample_of[slots]
        xb = self.pert[slots].requires_grad_(True)
        with torch.enable_grad():
            margin = candidate_margins(self.model(xb), self.df_label[slots], self._kstar(slots)[:, None])
            normal = unit(input_gradients(margin, xb)[:, 0])
        self.forward_evals[samples] += 1
        self.grad_evals[samples] += 1
        x_i, x0, lb, ub = self.x_i[slots], self.x[samples], self.lb[samples], self.ub[samples]
        plane = x_i + self.config.lam * self.r_tot[slots]
        x_next = linear_solver(x_i, normal, plane, lb, ub)
        self.x_i[slots] = x_next
        self.outer[slots] += 1
        fool = torch.minimum(torch.maximum(x0 + (1 + self.config.epsilon) * (x_next - x0), lb), ub)
        self.fool[samples] = fool
        if self.trace is not None:
            self.trace(SparseFoolStep(samples=samples, x_i=x_i, boundary=xb.detach(), plane=plane,
                                      normal=normal.detach(), x_next=x_next, adversarial=fool))
        return fool

    def label_points(self, stepped: torch.Tensor, df_points: torch.Tensor, solved: torch.Tensor,
                     fools: torch.Tensor) -> int:
        """One no-grad forward labels DeepFool's overshot points and the candidate adversarials;
        then every sample moves on. Returns how many samples finished."""
        if stepped.numel() + solved.numel() == 0:
            return 0
        with torch.no_grad():
            pred = self.model(torch.cat([df_points, fools])).argmax(dim=1)
        self.forward_evals[self.sample_of[stepped]] += 1
        self.forward_evals[self.sample_of[solved]] += 1
        df_pred, fool_pred = pred[:stepped.numel()], pred[stepped.numel():]
        self.reached[stepped] = df_pred
        if self.target is None:
            running = df_pred == self.df_label[stepped]
        else:
            running = df_pred != self.target[self.sample_of[stepped]]
        finished = self.deepfool_done(stepped[~running | (self.df_iter[stepped] >= self.config.df_max_iter)])
        samples = self.sample_of[solved]
        self.fool_label[samples] = fool_pred
        done = self.fooled(samples) | (self.outer[solved] >= self.config.max_iter)
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
        return AttackResult.from_adversarial(self.model, self.x, self.fool, self.label, adv_label=self.fool_label,
                                             target=self.target, iterations=self.iterations,
                                             grad_evals=self.grad_evals, forward_evals=self.forward_evals)


def sparsefool(model: nn.Module, x: torch.Tensor, *, lam: float = 3.0, lb: torch.Tensor | float | None = None,
               ub: torch.Tensor | float | None = None, max_iter: int = 50, epsilon: float = 0.02,
               target: torch.Tensor | int | None = None, num_candidates: int = 10,
               batch_size: int | None = None, overshoot: float = 0.02, df_max_iter: int = 50,
               progress: bool = False, trace: Trace | None = None) -> AttackResult:
    """Sparse adversarial examples for a batch ``x`` (N, ...) in [lb, ub] (default [0, 1]).

    ``lam`` >= 1 is the paper's lambda (1 for MNIST, 3 for CIFAR-10/ImageNet) and ``max_iter``
    bounds the SparseFool iterations (``df_max_iter`` those of each DeepFool run; see
    :class:`SparseFoolConfig`); ``batch_size`` bounds memory: at most that many images are in
    flight, and a finished image hands its slot to the next one (same labels, pixel sets and
    counts; values may differ by float round-off of the batched convolutions); ``target`` (an int
    or one class per sample) gives the targeted variant of §3.3; ``progress`` shows a bar of
    finished images; ``trace``, when given, receives every iteration as a :class:`SparseFoolStep`.
    """
    config = SparseFoolConfig(lam=lam, max_iter=max_iter, epsilon=epsilon, num_candidates=num_candidates,
                              overshoot=overshoot, df_max_iter=df_max_iter)
    if batch_size is not None:
        check_int("batch_size", batch_size, 1)
    start = prepare(model, x, lb=lb, ub=ub, label=False)  # the first DeepFool pass gives the clean label
    x = start.x
    if target is not None:
        with torch.no_grad():
            num_classes = model(x[:1]).shape[1]
        target = check_target(target, x.shape[0], num_classes, x.device)
    engine = _Engine(model, x, start.lb, start.ub, target, min(batch_size or x.shape[0], x.shape[0]), config, trace)
    with tqdm(total=x.shape[0], desc="sparsefool", unit="img", disable=not progress) as bar:
        while engine.busy():
            bar.update(engine.tick())
    return engine.result()


__all__ = ["SparseFoolConfig", "SparseFoolStep", "bounds", "sparsefool"]
