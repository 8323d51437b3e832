"""Table 1's wall-time claims measured fairly: SparseFool and JSMA timed one image at a time (as
the paper timed them, §4.1), on the same images, interleaved and repeated, against two JSMAs.

JSMA is timed twice, with the same attack loop (§4.1's untargeted JSMA: theta = +1, random target,
no distortion cap) and two pair searches: *cleverhans* scores every pair of the d x d matrix with
cleverhans' saliency score, ``-alpha * beta`` over the admissible pairs and ``-inf`` elsewhere (the
JSMA authors' reference implementation, as cleverhans implements it; ``bench_jsma.masked_pairs``),
and *ours* with this repository's accelerated search (:func:`sfutils.attacks.jsma.best_pairs`).
Both must return the same adversarials; the benchmark counts the images where they do.

The full run's s/image columns are batch times shared by a chunk's images, which vary several-fold
with the load of a shared 2-core machine (0.07 to 1.46 s/image across the chunks of one record).
Here each image is attacked by all three attacks back to back, the order reversed between
repetitions, so a load swing hits all of them; an image's time is its median over the repetitions,
and each JSMA / SparseFool factor is the ratio of the two mean times over the images, with a paired
bootstrap interval over images (:func:`sfutils.stats.bootstrap_paired_ratio`).

    SFUTILS_MIRROR=/path/to/mirror python benchmarks/bench_speed.py [--n-mnist 30] [--n-cifar 20] [--reps 2]
        [--profile full]

Writes ``figures/<profile>/tables/01_speed_bench.csv`` (read by the claims ``T1-*-walltime-jsma``
and ``T1-dimension-jsma``), ``speed.md`` beside this file, and refreshes its section of ``README.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import bench_jsma
import report_sections
from sfutils import paths, stats
from sfutils.attacks import AttackResult, sparsefool
from sfutils.device import describe_device
from sfutils.models import get_model, model_data

HERE = Path(__file__).resolve().parent
HEADING = "## Wall time: SparseFool vs JSMA (cleverhans' score and ours), interleaved"
# (data set, the paper's net, ours, SparseFool's λ as §4.2 states it)
NETS = (("mnist", "LeNet", "lenet-mnist", 1.0), ("cifar10", "VGG-19", "vgg19half-cifar10", 3.0),
        ("cifar10", "ResNet-18", "resnet20-cifar10", 3.0))
# the two pair searches of one JSMA loop (bench_jsma.timed_jsma: theta = +1, gamma = 1, seed 0)
JSMAS = {"jsma-cleverhans": bench_jsma.masked_pairs, "jsma-ours": bench_jsma.jsma_module.best_pairs}


def attacks(model: torch.nn.Module, lam: float) -> dict[str, Callable[[torch.Tensor], AttackResult]]:
    """SparseFool at ``lam`` and JSMA with each pair search of :data:`JSMAS`, each on one image."""
    out = {"sparsefool": lambda xi: sparsefool(model, xi, lam=lam)}
    for name, pairs in JSMAS.items():
        out[name] = lambda xi, pairs=pairs: bench_jsma.timed_jsma(model, xi, pairs)[1]
    return out


def time_all(model: torch.nn.Module, x: torch.Tensor, lam: float, reps: int
             ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per attack, each image's median seconds over ``reps`` interleaved repetitions (the order of the
    attacks reversed every other repetition), and per image whether the two JSMAs returned the same
    adversarial and iteration count."""
    run = attacks(model, lam)
    times = {k: np.zeros((reps, x.shape[0])) for k in run}
    same = np.zeros(x.shape[0], dtype=bool)
    for r in range(reps):
        order = list(run) if r % 2 == 0 else list(run)[::-1]
        for i in range(x.shape[0]):
            results = {}
            for name in order:
                t0 = time.perf_counter()
                results[name] = run[name](x[i:i + 1])
                times[name][r, i] = time.perf_counter() - t0
            if r == 0:
                a, b = (results[k] for k in JSMAS)
                same[i] = torch.equal(a.adversarial, b.adversarial) and torch.equal(a.iterations, b.iterations)
    return {k: np.median(t, axis=0) for k, t in times.items()}, same


