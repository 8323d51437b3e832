"""§4.2 "Overall performance": Table 1, Table 2 (+ the random baseline), Fig. 4 and §2.2.

Every attack runs through the resumable per-sample store (:mod:`sfutils.results`): a row per
attacked image with the standard columns of :func:`sfutils.results.attack_rows` plus
``channel_counts`` (changed elements per colour channel, for the random baseline of §4.2),
``invalid`` (elements outside [0, 1], for §2.2) and the sparse perturbation ``delta_idx`` /
``delta_val`` (flat indices and values), from which :func:`adversarials` rebuilds the adversarial
images for figures. Times are the wall time of a batched chunk shared equally by its images,
unlike the paper's one image at a time on a GTX Titan X.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import nn

from sfutils.attacks import AttackResult, deepfool_l1, jsma, one_pixel, random_sparse, sparsefool
from sfutils.results import ResultStore, attack_rows, run_rows

ATTACKS: dict[str, Callable[..., AttackResult]] = {
    "sparsefool": sparsefool, "jsma": jsma, "one_pixel": one_pixel, "deepfool_l1": deepfool_l1,
    "random_sparse": random_sparse,
}
_SEEDED = {"jsma", "one_pixel", "random_sparse"}  # attacks drawing random numbers from ``seed``

# Table 1 of the paper: (fooling %, median perturbed pixels %, s/image) per attack; accuracy %.
PAPER_TABLE1: dict[tuple[str, str], dict[str, Any]] = {
    ("mnist", "LeNet"): {"accuracy": 99.14, "sparsefool": (99.93, 1.66, 0.14), "jsma": (100.0, 4.85, 0.66),
                         "one_pixel": (95.73, 9.43, 310.2)},
    ("cifar10", "VGG-19"): {"accuracy": 92.71, "sparsefool": (100.0, 1.07, 0.34), "jsma": (100.0, 2.25, 6.28),
                            "one_pixel": (98.12, 0.15, 102.7)},
    ("cifar10", "ResNet-18"): {"accuracy": 92.74, "sparsefool": (100.0, 1.27, 0.69), "jsma": (100.0, 3.91, 8.73),
                               "one_pixel": (100.0, 0.2, 167.4)},
}
# Table 2 (lambda = 3, 4000 ImageNet validation images) and the random baseline's fooling rate (§4.2).
PAPER_TABLE2: dict[str, dict[str, float]] = {
    "VGG-16": {"accuracy": 71.59, "fooling": 100.0, "pixels_pct": 0.18, "seconds": 5.09, "random_fooling": 18.2},
    "ResNet-101": {"accuracy": 77.37, "fooling": 100.0, "pixels_pct": 0.23, "seconds": 8.07, "random_fooling": 13.2},
    "DenseNet-161": {"accuracy": 77.65, "fooling": 100.0, "pixels_pct": 0.29, "seconds": 10.07,
                     "random_fooling": 14.5},
    "Inception-v3": {"accuracy": 77.45, "fooling": 100.0, "pixels_pct": 0.14, "seconds": 4.94, "random_fooling": 9.6},
}
# §2.2: l1-DeepFool on ImageNet VGG-16, fooling % unclipped (at 0.037% of the pixels on average) and clipped.
PAPER_L1_DEEPFOOL = {"fooling": 100.0, "mean_pixels_pct": 0.037, "fooling_clipped": 13.0}

Loader = Callable[[], tuple[nn.Module, torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class Setting:
    """What is attacked: ``n`` test images of ``dataset`` (drawn with ``seed``) on ``model``."""

    dataset: str
    model: str
    n: int
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"n must be a positive int, got {self.n!r}")


@functools.lru_cache(maxsize=4)
def load_setting(setting: Setting) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """The setting's model (eval mode, on the default device) and its images/labels (same device)."""
    from sfutils import data, models  # heavy imports only when real data is needed

    model = models.get_model(setting.model)
    dev = next(model.parameters()).device
    spec = models.model_info(setting.model)
    size = dict(crop=spec.input_size[-1], resize=spec.resize) if setting.dataset == "imagenet" else {}
    x, y = data.load_dataset(setting.dataset, "test", n=setting.n, seed=setting.seed, **size)
    return model, x.to(dev), y.to(dev)


def sparse_delta_rows(result: AttackResult) -> list[dict[str, Any]]:
    """Per sample: ``channel_counts``, ``invalid`` (elements outside [0, 1]) and the sparse perturbation."""
    r = result.to("cpu")
    n = r.perturbation.shape[0]
    per_channel = r.perturbation.reshape(n, r.perturbation.shape[1] if r.perturbation.dim() == 4 else 1, -1)
    counts = (per_channel != 0).sum(dim=2).tolist()
    invalid = ((r.adversarial < 0) | (r.adversarial > 1)).flatten(1).sum(dim=1).tolist()
    flat = r.perturbation.flatten(1)
    rows = []
    for i in range(n):
        idx = flat[i].nonzero().squeeze(1)
        rows.append({"channel_counts": counts[i], "invalid": invalid[i], "delta_idx": idx.tolist(),
                     "delta_val": flat[i, idx].tolist()})
    return rows


