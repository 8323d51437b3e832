"""The one-pixel attack's fast k schedule against the exact one, on the same images (project issue 25, item 1).

Table 1's one-pixel baseline (§4.1) grows k by one until the attack succeeds (``one_pixel``, the
exact schedule); on MNIST the images need tens of pixels, so most of its time goes to the k that
fail. ``one_pixel(..., schedule="fast")`` tries k = 1, 2, 3, 4, 6, 8, 12, 16, 24, ... instead (each step from 2 on at
most 1.5x the last; its docstring says how its k bounds the smallest one). On the same seeded
images, same DE budget and seed, this script runs both

1. on ``--mnist`` LeNet images up to ``--max-k`` pixels: wall time, queries (images classified)
   and the k each reports per image, and the speed-up;
2. on ``--cifar`` ResNet-20 images up to k = 6: where an image is fooled by k = 4 the schedules
   coincide, and both must give the same adversarial (same k, same pixels, bit for bit);
3. on both, the fast schedule with the candidates classified ``--old-batch`` (4096, the earlier
   default) and ``--batch`` (256, today's) at a time: the same adversarials, and the speed-up. This
   part runs at Su et al.'s population, ``--batch-popsize`` 400: a generation of the 5 images is then
   2000 candidates, one pass at 4096 and eight at 256 (as in the full profile, whose chunks of 10
   images give 4000 candidates, again one pass at 4096).

The DE budget defaults to a reduced one (``--popsize 100 --generations 20``; Su et al.'s, which the
full profile uses, is 400 and 100) so that the exact schedule finishes in minutes on a 2-core CPU; the ratio of the two
schedules' costs is what to read.

    SFUTILS_MIRROR=/path/to/mirror python benchmarks/bench_one_pixel.py

Writes ``one_pixel.csv`` and ``one_pixel.md`` to ``--out`` (default: this folder) and puts the
latter in ``README.md`` there.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import torch

import report_sections
from sfutils.attacks import AttackResult
from sfutils.attacks.one_pixel import k_schedule, one_pixel
from sfutils.models import get_model, model_data

HERE = Path(__file__).resolve().parent
HEADING = "## The one-pixel attack: the fast k schedule against the exact one"


def run(fn: object, model: torch.nn.Module, x: torch.Tensor, **kwargs: object) -> tuple[AttackResult, float]:
    t0 = time.perf_counter()
    res = fn(model, x, **kwargs)
    return res, time.perf_counter() - t0


def compare(name: str, x: torch.Tensor, model: torch.nn.Module, max_k: int, budget: dict[str, int]
            ) -> tuple[list[dict[str, object]], dict[str, object]]:
    """Both schedules on ``x``: per-image rows and a summary row."""
    exact, t_exact = run(one_pixel, model, x, max_k=max_k, **budget)
    fast, t_fast = run(one_pixel, model, x, max_k=max_k, schedule="fast", **budget)
    steps = k_schedule(1, max_k, "fast")
    rows = []
    for i in range(x.shape[0]):
        pe, pf = int(exact.perturbed_pixels()[i]), int(fast.perturbed_pixels()[i])
        rows.append({"model": name, "image": i, "fooled_exact": bool(exact.success[i]),
                     "fooled_fast": bool(fast.success[i]), "pixels_exact": pe, "pixels_fast": pf,
                     "k_fast": min(v for v in steps if v >= pf) if pf else 0,
                     "queries_exact": int(exact.forward_evals[i]), "queries_fast": int(fast.forward_evals[i]),
                     "same_adversarial": bool(torch.equal(exact.adversarial[i], fast.adversarial[i]))})
    both = [r for r in rows if r["fooled_exact"] and r["fooled_fast"]]
    early = [r for r in rows if r["fooled_exact"] and r["pixels_exact"] <= 4]
    summary = {"model": name, "images": x.shape[0], "max_k": max_k,
               "fooled exact / fast": f"{int(exact.success.sum())} / {int(fast.success.sum())}",
               "s exact": t_exact, "s fast": t_fast, "speed-up": t_exact / t_fast,
               "queries ratio": float(exact.forward_evals.sum() / fast.forward_evals.sum()),
               "fooled by k<=4: same adversarial": f"{sum(r['same_adversarial'] for r in early)} of {len(early)}",
               "median pixels exact / fast (both fooled)":
                   f"{_median([r['pixels_exact'] for r in both])} / {_median([r['pixels_fast'] for r in both])}",
               "max pixels_fast / pixels_exact": max((r["pixels_fast"] / r["pixels_exact"] for r in both),
                                                     default=float("nan"))}
    print(f"  {name}: exact {t_exact:.0f} s, fast {t_fast:.0f} s ({t_exact / t_fast:.2f}x)", flush=True)
    return rows, summary


def compare_batch(name: str, x: torch.Tensor, model: torch.nn.Module, max_k: int, budget: dict[str, int],
                  old: int, new: int) -> dict[str, object]:
    """The fast schedule with ``old`` and then ``new`` candidates per forward pass, on the same images."""
    kw = {"max_k": max_k, "schedule": "fast", **budget}
    before, t_old = run(one_pixel, model, x, batch_size=old, **kw)
    after, t_new = run(one_pixel, model, x, batch_size=new, **kw)
    same = sum(bool(torch.equal(before.adversarial[i], after.adversarial[i])) for i in range(x.shape[0]))
    print(f"  {name}: batch {old} {t_old:.0f} s, batch {new} {t_new:.0f} s ({t_old / t_new:.2f}x)", flush=True)
    return {"model": name, "images": x.shape[0], "max_k": max_k, f"s batch {old}": t_old, f"s batch {new}": t_new,
            "speed-up": t_old / t_new, "same adversarial": f"{same} of {x.shape[0]}"}


def _median(values: list[int]) -> float:
    return float(torch.tensor(values, dtype=torch.float64).median()) if values else float("nan")


def fmt(v: object) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def table(rows: list[dict[str, object]]) -> str:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    return "\n".join(lines + ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", type=int, default=5, help="LeNet images (the full profile's one-pixel draw)")
    parser.add_argument("--cifar", type=int, default=5, help="ResNet-20 images")
    parser.add_argument("--max-k", type=int, default=48, help="k cap on MNIST")
    parser.add_argument("--popsize", type=int, default=100)
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--old-batch", type=int, default=4096, help="candidates per forward pass before")
    parser.add_argument("--batch", type=int, default=256, help="candidates per forward pass now (the default)")
    parser.add_argument("--batch-popsize", type=int, default=400, help="population of the batch-size comparison")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    from sfutils.device import describe_device

    budget = {"popsize": args.popsize, "max_iter": args.generations, "seed": args.seed}
    info = f"{describe_device()}, torch {torch.__version__}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    print(info, flush=True)
    rows, summaries, batches = [], [], []
    for name, n, max_k in (("lenet-mnist", args.mnist, args.max_k), ("resnet20-cifar10", args.cifar, 6)):
        if n:
            x, _ = model_data(name, "test", n=n, seed=0)
            model = get_model(name)
            r, s = compare(name, x, model, max_k, budget)
            rows += r
            summaries.append(s)
            batches.append(compare_batch(name, x, model, max_k, {**budget, "popsize": args.batch_popsize},
                                         args.old_batch, args.batch))
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "one_pixel.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    cmd = " ".join(sys.argv[1:] if argv is None else argv)
    text = f"""{HEADING}