def ratio_columns(times: dict[str, np.ndarray]) -> dict[str, float]:
    """Seconds per image of every attack, each JSMA / SparseFool factor with its paired bootstrap
    interval, and cleverhans' search over ours on the same images."""
    sf = times["sparsefool"]
    row = {f"{k} s/image": float(t.mean()) for k, t in times.items()}
    for k in JSMAS:
        col = f"{k} / sparsefool"
        row[col] = float(times[k].mean() / sf.mean())
        row.update(zip(stats.ci_columns(col), stats.bootstrap_paired_ratio(times[k], sf, "mean")))
    row["jsma-cleverhans / jsma-ours"] = float(times["jsma-cleverhans"].mean() / times["jsma-ours"].mean())
    return row


def write_report(rows: list[dict], cmd: str, info: str, csv_path: str, out: Path = HERE) -> None:
    """``speed.md`` (the README's section) from the rows."""
    shown = pd.DataFrame(rows).drop(columns="notes")
    (out / "speed.md").write_text(
        f"""{HEADING}

Generated by `{cmd}` ({info}); written to `{csv_path}`.
Each image is attacked one at a time by SparseFool and by JSMA with two pair searches, back to back, the order
reversed every other repetition; `reps` repetitions, an image's time the median over them. JSMA is §4.1's
untargeted version (theta = +1, random target, no distortion cap: gamma = 1), one attack loop with two pair
searches: **jsma-cleverhans** scores all d x d pairs with cleverhans' saliency score (`-alpha * beta` over the
admissible pairs, `-inf` elsewhere: the JSMA authors' reference implementation as cleverhans implements it,
`bench_jsma.masked_pairs`); **jsma-ours** with this repository's accelerated search
(`sfutils.attacks.jsma.best_pairs`). The wall-time claims judge **jsma-cleverhans / sparsefool**; ours is
context. `identical adversarials`: images where the two JSMAs returned the same adversarial (every element)
and iteration count. Intervals: paired bootstrap over images, 95 %. `load 1 min`: the machine's load
average before and after the net's runs (other jobs share the cores; the interleaving keeps the ratios fair,
not the absolute seconds).

{shown.to_markdown(index=False, floatfmt=".3g")}
""")
    report_sections.refresh(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-mnist", type=int, default=30, help="MNIST images (LeNet); >= 20 for a result")
    parser.add_argument("--n-cifar", type=int, default=20, help="CIFAR-10 images (both nets, the same images)")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--profile", default=paths.HEADLINE_PROFILE)
    parser.add_argument("--models", nargs="*", help="only these of our nets (default: all three)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder of speed.md and README.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one image at a time: one thread is fastest and least disturbed by other load
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    device = f"{describe_device()}, {torch.get_num_threads()} threads"
    rows = []
    for dataset, net, name, lam in NETS:
        if args.models and name not in args.models:
            continue
        n = args.n_mnist if dataset == "mnist" else args.n_cifar
        model = get_model(name)
        x, _ = model_data(name, n=n)
        load_before = os.getloadavg()[0]
        times, same = time_all(model, x, lam, args.reps)
        rows.append({"dataset": dataset, "paper model": net, "model (ours)": name, "n": n, "reps": args.reps,
                     **ratio_columns(times), "identical adversarials": int(same.sum()),
                     "load 1 min": f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}",
                     "notes": f"one image at a time, interleaved; SparseFool lambda={lam:g}; JSMA theta=+1, gamma=1, "
                              f"cleverhans' score and ours; {device}; {date}"})
        print(rows[-1], flush=True)
    out = paths.tables_dir(args.profile) / "01_speed_bench.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out, index=False)
    cmd = " ".join(["benchmarks/bench_speed.py", *(sys.argv[1:] if argv is None else argv)])
    info = f"profile {args.profile}, {device}, torch {torch.__version__}, {date}"
    write_report(rows, cmd, info, f"figures/{args.profile}/tables/01_speed_bench.csv", args.out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
