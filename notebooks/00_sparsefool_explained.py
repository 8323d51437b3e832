# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sparsefool-course/sparsefool-repro/blob/main/notebooks/00_sparsefool_explained.ipynb)
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sparsefool-course/sparsefool-repro/main?labpath=notebooks%2F00_sparsefool_explained.ipynb)

# %% tags=["remove-cell"]
import subprocess, sys  # On Colab only: install this project with its extras (elsewhere `make install` did).
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "sfutils[notebooks,imagenet,compare] @ git+https://github.com/sparsefool-course/sparsefool-repro@main"], check=True)

# %% [markdown]
# # 00 · SparseFool explained on a classifier you can see
#
# **Claim (Modas, Moosavi-Dezfooli & Frossard, CVPR 2019, §2–3).** Sparse adversarial
# perturbations that respect the valid range $l \preceq x + r \preceq u$ can be found fast by
# (i) approximating the decision boundary near $x$ by a hyperplane, found with $\ell_2$-DeepFool
# (Eq. 6); (ii) solving the box-constrained $\ell_1$ projection onto that hyperplane greedily, one
# coordinate at a time (Algorithm 1, *LinearSolver*); and (iii) repeating (i)–(ii) because the
# boundary is only *locally* flat (Algorithm 2, *SparseFool*, with the overshoot parameter
# $\lambda \ge 1$). The plain alternative, $\ell_1$-DeepFool followed by clipping to the valid
# range, fails (§2.2).
#
# This notebook walks through each step on a two-dimensional classifier, where every point,
# hyperplane and box can be drawn, then checks the §2.2 claim on MNIST. Every attack comes from
# `sfutils.attacks`: the same code the section notebooks 01–06 run.
#
# Course order: this notebook first, then 01 → 06 (see `notebooks/README.md`).
#
# **Learning goals.** After this notebook you can (1) explain why the $\ell_1$ projection onto a
# hyperplane is sparse and why clipping it to the valid range fails (§2.1–2.2); (2) say how
# DeepFool's boundary point $x_B$ and the normal $w$ of Eq. (6) linearise the classifier (§3.2);
# (3) run Algorithm 1 (LinearSolver) by hand and write it in a few lines (§3.1); (4) assemble
# Algorithm 2 (SparseFool) from its two building blocks and predict what $\lambda$ and the box
# $[x - \delta, x + \delta]$ change (§3.3, §4.2).
#
# **Prerequisites.** Gradients and the first-order Taylor expansion; the $\ell_1$, $\ell_2$ and
# $\ell_0$ norms; what a classifier's logits $f_k(x)$ and predicted label
# $\hat k(x) = \arg\max_k f_k(x)$ are; reading PyTorch tensor code. No GPU: everything here runs
# on a CPU in a couple of minutes.
#
# **Two measures used throughout the course.** The *fooling rate* of an attack is the percentage of
# the attacked inputs whose predicted label it changes, $100 \cdot |\{x : \hat k(x + r_x) \ne
# \hat k(x)\}| / N$ (`AttackResult.fooling_rate()`; the section notebooks give it with a confidence
# interval). The *perturbed pixels* of an adversarial image are the pixels where $x + r$ differs from
# $x$, i.e. $\|r\|_0$ counted per pixel (a colour pixel counts once if any of its channels changed;
# on the 2-D toy problem: the changed coordinates); the paper reports their percentage of all the
# image's pixels, as a median over the successful attacks (`perturbed_pixels()`,
# `median_pixels_pct()`).

# %% tags=["parameters"]
profile = "default"
seed = 0
delta = 20  # the box of §3-4: [x - delta, x + delta] on the 0-255 scale (§4.2)
interactive = False

# %%
import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import Markdown, display

from sfutils import plotting, toy
from sfutils.accuracy import accuracy
from sfutils.attacks import bounds, deepfool, deepfool_l1, linear_solver, sparsefool
from sfutils.attacks.deepfool import deepfool_boundary
from sfutils.notebook import setup

run, P = setup("00", profile, seed=seed)
# Every model here is tiny (a 2-D MLP; LeNet on a few images): one intra-op thread is fastest, and
# keeps the run time steady on a shared machine.
torch.set_num_threads(1)
FIGURES = ["00_toy_problem", "00_deepfool_l2", "00_l1_projection", "00_linear_solver", "00_sparsefool_lambda",
           "00_lambda_delta"]
TABLES = ["00_toy_lambda_sweep"]
torch.manual_seed(P.seed)
print(P)

# %% [markdown]
# ## 1 · A classifier one can see
#
# Two interleaved moons, scaled into the box $[0, 1]^2$: the box plays the role of an image's valid
# pixel range $[l, u]$. A small MLP (two SiLU layers) learns them in a few seconds; the smooth
# activation makes its decision boundary smooth and curved, the situation of §3.3.

# %%
x_train, y_train = toy.make_moons(P.n_toy, seed=P.seed)
x_test, y_test = toy.make_moons(P.n_attack, seed=P.seed + 1)
model = toy.train_mlp(x_train, y_train, seed=P.seed)
train_acc, test_acc = 100 * accuracy(model, x_train, y_train), 100 * accuracy(model, x_test, y_test)
print(f"MLP accuracy: train {train_acc:.1f}%, test {test_acc:.1f}% ({P.n_toy} / {P.n_attack} points)")
grid = toy.decision_grid(model, lo=(-0.1, -0.1), hi=(1.1, 1.1))