def attack_samples(attack: str, setting: Setting, *, shard: int = 0, num_shards: int = 1, chunk_size: int = 64,
                   progress: bool = True, root: str | Path | None = None, load: Loader | None = None,
                   **kwargs: Any) -> pd.DataFrame:
    """Per-sample rows of ``attack`` (a key of :data:`ATTACKS`, called with ``kwargs``) on ``setting``.

    Rows are stored under ``01-<attack>`` keyed by the setting and ``kwargs`` and computed only
    when missing (``load``, default :func:`load_setting`, is called only then). Seeded attacks get
    ``seed = setting.seed + position of the chunk's first sample`` per chunk.
    """
    if attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack!r}; known: {', '.join(ATTACKS)}")
    if "seed" in kwargs:
        raise ValueError("pass the seed through the Setting, not as an attack keyword")
    store = ResultStore(f"01-{attack}", {**asdict(setting), "attack": attack, "kwargs": kwargs},
                        shard=shard, num_shards=num_shards, root=root)
    get = lazy_setting(setting, load)

    def compute(pos: list[int]) -> list[dict[str, Any]]:
        model, x, y = get()
        extra = {"seed": setting.seed + pos[0]} if attack in _SEEDED else {}
        return timed_rows(lambda xc: ATTACKS[attack](model, xc, **kwargs, **extra), x[pos], y[pos])

    return run_rows(store, compute, list(range(setting.n)), chunk_size, progress)


def lazy_setting(setting: Setting, load: Loader | None = None) -> Callable[[], tuple[nn.Module, torch.Tensor, torch.Tensor]]:
    """A getter for the setting's (model, x, y) that loads them on first call only (``load``, default
    :func:`load_setting`), so a fully cached record needs neither model nor data."""
    loaded: list[tuple[nn.Module, torch.Tensor, torch.Tensor]] = []

    def get() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
        if not loaded:
            model, x, y = (load or functools.partial(load_setting, setting))()
            if x.shape[0] != setting.n:
                raise ValueError(f"the loader returned {x.shape[0]} images for a setting of n={setting.n}")
            loaded.append((model, x, y))
        return loaded[0]

    return get


def timed_rows(attack_fn: Callable[[torch.Tensor], AttackResult], x: torch.Tensor, y: torch.Tensor
               ) -> list[dict[str, Any]]:
    """Run ``attack_fn`` on the chunk ``x`` and return its per-sample rows (metrics, wall time per
    sample and the sparse perturbation)."""
    start = time.perf_counter()
    result = attack_fn(x)
    seconds = time.perf_counter() - start
    return [{**a, **b} for a, b in zip(attack_rows(result, y, seconds), sparse_delta_rows(result))]


def accuracy(setting: Setting, *, chunk_size: int = 256, progress: bool = False, root: str | Path | None = None,
             load: Loader | None = None) -> float:
    """Top-1 accuracy (%) of the setting's model on its ``n`` images (stored under ``01-accuracy``)."""
    store = ResultStore("01-accuracy", asdict(setting), root=root)
    get = lazy_setting(setting, load)

    def compute(pos: list[int]) -> list[dict[str, Any]]:
        model, x, y = get()
        with torch.no_grad():
            pred = model(x[pos]).argmax(dim=1)
        return [{"correct": bool(c)} for c in (pred == y[pos]).tolist()]

    df = run_rows(store, compute, list(range(setting.n)), chunk_size, progress)
    return 100.0 * df["correct"].astype(bool).mean()


def summarize(df: pd.DataFrame) -> dict[str, float]:
    """The paper's measures (§4.1) over per-sample rows: fooling %, median perturbed pixels (% and count)
    over fooled samples, mean iterations, mean seconds per image, plus the clean accuracy of the sample."""
    if df.empty:
        raise ValueError("no rows to summarise")
    ok = df["success"].astype(bool)
    return {
        "n": int(len(df)), "accuracy": 100.0 * df["correct"].astype(bool).mean(), "fooling": 100.0 * ok.mean(),
        "pixels_pct": float(df.loc[ok, "pct"].median()), "mean_pixels_pct": float(df.loc[ok, "pct"].mean()),
        "pixels": float(df.loc[ok, "pixels"].median()), "iterations": float(df["iterations"].mean()),
        "seconds": float(df["seconds"].mean()),
        "invalid_pct": 100.0 * (df["invalid"] > 0).mean() if "invalid" in df else float("nan"),
    }


def lambda_sweep(setting: Setting, lams: Sequence[float], **kwargs: Any) -> pd.DataFrame:
    """Fig. 4: SparseFool's fooling rate, sparsity and iterations for each lambda (``kwargs`` go to
    :func:`attack_samples`, e.g. ``chunk_size``)."""
    rows = [{"lam": float(lam), **summarize(attack_samples("sparsefool", setting, lam=float(lam), **kwargs))}
            for lam in lams]
    return pd.DataFrame(rows)


