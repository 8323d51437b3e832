"""A classifier one can see: the 2-D toy problem of the course notebook 00 (paper §2-3, Figs. 2-3).

Two interleaved moons scaled into the valid box [0, 1]^2 (the analogue of an image's pixel range),
a small MLP trained on them in seconds, the trajectories of Algorithms 1 and 2 as
:mod:`sfutils.attacks` computes them (SparseFool's through its ``trace`` hook), and drawing helpers that only use the ``Axes`` they
are given (no plotting dependency in the core package).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from sfutils.attacks import SparseFoolStep, bounds, linear_solver, sparsefool
from sfutils.attacks.deepfool import deepfool_boundary
from sfutils.attacks._checks import check_batch, check_model, resolve_bounds

# The moons live in [-1, 2] x [-0.5, 1] before scaling; this affine map puts them (and most of
# their noise) inside [0.05, 0.95]^2, so the box [0, 1]^2 is tight around the data, as for images.
_RAW_LO = torch.tensor([-1.3, -0.8])
_RAW_HI = torch.tensor([2.3, 1.3])
_MARGIN = 0.05

# Region colours (class 0, class 1) and point colours used by every toy figure.
REGION_COLORS = ("#dbe7f5", "#f9e0cc")
POINT_COLORS = ("#2c6fb7", "#d9731f")


def make_moons(n: int, noise: float = 0.08, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved half circles, ``n`` points in [0, 1]^2 (float32) and labels 0/1, seeded.

    Class 0 is the upper moon, class 1 the lower one; Gaussian noise of std ``noise`` (in the
    moons' own units) is added before scaling, and the result is clipped to the box.
    """
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    t = torch.rand(n, generator=g) * math.pi
    upper = torch.stack([t.cos(), t.sin()], dim=1)
    lower = torch.stack([1 - t.cos(), 0.5 - t.sin()], dim=1)
    raw = torch.where(y[:, None] == 0, upper, lower) + noise * torch.randn(n, 2, generator=g)
    x = _MARGIN + (1 - 2 * _MARGIN) * (raw - _RAW_LO) / (_RAW_HI - _RAW_LO)
    return x.clamp(0.0, 1.0).float(), y


def make_mlp(hidden: int = 32, seed: int = 0) -> nn.Module:
    """A 2 -> hidden -> hidden -> 2 SiLU MLP (smooth, so its decision boundary is curved), seeded."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(2, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                             nn.Linear(hidden, 2))


@contextmanager
def _single_thread() -> Iterator[None]:
    """Run the block with one intra-op thread: a tiny MLP gains nothing from more, and on a busy
    machine every step would wait for the other threads (tens of times slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train_mlp(x: torch.Tensor, y: torch.Tensor, hidden: int = 32, steps: int = 600, lr: float = 0.01,
              label_smoothing: float = 0.1, seed: int = 0) -> nn.Module:
    """Train :func:`make_mlp` on (x, y) with full-batch Adam (seconds on a CPU); returns it in eval mode.

    Label smoothing keeps the logits moderate: a saturated network is nearly flat away from its
    boundary, and DeepFool's linear steps (§3.2) then overshoot the boundary by far.
    """
    check_batch(x)
    if x.dim() != 2 or x.shape[1] != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"expected x (N, 2) and y (N,), got {tuple(x.shape)} and {tuple(y.shape)}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    model = make_mlp(hidden, seed).to(x.device).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    with _single_thread():
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y, label_smoothing=label_smoothing).backward()
            opt.step()
    return model.eval()


