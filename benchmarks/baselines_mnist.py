"""Table 1, MNIST row, for SparseFool and every baseline: fooling rate, median perturbed pixels, time.

Attacks ``--n`` MNIST test images (a seeded random subset) with the registry's LeNet, batched on
the default device, and prints one row per attack: fooling rate (%), median perturbed pixels (%)
over fooled images, wall time per image (the whole batch's time / n; the paper timed one image at
a time on a GTX Titan X), and mean queries/gradients per image. SparseFool uses lambda = 1 (§4.2);
JSMA theta = +1 with random targets (§4.1), gamma = 0.1 (cleverhans' MNIST tutorial) and
gamma = 1 (cleverhans' default, no budget); l1-DeepFool unclipped and clipped (§2.2);
the random baseline (§4.2) uses SparseFool's per-channel median counts. The one-pixel attack runs
with k = 1..``--max-k`` and a reduced population/generation budget by default (Su et al.'s
400 x 100 costs up to 40,400 queries per image and k): pass ``--popsize 400 --max-iter 100``.

    SFUTILS_MIRROR=/path/to/mirror python benchmarks/baselines_mnist.py [--n 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator

import torch
from torch import nn

from sfutils.accuracy import accuracy
from sfutils.attacks import (AttackResult, deepfool_l1, jsma, median_channel_counts, one_pixel, random_sparse,
                             sparsefool)
from sfutils.device import default_device, describe_device
from sfutils.attacks.counting import timed


def row(name: str, res: AttackResult, seconds: float) -> dict[str, float | str]:
    n = res.success.numel()
    return {"attack": name, "fooling %": res.fooling_rate(), "median pixels %": res.median_pixels_pct(),
            "s / image": seconds / n, "queries / image": res.forward_evals.double().mean().item(),
            "grads / image": res.grad_evals.double().mean().item()}


def run(model: nn.Module, x: torch.Tensor, popsize: int, max_iter: int, max_k: int, seed: int = 0
        ) -> Iterator[dict[str, float | str]]:
    """Every attack on ``x`` with ``model``, yielding one table row as each finishes."""
    sf, t = timed(lambda: sparsefool(model, x, lam=1.0), x.device)
    yield row("SparseFool (lambda=1)", sf, t)
    counts = median_channel_counts(sf.perturbation)
    attacks = {
        "JSMA (theta=1, gamma=0.1)": lambda: jsma(model, x, seed=seed),
        "JSMA (theta=1, gamma=1)": lambda: jsma(model, x, gamma=1.0, seed=seed),
        f"one-pixel (k<={max_k}, pop {popsize}, {max_iter} gen)":
            lambda: one_pixel(model, x, k=1, max_k=max_k, popsize=popsize, max_iter=max_iter, seed=seed,
                              progress=True),
        f"random sparse ({counts} el./channel)": lambda: random_sparse(model, x, per_channel_counts=counts, seed=seed),
        "l1-DeepFool (unclipped)": lambda: deepfool_l1(model, x),
        "l1-DeepFool (clipped)": lambda: deepfool_l1(model, x, clip=True),
    }
    for name, attack in attacks.items():
        res, t = timed(attack, x.device)
        yield row(name, res, t)


def format_table(rows: list[dict[str, float | str]]) -> str:
    """A plain-text table (no extra dependency)."""
    keys = list(rows[0])
    cells = [[f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]

    def line(vals: list[str]) -> str:
        return " | ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(vals, widths)))

    return "\n".join([line(keys), "-+-".join("-" * w for w in widths)] + [line(c) for c in cells])


def main(argv: list[str] | None = None) -> None:
    from sfutils.data import load_dataset
    from sfutils.models import get_model

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="MNIST test images (seeded subset)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--popsize", type=int, default=50, help="one-pixel population (Su et al.: 400)")
    p.add_argument("--max-iter", type=int, default=10, help="one-pixel generations per k (Su et al.: 100)")
    p.add_argument("--max-k", type=int, default=5, help="largest k of the one-pixel attack")
    args = p.parse_args(argv)
    device = default_device()
    model = get_model("lenet-mnist").to(device)
    x, y = load_dataset("mnist", n=args.n, seed=args.seed)
    x, y = x.to(device), y.to(device)
    acc = 100 * accuracy(model, x, y)
    print(f"MNIST test subset n={args.n} seed={args.seed}, LeNet accuracy {acc:.1f}%, "
          f"{describe_device(device)}, torch {torch.__version__}, {dt.datetime.now():%Y-%m-%d %H:%M}")
    rows = []
    for r in run(model, x, args.popsize, args.max_iter, args.max_k, args.seed):
        rows.append(r)
        print(f"done: {r['attack']}", flush=True)
    print(format_table(rows))


if __name__ == "__main__":
    main()