def random_baseline(setting: Setting, sparsefool_rows: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """§4.2's random baseline: per channel, as many random elements as SparseFool's median per-channel
    count (over all its samples) set to 0 or 1; ``kwargs`` go to :func:`attack_samples`."""
    counts = torch.tensor(sparsefool_rows["channel_counts"].tolist())
    per_channel = [int(v) for v in counts.median(dim=0).values.tolist()]  # lower median, as the paper's
    return attack_samples("random_sparse", setting, per_channel_counts=per_channel, **kwargs)


def adversarials(x: torch.Tensor, df: pd.DataFrame) -> torch.Tensor:
    """The adversarial images of stored rows ``df`` (one per image of ``x``, in order): x + sparse delta."""
    if len(df) != x.shape[0]:
        raise ValueError(f"need one row per image: {len(df)} rows for {x.shape[0]} images")
    adv = x.detach().clone().cpu().flatten(1)
    for i, (idx, val) in enumerate(zip(df["delta_idx"], df["delta_val"])):
        adv[i, torch.tensor(idx, dtype=torch.long)] += torch.tensor(val, dtype=adv.dtype)
    return adv.view(x.shape)


def table1(entries: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Table 1 with the paper's numbers beside ours.

    Each entry has ``dataset``, ``model`` (ours), ``paper_model`` (a model of :data:`PAPER_TABLE1`),
    ``attack``, ``accuracy`` (ours, %), ``summary`` (:func:`summarize`) and optional ``notes``.
    """
    rows = []
    for e in entries:
        key = (e["dataset"], e["paper_model"])
        if key not in PAPER_TABLE1 or e["attack"] not in PAPER_TABLE1[key]:
            raise ValueError(f"no paper value for {key} / {e['attack']!r}")
        paper = PAPER_TABLE1[key]
        fool, pct, sec = paper[e["attack"]]
        s = e["summary"]
        rows.append({
            "dataset": e["dataset"], "model (ours)": e["model"], "paper model": e["paper_model"],
            "attack": e["attack"], "n": s["n"], "acc % (ours)": e["accuracy"], "acc % (paper)": paper["accuracy"],
            "fooling % (ours)": s["fooling"], "fooling % (paper)": fool,
            "median px % (ours)": s["pixels_pct"], "median px % (paper)": pct,
            "s/image (ours)": s["seconds"], "s/image (paper)": sec, "notes": e.get("notes", ""),
        })
    return pd.DataFrame(rows)


def table2(entries: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Table 2 (+ random baseline) with the paper's numbers beside ours.

    Each entry has ``model`` (ours), ``paper_model`` (a key of :data:`PAPER_TABLE2`), ``accuracy``,
    ``summary`` (SparseFool, :func:`summarize`), ``random`` (the random baseline's summary) and
    optional ``notes``.
    """
    rows = []
    for e in entries:
        if e["paper_model"] not in PAPER_TABLE2:
            raise ValueError(f"no paper value for {e['paper_model']!r}; known: {', '.join(PAPER_TABLE2)}")
        p, s = PAPER_TABLE2[e["paper_model"]], e["summary"]
        rows.append({
            "model (ours)": e["model"], "paper model": e["paper_model"], "n": s["n"],
            "acc % (ours)": e["accuracy"], "acc % (paper)": p["accuracy"],
            "fooling % (ours)": s["fooling"], "fooling % (paper)": p["fooling"],
            "median px % (ours)": s["pixels_pct"], "median px % (paper)": p["pixels_pct"],
            "s/image (ours)": s["seconds"], "s/image (paper)": p["seconds"],
            "random fooling % (ours)": e["random"]["fooling"], "random fooling % (paper)": p["random_fooling"],
            "notes": e.get("notes", ""),
        })
    return pd.DataFrame(rows)


def l1_deepfool_table(entries: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """§2.2: l1-DeepFool unclipped vs clipped to [0, 1], with the paper's VGG-16 numbers.

    Each entry has ``dataset``, ``model``, ``unclipped`` and ``clipped`` (:func:`summarize` of each).
    """
    rows = []
    for e in entries:
        u, c = e["unclipped"], e["clipped"]
        rows.append({
            "dataset": e["dataset"], "model": e["model"], "n": u["n"],
            "fooling % unclipped": u["fooling"], "mean px % unclipped": u["mean_pixels_pct"],
            "median px % unclipped": u["pixels_pct"], "leaves [0,1] %": u["invalid_pct"],
            "fooling % clipped": c["fooling"],
            "paper (VGG-16 ImageNet)": "{fooling:g}% at {mean_pixels_pct:g}% px; {fooling_clipped:g}% clipped"
            .format(**PAPER_L1_DEEPFOOL),
        })
    return pd.DataFrame(rows)