@dataclass
class Trajectory:
    """The iterates of SparseFool (Algorithm 2) on one sample, as drawn in the paper's Fig. 3.

    ``iterates`` holds x^(0) ... x^(T); for each iteration i < T, ``boundary`` is DeepFool's
    x_B^(i) = x^(i) + r_adv, ``plane`` the point x^(i) + lam r_adv the hyperplane is put through
    (§3.3), ``normal`` the unit w^(i) (Eq. 6). ``adversarial`` is the returned
    clip(x^(0) + (1 + epsilon)(x^(T) - x^(0))), as :func:`sfutils.attacks.sparsefool` returns it;
    ``lb``, ``ub`` (1, ...) the box every LinearSolver step stays in.
    """

    iterates: torch.Tensor
    boundary: torch.Tensor
    plane: torch.Tensor
    normal: torch.Tensor
    adversarial: torch.Tensor
    label: int
    adv_label: int
    lb: torch.Tensor
    ub: torch.Tensor

    @property
    def success(self) -> bool:
        """Whether the adversarial's label differs from the clean label."""
        return self.adv_label != self.label

    @property
    def iterations(self) -> int:
        """Number of SparseFool iterations T (DeepFool + LinearSolver rounds)."""
        return self.boundary.shape[0]


def sparsefool_trajectory(model: nn.Module, x: torch.Tensor, *, lam: float = 3.0,
                          lb: torch.Tensor | float | None = None, ub: torch.Tensor | float | None = None,
                          **kwargs: Any) -> Trajectory:
    """Algorithm 2 on a single sample ``x`` (1, ...), recording every iterate.

    Runs :func:`sfutils.attacks.sparsefool` itself (``kwargs`` go there) and records its iterations
    through the ``trace`` hook, so the path drawn is the one the attack takes and ``adversarial``
    is its result.
    """
    check_batch(x)
    if x.shape[0] != 1:
        raise ValueError(f"sparsefool_trajectory follows one sample: x must have shape (1, ...), got {tuple(x.shape)}")
    steps: list[SparseFoolStep] = []
    result = sparsefool(model, x, lam=lam, lb=lb, ub=ub, trace=steps.append, **kwargs)
    x0 = x.detach()

    def stack(name: str) -> torch.Tensor:
        return torch.cat([getattr(step, name) for step in steps]) if steps else x0.new_zeros((0, *x0.shape[1:]))

    lo, hi = resolve_bounds(x0, lb, ub)
    return Trajectory(iterates=torch.cat([x0, stack("x_next")]), boundary=stack("boundary"), plane=stack("plane"),
                      normal=stack("normal"), adversarial=result.adversarial[0], label=int(result.label),
                      adv_label=int(result.adv_label), lb=lo, ub=hi)


@dataclass(frozen=True)
class SecondCoordinates:
    """Where the second coordinate of SparseFool's two-coordinate perturbations on a 2-D problem comes
    from: of ``two`` fooled points whose r changes both coordinates, ``same_step`` had one LinearSolver
    step move both (Algorithm 1 goes on to the second coordinate only when Q clips the first; the
    authors' code, which :mod:`sfutils.attacks` follows, also when DeepFool's normal points back at the
    iterate, w.r_adv <= 0, where it steps every coordinate along sign(w)) and
    ``later`` a later SparseFool iteration move the other one (Algorithm 2: a new normal w^(i));
    ``walls`` of them had an iterate on the border of the valid box [0, 1]^2."""

    lam: float
    two: int
    same_step: int
    later: int
    walls: int

    def __str__(self) -> str:
        return (f"lambda = {self.lam:g}: {self.two} fooled points changed two coordinates; in {self.same_step} a "
                f"single LinearSolver step moved both, in {self.later} the second came from a later SparseFool "
                f"iteration; {self.walls} touched the box [0, 1]^2")


def second_coordinate_sources(model: nn.Module, x: torch.Tensor, lam: float = 1.0) -> SecondCoordinates:
    """:class:`SecondCoordinates` of SparseFool (in [0, 1]^2) on the 2-D points ``x`` (N, 2)."""
    res = sparsefool(model, x, lam=lam)
    two = (res.success & (res.perturbed_pixels() == 2)).nonzero().flatten().tolist()
    same_step = walls = 0
    for i in two:
        tr = sparsefool_trajectory(model, x[i:i + 1], lam=lam)
        moved = tr.iterates.diff(dim=0) != 0  # the coordinates each iteration moved
        same_step += int(moved.all(dim=1).any())
        walls += int(((tr.iterates[1:] <= 0) | (tr.iterates[1:] >= 1)).any())
    return SecondCoordinates(lam, len(two), same_step, len(two) - same_step, walls)