fig, ax = plt.subplots(figsize=(4.2, 4.2))
toy.draw_regions(ax, grid, x_train, y_train)
ax.set_title(f"MLP on two moons (test accuracy {test_acc:.1f}%)\nshaded: decision regions; dashed: valid box")
ax.legend(loc="lower left")
plotting.save_figure(run, fig, "00_toy_problem", caption="The toy problem: a SiLU MLP's decision regions on two moons "
                     "inside the valid box [0,1]^2.", n=P.n_toy)
plt.show()

# %% [markdown]
# ## 2 · DeepFool ($\ell_2$): the boundary point $x_B$ and the normal $w$ (§3.2, Fig. 2)
#
# DeepFool linearises the classifier at the current point and steps onto the linearised boundary
# with the smallest $\ell_2$ step, until the label changes. SparseFool uses the result in two
# ways: $x_B = x + r_{adv}$ approximates the closest boundary point, and
# $w = \nabla f_{k(x_B)}(x_B) - \nabla f_{k(x)}(x_B)$ (Eq. 6) is the boundary's normal there. Together
# they define the hyperplane $\mathcal{B} = \{z : w^\top (z - x_B) = 0\}$ that SparseFool attacks.
#
# **How multi-class DeepFool picks the class to cross.** DeepFool [33] linearises, around the
# current iterate $x^{(i)}$, the logit difference $f_k - f_{\hat k(x)}$ of every candidate class
# $k \ne \hat k(x)$. Each candidate gives a hyperplane at $\ell_2$ distance
# $|f_k(x^{(i)}) - f_{\hat k(x)}(x^{(i)})| \,/\, \|\nabla f_k(x^{(i)}) - \nabla f_{\hat k(x)}(x^{(i)})\|_2$;
# DeepFool steps onto the *closest* one (the class with the smallest such distance), a little past
# it (overshoot 0.02), and repeats from there until the label changes. The SparseFool paper uses
# DeepFool as a building block (Algorithm 2, line 3; §3.2) without numbering these formulas; like
# the DeepFool code, `sfutils` restricts the candidates to the `num_candidates` = 10 classes with the
# largest logits at $x$ (here there are only two classes, so the other class is the candidate).
#
# **Why Eq. (6) gives the normal.** At $x_B$ the clean class $\hat k(x)$ and the class
# $\hat k(x_B)$ that DeepFool reached (nearly) tie: locally the decision boundary is the level set
# $\{z : g(z) = 0\}$ of $g = f_{\hat k(x_B)} - f_{\hat k(x)}$. A gradient is orthogonal to the
# level sets of its function, so $w = \nabla g(x_B)$, which is Eq. (6), is normal to the boundary at
# $x_B$ and points to the adversarial side; the first-order Taylor expansion
# $g(z) \approx g(x_B) + w^\top (z - x_B)$ with $g(x_B) \approx 0$ is exactly the hyperplane
# $\mathcal{B}$.
#
# We follow one test point through §2–4, picked by rules you can check in the next cell: correctly
# classified; DeepFool ends close to the true boundary ($x + 0.9\,r_{adv}$ keeps the clean label)
# where it is nearly flat ($w$ within 10° of $r_{adv}$, as §3.1 assumes); and, with the box of §3,
# its $\ell_1$ projection leaves the box while LinearSolver reaches $\mathcal{B}$. Among those we
# prefer points where the MLP's own labels agree with the linearised story, then the one whose
# $\ell_1$ step overshoots the box the most (the clearest picture).

# %%
b_all = deepfool_boundary(model, x_test)
lo_all, hi_all = bounds(x_test, delta)
far = torch.full_like(x_test, 10.0)
l1_all = linear_solver(x_test, b_all.normal, x_test + b_all.r_tot, -far, far)  # Algorithm 1 without a box = l1 projection
ls_all = linear_solver(x_test, b_all.normal, x_test + b_all.r_tot, lo_all, hi_all)
with torch.no_grad():
    near = model(x_test + 0.9 * b_all.r_tot).argmax(1) == b_all.label
    clip_keeps = model(l1_all.clamp(lo_all, hi_all)).argmax(1) == b_all.label
    ls_fools = model(ls_all).argmax(1) != b_all.label
correct = b_all.label == y_test
cos = (b_all.normal * b_all.r_tot).sum(dim=1) / b_all.r_tot.norm(dim=1)
leaves_box = ((l1_all < lo_all) | (l1_all > hi_all)).any(dim=1)
reaches_b = (b_all.normal * (ls_all - x_test - b_all.r_tot)).sum(dim=1) >= 0
ok = correct & b_all.found & near & (cos > 0.985) & leaves_box & reaches_b
preferred = ok & clip_keeps & ls_fools
pool = preferred if preferred.any() else ok if ok.any() else correct & b_all.found
excess = ((l1_all - x_test).abs() / (hi_all - lo_all).clamp(min=1e-6)).amax(dim=1)  # l1 step / box width
i_star = int(torch.where(pool, excess, torch.full_like(excess, -1.0)).argmax())
print(f"{int(ok.sum())} of {len(x_test)} test points qualify ({int(preferred.sum())} preferred); we follow #{i_star}")

