"""Where SparseFool's time goes on an ImageNet net, and what :func:`sfutils.models.speed.fast_eval` saves.

One run, one machine, side by side (project issue 13, item 5). On EfficientNet-Lite0 (the offline
stand-in for the paper's ImageNet nets, §4.1) it

1. prices one DeepFool step (a graph-recording forward and ``K - 1`` input gradients, K = 10
   candidates) at batch ``--step-batch`` for the plain model, channels-last only, BatchNorm folding
   only, both (``fast_eval``), and with ``--compile`` also ``torch.compile`` of the fast model;
2. runs SparseFool at the paper's ImageNet settings (lambda = 3, 10 candidates) on the same
   ``--n`` images with the plain and the fast model, splitting the wall time into graph forwards,
   input-gradient (backward) passes, label-only forwards and the rest, and checks that both give
   the same adversarial label and the same set of perturbed pixels on every image.

    SFUTILS_MIRROR=/path/to/mirror python benchmarks/bench_imagenet.py [--n 6] [--compile]

Writes ``imagenet.csv`` and ``imagenet.md`` to ``--out`` (default: this folder) and puts the latter at
the end of ``README.md`` there (``bench_sparsefool.py`` includes it in the README it writes).
"""

from __future__ import annotations

import argparse
import copy
import csv
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

import report_sections
from sfutils import metrics
from sfutils.attacks import sparsefool
from sfutils.models import get_model, model_data
from sfutils.models.speed import ChannelsLast, fast_eval, fold_batchnorm

HERE = Path(__file__).resolve().parent
# the module, not the function of the same name that sfutils.attacks exports
sparsefool_module = importlib.import_module("sfutils.attacks.sparsefool")
MODEL = "efficientnet-lite0"
CANDIDATES = 10  # the authors' DeepFool default, used for ImageNet (Table 2)
HEADING = "## ImageNet: where SparseFool's time goes, before and after `fast_eval`"


class PassClock(nn.Module):
    """``net`` with a stopwatch: seconds spent in graph-recording forwards and in label-only
    (no-grad) forwards; :meth:`timing_gradients` adds the input-gradient passes."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net
        self.seconds = {"graph forward": 0.0, "input gradients": 0.0, "label forward": 0.0}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t0 = time.perf_counter()
        out = self.net(x)
        self.seconds["graph forward" if torch.is_grad_enabled() else "label forward"] += time.perf_counter() - t0
        return out

    def timing_gradients(self, grads: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
        def timed(*args: object) -> torch.Tensor:
            t0 = time.perf_counter()
            out = grads(*args)
            self.seconds["input gradients"] += time.perf_counter() - t0
            return out
        return timed


def best_of(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def deepfool_step(model: nn.Module, x: torch.Tensor, k: int = CANDIDATES) -> None:
    """One DeepFool step's passes: a graph forward, then the K-1 candidate input gradients."""
    xg = x.detach().clone().requires_grad_(True)
    out = model(xg)
    top = out.topk(k, dim=1).indices
    f = out.gather(1, top[:, 1:]) - out.gather(1, top[:, :1])
    for j in range(k - 1):
        torch.autograd.grad(f[:, j].sum(), xg, retain_graph=j < k - 2)


def step_rows(model: nn.Module, x: torch.Tensor, repeats: int, compile_too: bool) -> list[dict]:
    probe = x[:2]
    folded, n_folded = fold_batchnorm(model, probe)
    variants: dict[str, nn.Module] = {
        "plain": model,
        "channels-last": ChannelsLast(copy.deepcopy(model)),
        f"BatchNorm folded ({n_folded})": folded,
        "fast_eval (both)": fast_eval(model, probe),
    }
    rows = []
    for name, net in variants.items():
        rows.append({"variant": name, "step_s": best_of(lambda net=net: deepfool_step(net, x), repeats)})
        print(f"  DeepFool step, batch {len(x)}, {name}: {rows[-1]['step_s']:.2f} s", flush=True)
    if compile_too:
        compiled = torch.compile(variants["fast_eval (both)"])
        t0 = time.perf_counter()
        deepfool_step(compiled, x)
        first = time.perf_counter() - t0
        rows.append({"variant": f"torch.compile of fast_eval (first call {first:.0f} s)",
                     "step_s": best_of(lambda: deepfool_step(compiled, x), repeats)})
        print(f"  {rows[-1]['variant']}: {rows[-1]['step_s']:.2f} s", flush=True)
    for r in rows:
        r["speedup"] = rows[0]["step_s"] / r["step_s"]
    return rows