def lambda_table_reading(table: Any) -> list[str]:
    """What notebook 00's lambda table (the columns of its Exercise 3, one row per increasing lambda)
    shows, one sentence per column, computed from the table so that it holds for any run."""
    lam = [float(v) for v in table["lambda"]]
    col = {c: [float(v) for v in table[c]] for c in table.columns}

    def steps(values: list[float]) -> str:
        ups = sum(b > a for a, b in zip(values, values[1:]))
        downs = sum(b < a for a, b in zip(values, values[1:]))
        if ups == len(values) - 1 or downs == len(values) - 1:
            return f"{'rises' if ups else 'falls'} at every step"
        if not (ups and downs):
            return "never falls" if ups else "never rises" if downs else "does not change"
        return f"is not monotone ({ups} rises, {downs} falls)"

    r1, fooled_it, all_it, left = (col["mean ||r||_1 (fooled)"], col["mean iterations (fooled)"], col["mean iterations"],
                                   col["not fooled"])
    zero = next((lam[i] for i in range(len(lam)) if all(v == 0 for v in left[i:])), None)
    one = col["one coordinate %"]
    drop_all, drop_fooled = all_it[0] - all_it[-1], fooled_it[0] - fooled_it[-1]
    return [
        f"mean ||r||_1 (fooled) {steps(r1)}: {r1[0]:.3f} at lambda = {lam[0]:g}, {r1[-1]:.3f} at {lam[-1]:g}.",
        f"not fooled: {left[0]:g} at lambda = {lam[0]:g}, "
        + (f"0 from lambda = {zero:g} on." if zero is not None else f"{left[-1]:g} at {lam[-1]:g}."),
        f"fooling rate % stays between {min(col['fooling rate %']):.1f} and {max(col['fooling rate %']):.1f} and "
        f"{steps(col['fooling rate %'])}.",
        f"mean iterations (fooled) stays between {min(fooled_it):.2f} and {max(fooled_it):.2f} and {steps(fooled_it)}; "
        f"from lambda = {lam[0]:g} to {lam[-1]:g} the mean over all points falls by {drop_all:.2f}, the fooled points' "
        f"by {drop_fooled:.2f}: {'most' if drop_all - drop_fooled > drop_all / 2 else 'less than half'} of the fall "
        "comes from the never-fooled points, which run to max_iter.",
        f"one coordinate % {steps(one)}: {one[0]:.1f} at lambda = {lam[0]:g}, highest ({max(one):.1f}) at "
        f"lambda = {lam[one.index(max(one))]:g}, {one[-1]:.1f} at {lam[-1]:g}.",
    ]


def linear_solver_path(x: torch.Tensor, w: torch.Tensor, p: torch.Tensor, lb: torch.Tensor,
                       ub: torch.Tensor) -> torch.Tensor:
    """The iterates of Algorithm 1 (LinearSolver) on one sample: x^(0), x^(1), ... (K+1, ...).

    Step k is :func:`linear_solver` with only the k coordinates of largest ``|w_d|`` free (the others'
    box shrunk to their current value): the greedy loop visits coordinates in that order, so this
    is exactly its state after k steps. Steps that change nothing (a coordinate already at its
    bound) are dropped. One solver call per step: meant for drawing small problems.
    """
    for name, t in (("w", w), ("p", p), ("lb", lb), ("ub", ub)):
        if t.shape != x.shape:
            raise ValueError(f"{name} must have the shape of x {tuple(x.shape)}, got {tuple(t.shape)}")
    if x.shape[0] != 1:
        raise ValueError(f"linear_solver_path follows one sample: x must have shape (1, ...), got {tuple(x.shape)}")
    final = linear_solver(x, w, p, lb, ub)
    order = w.flatten().abs().argsort(descending=True, stable=True)
    path = [x]
    for k in range(1, int((w != 0).sum()) + 1):
        if torch.equal(path[-1], final):
            break
        frozen = torch.ones(x.numel(), dtype=torch.bool, device=x.device)
        frozen[order[:k]] = False
        frozen = frozen.view_as(x)
        step = linear_solver(x, w, p, torch.where(frozen, x, lb), torch.where(frozen, x, ub))
        if not torch.equal(step, path[-1]):
            path.append(step)
    return torch.cat(path)


