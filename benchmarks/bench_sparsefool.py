"""Speed of the batched SparseFool against the per-sample reference, torchattacks and "the limit".

One run, one machine, side by side (project issue 6). For every model and batch size N it reports
images/s, fooling rate, median perturbed pixels (the paper's §4.1 measures), gradient and forward
evaluations per image, the agreement of this repo's pixel sets with the per-sample reference of
Algorithms 1-2 (``tests/reference_sparsefool.py``), peak memory, and the ratio to *the limit*: the
bare cost of the forward and input-gradient passes the attack performed, priced at batch N
(``limit = grad_evals * t_backward(N) + forward_evals * t_forward(N)`` per image, with the unit
times measured on the same model and batch). lambda is the paper's (§4.2): 1 for MNIST, 3 otherwise.

The reference and torchattacks' SparseFool treat one image at a time, so their rate does not depend
on N: they are timed once per model on the first ``--ref-n`` / ``--ta-n`` images. Peak memory of
chunking (``batch_size``) on ImageNet-size inputs is measured in fresh subprocesses.

    SFUTILS_MIRROR=/path/to/mirror python benchmarks/bench_sparsefool.py [--quick] [--models lenet-mnist]

Writes ``results.csv``, ``README.md`` and ``throughput.png`` to ``--out`` (default: this folder;
``data/bench-quick`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from reference_sparsefool import ref_sparsefool  # noqa: E402

from sfutils import metrics  # noqa: E402
from sfutils.attacks import sparsefool  # noqa: E402
from sfutils.device import default_device, describe_device  # noqa: E402
from sfutils.models import get_model, model_data  # noqa: E402

LAMBDA = {"mnist": 1.0, "cifar10": 3.0, "imagenet": 3.0}  # §4.2
CANDIDATES = 10  # num_candidates of DeepFool (the authors' default)
IMPLS = ("sparsefool", "reference", "torchattacks", "limit")


@dataclass
class Profile:
    """How much work a run does; ``imagenet_sizes`` apply to ImageNet models."""

    sizes: tuple[int, ...]
    imagenet_sizes: tuple[int, ...]
    repeats: int
    ref_n: int
    ta_n: int
    memory: tuple[str, int, tuple[int, ...]]  # (model, N, batch sizes) of the chunking probe
    models: tuple[str, ...] = ("lenet-mnist", "resnet20-cifar10")


PROFILES = {
    "default": Profile((1, 16, 64, 256), (1, 2), 1, 16, 4, ("efficientnet-lite0", 2, (1, 2))),
    "quick": Profile((1, 8, 32), (1,), 1, 4, 2, ("resnet20-cifar10", 32, (8, 32))),
}


# ----------------------------------------------------------------------------------------------
# Instruments: pass counting, peak memory, timing.

class Counted(nn.Module):
    """Wraps a model and counts rows through its forward passes and input-gradient (backward) passes."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net
        self.forward_rows = 0
        self.backward_rows = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        self.forward_rows += out.shape[0]
        if out.requires_grad:
            rows = out.shape[0]
            out.register_hook(lambda g: self._count_backward(rows))
        return out

    def _count_backward(self, rows: int) -> None:
        self.backward_rows += rows

    def reset(self) -> None:
        self.forward_rows = self.backward_rows = 0


def _rss_bytes() -> int:
    """Current resident set size of this process (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


class PeakMemory:
    """Peak memory above the level at entry, in MiB: CUDA's allocator peak on GPU, else the peak
    resident set size sampled every millisecond by a thread (torch ops release the GIL)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.mib = float("nan")

    def __enter__(self) -> "PeakMemory":
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
        else:
            self._base = self._peak = _rss_bytes()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.001):
            self._peak = max(self._peak, _rss_bytes())

    def __exit__(self, *exc: object) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
        else:
            self._stop.set()
            self._thread.join()
            peak = max(self._peak, _rss_bytes())
        self.mib = (peak - self._base) / 2**20


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], object], device: torch.device, repeats: int = 1) -> tuple[object, float, float]:
    """(result, best wall time over ``repeats`` in s, peak memory of the first run in MiB). The best
    time is the least disturbed by the other processes sharing the machine."""
    best, out, mem = float("inf"), None, float("nan")
    for r in range(repeats):
        with PeakMemory(device) as pm:
            _sync(device)
            t0 = time.perf_counter()
            out = fn()
            _sync(device)
            best = min(best, time.perf_counter() - t0)
        mem = pm.mib if r == 0 else mem
    return out, best, mem