x_star = x_test[i_star:i_star + 1]
b = deepfool_boundary(model, x_star)
x_b, w = x_star + b.r_tot, b.normal
df = deepfool(model, x_star)
print(f"x = {[round(v, 3) for v in x_star[0].tolist()]}, class {int(b.label)}")
print(f"DeepFool: ||r_adv||_2 = {b.r_tot.norm():.3f} in {int(b.iterations)} iteration(s), "
      f"x_B = {[round(v, 3) for v in x_b[0].tolist()]}, unit normal w = {[round(v, 3) for v in w[0].tolist()]}")
print(f"sfutils.attacks.deepfool returns x + 1.02 r_adv, classified {int(df.adv_label)}: success={bool(df.success)}")


def zoom(ax, *points, pad=0.06):
    """Square axis limits around 2-D ``points`` (tensors of shape (..., 2)), with a margin."""
    pts = torch.cat([torch.as_tensor(p).reshape(-1, 2) for p in points])
    lo, hi = pts.amin(dim=0), pts.amax(dim=0)
    c, half = (lo + hi) / 2, float((hi - lo).max()) / 2 + pad
    ax.set_xlim(float(c[0]) - half, float(c[0]) + half)
    ax.set_ylim(float(c[1]) - half, float(c[1]) + half)


def arrow(ax, start, end, color, label=None, style="-|>", **kw):
    """An arrow from ``start`` to ``end`` (2-D points), with an invisible line carrying the legend label."""
    s, e = torch.as_tensor(start).flatten().tolist(), torch.as_tensor(end).flatten().tolist()
    ax.annotate("", xy=e, xytext=s, arrowprops={"arrowstyle": style, "color": color, "lw": 1.8,
                                                "shrinkA": 0, "shrinkB": 0, **kw})
    if label:
        ax.plot([], [], color=color, lw=1.8, label=label)


def mark_x(ax):
    """The followed point x, labelled."""
    ax.plot(*x_star[0].tolist(), "ko", ms=6, zorder=5)
    ax.annotate(r"$x$", x_star[0].tolist(), textcoords="offset points", xytext=(-12, 5))


fig, ax = plt.subplots(figsize=(4.4, 4.4))
toy.draw_regions(ax, grid, x_train, y_train)
toy.draw_hyperplane(ax, w, x_b, label=r"linearised boundary $\mathcal{B}$")
arrow(ax, x_star, x_b, "#1e8449", label=r"DeepFool $r_{adv}$ ($\ell_2$)")
arrow(ax, x_b, x_b + 0.5 * b.r_tot.norm() * w, "k", label=r"normal $w$ (Eq. 6)", style="->")
mark_x(ax)
ax.plot(*x_b[0].tolist(), "o", ms=6, mfc="white", mec="#1e8449", zorder=5)
ax.annotate(r"$x_B$", x_b[0].tolist(), textcoords="offset points", xytext=(6, -12))
zoom(ax, x_star, x_b, pad=1.2 * float(b.r_tot.norm()))
ax.legend(loc="lower left", fontsize=7)
ax.set_title(r"DeepFool: the closest boundary point $x_B$ and the normal $w$")
plotting.save_figure(run, fig, "00_deepfool_l2", caption="l2-DeepFool on the toy MLP: x_B = x + r_adv, the normal w "
                     "(Eq. 6) and the linearised boundary B (paper Fig. 2).")
plt.show()

# %% [markdown]
# ## 3 · The $\ell_1$ projection is sparse — and clipping breaks it (§2.1–2.2, §3.1)
#
# From here on we look at the problem SparseFool solves at each step, Eq. (3): the classifier
# replaced by the hyperplane $\mathcal{B}$ (shaded: its two sides, the "one-vs-all linear classifier"
# of Fig. 2; the MLP's true boundary stays as a thin line). Minimising $\|r\|_1$ subject to
# $w^\top(x + r - x_B) = 0$ is a linear programme whose solution sits at a vertex of the $\ell_1$
# ball: it moves **only the coordinate $d$ with the largest $|w_d|$**, by $|w^\top(x - x_B)| / |w_d|$
# (Eq. 4 without a box). The $\ell_2$ projection (DeepFool) moves every coordinate a little.
#
# **The box.** A sparse step is a large step. The moons sit well inside $[0, 1]^2$, but image pixels
# do not: most MNIST pixels are 0 and can only move up, by at most 1. To recreate that in two
# dimensions we give our point a tight box, $[x - \delta, x + \delta] \cap [0, 1]^2$ with
# $\delta$ = 20/255 (parameter `delta`), the perceptibility box of §4.2 (`sfutils.attacks.bounds`;
# Fig. 7 of the paper shows $\delta$ = 255, 30, 10, Fig. 6 sweeps it); SparseFool treats it
# exactly like the valid range (§3.1: "the bounds $l, u$ ... can be generalized"). The $\ell_1$ step
# leaves the box; clipped back (what $\ell_1$-DeepFool + clipping does, §2.2), the point is **no
# longer on $\mathcal{B}$**: the linearised attack fails.

# %%
lb, ub = bounds(x_star, delta)
r_l1 = l1_all[i_star:i_star + 1] - x_star
d_star = int(r_l1.abs().argmax())
x_clip = (x_star + r_l1).clamp(lb, ub)


def side(z):
    """w.(z - x_B): negative on the clean side of B, positive beyond it."""
    return float(w[0] @ (z.flatten() - x_b[0]))


with torch.no_grad():
    clip_label = int(model(x_clip).argmax())