@dataclass
class Grid:
    """A model evaluated on a regular grid over a 2-D box: coordinates, logits and predictions."""

    xx: torch.Tensor
    yy: torch.Tensor
    logits: torch.Tensor

    @property
    def pred(self) -> torch.Tensor:
        """Predicted class at every grid point."""
        return self.logits.argmax(dim=-1)

    @property
    def margin(self) -> torch.Tensor:
        """f_1 - f_0 (two classes): the decision boundary is its zero level set."""
        return self.logits[..., 1] - self.logits[..., 0]


def decision_grid(model: nn.Module, lo: tuple[float, float] = (0.0, 0.0), hi: tuple[float, float] = (1.0, 1.0),
                  steps: int = 300) -> Grid:
    """Evaluate a 2-D classifier on a ``steps`` x ``steps`` grid over [lo, hi]."""
    check_model(model)
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    dev = next(model.parameters()).device
    xs = torch.linspace(lo[0], hi[0], steps, device=dev)
    ys = torch.linspace(lo[1], hi[1], steps, device=dev)
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    with torch.no_grad():
        logits = model(torch.stack([xx.flatten(), yy.flatten()], dim=1))
    return Grid(xx.cpu(), yy.cpu(), logits.view(steps, steps, -1).cpu())


def hyperplane_grid(w: torch.Tensor, p: torch.Tensor, label: int, lo: tuple[float, float] = (0.0, 0.0),
                    hi: tuple[float, float] = (1.0, 1.0), steps: int = 300) -> Grid:
    """The linearised classifier of Fig. 2 on a grid: class ``label`` where w.(z - p) < 0, the other
    class beyond the hyperplane B = {z : w.(z - p) = 0} (w points away from ``label``)."""
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1 (the toy problem's classes), got {label}")
    w, p = w.flatten().cpu().float(), p.flatten().cpu().float()
    yy, xx = torch.meshgrid(torch.linspace(lo[1], hi[1], steps), torch.linspace(lo[0], hi[0], steps), indexing="ij")
    s = w[0] * (xx - p[0]) + w[1] * (yy - p[1])
    logits = torch.stack([-s, s] if label == 0 else [s, -s], dim=-1)
    return Grid(xx, yy, logits)


def draw_boundary(ax: Any, grid: Grid, **kwargs: Any) -> None:
    """The decision boundary of ``grid`` (zero level set of f_1 - f_0) as a line on ``ax``."""
    style = {"colors": "k", "linewidths": 1.5} | kwargs
    ax.contour(grid.xx, grid.yy, grid.margin, levels=[0.0], **style)


def draw_regions(ax: Any, grid: Grid, x: torch.Tensor | None = None, y: torch.Tensor | None = None,
                 box: bool = True) -> None:
    """Decision regions (shaded), the decision boundary (black) and optionally the data on ``ax``."""
    ax.contourf(grid.xx, grid.yy, grid.pred, levels=[-0.5, 0.5, 1.5], colors=REGION_COLORS)
    draw_boundary(ax, grid)
    if x is not None and y is not None:
        for c in (0, 1):
            sel = y == c
            ax.scatter(x[sel, 0], x[sel, 1], s=9, color=POINT_COLORS[c], alpha=0.5, linewidths=0,
                       label=f"class {c}")
    if box:
        draw_box(ax, (0.0, 0.0), (1.0, 1.0))
    ax.set_xlim(float(grid.xx.min()), float(grid.xx.max()))
    ax.set_ylim(float(grid.yy.min()), float(grid.yy.max()))
    ax.set_aspect("equal")


def draw_box(ax: Any, lb: Any, ub: Any, **kwargs: Any) -> None:
    """The box [lb, ub] in 2-D as a dashed rectangle (the valid range l <= x + r <= u of Eq. 2)."""
    lb, ub = torch.as_tensor(lb).flatten().tolist(), torch.as_tensor(ub).flatten().tolist()
    style = {"color": "0.35", "linestyle": "--", "linewidth": 1.0} | kwargs
    ax.plot([lb[0], ub[0], ub[0], lb[0], lb[0]], [lb[1], lb[1], ub[1], ub[1], lb[1]], **style)


def draw_hyperplane(ax: Any, w: torch.Tensor, p: torch.Tensor, half_length: float = 2.0, **kwargs: Any) -> None:
    """The line {z : w.(z - p) = 0} through ``p`` (the approximated boundary B of §2.3) on ``ax``."""
    w, p = w.flatten().cpu(), p.flatten().cpu()
    t = torch.tensor([-w[1], w[0]]) / w.norm()
    ends = torch.stack([p - half_length * t, p + half_length * t])
    style = {"color": "0.2", "linestyle": ":", "linewidth": 1.5} | kwargs
    ax.plot(ends[:, 0], ends[:, 1], **style)


def label_offsets(anchors: torch.Tensor, directions: torch.Tensor, size: float = 260.0, distance: float = 13.0,
                  clearance: float = 12.0, avoid: torch.Tensor | None = None,
                  spacing: float = 20.0) -> list[tuple[float, float]]:
    """Offsets (in points) for labels of the 2-D ``anchors`` (K, 2), each placed ``distance`` points
    along its ``directions`` row (e.g. the arrow arriving at it), then turned by 22.5° steps (and pushed
    further out) until its centre is ``clearance`` points from every anchor and every point of ``avoid``
    (M, 2: unlabelled markers, e.g. the adversarial's star), and ``spacing`` points from every label
    placed before it. Data are mapped to points as if the bounding square of the anchors and ``avoid``
    filled ``size`` points."""
    a = anchors.detach().double().cpu().reshape(-1, 2)
    extra = torch.empty(0, 2, dtype=torch.float64) if avoid is None else avoid.detach().double().cpu().reshape(-1, 2)
    every = torch.cat([a, extra])
    span = float((every.amax(dim=0) - every.amin(dim=0)).max().clamp(min=1e-12))
    at = (a - every.amin(dim=0)) / span * size  # anchors in points
    markers = list((extra - every.amin(dim=0)) / span * size)
    placed: list[torch.Tensor] = []
    offsets = []
    for k in range(len(at)):
        d = directions[k].detach().double().cpu().reshape(2)
        angle0 = math.atan2(float(d[1]), float(d[0])) if float(d.norm()) > 0 else math.pi / 4
        best = None
        for radius in (distance * f for f in (1.0, 1.5, 2.0, 2.5, 3.0, 3.5)):
            for turn in (0, 1, -1, 2, -2, 3, -3, 4, 5, -5, 6, -6, 7, -7, 8):
                angle = angle0 + turn * math.pi / 8
                off = torch.tensor([radius * math.cos(angle), radius * math.sin(angle)], dtype=torch.float64)
                centre = at[k] + off
                others = [at[j] for j in range(len(at)) if j != k] + markers
                if all(float((centre - o).norm()) >= clearance for o in others) and \
                        all(float((centre - o).norm()) >= spacing for o in placed):
                    best = off
                    break
            if best is not None:
                break
        best = best if best is not None else torch.tensor([distance * math.cos(angle0), distance * math.sin(angle0)])
        placed.append(at[k] + best)
        offsets.append((float(best[0]), float(best[1])))
    return offsets


def _step_corners(traj: Trajectory, i: int) -> torch.Tensor:
    """The intermediate points of iteration i's LinearSolver step (Algorithm 1 moves one coordinate at a
    time: :func:`linear_solver_path`), between x^(i) and x^(i+1); none if it moved one coordinate."""
    path = linear_solver_path(traj.iterates[i:i + 1], traj.normal[i:i + 1], traj.plane[i:i + 1], traj.lb, traj.ub)
    return path[1:-1].cpu()


def draw_trajectory(ax: Any, traj: Trajectory, color: str = "#c0392b", max_planes: int = 4,
                    labels: bool = True) -> None:
    """SparseFool's path as in the paper's Fig. 3: x^(i) -> x^(i+1) (``color``; through the corner
    where LinearSolver switches coordinate, when a step moves two), DeepFool's r_adv
    to each x_B^(i) (green), the hyperplane through x^(i) + lam r_adv (dotted, for the first
    ``max_planes`` iterations), the adversarial (star) and, with ``labels``, the names x^(i) and
    x_B^(i) of the first ``max_planes`` iterations, as the paper's Fig. 3 labels them, each placed
    beyond the arrow that reaches it and clear of the others and of the star (:func:`label_offsets`; measured on the
    axes when their limits are set before, e.g. by :func:`zoom`)."""
    pts, xb = traj.iterates.cpu(), traj.boundary.cpu()
    names: list[tuple[str, torch.Tensor, torch.Tensor, str]] = []  # (TeX, anchor, direction, colour)
    for i in range(traj.iterations):
        ax.annotate("", xy=xb[i].tolist(), xytext=pts[i].tolist(),
                    arrowprops={"arrowstyle": "->", "color": "#1e8449", "linestyle": "--", "lw": 1.2})
        ax.plot(*xb[i].tolist(), "o", ms=4, mfc="white", mec="#1e8449")
        if i < max_planes:
            draw_hyperplane(ax, traj.normal[i], traj.plane[i], color="#1e8449", linewidth=0.9)
            names.append((rf"$x_B^{{({i})}}$", xb[i], xb[i] - pts[i], "#1e8449"))
        corners = _step_corners(traj, i)  # one coordinate at a time: an L, not a dense diagonal
        if len(corners):
            ax.plot(*torch.cat([pts[i:i + 1], corners]).T.tolist(), color=color, lw=1.8)
        ax.annotate("", xy=pts[i + 1].tolist(), xytext=(corners[-1] if len(corners) else pts[i]).tolist(),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.8, "shrinkA": 0, "shrinkB": 0})
        if i < max_planes:
            names.append((rf"$x^{{({i + 1})}}$", pts[i + 1], pts[i + 1] - pts[i], color))
    ax.plot(*pts[0].tolist(), "o", ms=6, color="k", zorder=5)
    names.insert(0, (r"$x^{(0)}$", pts[0], pts[0] - (pts[1] if len(pts) > 1 else pts[0] - 1), "k"))
    if labels:
        anchors = torch.stack([n[1] for n in names])
        star = traj.adversarial.cpu().reshape(1, 2)  # the labels keep clear of the adversarial's star too
        every = torch.cat([anchors, star])
        size = 260.0
        if not ax.get_autoscale_on():  # limits already set (zoom first): measure the points' span in points
            corners = ax.transData.transform(torch.stack([every.amin(dim=0), every.amax(dim=0)]).double().numpy())
            size = float(abs(corners[1] - corners[0]).max()) * 72.0 / ax.figure.dpi
        offsets = label_offsets(anchors, torch.stack([n[2] for n in names]), size=max(size, 1.0), avoid=star)
        for (text, anchor, _, colour), off in zip(names, offsets):
            ax.annotate(text, anchor.tolist(), textcoords="offset points", xytext=off, fontsize=8, color=colour,
                        ha="center", va="center")
    adv = traj.adversarial.cpu().tolist()
    ax.plot(*adv, "*", ms=12, color=color, mec="k", mew=0.6, zorder=6)


