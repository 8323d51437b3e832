"""Checks for the course's exercises: each tests properties of a correct answer, not this package's code.

Every ``check_*`` returns quietly (after printing what it verified) or raises :class:`ExerciseFailed`
with what is wrong, in words. A stub that still raises ``NotImplementedError`` fails with the stub's
hint. The LinearSolver and SparseFool checks accept any implementation of the paper's Algorithms 1
and 2 (Eqs. 4-5, §3.1-3.3), with or without the authors' code's extras (the offset beta, the 1e-4
minimum step, the final (1 + epsilon) step).

The checks test properties of a correct answer and compare with this package's own attacks
(:mod:`sfutils.attacks`, which a student can read: the exercises are for learning, not graded in
secret); no exercise's solution is written out here. While an answer runs, every package function
that answers it (the batched attack, the toy's tracer, the per-sample oracle of
``sfutils/testing/reference.py``) is switched off under every name (:func:`_refusing`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import torch
from torch import nn

from sfutils import stats, toy
from sfutils.paths import tables_dir
from sfutils.attacks import bounds, linear_solver, sparsefool
from sfutils.attacks.deepfool import deepfool_boundary
from sfutils.attacks.sparsefool import _Engine as SparseFoolEngine
from sfutils.testing.reference import ref_linear_solver, ref_sparsefool

# How far past the hyperplane a LinearSolver answer may land: the authors' offset beta = 1e-3 and
# their minimum step of 1e-4 (times |w_d| <= 1) stay well inside it.
PAST_PLANE = 5e-3
# How far outside [lb, ub] an answer may lie: a float32 loop clips to the float32 rounding of lb and ub
# (up to about 6e-8 off), even when it returns float64.
BOX_ROUNDING = 1e-6
# How close a float64 coordinate must be to its reference (or to a wall) to count as equal (float32
# answers get 32 machine epsilons instead).
TINY_MOVE = 1e-9


# Notebook 00's tiered hints, asked for one at a time with hint(exercise, level): each says more.
HINTS: dict[int, tuple[str, ...]] = {
    1: ("Eq. (5) picks the coordinate, Eq. (4) gives the step's length and sign, Q clips it: which numbers decide "
        "each of the three outputs?",
        "On the clean side w.(x - x_B) < 0, and moving x_d by t changes it by w_d * t: which sign of t makes it "
        "grow towards 0?",
        "The step is |w.(x - x_B)| / |w_d| long; Q clips it when that is more than the room ub[d] - x[d] (moving "
        "up) or x[d] - lb[d] (moving down)."),
    2: ("Algorithm 1 has four parts: which coordinate (Eq. 5), how far (Eq. 4), clip (Q), and when to stop "
        "(line 2).",
        "Visiting the coordinates in the order of w.abs().argsort(descending=True) is Eq. (5) with S growing by "
        "one coordinate per step; work on x.clone().",
        "In the loop: f = float(w @ (x - x_b)); stop once f >= 0; else move x[d] by |f| / |w_d| in the direction "
        "sign(w_d) and clamp it to [lb[d], ub[d]]."),
    3: ("sparsefool(model, x_test, lam=lam) returns an AttackResult: its fields hold what the columns need.",
        "res.success marks the fooled points; res.perturbation holds each r; res.perturbed_pixels() counts the "
        "changed coordinates per point; res.fooling_rate() is in %.",
        "Two columns average over the fooled points only: index with res.success before taking "
        "r.abs().sum(1).mean(), (perturbed_pixels() == 1).float().mean() and res.iterations.float().mean(); "
        "`not fooled` counts ~res.success."),
    4: ("Read Algorithm 2 line by line: what does line 2 compare, which call gives lines 3-5, through which point "
        "does line 6's hyperplane pass when lambda > 1, and which box does LinearSolver get?",
        "deepfool_boundary(model, x_i) gives r_tot (r_adv) and normal (w^(i)); the hyperplane passes through "
        "x_i + lam * r_tot; LinearSolver gets the box [lb, ub].",
        "Up to max_iter times: stop if model(x_i).argmax(1) differs from the clean label, else "
        "x_i = linear_solver(x_i, normal, x_i + lam * r_tot, lb, ub)."),
}


def hint(exercise: int, level: int = 1) -> None:
    """Print hint ``level`` (1, 2, 3: each says more) of notebook 00's Exercise ``exercise``."""
    tiers = HINTS.get(exercise)
    if tiers is None:
        raise ValueError(f"notebook 00 has hints for Exercises {sorted(HINTS)}, not {exercise}")
    level = min(max(level, 1), len(tiers))
    more = f" (more: course.hint({exercise}, {level + 1}))" if level < len(tiers) else ""
    print(f"Exercise {exercise}, hint {level} of {len(tiers)}: {tiers[level - 1]}{more}")


class ExerciseFailed(AssertionError):
    """An exercise's answer does not have a property every correct answer has (message says which)."""