print(f"l1 projection moves only coordinate d = {d_star} (|w| = {[round(v, 3) for v in w.abs()[0].tolist()]}) "
      f"by {float(r_l1[0, d_star]):+.3f}; the box allows {delta / 255:.3f}")
print(f"||r||_1: l1 projection {r_l1.abs().sum():.3f} vs l2 projection {b.r_tot.abs().sum():.3f}")
print(f"clipped: w.(x - x_B) = {side(x_clip):+.3f} (< 0: clean side of B); the MLP labels it {clip_label} "
      f"(clean label {int(b.label)})")

lin = toy.hyperplane_grid(w, x_b, int(b.label), lo=(-0.1, -0.1), hi=(1.1, 1.1), steps=400)
view = (x_star, x_star + r_l1, x_b, lb, ub, x_star + float(r_l1.abs().sum()), x_star - float(r_l1.abs().sum()))


def linearised_axes(ax, title):
    """B's two half-planes, the MLP's true boundary (thin), the box around x, and x."""
    toy.draw_regions(ax, lin, box=True)
    toy.draw_boundary(ax, grid, colors="0.25", linewidths=0.8)
    toy.draw_box(ax, lb, ub, color="#8e44ad", linestyle="-", linewidth=1.2)
    ax.plot([], [], color="0.25", lw=0.8, label="MLP's true boundary")
    ax.plot([], [], color="k", lw=1.5, label=r"$\mathcal{B}$ (linearised at $x_B$)")
    ax.plot([], [], color="#8e44ad", lw=1.2, label=r"box $[x-\delta, x+\delta]$")
    mark_x(ax)
    zoom(ax, *view)
    ax.set_title(title)


fig, axes = plt.subplots(1, 2, figsize=(9, 4.6))
ax = axes[0]
linearised_axes(ax, r"$\ell_1$ touches $\mathcal{B}$ at a vertex: one coordinate")
rad1, rad2 = float(r_l1.abs().sum()), float(b.r_tot.norm())
xs0, ys0 = x_star[0].tolist()
ax.fill([xs0 + rad1, xs0, xs0 - rad1, xs0], [ys0, ys0 + rad1, ys0, ys0 - rad1], fill=False, ec="#c0392b", ls="--",
        lw=1.2, label=r"smallest $\ell_1$ ball touching $\mathcal{B}$")
ax.add_patch(plt.Circle((xs0, ys0), rad2, fill=False, ec="#1e8449", ls="--", lw=1.2, label=r"smallest $\ell_2$ ball"))
arrow(ax, x_star, x_star + r_l1, "#c0392b", label=r"$\ell_1$ projection")
arrow(ax, x_star, x_b, "#1e8449", label=r"$\ell_2$ projection (DeepFool)")
ax.legend(loc="lower left", fontsize=6.5)

ax = axes[1]
linearised_axes(ax, r"§2.2: clipping into the box leaves $\mathcal{B}$")
arrow(ax, x_star, x_star + r_l1, "#c0392b", label=r"$\ell_1$ projection (outside the box)", linestyle=":")
ax.plot(*(x_star + r_l1)[0].tolist(), "X", ms=9, color="#c0392b", zorder=6)
ax.plot(*x_clip[0].tolist(), "X", ms=9, color="0.2", zorder=6, label="clipped back into the box")
ax.legend(loc="lower left", fontsize=6.5)
fig.tight_layout()
plotting.save_figure(run, fig, "00_l1_projection", caption="The linearised problem (Eq. 3). Left: the l1 projection onto B "
                     "moves one coordinate, the l2 projection both. Right: the l1 step leaves the box; clipped back, "
                     "the point no longer reaches B (§2.2).")
plt.show()

# %% [markdown]
# ### The same failure on MNIST (§2.2)
#
# The paper reports that $\ell_1$-DeepFool fools VGG-16 on ImageNet almost always with 0.037% of the
# pixels, but only 13% of the time once its images are clipped to $[0, 255]$. Here is the same
# experiment with LeNet on a few MNIST test images (SparseFool with the paper's MNIST setting
# $\lambda = 1$ alongside). Notebook 01 runs it at scale.

# %%
try:
    from sfutils.models import get_model, model_data

    lenet = get_model("lenet-mnist")
    x_mnist, y_mnist = model_data("lenet-mnist", n=P.n_mnist, seed=P.seed)
except (OSError, RuntimeError) as err:
    lenet = None
    print(f"MNIST part skipped: LeNet or MNIST is not available here ({type(err).__name__}: {err}).\n"
          "Train/download them as described in README.md, then re-run this cell.")