def draw_last_steps(ax: Any, traj: Trajectory, grid: Grid, steps: int = 2, around: Any = None) -> float:
    """The last ``steps`` iterations of ``traj`` close up on ``ax`` (regions, path and labels as in
    :func:`draw_trajectory`), where a whole-path panel piles them onto the star; with ``around`` (the
    whole-path axes) a dotted rectangle there marks the zoomed area. Returns the zoomed area's width."""
    from matplotlib.patches import Rectangle

    pts = torch.cat([traj.iterates[-(steps + 1):], traj.boundary[-steps:], traj.adversarial[None]])
    draw_regions(ax, grid, box=True)
    zoom(ax, pts, pad=max(0.15 * float((pts.amax(0) - pts.amin(0)).max()), 1e-3))  # first: labels see the scale
    draw_trajectory(ax, traj)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    if around is not None:
        around.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="0.2", lw=0.8, ls=":", zorder=7))
    return x1 - x0


def zoom(ax: Any, *points: Any, pad: float = 0.06) -> None:
    """Square axis limits around 2-D ``points`` (tensors of shape (..., 2)), with a margin ``pad``."""
    pts = torch.cat([torch.as_tensor(p).detach().cpu().reshape(-1, 2) for p in points])
    lo, hi = pts.amin(dim=0), pts.amax(dim=0)
    c, half = (lo + hi) / 2, float((hi - lo).max()) / 2 + pad
    ax.set_xlim(float(c[0]) - half, float(c[0]) + half)
    ax.set_ylim(float(c[1]) - half, float(c[1]) + half)