# ----------------------------------------------------------------------------------------------
# The implementations.

@dataclass
class Outcome:
    """One implementation's answers on n images and what they cost."""

    impl: str
    batch: int
    n: int
    seconds: float
    peak_mib: float
    label: torch.Tensor
    adv_label: torch.Tensor
    delta: torch.Tensor
    grad_rows: int
    forward_rows: int
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        success = self.adv_label != self.label
        return {
            "impl": self.impl, "batch": self.batch, "n_images": self.n,
            "s_per_img": self.seconds / self.n, "img_per_s": self.n / self.seconds,
            "fool_pct": metrics.fooling_rate(success),
            "median_px_pct": metrics.median_of_successes(metrics.perturbed_pixels_pct(self.delta), success),
            "grad_evals_per_img": self.grad_rows / self.n, "fwd_evals_per_img": self.forward_rows / self.n,
            "peak_mib": self.peak_mib, **self.extra,
        }


def run_ours(model: Counted, x: torch.Tensor, lam: float, repeats: int) -> tuple[Outcome, object]:
    """This repo's batched ``sparsefool`` on the whole batch."""
    model.reset()
    res, sec, mem = timed(lambda: sparsefool(model, x, lam=lam, num_candidates=CANDIDATES), x.device, repeats)
    fwd, bwd = model.forward_rows // repeats, model.backward_rows // repeats
    if bwd != int(res.grad_evals.sum()):
        warnings.warn(f"counted {bwd} gradient rows but AttackResult.grad_evals sums to {int(res.grad_evals.sum())}")
    out = Outcome("sparsefool", x.shape[0], x.shape[0], sec, mem, res.label, res.adv_label, res.perturbation, bwd, fwd)
    return out, res


def run_reference(model: Counted, x: torch.Tensor, lam: float) -> Outcome:
    """The per-sample reference of Algorithms 1-2, one image at a time."""
    lb, ub = torch.zeros_like(x[:1]), torch.ones_like(x[:1])

    def attack() -> list:
        return [ref_sparsefool(model, x[i:i + 1], lb, ub, lam=lam, num_candidates=CANDIDATES) for i in range(len(x))]

    model.reset()
    outs, sec, mem = timed(attack, x.device)
    fool = torch.cat([o[0] for o in outs])
    label = torch.tensor([o[1] for o in outs], device=x.device)
    adv = torch.tensor([o[2] for o in outs], device=x.device)
    return Outcome("reference", 1, len(x), sec, mem, label, adv, fool - x, model.backward_rows, model.forward_rows)


def torchattacks_sparsefool() -> type | None:
    """torchattacks' SparseFool class, or None (with the reason printed) when it does not import."""
    try:
        from torchattacks import SparseFool
    except Exception as e:  # an optional extra: any import failure means "skip it"
        print(f"torchattacks unavailable ({type(e).__name__}: {e}): skipped")
        return None
    return SparseFool


def run_torchattacks(model: Counted, x: torch.Tensor, attack_cls: type) -> Outcome:
    """torchattacks' SparseFool at its own defaults (lam=3, steps=10, overshoot=0.02; per-image
    loops) against the model's own clean predictions."""
    with torch.no_grad():
        label = model(x).argmax(1)
    attack = attack_cls(model)
    model.reset()
    adv, sec, mem = timed(lambda: attack(x, label), x.device)
    fwd, bwd = model.forward_rows, model.backward_rows
    with torch.no_grad():
        adv_label = model(adv).argmax(1)
    return Outcome("torchattacks", 1, len(x), sec, mem, label, adv_label, adv - x, bwd, fwd)