# What a switched-off function raises (a literal: the swapped code runs with its own module's globals).
_SWITCHED_OFF = "switched off while an exercise that asks for it is checked"


def _switched_off(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("switched off while an exercise that asks for it is checked")


@contextmanager
def _refusing(functions: Sequence[Callable[..., Any]]) -> Iterator[None]:
    """While the block runs, each of ``functions`` raises :data:`_SWITCHED_OFF` under every name it is
    known by (its code is swapped, so an alias imported earlier fails too)."""
    saved = [(fn, fn.__code__) for fn in functions]
    try:
        for fn, _ in saved:
            fn.__code__ = _switched_off.__code__
        yield
    finally:
        for fn, code in saved:
            fn.__code__ = code


def _call(name: str, fn: Callable[..., Any], *args: Any, refuse: Sequence[Callable[..., Any]] = (),
          refused_why: str = "", **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, with a stub's ``NotImplementedError`` turned into a failed check, and
    ``refuse`` (this package's answers to the exercise) switched off during the call: an answer that
    calls one of them fails with ``refused_why``."""
    try:
        with _refusing(refuse):
            return fn(*args, **kwargs)
    except NotImplementedError as err:
        raise ExerciseFailed(f"{name} is still the stub: replace `raise NotImplementedError` by your answer. "
                             f"{err}".strip()) from None
    except RuntimeError as err:
        if _SWITCHED_OFF not in str(err):
            raise
        raise ExerciseFailed(f"{name}: {refused_why}") from None


# This package's own answers to Exercise 2 (LinearSolver) and Exercise 4 (SparseFool): the batched
# attacks, the toy's one-sample tracers, the plain per-sample oracles of sfutils/testing/reference.py
# and every method of the batched SparseFool engine. An answer that calls one of them, under any
# name, is refused.
LINEAR_SOLVERS: tuple[Callable[..., Any], ...] = (linear_solver, toy.linear_solver_path, ref_linear_solver)
SPARSEFOOLS: tuple[Callable[..., Any], ...] = (
    sparsefool, toy.sparsefool_trajectory, ref_sparsefool,
    *(fn for fn in vars(SparseFoolEngine).values() if callable(fn) and hasattr(fn, "__code__")))
_LS_REFUSED = ("it calls sfutils' linear_solver (or toy.linear_solver_path, or sfutils.testing.reference's "
               "ref_linear_solver), an answer this check compares with: write the loop of Algorithm 1 yourself")
_SF_REFUSED = ("it calls sfutils' sparsefool (or toy.sparsefool_trajectory, sfutils.testing.reference's "
               "ref_sparsefool, or the engine inside sfutils.attacks.sparsefool), an answer this check compares "
               "with: assemble Algorithm 2 yourself from deepfool_boundary and linear_solver (or your "
               "my_linear_solver)")


def _fail(name: str, what: str) -> None:
    raise ExerciseFailed(f"{name}: {what}")


def _expected_first_step(x: torch.Tensor, w: torch.Tensor, x_b: torch.Tensor, lb: torch.Tensor,
                         ub: torch.Tensor) -> tuple[int, int, bool | None]:
    """Algorithm 1's first step on one sample (1-D tensors), read off this package's LinearSolver
    without a box (the l1 projection, Eq. 4 with S empty): the coordinate it moves, the direction
    (+1/-1), and whether that step leaves [lb, ub] so that Q clips it; None where its end lies within
    the authors' offset beta (and minimum step) of the wall, where either answer is right."""
    far = torch.full_like(x, 10.0)
    r = linear_solver(x[None], w[None], x_b[None], (x - far)[None], (x + far)[None])[0] - x
    d = int(r.abs().argmax())
    direction = 1 if float(r[d]) > 0 else -1
    beyond = float(x[d] + r[d] - ub[d]) if direction > 0 else float(lb[d] - x[d] - r[d])
    ambiguous = abs(beyond) <= 2e-3 / abs(float(w[d]))
    return d, direction, None if ambiguous else beyond > 0


def _random_problems(trials: int, dim: int, seed: int, box: float = 0.2, distance: float = 0.5,
                     reachable: bool = True) -> list[tuple[torch.Tensor, ...]]:
    """Random linearised problems (x, w, x_B, lb, ub), 1-D float64: x on the clean side of B, and B
    reachable inside the box (with room to spare, if ``reachable``), so that Algorithm 1 ends on B."""
    g = torch.Generator().manual_seed(seed)
    out = []
    while len(out) < trials:
        x = torch.rand(dim, generator=g, dtype=torch.float64)
        w = torch.randn(dim, generator=g, dtype=torch.float64)
        w = w / w.norm()
        x_b = x + distance * w  # w.(x - x_B) = -distance < 0
        lb, ub = (x - box).clamp(0, 1), (x + box).clamp(0, 1)
        reach = float((w * (torch.where(w > 0, ub, lb) - x)).sum())  # w.(corner - x): the most the box allows
        if reach > 1.05 * distance or not reachable:
            out.append((x, w, x_b, lb, ub))
    return out


def check_first_step(predict: Callable[..., tuple[int, int, bool]], x: torch.Tensor, w: torch.Tensor,
                     x_b: torch.Tensor, lb: torch.Tensor, ub: torch.Tensor, seed: int = 0) -> None:
    """Exercise "predict the first step": ``predict(x, w, x_b, lb, ub)`` (1-D tensors) -> (d, direction, clipped),
    on the given point and on 20 random 2-D problems (boxes of several sizes)."""
    name = "predict_first_step"
    problems = [(x, w, x_b, lb, ub)] + [p for i, box in enumerate((0.05, 0.2, 0.6))
                                         for p in _random_problems(7, 2, seed + i, box=box, distance=0.3, reachable=False)][:20]
    for k, (xk, wk, bk, lk, uk) in enumerate(problems):
        got = _call(name, predict, xk.clone(), wk.clone(), bk.clone(), lk.clone(), uk.clone())
        if not isinstance(got, tuple) or len(got) != 3:
            _fail(name, f"return a tuple (d, direction, clipped), got {got!r}")
        d, direction, clipped = got
        want = _expected_first_step(xk, wk, bk, lk, uk)
        where = "the followed point" if k == 0 else f"random problem {k}"
        if int(d) != want[0]:
            _fail(name, f"on {where} you picked coordinate {int(d)}, but Eq. (5) picks the largest |w_d|: "
                        f"|w| = {[round(v, 3) for v in wk.abs().tolist()]}")
        if int(direction) != want[1]:
            _fail(name, f"on {where} coordinate {want[0]} must move {'up' if want[1] > 0 else 'down'} (towards B): "
                        "Eq. (4) moves x_d by |w.(x - x_B)| / |w_d| * sign(w_d), and on the clean side of B "
                        "w.(x - x_B) < 0, so this step makes it grow to 0")
        if want[2] is not None and bool(clipped) != want[2]:
            _fail(name, f"on {where} the step {'is' if want[2] else 'is not'} clipped: compare the length "
                        "|w.(x - x_B)| / |w_d| of Eq. (4) with the room between x_d and the box wall it moves "
                        "towards (lb or ub)")
    print(f"predict_first_step: correct on the followed point and {len(problems) - 1} random problems")


def _closing(z: torch.Tensor, x: torch.Tensor, w: torch.Tensor, gap: float) -> torch.Tensor:
    """The coordinates d whose move from x to z closes more than 1e-5 of the gap w.(x - x_B): the
    moved ones, up to round-off."""
    return ((w * (z - x)).abs() > 1e-5 * abs(gap)).nonzero().flatten()


def check_linear_solver(solver: Callable[..., torch.Tensor], trials: int = 20, dim: int = 20, seed: int = 0) -> None:
    """Exercise "LinearSolver": ``solver(x, w, x_b, lb, ub)`` (1-D tensors) -> the new point, on random problems.

    A correct Algorithm 1 answer lies in the box, is on B or just past it (at most :data:`PAST_PLANE`
    in w.(z - x_B), w of unit length), moves the coordinates of largest |w| first (Eq. 5), no more
    of them than the reference needs, and leaves its inputs untouched. An answer that calls one of
    this package's LinearSolvers (:data:`LINEAR_SOLVERS`), under any name, is refused.
    """
    name = "my_linear_solver"
    for k, (x, w, x_b, lb, ub) in enumerate(_random_problems(trials, dim, seed)):
        inputs = [t.clone() for t in (x, w, x_b, lb, ub)]
        z = _call(name, solver, *inputs, refuse=LINEAR_SOLVERS, refused_why=_LS_REFUSED)
        if any(not torch.equal(a, b) for a, b in zip(inputs, (x, w, x_b, lb, ub))):
            _fail(name, "it changed one of its inputs in place: work on a copy (x.clone())")
        if not isinstance(z, torch.Tensor) or z.shape != x.shape:
            _fail(name, f"return a tensor of the shape of x {tuple(x.shape)}, got {getattr(z, 'shape', type(z))}")
        z = z.double()
        outside = (z < lb - BOX_ROUNDING) | (z > ub + BOX_ROUNDING)
        if outside.any():
            _fail(name, f"problem {k}: the point leaves the box [lb, ub] at coordinates "
                        f"{outside.nonzero().flatten().tolist()}: apply Q (clip) after every step")
        f0, f = float(w @ (x - x_b)), float(w @ (z - x_b))
        if f < -1e-6 * abs(f0):
            _fail(name, f"problem {k}: the point stops short of B (w.(z - x_B) = {f:.2e}, started at {f0:.2e}): "
                        "keep stepping (next largest |w_d|) until the hyperplane is reached")
        if f > PAST_PLANE:
            _fail(name, f"problem {k}: the point goes {f:.2e} past B: the step of Eq. (4) should land on B, "
                        "not beyond it")
        # A coordinate counts as moved when its move closes a visible part of the gap w.(x - x_B): a loop
        # that lands on B up to round-off (float32: about 1e-8) may still nudge the next coordinates.
        moved = _closing(z, x, w, f0)
        order = w.abs().argsort(descending=True, stable=True)
        if set(moved.tolist()) != set(order[:len(moved)].tolist()):
            _fail(name, f"problem {k}: it moved coordinates {sorted(moved.tolist())}, but Eq. (5) uses the "
                        f"largest |w_d| first: {sorted(order[:len(moved)].tolist())}")
        needed = len(_closing(linear_solver(x[None], w[None], x_b[None], lb[None], ub[None])[0], x, w, f0))
        if len(moved) > needed:
            _fail(name, f"problem {k}: it moved {len(moved)} coordinates where {needed} suffice: "
                        "stop as soon as B is reached")
    print(f"my_linear_solver: in the box, on B, sparse and in the order of Eq. (5) on {trials} random problems")


def check_lambda_sweep(table: Any, model: nn.Module, x: torch.Tensor, lams: Sequence[float]) -> None:
    """Exercise "what does lambda buy": ``table`` (a DataFrame) has one row per lambda with the
    columns of the exercise, each equal to what SparseFool on ``x`` gives (recomputed here)."""
    name = "lambda_sweep"
    columns = ["lambda", "fooling rate %", "mean iterations", "mean ||r||_1 (fooled)", "one coordinate %",
               "mean iterations (fooled)", "not fooled"]
    missing = [c for c in columns if c not in getattr(table, "columns", [])]
    if missing:
        _fail(name, f"the table lacks the columns {missing}")
    if [float(v) for v in table["lambda"]] != [float(v) for v in lams]:
        _fail(name, f"one row per lambda in {list(lams)}, got {table['lambda'].tolist()}")
    for lam in lams:
        res = sparsefool(model, x, lam=float(lam))
        ok = res.success
        want = {
            "fooling rate %": (res.fooling_rate(), "100 x fooled / all attacked points"),
            "mean iterations": (float(res.iterations.float().mean()), "the mean over all points, fooled or not"),
            "mean ||r||_1 (fooled)": (float(res.perturbation[ok].abs().flatten(1).sum(1).mean()) if ok.any() else math.nan,
                                      "sum of |r_d| per fooled point, averaged over the fooled points only"),
            "one coordinate %": (float(100 * (res.perturbed_pixels()[ok] == 1).float().mean()) if ok.any() else math.nan,
                                 "100 x (fooled points whose r changes exactly one coordinate) / fooled points"),
            "mean iterations (fooled)": (float(res.iterations[ok].float().mean()) if ok.any() else math.nan,
                                         "the mean over the fooled points only"),
            "not fooled": (float((~ok).sum()), "the number of points still not fooled after max_iter iterations"),
        }
        row = table[table["lambda"] == lam].iloc[0]
        for column, (value, meaning) in want.items():
            try:
                got = float(row[column])
            except (TypeError, ValueError):
                _fail(name, f"lambda = {lam:g}: column {column!r} must hold a number, got {row[column]!r}")
            if math.isnan(value) and math.isnan(got):
                continue
            if not math.isfinite(got) or not math.isclose(got, value, rel_tol=1e-4, abs_tol=1e-6):
                _fail(name, f"lambda = {lam:g}: {column!r} is {got:.4g}, but SparseFool gives {value:.4g} "
                            f"({meaning})")
    print(f"lambda_sweep: all {len(columns) - 1} columns of the {len(table)} rows agree with SparseFool on the "
          f"{len(x)} test points")


def _algorithm1(x: torch.Tensor, w: torch.Tensor, x_b: torch.Tensor, lb: torch.Tensor,
                ub: torch.Tensor) -> torch.Tensor:
    """One LinearSolver step (Algorithm 1) on one sample (1-D tensors, float64), by this package's
    :func:`sfutils.attacks.linear_solver` (the authors' beta: it ends up to 1e-3 past B)."""
    return linear_solver(x[None], w[None], x_b[None], lb[None], ub[None])[0]


def _check_first_iteration(name: str, attack: Callable[..., torch.Tensor], model: nn.Module, xi: torch.Tensor,
                           lo: torch.Tensor, hi: torch.Tensor, lam: float, where: str) -> None:
    """One iteration of the answer (``max_iter=1``) must be one LinearSolver step (Algorithm 1) towards the
    hyperplane through x + lam r_adv (Algorithm 2, lines 3-6), or that step pushed (1 + epsilon) further."""
    bd = deepfool_boundary(model, xi)
    x, w = xi[0].double(), bd.normal[0].double()
    x_b, lb, ub = (xi + lam * bd.r_tot)[0].double(), lo[0].double(), hi[0].double()
    z = _call(name, attack, xi.clone(), lo.clone(), hi.clone(), lam=lam, max_iter=1, refuse=SPARSEFOOLS,
              refused_why=_SF_REFUSED)
    if not isinstance(z, torch.Tensor) or z.shape != xi.shape:
        _fail(name, f"return the adversarial point, shape {tuple(xi.shape)}, got {getattr(z, 'shape', type(z))}")
    z = z.detach()[0].double()
    if (z < lb - 1e-6).any() or (z > ub + 1e-6).any():
        _fail(name, f"{where}: after one iteration the point leaves the box [lb, ub]: clip every step with Q")
    gap = float(w @ (x - x_b))
    if not gap < 0:  # DeepFool found no boundary, or its normal points back at x: no step to test
        return
    want = _algorithm1(x, w, x_b, lb, ub)
    tiny = max(TINY_MOVE, 32 * torch.finfo(xi.dtype).eps)  # a round-off step of a float32 loop landing on B
    # A coordinate counts as moved when its move closes a visible part of the gap w.(x - x_B): a float32
    # loop that lands on B may still nudge the next coordinate by round-off.
    moved = ((w * (z - x)).abs() > 1e-5 * abs(gap)).nonzero().flatten().tolist()
    needed = ((w * (want - x)).abs() > 1e-5 * abs(gap)).nonzero().flatten().tolist()
    order = w.abs().argsort(descending=True, stable=True).tolist()
    if set(moved) != set(order[:len(moved)]) or len(moved) > len(needed):
        _fail(name, f"{where}: with max_iter=1 your attack moved coordinates {sorted(moved)}, but one LinearSolver "
                    f"step (Algorithm 1) moves {sorted(needed)}: the largest |w_d| of Eq. (6)'s normal first (Eq. 5), "
                    "the next only when the first is clipped at the box, and stops on the hyperplane. Take each "
                    "step with LinearSolver, not with DeepFool's dense r_adv")
    if not moved:
        _fail(name, f"{where}: with max_iter=1 your attack returned x unchanged: each iteration takes one "
                    "LinearSolver step towards the hyperplane through x^(i) + lambda r_adv (Algorithm 2, lines 3-6)")
    f, f_want = float(w @ (z - x_b)), float(w @ (want - x_b))
    # Reachable: the reference crosses the hyperplane. Out of reach: it ends at the walls more than the
    # authors' offset beta short of it. In between (the box reaches the hyperplane by less than beta),
    # the paper's loop and the authors' code end differently, and both are right: no test.
    reachable, out_of_reach = f_want >= -1e-9 * abs(gap), f_want < -2e-3
    at_wall = bool(((z - lb).abs() <= tiny)[moved].any() or ((z - ub).abs() <= tiny)[moved].any())
    if reachable and f < -1e-6 * abs(gap):
        _fail(name, f"{where}: after one iteration your point is still on the clean side of the hyperplane through "
                    f"x + lambda r_adv (w.(z - x_B) = {f:.2e}, started at {gap:.2e}) although the box lets it reach "
                    "that hyperplane: " + ("when Q clips a coordinate at the box, LinearSolver goes on with the next "
                    "largest |w_d| (Algorithm 1); an unbounded l1 step clipped afterwards is the failure of §2.2"
                    if at_wall else "the step of Eq. (4) must end on the hyperplane"))
    if out_of_reach and (z - want).abs().max() > tiny:
        _fail(name, f"{where}: the hyperplane lies out of the box's reach; LinearSolver then moves every coordinate "
                    "to the wall it moves towards: when Q clips a coordinate, it goes on with the next largest "
                    "|w_d| (Algorithm 1); an unbounded l1 step clipped afterwards is the failure of §2.2")
    if f > PAST_PLANE + 0.021 * abs(gap):
        _fail(name, f"{where}: after one iteration your point is {f:.2e} past the hyperplane through x + lambda r_adv: "
                    "LinearSolver's step of Eq. (4) lands on it (the authors' code at most a little past it)")


def _reason(name: str, reason: Any) -> None:
    """A prediction's written reason: a sentence (3 words or more), asked for before the check says anything
    about the choice (a self-test, not a grade: the reason is compared by hand with the answer key)."""
    if not isinstance(reason, str) or len(reason.split()) < 3:
        _fail(name, "write your reason first, as a sentence in the returned string (it is a self-test, not a "
                    f"grade: the check says nothing about your choice before you have written why), got {reason!r}")


def check_lambda_predictions(predict: Callable[[], tuple[str, str, str]], model: nn.Module, x: torch.Tensor,
                             lams: tuple[float, float] = (1.0, 2.0)) -> None:
    """Exercise 3's predictions, made before the table: ``predict()`` -> (trend, source, reason), where trend
    says whether ``one coordinate %`` (of the fooled points) "rises" or "falls" from lambda = lams[0]
    to lams[1], and source where a fooled point's second coordinate mostly comes from at lams[0]:
    "same LinearSolver step" or "later iteration", and reason the student's written reasoning (a
    sentence, required before anything about the choices is said: :func:`_reason`). Compared with
    SparseFool on ``x`` in this run."""
    name = "predict_lambda_effects"
    trends, sources = ("rises", "falls"), ("same LinearSolver step", "later iteration")
    answer = _call(name, predict)
    if not isinstance(answer, tuple) or len(answer) != 3 or answer[0] not in trends or answer[1] not in sources:
        _fail(name, f"return a triple (trend, source, reason), trend one of {list(trends)}, source one of "
                    f"{list(sources)} and reason a sentence, got {answer!r}")
    _reason(name, answer[2])
    share = []
    for lam in lams:
        res = sparsefool(model, x, lam=lam)
        share.append(float(100 * (res.perturbed_pixels()[res.success] == 1).float().mean()))
    trend = None if share[0] == share[1] else trends[0] if share[1] > share[0] else trends[1]
    counts = toy.second_coordinate_sources(model, x, lam=lams[0])
    source = sources[1] if counts.later > counts.same_step else sources[0]
    if trend is not None and answer[0] != trend:
        _fail(name, f"not what this run shows for one coordinate %: a larger lambda puts the hyperplane further "
                    "beyond x_B; in two dimensions, think about how a perturbation gets its second coordinate and "
                    "how the number of iterations changes with lambda")
    if answer[1] != source:
        _fail(name, "not where this run's second coordinates come from: within one LinearSolver step, when does "
                    "a second coordinate move (Algorithm 1), and how far is the box [0, 1]^2 from the moons?")
    print(f"{name}: both right. one coordinate % goes from {share[0]:.1f} (lambda = {lams[0]:g}) to {share[1]:.1f} "
          f"(lambda = {lams[1]:g}); {counts}")


def _fooled(model: nn.Module, z: torch.Tensor, label: torch.Tensor) -> bool:
    with torch.no_grad():
        return bool(model(z).argmax(1) != label)


def _paper_iteration(model: nn.Module, xi: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor,
                     lam: float) -> tuple[torch.Tensor, float] | None:
    """One iteration of Algorithm 2 from the iterate ``xi`` (1, d): DeepFool from ``xi`` (lines 3-5),
    then Algorithm 1 onto the hyperplane through xi + lam r_adv (line 6). Returns the new iterate (1-D,
    float64) and the length of its step, or None where Algorithm 1 has no step (w.(xi - x_B) >= 0)."""
    bd = deepfool_boundary(model, xi)
    x, w = xi[0].double(), bd.normal[0].double()
    x_b = (xi + lam * bd.r_tot)[0].double()
    if not float(w @ (x - x_b)) < 0:
        return None
    want = _algorithm1(x, w, x_b, lo[0].double(), hi[0].double())
    return want, float((want - x).abs().max())


def _check_later_iterations(name: str, attack: Callable[..., torch.Tensor], model: nn.Module, xi: torch.Tensor,
                            lo: torch.Tensor, hi: torch.Tensor, lam: float, where: str, iterations: int = 6,
                            epsilon: float = 0.02) -> None:
    """Iterations 2, 3, ... of the answer (``max_iter=k`` against ``max_iter=k-1``): each must be one
    LinearSolver step from the previous iterate x^(k-1) onto the hyperplane through x^(k-1) + lam r_adv^(k-1),
    with DeepFool re-run from x^(k-1) (Algorithm 2, lines 3-6). The previous iterate is read from the answer's
    ``max_iter=k-1`` result, taken as x^(k-1) itself (the paper) or as Q(x + (1 + epsilon)(x^(k-1) - x)) (the
    authors' code); the step may land a little past the hyperplane or be pushed (1 + epsilon) further."""
    with torch.no_grad():
        label = model(xi).argmax(1)
    x0 = xi.detach().double()
    prev = _call(name, attack, xi.clone(), lo.clone(), hi.clone(), lam=lam, max_iter=1, refuse=SPARSEFOOLS,
                 refused_why=_SF_REFUSED).detach()
    for k in range(2, iterations + 1):
        if _fooled(model, prev, label):
            return
        z = _call(name, attack, xi.clone(), lo.clone(), hi.clone(), lam=lam, max_iter=k, refuse=SPARSEFOOLS,
                  refused_why=_SF_REFUSED)
        if not isinstance(z, torch.Tensor) or z.shape != xi.shape:
            _fail(name, f"return the adversarial point, shape {tuple(xi.shape)}, got {getattr(z, 'shape', type(z))}")
        z = z.detach()
        p = prev.double()
        candidates = [p, (x0 + (p - x0) / (1 + epsilon)).clamp(lo.double(), hi.double())]  # x^(k-1): paper, code
        matched, steps = False, []
        for c in candidates:
            step = _paper_iteration(model, c.to(xi.dtype), lo, hi, lam)
            if step is None:  # no step for Algorithm 1 from here: nothing to test
                return
            want, length = step
            pushed = torch.minimum(torch.maximum(x0[0] + (1 + epsilon) * (want - x0[0]), lo[0].double()), hi[0].double())
            tol = PAST_PLANE + 0.03 * length
            zz = z[0].double()
            if min(float((zz - want).abs().max()), float((zz - pushed).abs().max())) <= tol:
                matched = True
                break
            steps.append(want)
        if not matched:
            _fail(name, f"{where}: iteration {k} (max_iter={k} against max_iter={k - 1}) went from "
                        f"{[round(v, 4) for v in p[0].tolist()]} to {[round(v, 4) for v in z[0].tolist()]}, but one "
                        f"LinearSolver step onto the hyperplane through x^({k - 1}) + lambda r_adv^({k - 1}), with "
                        f"DeepFool re-run from x^({k - 1}), lands at {[round(v, 4) for v in steps[0].tolist()]} "
                        "(Algorithm 2, lines 3-6, §3.3): each iteration re-runs DeepFool from the current iterate x^(i) "
                        "and puts the hyperplane through x^(i) + lambda r_adv^(i), not through a point built from "
                        "the clean x^(0)")
        prev = z


def check_sparsefool(attack: Callable[..., torch.Tensor], model: nn.Module, x: torch.Tensor,
                     lams: Sequence[float] = (1.0, 3.0), box_delta: float = 40.0) -> None:
    """Exercise "assemble Algorithm 2": ``attack(x_i, lb, ub, lam=..., max_iter=...)`` on one sample
    (1, d) in the box [lb, ub] -> adversarial (1, d).

    Run on every point, for each lambda, in the valid box [0, 1]^d and in the perceptibility box of
    ``box_delta`` (§4.2, which binds): every answer stays in the box and fools the model wherever
    this package's SparseFool does, its first iteration (``max_iter=1``) is one LinearSolver
    step (Algorithm 1: Eq. 5's coordinates, no more than needed, onto the hyperplane through
    x + lambda r_adv), and so is each later one (``max_iter=k`` against ``k - 1``): from x^(i), onto
    the hyperplane through x^(i) + lambda r_adv^(i). An answer that calls one of this package's
    SparseFools (:data:`SPARSEFOOLS`: ``sparsefool``, ``toy.sparsefool_trajectory``,
    ``sfutils.testing.reference.ref_sparsefool`` or the batched engine's methods), under any name, is
    refused (they are switched off while it runs). Written from the paper or from the authors' code (beta, minimum step,
    (1 + epsilon) stopping test), a correct answer passes.
    """
    name = "my_sparsefool"
    unit = (torch.zeros_like(x), torch.ones_like(x))
    boxes = [("[0, 1]", *unit, lams), (f"delta = {box_delta:g}", *bounds(x, box_delta), lams[-1:])]
    for box_name, lo_all, hi_all, box_lams in boxes:  # the first iteration everywhere, then the later ones
        for lam in box_lams:
            for i in range(x.shape[0]):
                _check_first_iteration(name, attack, model, x[i:i + 1], lo_all[i:i + 1], hi_all[i:i + 1], lam,
                                       f"lambda = {lam:g}, box {box_name}, point {i}")
    for box_name, lo_all, hi_all, box_lams in boxes:
        for lam in box_lams:
            ref = sparsefool(model, x, lam=lam, lb=lo_all, ub=hi_all)
            for i in range(x.shape[0]):
                xi, lo, hi = x[i:i + 1], lo_all[i:i + 1], hi_all[i:i + 1]
                where = f"lambda = {lam:g}, box {box_name}, point {i}"
                _check_later_iterations(name, attack, model, xi, lo, hi, lam, where)
                adv = _call(name, attack, xi.clone(), lo.clone(), hi.clone(), lam=lam, refuse=SPARSEFOOLS,
                            refused_why=_SF_REFUSED)
                if not isinstance(adv, torch.Tensor) or adv.shape != xi.shape:
                    _fail(name, f"return the adversarial point, shape {tuple(xi.shape)}, "
                                f"got {getattr(adv, 'shape', type(adv))}")
                adv = adv.detach()
                if (adv < lo - 1e-6).any() or (adv > hi + 1e-6).any():
                    _fail(name, f"{where}: the adversarial leaves the box [lb, ub]: clip every step with Q")
                with torch.no_grad():
                    fooled = bool(model(adv).argmax(1) != ref.label[i])
                if bool(ref.success[i]) and not fooled:
                    last = deepfool_boundary(model, adv)
                    if float((last.normal * last.r_tot).sum()) <= 0:  # no step: see _check_first_iteration
                        print(f"note, {where}: not fooled, but at your last iterate DeepFool's normal points back "
                              "at it (w.r_adv <= 0): Eq. (4) then steps along sign(w_d), away from B, so Algorithm 1 as "
                              "printed never reaches B (the authors' code steps every coordinate once and stops: "
                              "notebook 00's Exercise 3 key); not counted against you")
                        continue
                    _fail(name, f"{where}: the label did not change; loop until it does (Algorithm 2, line 2), "
                                "re-running DeepFool from the current iterate each time")
    print(f"my_sparsefool: on {x.shape[0]} points, for lambda = {', '.join(f'{v:g}' for v in lams)} in [0, 1]^2 and "
          f"lambda = {lams[-1]:g} in the delta = {box_delta:g} box: stays in the box, fools wherever SparseFool "
          "does, and each iteration is one LinearSolver step onto the hyperplane through x^(i) + lambda r_adv^(i)")


def check_wilson(interval: Callable[[int, int], tuple[float, float]], rate_pct: float, n: int, lo_pct: float,
                 hi_pct: float) -> None:
    """Exercise "a Wilson interval by hand": ``interval(k, n)`` -> (lo, hi) in %, checked on one table row
    (fooling rate ``rate_pct`` % of ``n``, interval [lo_pct, hi_pct]) and on a few other counts."""
    name = "wilson_interval"
    k = int(round(rate_pct * n / 100))
    cases = [(k, n, (lo_pct, hi_pct))] + [(kk, nn, tuple(100 * v for v in stats.wilson(kk, nn)))
                                          for kk, nn in ((0, 10), (7, 10), (50, 100), (100, 100))]
    for kk, nn, (want_lo, want_hi) in cases:
        got = _call(name, interval, kk, nn)
        if not isinstance(got, tuple) or len(got) != 2:
            _fail(name, f"return (lo, hi) in %, got {got!r}")
        lo, hi = (float(v) for v in got)
        if hi <= 1.0 and want_hi > 1.0:
            _fail(name, f"{kk} of {nn}: ({lo:.4f}, {hi:.4f}) looks like fractions: give percentages")
        if abs(lo - want_lo) > 0.01 or abs(hi - want_hi) > 0.01:
            p = 100 * kk / nn
            hint = (" It is symmetric around the rate: that is the normal (Wald) interval; Wilson's centre is "
                    "(p + z^2/2n) / (1 + z^2/n)." if abs((lo + hi) / 2 - p) < 1e-6 and 0 < kk < nn else "")
            _fail(name, f"{kk} of {nn}: got ({lo:.2f}, {hi:.2f}) %, the Wilson 95 % interval is "
                        f"({want_lo:.2f}, {want_hi:.2f}) % (z = 1.96).{hint}")
    print(f"wilson_interval: matches the table's interval for {k} of {n} and {len(cases) - 1} other counts")


def saved_table(name: str, profile: str) -> pd.DataFrame:
    """The table ``name`` (a DataFrame) that a section notebook wrote in ``profile``
    (``figures/<profile>/tables/<name>.csv``): what its check cell reads, so that the check runs on
    its own, without the notebook's experiment cells (committed for the default and full profiles)."""
    path = tables_dir(profile) / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"no table {name} for the profile {profile!r} ({path}): run this notebook's "
                                "experiment cells first, or set profile to 'default' or 'full', whose tables "
                                "come with the repository")
    return pd.read_csv(path)


def check_prediction(name: str, predict: Callable[[], Any], expected: Any, choices: Sequence[Any], why: str) -> None:
    """Exercise "predict, then look" (a self-test, not a grade): ``predict()`` must return
    ``(choice, reason)``, the choice one of ``choices``, the one the paper's claim implies
    (``expected``), and the reason a written sentence, required before anything is said about the
    choice (:func:`_reason`); ``why`` gives the paper's reason, printed only once the choice is right
    (a wrong choice is told so, not why: the student rethinks before the key). Only the choice is
    compared (the student's reason is compared by hand with the notebook's answer key), and with the
    paper, not with this run's table, which the student reads next (a small run's may disagree)."""
    returned = _call(name, predict)
    if not isinstance(returned, tuple) or len(returned) != 2:
        _fail(name, f"return a pair (choice, reason), the choice one of {list(choices)} and the reason a sentence, "
                    f"got {returned!r}")
    answer, reason = returned
    if answer not in choices:
        _fail(name, f"answer one of {list(choices)}, got {answer!r}")
    _reason(name, reason)
    if answer != expected:
        _fail(name, f"your choice {answer!r} is not the one the paper's argument implies: reread the section "
                    "the exercise names, write down your reasoning step by step, and find where it breaks "
                    "before you change the answer")
    print(f"{name}: {answer!r}, the paper's choice. {why} Now write your reason, compare it with the key, "
          "then compare with this run's table below.")


def check_value(name: str, compute: Callable[..., Any], args: Sequence[Any], expected: float, what: str,
                rel: float = 1e-6) -> None:
    """Exercise "compute it from the table": ``compute(*args)`` must equal ``expected`` (``what`` it is)."""
    answer = _call(name, compute, *args)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        _fail(name, f"return a number ({what}), got {answer!r}")
    if not math.isclose(value, expected, rel_tol=rel, abs_tol=1e-9):
        _fail(name, f"got {value:.6g}, but {what} is {expected:.6g} in this run's table")
    print(f"{name}: {value:.4g} = {what}")


__all__ = ["HINTS", "LINEAR_SOLVERS", "PAST_PLANE", "SPARSEFOOLS", "TINY_MOVE", "ExerciseFailed", "check_first_step",
           "check_lambda_predictions", "check_lambda_sweep", "check_linear_solver",
           "check_prediction", "check_sparsefool", "check_value", "check_wilson", "hint", "saved_table"]