if lenet is not None:
    with torch.no_grad():
        keep = lenet(x_mnist).argmax(1) == y_mnist  # attack correctly classified images, as the paper does
    x_mnist, y_mnist = x_mnist[keep], y_mnist[keep]
    attacks = {"l1-DeepFool": deepfool_l1(lenet, x_mnist), "l1-DeepFool, clipped": deepfool_l1(lenet, x_mnist, clip=True),
               "SparseFool (lambda=1)": sparsefool(lenet, x_mnist, lam=1.0)}
    mnist_table = pd.DataFrame([{
        "attack": name, "fooling rate %": res.fooling_rate(), "median perturbed pixels %": res.median_pixels_pct(),
        "pixels outside [0,1] per image": float(((res.adversarial < 0) | (res.adversarial > 1)).flatten(1).sum(1).float().mean()),
        "largest |r|": float(res.perturbation.abs().max())} for name, res in attacks.items()])
    display(mnist_table.round(3))
    plotting.save_table(run, mnist_table, "00_mnist_l1_clipping", n=len(y_mnist),
                        caption="§2.2 on MNIST/LeNet: l1-DeepFool before and after clipping to [0,1], and SparseFool.")

    undone = attacks["l1-DeepFool"].success & ~attacks["l1-DeepFool, clipped"].success
    j = int(undone.nonzero()[0]) if undone.any() else 0  # an image where clipping undoes the attack
    fig, axes = plt.subplots(1, 4, figsize=(8.4, 2.6))
    axes[0].imshow(x_mnist[j, 0].cpu(), cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"original: {int(y_mnist[j])}")
    for ax, name in zip(axes[1:], attacks):
        res = attacks[name]
        adv, changed = res.adversarial[j, 0].cpu(), (res.perturbation[j, 0] != 0).cpu()
        rows, cols = changed.nonzero(as_tuple=True)
        ax.imshow(adv.clamp(0, 1), cmap="gray", vmin=0, vmax=1)
        ax.scatter(cols, rows, s=70, facecolors="none", edgecolors="#e74c3c", linewidths=1.2)
        vals = adv[changed]
        values = "" if vals.numel() == 0 else f"value {float(vals[0]):.2f}" if vals.numel() == 1 else \
            f"values in [{float(vals.min()):.2f}, {float(vals.max()):.2f}]"
        ax.set_title(f"{name}: {int(res.adv_label[j])}\n{int(changed.sum())} px, {values}", fontsize=7.5)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.tight_layout()
    plotting.save_figure(run, fig, "00_mnist_l1_clipping", n=len(y_mnist),
                         caption="An MNIST digit (label in each title): l1-DeepFool changes a few pixels (circled) "
                                 "to values far outside [0,1]; clipped, the label comes back; SparseFool stays valid.")
    FIGURES.append("00_mnist_l1_clipping")
    plt.show()

# %% [markdown]
# ## 4 · Algorithm 1 (LinearSolver): one coordinate at a time, inside the box (§3.1)
#
# SparseFool keeps the sparsity of the $\ell_1$ projection but never leaves the box. Starting from
# $x$, it moves the coordinate with the largest $|w_d|$ towards $\mathcal{B}$ and clips it to
# $[l_d, u_d]$ (the projection $Q$). If the hyperplane is not reached, that coordinate is saturated:
# it joins the forbidden set $S$, and the next largest $|w_d|$ takes over, until
# $w^\top(x^{(i)} - x_B) = 0$. `sfutils.attacks.linear_solver` solves this in closed form for
# a whole batch; `sfutils.toy.linear_solver_path` replays it step by step (by freezing all but the
# first $k$ coordinates) so we can draw it.

# %%
path = toy.linear_solver_path(x_star, w, x_b, lb, ub)
x_ls = linear_solver(x_star, w, x_b, lb, ub)
assert torch.equal(path[-1:], x_ls)
with torch.no_grad():
    ls_label = int(model(x_ls).argmax())
for k, p in enumerate(path):
    print(f"x^({k}) = {[round(v, 3) for v in p.tolist()]}, w.(x - x_B) = {side(p):+.4f}")
print(f"LinearSolver ends inside the box, on B (up to its 1e-3 overshoot); the MLP labels it {ls_label} "
      f"(clean label {int(b.label)})")

fig, ax = plt.subplots(figsize=(4.6, 4.6))
linearised_axes(ax, "Algorithm 1: saturate coordinate $d$, then use the next")
arrow(ax, x_star, x_star + r_l1, "#c0392b", label=r"$\ell_1$ projection (outside the box)", linestyle=":")
for k in range(len(path) - 1):
    arrow(ax, path[k], path[k + 1], "#2c3e50", label="LinearSolver steps" if k == 0 else None)
    ax.annotate(rf"$x^{{({k + 1})}}$", path[k + 1].tolist(), textcoords="offset points", xytext=(5, 5))
ax.legend(loc="lower left", fontsize=6.5)
plotting.save_figure(run, fig, "00_linear_solver", caption="Algorithm 1 on the linearised problem: the first coordinate is "
                     "clipped at the box wall, the next one completes the step onto B, inside the box.")
plt.show()

# %% [markdown]
# ## 5 · Algorithm 2 (SparseFool): iterate, because the boundary is curved (§3.3, Fig. 3)
#
# A single LinearSolver step lands on the *tangent* hyperplane, which on a curved boundary may
# still be on the clean side. SparseFool therefore repeats: DeepFool from the current iterate
# (green: $r_{adv}$ and the new hyperplane), LinearSolver towards it (red), until the label flips.
# With $\lambda > 1$ the hyperplane is put through $x^{(i)} + \lambda\, r_{adv}$, beyond the boundary:
# fewer iterations, but larger and denser perturbations (Fig. 4 of the paper; the λ table of
# Exercise 3 shows how much larger $\|r\|_1$ gets). The final adversarial (star) is
# $Q(x + (1 + \epsilon)(x^{(T)} - x))$ with $\epsilon = 0.02$.
#
# We first run `sparsefool` on the whole toy test set for $\lambda = 1$ and $3$, then pick a point
# that needs at least three iterations with $\lambda = 1$ and draw its path for $\lambda = 1, 2, 3$
# (`sfutils.toy.sparsefool_trajectory` records the iterates with the same calls; `tests/test_toy.py`
# checks that it ends exactly where `sparsefool` does).