def unit_costs(model: nn.Module, x: torch.Tensor, repeats: int = 3) -> tuple[float, float]:
    """Per-image seconds of one forward pass and of one input-gradient pass at batch ``len(x)``.

    The gradient pass is priced as the attack's top-k step: one graph-recording forward plus K-1
    backward passes, minus a plain forward, divided by K-1.
    """
    n, k = x.shape[0], CANDIDATES - 1

    def forward() -> None:
        with torch.no_grad():
            model(x)

    def gradients() -> None:
        xg = x.detach().requires_grad_(True)
        with torch.enable_grad():
            out = model(xg)
            for j in range(k):
                torch.autograd.grad(out[:, j].sum(), xg, retain_graph=j < k - 1)

    forward()  # warm-up
    _, t_f, _ = timed(forward, x.device, repeats)
    _, t_g, _ = timed(gradients, x.device, repeats)
    return t_f / n, max(t_g - t_f, 0.0) / k / n


def limit_outcome(ours: Outcome, res: object, t_f: float, t_b: float) -> Outcome:
    """The limit for the passes ``res`` performed (its grad_evals and forward_evals)."""
    g, f = int(res.grad_evals.sum()), int(res.forward_evals.sum())
    sec = g * t_b + f * t_f
    return Outcome("limit", ours.batch, ours.n, sec, float("nan"), ours.label, ours.adv_label, ours.delta, g, f,
                   {"t_forward_ms": 1e3 * t_f, "t_backward_ms": 1e3 * t_b})


def agreement(ours: Outcome, ref: Outcome) -> float:
    """% of the first min(n) samples where this repo and the reference give the same adversarial
    label and the same set of perturbed coordinates."""
    m = min(ours.n, ref.n)
    same_label = ours.adv_label[:m] == ref.adv_label[:m]
    same_set = ((ours.delta[:m] != 0) == (ref.delta[:m] != 0)).flatten(1).all(1)
    return 100.0 * (same_label & same_set).double().mean().item()


# ----------------------------------------------------------------------------------------------
# Memory of chunking, measured in fresh subprocesses (max RSS is monotone within a process).

def memory_probe(name: str, n: int, batch_size: int) -> None:
    """Print the peak memory (MiB) above the pre-attack level of the first SparseFool iteration
    (all samples active: the attack's peak) on ``n`` images of ``name`` with ``batch_size``."""
    device = default_device()
    model = get_model(name).to(device)
    x = model_data(name, n=n, seed=0)[0].to(device)
    lam = LAMBDA[_dataset(name)]
    sparsefool(model, x[:1], lam=lam, max_iter=1)  # warm-up: allocator pools, lazy inits
    if device.type == "cuda":
        with PeakMemory(device) as pm:
            sparsefool(model, x, lam=lam, max_iter=1, batch_size=batch_size)
        print(f"{pm.mib:.1f}")
        return
    before = _rss_bytes()
    sparsefool(model, x, lam=lam, max_iter=1, batch_size=batch_size)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(f"{(peak - before) / 2**20:.1f}")


def chunking_memory(name: str, n: int, batch_sizes: tuple[int, ...]) -> list[dict]:
    """Run :func:`memory_probe` once per batch size, each in its own interpreter."""
    rows = []
    for b in batch_sizes:
        cmd = [sys.executable, __file__, "--memory-probe", name, str(n), str(b)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ)
        if proc.returncode != 0:
            print(f"memory probe {name} N={n} batch_size={b} failed:\n{proc.stderr[-2000:]}")
            continue
        mib = float(proc.stdout.strip().splitlines()[-1])
        rows.append({"model": name, "n_images": n, "batch_size": b, "peak_mib": mib})
        print(f"  {name} N={n} batch_size={b}: peak {mib:.0f} MiB above the pre-attack level")
    return rows