def draw_arrow(ax: Any, start: Any, end: Any, color: str, label: str | None = None, style: str = "-|>",
               **kwargs: Any) -> None:
    """An arrow from ``start`` to ``end`` (2-D points), with an invisible line carrying the legend label."""
    s, e = torch.as_tensor(start).flatten().tolist(), torch.as_tensor(end).flatten().tolist()
    ax.annotate("", xy=e, xytext=s, arrowprops={"arrowstyle": style, "color": color, "lw": 1.8,
                                                "shrinkA": 0, "shrinkB": 0, **kwargs})
    if label:
        ax.plot([], [], color=color, lw=1.8, label=label)


def draw_point(ax: Any, p: Any, name: str, offset: tuple[float, float] = (-14, 7), **style: Any) -> None:
    """A 2-D point ``p`` as a dot, with its (TeX) ``name`` centred ``offset`` points from it."""
    xy = torch.as_tensor(p).flatten().tolist()
    ax.plot(*xy, **({"marker": "o", "color": "k", "ms": 6, "zorder": 5} | style))
    ax.annotate(name, xy, textcoords="offset points", xytext=offset, ha="center", va="center")


def dominance(w: torch.Tensor) -> torch.Tensor:
    """Per sample of 2-D normals (N, 2): the smaller ``|w_d|`` over the larger one (0: along an axis, 1: diagonal)."""
    a = w.abs()
    return a.amin(dim=1) / a.amax(dim=1).clamp(min=1e-12)