def label_pass_seconds(model: nn.Module, x: torch.Tensor, repeats: int) -> dict[str, float]:
    """A label-only forward under ``torch.no_grad`` (what the attack uses) and ``torch.inference_mode``."""
    def under(mode: Callable[[], object]) -> float:
        def run() -> None:
            with mode():
                model(x)
        return best_of(run, repeats)
    return {"no_grad": under(torch.no_grad), "inference_mode": under(torch.inference_mode)}


def attack_row(name: str, net: nn.Module, x: torch.Tensor, batch_size: int | None = None
               ) -> tuple[dict, torch.Tensor, torch.Tensor]:
    clock = PassClock(net).eval()
    original = sparsefool_module.input_gradients
    sparsefool_module.input_gradients = clock.timing_gradients(original)
    try:
        t0 = time.perf_counter()
        res = sparsefool(clock, x, lam=3.0, num_candidates=CANDIDATES, batch_size=batch_size or len(x))
        total = time.perf_counter() - t0
    finally:
        sparsefool_module.input_gradients = original
    n = len(x)
    row = {"model": name, "dtype": str(x.dtype).removeprefix("torch."), "batch": batch_size or n, "n_images": n, "s_per_img": total / n,
           "fool_pct": res.fooling_rate(), "median_px_pct": res.median_pixels_pct(),
           "grad_evals_per_img": res.grad_evals.float().mean().item(),
           "fwd_evals_per_img": res.forward_evals.float().mean().item(),
           **{f"{k} %": 100 * v / total for k, v in clock.seconds.items()}}
    row["other %"] = 100 - sum(row[f"{k} %"] for k in clock.seconds)
    print(f"  SparseFool, {name}: {row['s_per_img']:.1f} s/image", flush=True)
    return row, res.adv_label, metrics.changed_pixels(res.perturbation)


def agreement(what: str, a: tuple[dict, torch.Tensor, torch.Tensor], b: tuple[dict, torch.Tensor, torch.Tensor]) -> dict:
    """How many images get the same adversarial label and the same perturbed-pixel set from both
    runs, and the mean overlap (intersection over union) of their pixel sets."""
    same_set = (a[2] == b[2]).flatten(1).all(dim=1)
    inter = (a[2] & b[2]).flatten(1).sum(dim=1).double()
    union = (a[2] | b[2]).flatten(1).sum(dim=1).double().clamp(min=1)
    return {"compared": what, "images": len(same_set), "same label and pixel set": int(((a[1] == b[1]) & same_set).sum()),
            "same label": int((a[1] == b[1]).sum()), "mean pixel-set IoU": (inter / union).mean().item()}


def first(run: tuple[dict, torch.Tensor, torch.Tensor], n: int) -> tuple[dict, torch.Tensor, torch.Tensor]:
    return run[0], run[1][:n], run[2][:n]


def fmt(v: object) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def table(rows: list[dict]) -> str:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    return "\n".join(lines + ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows])