# ----------------------------------------------------------------------------------------------
# Orchestration and reporting.

def _dataset(name: str) -> str:
    from sfutils.models import model_info
    return model_info(name).dataset


def bench_model(name: str, prof: Profile, device: torch.device, ta_cls: type | None) -> list[dict]:
    """Every implementation on one model; returns CSV rows."""
    ds = _dataset(name)
    lam = LAMBDA[ds]
    sizes = prof.imagenet_sizes if ds == "imagenet" else prof.sizes
    model = Counted(get_model(name).to(device)).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the data module warns about lossy/partial mirrors
        x_all = model_data(name, n=max(max(sizes), prof.ref_n, prof.ta_n), seed=0)[0].to(device)
    base = {"model": name, "lam": lam}
    rows: list[dict] = []
    print(f"\n== {name} (lambda={lam}, inputs {tuple(x_all.shape[1:])}) ==")
    sparsefool(model, x_all[:2], lam=lam)  # warm-up

    ref_n = min(prof.ref_n, max(sizes))
    ref = run_reference(model, x_all[:ref_n], lam)
    rows.append({**base, **ref.row()})
    print(f"  reference: {ref.n} images, {ref.seconds / ref.n:.3f} s/img")
    ta = None
    if ta_cls is not None and ds != "imagenet":
        ta = run_torchattacks(model, x_all[:min(prof.ta_n, max(sizes))], ta_cls)
        rows.append({**base, **ta.row()})
        print(f"  torchattacks: {ta.n} images, {ta.seconds / ta.n:.3f} s/img")
    elif ta_cls is not None:
        print("  torchattacks: skipped on ImageNet (its DeepFool builds the full 1000-class Jacobian per step)")

    for n in sizes:
        x = x_all[:n]
        ours, res = run_ours(model, x, lam, prof.repeats)
        t_f, t_b = unit_costs(model.net, x)
        lim = limit_outcome(ours, res, t_f, t_b)
        s = ours.seconds / n
        ours.extra = {
            "vs_limit": s / (lim.seconds / n),
            "speedup_vs_reference": (ref.seconds / ref.n) / s,
            "speedup_vs_torchattacks": (ta.seconds / ta.n) / s if ta else float("nan"),
            "agree_pct": agreement(ours, ref), "agree_n": min(n, ref.n),
        }
        rows += [{**base, **ours.row()}, {**base, **lim.row()}]
        print(f"  N={n:4d}: {n / ours.seconds:8.2f} img/s, {ours.extra['vs_limit']:.2f}x the limit, "
              f"{ours.extra['speedup_vs_reference']:.1f}x the reference, agreement {ours.extra['agree_pct']:.0f}%")
    return rows


def profile_top_ops(name: str, n: int, device: torch.device, limit: int = 15) -> str:
    """torch.profiler's top operators (self time) of one ``sparsefool`` call."""
    from torch.profiler import ProfilerActivity, profile
    model = get_model(name).to(device).eval()
    x = model_data(name, n=n, seed=0)[0].to(device)
    lam = LAMBDA[_dataset(name)]
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=acts) as prof:
        sparsefool(model, x, lam=lam)
    key = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
    return prof.key_averages().table(sort_by=key, row_limit=limit)


COLUMNS = ["model", "lam", "impl", "batch", "n_images", "s_per_img", "img_per_s", "fool_pct", "median_px_pct",
           "grad_evals_per_img", "fwd_evals_per_img", "vs_limit", "speedup_vs_reference",
           "speedup_vs_torchattacks", "agree_pct", "agree_n", "peak_mib", "t_forward_ms", "t_backward_ms"]


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    return "" if v is None else str(v)