def pick_followed_point(candidates: torch.Tensor, dominance_ratio: torch.Tensor, overshoot: torch.Tensor,
                        band: tuple[float, float] = (0.25, 0.6)) -> int:
    """The point notebook 00 follows through Eqs. 3-6 and Algorithm 1.

    Among ``candidates`` (a boolean mask of points that satisfy the notebook's rules), prefer those
    whose normal has one clearly dominant coordinate, ``band[0] <= dominance_ratio <= band[1]``
    (so the l1 ball touches B at one vertex, and the l1 and l2 projections visibly differ); among
    those, the one whose l1 step ``overshoot`` s the box the most (the clearest picture of §2.2).
    Falls back to all candidates, then to every point. Returns its index.
    """
    clear = candidates & (dominance_ratio >= band[0]) & (dominance_ratio <= band[1])
    pool = clear if clear.any() else candidates if candidates.any() else torch.ones_like(candidates)
    return int(torch.where(pool, overshoot, torch.full_like(overshoot, -float("inf"))).argmax())


@dataclass(frozen=True)
class FollowedPoint:
    """The point notebook 00 follows (:func:`followed_point`): its ``index``, and how many test
    points met the rules (``qualifying``) and the preferred ones among them (``preferred``)."""

    index: int
    qualifying: int
    preferred: int