# %%
sweep = {lam: sparsefool(model, x_test, lam=lam) for lam in (1.0, 3.0)}
for lam, res in sweep.items():
    print(f"lambda={lam:g}: fooling rate {res.fooling_rate():.1f}%, mean iterations {res.iterations.float().mean():.2f}, "
          f"one-coordinate perturbations {100 * (res.perturbed_pixels() == 1).float().mean():.0f}%")
slow = correct & sweep[1.0].success & sweep[3.0].success & (sweep[1.0].iterations >= 3) & (sweep[3.0].iterations == 1)
if not slow.any():
    slow = correct & sweep[1.0].success & sweep[3.0].success
i_curved = int(slow.nonzero()[sweep[1.0].iterations[slow].argmax()])
x_curved = x_test[i_curved:i_curved + 1]

trajs = {lam: toy.sparsefool_trajectory(model, x_curved, lam=lam) for lam in (1.0, 2.0, 3.0)}
for lam, tr in trajs.items():
    res = sparsefool(model, x_curved, lam=lam)
    assert torch.equal(tr.adversarial, res.adversarial[0])
    r = tr.adversarial - x_curved[0]
    print(f"lambda={lam:g}: {tr.iterations} iteration(s), r = {[round(v, 3) for v in r.tolist()]}, "
          f"||r||_1 = {r.abs().sum():.3f}, label {tr.label} -> {tr.adv_label}")

fig, axes = plt.subplots(1, 3, figsize=(11, 3.9), sharex=True, sharey=True)
for ax, (lam, tr) in zip(axes, trajs.items()):
    toy.draw_regions(ax, grid, box=True)
    toy.draw_trajectory(ax, tr)
    ax.set_title(rf"$\lambda = {lam:g}$: {tr.iterations} iteration(s), $\|r\|_1$ = {(tr.adversarial - x_curved[0]).abs().sum():.2f}")
zoom(axes[0], *[torch.cat([t.iterates, t.boundary]) for t in trajs.values()], pad=0.08)
axes[0].plot([], [], color="#1e8449", ls="--", label=r"DeepFool $r_{adv}$, hyperplane via $x + \lambda r_{adv}$")
axes[0].plot([], [], color="#c0392b", label="LinearSolver step")
axes[0].plot([], [], "*", color="#c0392b", mec="k", ms=10, label="adversarial")
axes[0].legend(loc="lower left", fontsize=7)
fig.tight_layout()
plotting.save_figure(run, fig, "00_sparsefool_lambda", caption="SparseFool's iterations on the curved toy boundary for "
                     "lambda = 1, 2, 3 (paper Fig. 3): larger lambda, fewer iterations.")
plt.show()

# %% [markdown]
# ## 6 · Play with $\lambda$ and $\delta$
#
# Besides $\lambda$, the only knob is the box. §4.2 uses $[x - \delta, x + \delta] \cap [0, 1]$
# (`sfutils.attacks.bounds`, $\delta$ on the 0–255 scale) to make perturbations less perceptible:
# each coordinate may move less, so more coordinates and more iterations are needed, and within
# `max_iter` = 50 iterations some points are no longer fooled at all. Set `interactive = True` in the
# parameters cell (JupyterLab, with `ipywidgets` from the `notebooks` extra) for sliders; the
# static figure below is what a headless run produces.


# %%
def draw_attack(ax, lam: float, delta: float) -> toy.Trajectory:
    """SparseFool on the curved-boundary point with box [x - delta, x + delta] (delta on 0-255), drawn on ax."""
    lo, hi = bounds(x_curved, delta)
    tr = toy.sparsefool_trajectory(model, x_curved, lam=lam, lb=lo, ub=hi)
    toy.draw_regions(ax, grid, box=True)
    toy.draw_box(ax, lo, hi, color="#8e44ad", linestyle="-", linewidth=1.2)
    toy.draw_trajectory(ax, tr)
    nz = int((tr.adversarial != x_curved[0]).sum())
    ax.set_title(rf"$\lambda$={lam:g}, $\delta$={delta:g}: {'fooled' if tr.success else 'not fooled'}, "
                 f"{tr.iterations} it., {nz} coord.")
    return tr


deltas = (255, 100, 40)
for d in deltas:
    lo, hi = bounds(x_test, d)
    res = sparsefool(model, x_test, lam=3.0, lb=lo, ub=hi)
    print(f"toy test set, lambda=3, delta={d}: fooling rate {res.fooling_rate():.1f}%, "
          f"mean iterations {res.iterations.float().mean():.2f}")
fig, axes = plt.subplots(1, len(deltas), figsize=(11, 3.9), sharex=True, sharey=True)
drawn = [draw_attack(ax, 3.0, d) for ax, d in zip(axes, deltas)]
zoom(axes[0], *[torch.cat([t.iterates, t.boundary]) for t in drawn], pad=0.08)
axes[0].plot([], [], color="#8e44ad", label=r"box $[x-\delta, x+\delta]\cap[0,1]^2$")
axes[0].legend(loc="lower left", fontsize=7)
fig.tight_layout()
plotting.save_figure(run, fig, "00_lambda_delta", caption="SparseFool (lambda = 3) on the toy point with the perceptibility "
                     "box of §4.2 shrinking (delta = 255, 100, 40 on the 0-255 scale).")
plt.show()