Generated by `benchmarks/bench_one_pixel.py{(' ' + cmd) if cmd else ''}` ({info}). The same
seeded images, DE budget (population {args.popsize}, {args.generations} generations per k; Su et al.'s,
which the full profile uses, is 400 and 100) and seed for `one_pixel` (k = 1, 2, 3, ...: the paper's
protocol, §4.1) and `one_pixel(schedule="fast")` (k = {", ".join(map(str, k_schedule(1, 64, "fast")))}, ...).
`speed-up` is the ratio of wall times, `queries ratio` that of images classified. Where an image is
fooled by k = 4 both schedules have made the same random draws and must return the same
adversarial; above that, the fast schedule's k is an upper bound on the exact schedule's, less than
1.5x it (`max pixels_fast / pixels_exact` shows how far it went; DE's randomness can also let it
find fewer pixels, or fail at the k where the exact schedule's DE succeeded: the bound assumes
that DE succeeding at k succeeds at every larger k too, which a random search need not).
Per image: `one_pixel.csv`.

{table(summaries)}

The fast schedule again, at population {args.batch_popsize} ({args.generations} generations per k), with
the candidate images classified {args.old_batch} at a time (the earlier default: every generation's
candidates, at most images x population, in one pass) and {args.batch} at a time (today's): on a 2-core
CPU smaller batches stay in cache. The answers must not change (`same adversarial`: bit for bit).
The two speed-ups, the schedule's (population {args.popsize}) and the batch's (population
{args.batch_popsize}), are measured at different budgets: read each on its own, not their product.

{table(batches)}
"""
    (args.out / "one_pixel.md").write_text(text)
    report_sections.refresh(args.out)
    print(text)


if __name__ == "__main__":
    main()