def write_report(out: Path, steps: list[dict], labels: dict[str, float], attacks: list[dict], agree: list[dict],
                 info: str, args: str) -> None:
    before, after = attacks[:2]
    n = before["n_images"]
    text = f"""{HEADING}

Generated by `benchmarks/bench_imagenet.py{(' ' + args) if args else ''}` ({info}). Model: {MODEL}
(offline stand-in for the paper's ImageNet nets), lambda = 3, {CANDIDATES} candidate classes.

**Where the passes go** (plain model): input gradients take {before['input gradients %']:.0f} % of the
wall time, graph-recording forwards {before['graph forward %']:.0f} %, label-only forwards
{before['label forward %']:.0f} % and everything else (LinearSolver, indexing, Python)
{before['other %']:.0f} %. Each DeepFool step takes {CANDIDATES - 1} input gradients, each costing about twice a
forward pass, so the backward passes are what to cut; the label checks are already batched into one
no-grad pass per round. A label-only forward at batch {labels['batch']:.0f} takes
{labels['no_grad']:.3f} s under `no_grad` and {labels['inference_mode']:.3f} s under `inference_mode`.

**One DeepFool step** (graph forward + {CANDIDATES - 1} input gradients), best of the repeats:

{table(steps)}

**SparseFool on the same {n} images**, plain model vs `sfutils.models.speed.fast_eval` (BatchNorm
folded into the convolutions, channels-last layout): {before['s_per_img']:.1f} -> {after['s_per_img']:.1f}
s/image, **{before['s_per_img'] / after['s_per_img']:.2f}x**.

{table(attacks)}

**Same answers?** The rewrites compute the same function; only float round-off differs (logits
agree to about 1e-6 relative). On a 224x224 image SparseFool's path is sensitive to round-off: the
LinearSolver picks the coordinate of largest |w| among ~150k, and a last-bit change can swap two
near-equal ones, after which the paths part. The same happens without any rewrite when only the
batch composition changes (plain, batch N vs batch 1), and float32 itself parts from the float64
path of the same model. In float64, where round-off is ~1e-16, the plain and the fast model agree:
the rewrites change no answer of the algorithm, only which last bits float32 rounds.

{table(agree)}

The notebooks attack the ImageNet nets through `fast_eval` (`sfutils.setting.load_setting`); the
batched-vs-reference tests run on the plain models and are unchanged.
"""
    (out / "imagenet.md").write_text(text)
    report_sections.refresh(out)  # bench_sparsefool.py's README: keep its section on ImageNet current
    with open(out / "imagenet.csv", "w", newline="") as f:
        rows = steps + attacks + agree
        w = csv.DictWriter(f, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=6, help="ImageNet images attacked by both models")
    parser.add_argument("--n64", type=int, default=2, help="of those, how many to rerun in float64")
    parser.add_argument("--step-batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--compile", action="store_true", help="also time torch.compile (slow to compile on CPU)")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    from sfutils.device import describe_device

    torch.manual_seed(0)
    model = get_model(MODEL)
    x, _ = model_data(MODEL, n=max(args.n, args.step_batch))
    info = f"{describe_device()}, torch {torch.__version__}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    print(info, flush=True)
    steps = step_rows(model, x[:args.step_batch], args.repeats, args.compile)
    labels = {"batch": args.step_batch, **label_pass_seconds(model, x[:args.step_batch], args.repeats)}
    x = x[:args.n]
    plain = attack_row("plain", model, x)
    fast = attack_row("fast_eval", fast_eval(model, x[:2]), x)
    single = attack_row("plain", model, x, batch_size=1)
    model64, x64 = copy.deepcopy(model).double(), x[:args.n64].double()
    plain64 = attack_row("plain", model64, x64)
    fast64 = attack_row("fast_eval", fast_eval(model64, x64[:2]), x64)
    agree = [agreement(f"plain vs fast_eval, float32, batch {len(x)}", plain, fast),
             agreement(f"plain batch {len(x)} vs plain batch 1, float32 (no rewrite)", plain, single),
             agreement("plain vs fast_eval, float64", plain64, fast64),
             agreement("plain float32 vs plain float64", first(plain, args.n64), plain64),
             agreement("fast_eval float32 vs plain float64", first(fast, args.n64), plain64)]
    args.out.mkdir(parents=True, exist_ok=True)
    write_report(args.out, steps, labels, [plain[0], fast[0], single[0], plain64[0], fast64[0]], agree, info,
                 " ".join(sys.argv[1:] if argv is None else argv))
    print((args.out / "imagenet.md").read_text())


if __name__ == "__main__":
    main()