# %%
if interactive:
    try:
        import ipywidgets as widgets
    except ImportError:
        print("ipywidgets is not installed (pip install -e '.[notebooks]'); the static figure above stands in.")
        interactive = False
if interactive:
    def _show(lam: float = 3.0, delta: float = 255.0) -> None:
        _, ax = plt.subplots(figsize=(4.6, 4.6))
        draw_attack(ax, lam, delta)
        zoom(ax, x_curved, pad=0.3)
        plt.show()

    widgets.interact(_show, lam=widgets.FloatSlider(value=3.0, min=1.0, max=6.0, step=0.25, description="lambda"),
                     delta=widgets.IntSlider(value=255, min=5, max=255, step=5, description="delta"))

# %% [markdown]
# ## 7 · Try it yourself
#
# Each exercise is followed by a solution cell (tagged `solution`; hide it before class, e.g. with
# JupyterLab's "collapse selected code" or by stripping cells tagged `solution`).
#
# **Exercise 1 — predict the first step.** For the point of §2–4, which coordinate does
# LinearSolver move first, and in which direction? Will that step be clipped? Answer from `w`,
# `x_star` and `x_b` alone, then check against `toy.linear_solver_path`.

# %% tags=["solution", "hide-input"]
d_first = int(w.abs().argmax())
direction = int(torch.sign(w[0, d_first]) * torch.sign(w[0] @ (x_b[0] - x_star[0])))
needed = float(w[0] @ (x_b[0] - x_star[0]) / w[0, d_first])
room = float((ub - x_star)[0, d_first] if needed > 0 else (x_star - lb)[0, d_first])
print(f"coordinate {d_first}, direction {direction:+d}: needs {abs(needed):.3f}, room in the box {room:.3f} "
      f"-> {'clipped' if abs(needed) > room else 'not clipped'}")
moved = (path[1] != path[0]).nonzero().flatten().tolist()
assert moved == [d_first] and torch.sign(path[1] - path[0])[d_first] == torch.sign(torch.tensor(needed))
print("matches toy.linear_solver_path:", path[1].tolist())

# %% [markdown]
# **Exercise 2 — LinearSolver in ten lines.** Write Algorithm 1 as the paper states it: a loop
# over the unused coordinate with the largest $|w_d|$, step (Eq. 4), clip (Q), add $d$ to $S$.
# To match `sfutils` exactly, do as the authors' code does: aim slightly past the plane, using
# $|w^\top(x^{(i)} - x_B) + \beta| / |w_d|$ with $\beta = 10^{-3}\,\mathrm{sign}\,w^\top(x^{(0)} - x_B)$,
# take at least $10^{-4}$ per step, and stop as soon as the sign of $w^\top(x^{(i)} - x_B)$ changes.
# Check it against `sfutils.attacks.linear_solver` on random 20-dimensional problems.

# %% tags=["solution", "hide-input"]
def my_linear_solver(x, w, x_b, lb, ub):
    """Algorithm 1 for one sample, as a plain loop (x, w, x_b, lb, ub: 1-D tensors)."""
    x, f0 = x.clone(), float(w @ (x - x_b))
    beta = 1e-3 * (1 if f0 > 0 else -1 if f0 < 0 else 0)
    for d in w.abs().argsort(descending=True, stable=True).tolist():  # unused d with the largest |w_d|
        f = float(w @ (x - x_b))
        if w[d] == 0 or (f > 0) != (f0 > 0) or (f < 0) != (f0 < 0):  # nothing left, or B reached/crossed
            break
        step = max(abs(f + beta) / abs(float(w[d])), 1e-4) * torch.sign(w[d])  # Eq. 4
        x[d] = (x[d] + step).clamp(lb[d], ub[d])  # Q: back into the box
    return x


g = torch.Generator().manual_seed(P.seed)
for _ in range(20):
    xr = torch.rand(1, 20, generator=g)
    wr = torch.randn(1, 20, generator=g)
    pr = xr + 0.5 * wr / wr.norm()  # x on the clean side of B, 0.5 away from it (l2)
    lo, hi = (xr - 0.2).clamp(0, 1), (xr + 0.2).clamp(0, 1)
    torch.testing.assert_close(my_linear_solver(xr[0], wr[0], pr[0], lo[0], hi[0]),
                               linear_solver(xr, wr, pr, lo, hi)[0], rtol=0, atol=1e-5)
print("my_linear_solver agrees with sfutils.attacks.linear_solver on 20 random problems")

# %% [markdown]
# **Exercise 3 — what does $\lambda$ buy?** On the toy test set, run `sparsefool` for
# $\lambda \in \{1, 1.5, 2, 3, 5\}$ and tabulate the fooling rate, the mean number of iterations and
# the mean $\|r\|_1$ of successful attacks. Which trade-off of Fig. 4 do you recover? In two
# dimensions every perturbation touches one or two coordinates: how often is one enough?

# %% tags=["solution", "hide-input"]
rows = []
for lam in (1.0, 1.5, 2.0, 3.0, 5.0):
    res = sweep[lam] if lam in sweep else sparsefool(model, x_test, lam=lam)
    ok = res.success
    rows.append({"lambda": lam, "fooling rate %": res.fooling_rate(),
                 "mean iterations": float(res.iterations.float().mean()),
                 "mean ||r||_1 (fooled)": float(res.perturbation[ok].abs().sum(1).mean()),
                 "one coordinate %": float(100 * (res.perturbed_pixels()[ok] == 1).float().mean())})