def markdown_table(rows: list[dict], cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_fmt(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    """Images/s against N per implementation, one panel per model (log-log)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 4), squeeze=False)
    styles = {"sparsefool": "o-", "limit": "k--", "reference": "C1:", "torchattacks": "C2-."}
    for ax, name in zip(axes[0], models):
        mine = [r for r in rows if r["model"] == name]
        ns = sorted({r["batch"] for r in mine if r["impl"] == "sparsefool"})
        for impl in IMPLS:
            got = [r for r in mine if r["impl"] == impl]
            if not got:
                continue
            if impl in ("sparsefool", "limit"):
                got.sort(key=lambda r: r["batch"])
                ax.plot([r["batch"] for r in got], [r["img_per_s"] for r in got], styles[impl], label=impl)
            else:  # one image at a time: its rate does not depend on N
                ax.plot([ns[0], ns[-1]], [got[0]["img_per_s"]] * 2, styles[impl], label=f"{impl} (batch 1)")
        ax.set(xscale="log", yscale="log", xlabel="batch size N", ylabel="images / s", title=name)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"device": describe_device(default_device()), "cpu": cpu, "cores": os.cpu_count(),
            "threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version(),
            "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "load_avg_1min": f"{os.getloadavg()[0]:.1f}"}


def write_readme(path: Path, rows: list[dict], mem_rows: list[dict], prof_txt: str, info: dict, args: str) -> None:
    main_cols = ["model", "lam", "impl", "batch", "n_images", "img_per_s", "s_per_img", "fool_pct", "median_px_pct",
                 "grad_evals_per_img", "fwd_evals_per_img", "vs_limit", "speedup_vs_reference",
                 "speedup_vs_torchattacks", "agree_pct", "agree_n", "peak_mib"]
    text = f"""# SparseFool benchmarks

Generated by `benchmarks/bench_sparsefool.py{(' ' + args) if args else ''}` (rerun: `make bench`, or
`SFUTILS_MIRROR=/path/to/mirror .venv/bin/python benchmarks/bench_sparsefool.py [--quick] [--models NAME ...]`).
Every number below comes from that one run on one machine; other processes shared it, so absolute
rates are noisy and the ratios (measured side by side) are what to read.

| machine | |
|---|---|
""" + "\n".join(f"| {k} | {v} |" for k, v in info.items()) + f"""

## What is compared

* **sparsefool**: this repo's batched `sfutils.attacks.sparsefool` on a batch of N images (best of the repeats).
* **reference**: the per-sample reference of Algorithms 1-2 (`tests/reference_sparsefool.py`), one image at
  a time, timed on the first `n_images` images. `agree_pct` is the share of the first `agree_n` images where
  both give the same adversarial label and the same set of perturbed coordinates: speed only counts at equal answers.
* **torchattacks**: `torchattacks.SparseFool` (per-image loops, its own DeepFool with the full Jacobian)
  at its own defaults (lambda=3, steps=10), against the model's clean predictions; its answers differ by
  design (different DeepFool/LinearSolver details, and lambda=3 on MNIST where the paper uses 1), so it
  gets fooling rate and pixels but no agreement. Skipped on ImageNet (1000-class Jacobian per step).
* **limit**: the bare cost of the passes the attack performed at the same batch size N:
  `grad_evals * t_backward(N) + forward_evals * t_forward(N)` per image, with `t_forward` a plain batched
  forward and `t_backward` one input-gradient pass of the top-k step (graph-recording forward + K-1 backward
  passes, minus a forward, over K-1); the counts are the `AttackResult`'s. The active batch shrinks as
  images are fooled, so the limit is priced optimistically at the full N. `vs_limit` = time / limit.

Columns: `img_per_s`, `s_per_img` (wall time / images); `fool_pct` fooling rate; `median_px_pct` median
perturbed pixels (% of the image, over fooled images); `grad_evals_per_img` and `fwd_evals_per_img`
count rows through backward/forward passes of the model (a hook, identical for every implementation);
`speedup_vs_*` = their s/img over ours at this N; `peak_mib` = peak resident memory above the level at
the call (sampled every ms; CUDA: allocator peak).

## Results

{markdown_table(rows, main_cols)}

## Memory of chunking (`batch_size`)

Peak memory (MiB above the pre-attack level; max RSS of a fresh process on CPU) of the first SparseFool
iteration, when every image is active (the attack's peak), with {CANDIDATES} DeepFool candidates:

{markdown_table(mem_rows, ["model", "n_images", "batch_size", "peak_mib"]) if mem_rows else "(not measured in this run)"}

## Where the time goes

`torch.profiler`, top operators by self time of one `sparsefool` call:

```
{prof_txt or "(not profiled in this run)"}
```
"""
    path.write_text(text)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small N, one repeat (a smoke run in ~2 min)")
    ap.add_argument("--models", nargs="+", help="model names of sfutils.models (default: LeNet and ResNet-20; "
                    "add efficientnet-lite0 for ImageNet)")
    ap.add_argument("--sizes", nargs="+", type=int, help="batch sizes N (overrides the profile)")
    ap.add_argument("--repeats", type=int, help="timed repeats of this repo's attack (best is kept)")
    ap.add_argument("--ref-n", type=int, help="images the reference is timed on")
    ap.add_argument("--ta-n", type=int, help="images torchattacks is timed on")
    ap.add_argument("--no-memory", action="store_true", help="skip the chunking memory probe")
    ap.add_argument("--no-profile", action="store_true", help="skip the torch.profiler table")
    ap.add_argument("--out", type=Path, help="output folder (default: benchmarks/, data/bench-quick with --quick)")
    ap.add_argument("--memory-probe", nargs=3, metavar=("MODEL", "N", "BATCH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_probe:
        name, n, b = args.memory_probe
        memory_probe(name, int(n), int(b))
        return

    prof = PROFILES["quick" if args.quick else "default"]
    prof = Profile(tuple(args.sizes or prof.sizes), tuple(args.sizes or prof.imagenet_sizes),
                   args.repeats or prof.repeats, args.ref_n or prof.ref_n, args.ta_n or prof.ta_n, prof.memory,
                   tuple(args.models or prof.models))
    if min(prof.sizes) < 1 or prof.repeats < 1 or prof.ref_n < 1 or prof.ta_n < 1:
        raise ValueError("sizes, repeats, --ref-n and --ta-n must be positive")
    out = args.out or (HERE.parent / "data" / "bench-quick" if args.quick else HERE)
    out.mkdir(parents=True, exist_ok=True)
    device = default_device()
    info = machine()
    print(", ".join(f"{k}: {v}" for k, v in info.items()))
    ta_cls = torchattacks_sparsefool()

    rows = [r for name in prof.models for r in bench_model(name, prof, device, ta_cls)]
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS + ["device", "threads", "torch", "date"], extrasaction="ignore")
        w.writeheader()
        w.writerows({**r, **info} for r in rows)
    plot(rows, out / "throughput.png")

    mem_rows: list[dict] = []
    if not args.no_memory:
        print("\n== memory of chunking ==")
        mem_rows = chunking_memory(*prof.memory)
    prof_txt = ""
    if not args.no_profile:
        top = max(prof.sizes)
        prof_txt = f"{prof.models[0]}, N={top}\n" + profile_top_ops(prof.models[0], top, device)
        print("\n== torch.profiler ==\n" + prof_txt)
    write_readme(out / "README.md", rows, mem_rows, prof_txt, info, " ".join(sys.argv[1:]))
    print("\n" + markdown_table(rows, ["model", "impl", "batch", "n_images", "img_per_s", "fool_pct", "median_px_pct",
                                       "grad_evals_per_img", "vs_limit", "speedup_vs_reference",
                                       "speedup_vs_torchattacks", "agree_pct", "peak_mib"]))
    print(f"\nwrote {out / 'results.csv'}, {out / 'README.md'}, {out / 'throughput.png'}")


if __name__ == "__main__":
    main()