def followed_point(model: nn.Module, x: torch.Tensor, y: torch.Tensor, delta: float) -> FollowedPoint:
    """The test point notebook 00 follows through Parts 2-4. Rules: correctly classified; DeepFool
    (Eq. 3-5) ends close to the true boundary (``x + 0.9 r_adv`` keeps the clean label) where it is
    nearly flat (the normal ``w`` of Eq. 6 within 10° of ``r_adv``: the low curvature of §2.3);
    the l1 projection onto B (Algorithm 1 without a box) leaves the box ``[x - delta, x + delta]``
    of Part 3, and Algorithm 1 inside it still reaches B. Preferred: clipping the l1 projection
    keeps the label while Algorithm 1's point fools the MLP (the model agrees with the linearised
    story). Among those, :func:`pick_followed_point` takes one dominant coordinate and the largest
    overshoot of the box."""
    b = deepfool_boundary(model, x)
    lo, hi = bounds(x, delta)
    far = torch.full_like(x, 10.0)
    l1 = linear_solver(x, b.normal, x + b.r_tot, -far, far)
    ls = linear_solver(x, b.normal, x + b.r_tot, lo, hi)
    with torch.no_grad():
        near = model(x + 0.9 * b.r_tot).argmax(1) == b.label
        clip_keeps = model(l1.clamp(lo, hi)).argmax(1) == b.label
        ls_fools = model(ls).argmax(1) != b.label
    cos = (b.normal * b.r_tot).sum(dim=1) / b.r_tot.norm(dim=1)
    leaves = ((l1 < lo) | (l1 > hi)).any(dim=1)
    reaches = (b.normal * (ls - x - b.r_tot)).sum(dim=1) >= 0
    ok = (b.label == y) & b.found & near & (cos > 0.985) & leaves & reaches
    preferred = ok & clip_keeps & ls_fools
    excess = ((l1 - x).abs() / (hi - lo).clamp(min=1e-6)).amax(dim=1)  # the l1 step over the box's width
    index = pick_followed_point(preferred if preferred.any() else ok, dominance(b.normal), excess)
    return FollowedPoint(index, int(ok.sum()), int(preferred.sum()))


def pick_box_point(x: torch.Tensor, adversarials: list[torch.Tensor], successes: list[torch.Tensor],
                   iterations: torch.Tensor, candidates: torch.Tensor) -> int:
    """A point whose SparseFool result changes with every box of a shrinking delta sweep (§4.2).

    ``adversarials[j]``/``successes[j]`` are SparseFool's results at the j-th delta (largest first).
    Prefers ``candidates`` fooled at every delta whose adversarial differs between consecutive
    deltas (the box binds each time), then the fewest ``iterations`` (at the largest delta); falls
    back to the candidate with the most such changes. Returns its index.
    """
    fooled = torch.stack(successes).all(dim=0) & candidates
    changes = sum((a - b).abs().amax(dim=1) > 1e-4 for a, b in zip(adversarials, adversarials[1:]))
    full = fooled & (changes == len(adversarials) - 1)
    if full.any():
        return int(torch.where(full, iterations.float(), torch.full_like(iterations.float(), float("inf"))).argmin())
    pool = fooled if fooled.any() else candidates
    return int(torch.where(pool, torch.as_tensor(changes).float(), torch.full((len(x),), -1.0)).argmax())


__all__ = ["POINT_COLORS", "REGION_COLORS", "Grid", "Trajectory", "decision_grid", "dominance", "draw_arrow",
           "draw_boundary", "draw_box", "draw_hyperplane", "draw_last_steps", "draw_point", "draw_regions", "draw_trajectory",
           "hyperplane_grid", "label_offsets", "lambda_table_reading", "linear_solver_path", "make_mlp", "make_moons", "pick_box_point", "pick_followed_point",
           "SecondCoordinates", "second_coordinate_sources", "sparsefool_trajectory", "train_mlp", "zoom"]