lam_table = pd.DataFrame(rows)
plotting.save_table(run, lam_table, "00_toy_lambda_sweep", n=len(x_test),
                    caption="SparseFool on the toy test set: the lambda trade-off of the paper's Fig. 4.")
display(lam_table.round(3))

# %% [markdown]
# **Exercise 4 — assemble Algorithm 2.** Using only `deepfool_boundary` (line 3–5 of Algorithm 2:
# `r_tot` is $r_{adv}$, `normal` is $w^{(i)}$ of Eq. 6) and `linear_solver` (line 6, Algorithm 1),
# write SparseFool for one sample: from $x^{(i)}$, put the hyperplane through
# $x^{(i)} + \lambda\, r_{adv}$, step with LinearSolver in the box, and stop when
# $Q(x + (1 + \epsilon)(x^{(i)} - x))$, $\epsilon = 0.02$, changes the label (or after 50
# iterations). Self-check: your adversarial must equal `sfutils.attacks.sparsefool`'s on the toy
# points.

# %% tags=["solution", "hide-input"]
def my_sparsefool(x, lam=3.0, lb=0.0, ub=1.0, max_iter=50, epsilon=0.02):
    """Algorithm 2 for one sample x (1, d), from the public building blocks."""
    lo, hi = torch.full_like(x, lb), torch.full_like(x, ub)
    with torch.no_grad():
        label = model(x).argmax(1)
    x_i, adv = x.clone(), x.clone()
    for _ in range(max_iter):
        with torch.no_grad():
            if model(adv).argmax(1) != label:  # line 2: stop once the label changed
                break
        bd = deepfool_boundary(model, x_i)  # lines 3-5: x_B = x_i + r_adv and w (Eq. 6)
        if not bool(bd.found):
            break
        x_i = linear_solver(x_i, bd.normal, x_i + lam * bd.r_tot, lo, hi)  # line 6
        adv = torch.minimum(torch.maximum(x + (1 + epsilon) * (x_i - x), lo), hi)  # Q(x + (1+eps) r)
    return adv


picks = range(0, len(x_test), max(1, len(x_test) // 10))
for lam in (1.0, 3.0):
    reference = sparsefool(model, x_test, lam=lam).adversarial
    for i in picks:
        torch.testing.assert_close(my_sparsefool(x_test[i:i + 1], lam=lam), reference[i:i + 1], rtol=0, atol=1e-4)
print(f"my_sparsefool matches sfutils.attacks.sparsefool on {len(picks)} toy points for lambda = 1 and 3")

# %% [markdown]
# **Exercise 5 — in words.** (a) Why does SparseFool need several iterations on the moons but one on
# a linear classifier? (b) Why does clipping the $\ell_1$-DeepFool perturbation fail more often on
# MNIST than on the toy problem? (c) What does a smaller $\delta$ cost, and why?

# %% [markdown] tags=["solution"]
# *Answers.* **(a)** LinearSolver lands on the tangent hyperplane $\mathcal{B}$ of Eq. (6). On a
# linear classifier $\mathcal{B}$ *is* the boundary, so the first step (pushed $\epsilon$ past it)
# already flips the label; on the curved moons boundary the tangent plane lies on the clean side of
# the true boundary wherever it bends away from it, so the step falls short and DeepFool must
# re-linearise from the new iterate (§3.3, Fig. 3). $\lambda > 1$ moves the plane beyond $x_B$ to
# compensate: fewer iterations for a larger $\|r\|_1$ (Fig. 4; the λ table of Exercise 3 shows
# how much larger).
# **(b)** The $\ell_1$ projection puts the whole step on the one coordinate with the largest
# $|w_d|$, usually a step far larger than the pixel's room: MNIST pixels sit at 0 or 1, so almost
# any large step leaves $[0, 1]$, and clipping removes most of it, leaving the point short of the
# boundary (§2.2). The toy moons sit inside the box, so only the tight $\delta$-box of §3 makes the
# same happen there.
# **(c)** Each coordinate may move at most $\delta$, so LinearSolver saturates coordinates sooner and
# needs more of them (less sparse) and SparseFool more iterations; with a very small $\delta$ the
# reachable set may not cross the boundary within `max_iter` and the fooling rate drops (§4.2,
# Figs. 6–7: sparsity traded for imperceptibility).
#
# *Exercise 1, in words.* LinearSolver first moves the coordinate with the largest $|w_d|$ (Eq. 5),
# in the direction of $\mathrm{sign}(w_d)$ times the side of $\mathcal{B}$ to reach; it is clipped
# when the step of Eq. (4) exceeds the room left to the box wall in that direction.
# *Exercise 2, in words.* Sorting $|w|$ once gives the order of Eq. (5) (the forbidden set $S$ grows
# by one coordinate per step); each step is Eq. (4), followed by $Q$.
# *Exercise 3, in words.* Larger $\lambda$: fewer iterations and a fooling rate that stays high, at
# the price of a larger $\|r\|_1$: the trade-off of Fig. 4. In two dimensions, one coordinate is
# enough whenever the first step of Algorithm 1 is not clipped.
# *Exercise 4, in words.* Algorithm 2 is a loop around the two building blocks: DeepFool for the
# plane, LinearSolver for the sparse step, and the $\epsilon$-extended, box-projected point for the
# stopping test.

# %% [markdown]
# ## Provenance

# %%
display(Markdown(run.markdown(n=P.n_attack)))
