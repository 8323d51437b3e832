"""The core every experiment module (one per section notebook) shares.

* **Settings and lazy loading**: a :class:`Setting` names what is attacked (``n`` test images of a
  data set, drawn with ``seed``, and a registered model); :func:`lazy_setting` loads it on first
  use only, so a fully stored record needs neither model nor data.
* **Counting passes**: :class:`CountingModel` logs every forward pass through a model and the
  backward passes through it, for attacks (library ones included) that do not count their own.
* **Timed rows**: :func:`timed_rows` runs an attack on a chunk and returns one row per sample: the
  columns of :func:`sfutils.results.attack_rows` (wall time shared equally by the chunk's images,
  batched, unlike the paper's one image at a time) plus those of :func:`sparse_delta_rows`;
  :func:`attack_samples` stores them, resumably, for any attack of :mod:`sfutils.attacks` on a
  setting (records shared by every notebook that attacks the same setting alike).
* **The sparse-delta format**: ``delta_idx`` / ``delta_val``, the flat indices and values of the
  nonzero perturbation, with ``channel_counts`` (changed elements per channel, for the random
  baseline of §4.2) and ``invalid`` (elements outside [0, 1], for §2.2);
  :func:`rebuild_adversarials` turns stored rows back into adversarial images.
* **Summaries**: :func:`summarize`, the paper's measures (§4.1) over stored rows, and
  :func:`accuracy`, a setting's stored clean accuracy (a fraction, like every accuracy here).

One meaning per word across the experiments: ``chunk_size`` is how many samples an attack call
gets and the store appends at once (what a killed run loses at most); ``batch_size`` (an attack's
or :func:`sfutils.metrics.predict`'s) is how many images one forward pass carries, memory only;
``max_iter`` bounds an attack's iterations; a query budget (``rs_queries``) counts forward passes.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import nn

from sfutils import stats
from sfutils.metrics import predict
from sfutils.attacks import ATTACKS, AttackResult, channel_counts
from sfutils.results import ResultStore, attack_rows, run_rows

Loaded = tuple[nn.Module, torch.Tensor, torch.Tensor]
Loader = Callable[[], Loaded]
_SEEDED = {"jsma", "one_pixel", "random_sparse", "sparse_rs"}  # attacks drawing random numbers from ``seed``


@dataclass(frozen=True)
class Setting:
    """What is attacked: ``n`` test images of ``dataset`` (drawn with ``seed``) on ``model``.

    ``crop`` (ImageNet only) feeds every net the same centre crop (resized to crop/0.875 first)
    instead of the model's own input size, so that one set of adversarials serves Table 2, Table 3
    (which feeds each net's adversarials to the others) and Fig. 8; ``None``: the model's own size.
    """

    dataset: str
    model: str
    n: int
    seed: int = 0
    crop: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"n must be a positive int, got {self.n!r}")
        if self.crop is not None:
            if self.dataset != "imagenet":
                raise ValueError(f"crop applies to ImageNet only, not {self.dataset}")
            if isinstance(self.crop, bool) or not isinstance(self.crop, int) or self.crop < 1:
                raise ValueError(f"crop must be a positive int (pixels) or None, got {self.crop!r}")

    def key(self) -> dict[str, Any]:
        """What identifies the setting in a result store (``crop`` only when set, so that records
        stored before it existed keep their key)."""
        return {k: v for k, v in asdict(self).items() if k != "crop" or v is not None}


@functools.lru_cache(maxsize=4)
def load_setting(setting: Setting) -> Loaded:
    """The setting's model (eval mode, on the default device) and its images/labels (same device),
    preprocessed for the model or at the setting's ``crop``.

    ImageNet nets come through :func:`attack_model` (BatchNorm folded, channels last): the same
    function, cheaper input gradients."""
    from sfutils import models  # heavy imports only when real data is needed
    from sfutils.data import load_dataset

    if models.model_info(setting.model).dataset != setting.dataset:
        raise ValueError(f"{setting.model} is a model of {models.model_info(setting.model).dataset}, "
                         f"not {setting.dataset}")
    model = models.get_model(setting.model)
    dev = next(model.parameters()).device
    if setting.crop is None:
        x, y = models.model_data(setting.model, "test", n=setting.n, seed=setting.seed)
    else:
        x, y = load_dataset(setting.dataset, "test", n=setting.n, seed=setting.seed, crop=setting.crop)
    x, y = x.to(dev), y.to(dev)
    return attack_model(model, setting.dataset, x[:2]), x, y


def attack_model(model: nn.Module, dataset: str, probe: torch.Tensor) -> nn.Module:
    """The model the attacks run on: ImageNet nets through :func:`sfutils.models.speed.fast_eval`
    (same function, faster input gradients: benchmarks/imagenet.md; ``probe``: a few of the images),
    every other model as given."""
    from sfutils.models.speed import fast_eval

    return fast_eval(model, probe) if dataset == "imagenet" else model


def lazy_setting(setting: Setting, load: Loader | None = None) -> Callable[[], Loaded]:
    """A getter for the setting's (model, x, y) that loads them on first call only (``load``, default
    :func:`load_setting`), so a fully cached record needs neither model nor data."""
    loaded: list[Loaded] = []

    def get() -> Loaded:
        if not loaded:
            model, x, y = (load or functools.partial(load_setting, setting))()
            if x.shape[0] != setting.n:
                raise ValueError(f"the loader returned {x.shape[0]} images for a setting of n={setting.n}")
            loaded.append((model, x, y))
        return loaded[0]

    return get


class CountingModel(nn.Module):
    """``model`` unchanged, logging every forward pass through it as ``[rows, backward passes]``.

    ``forwards`` counts samples forwarded and ``backwards`` samples back-propagated (a gradient
    reaching the logits of a pass counts its rows once per backward pass), so every attack, ours
    or a library's, gets the same accounting.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.log: list[list[int]] = []
        self.train(model.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        entry = [out.shape[0], 0]
        self.log.append(entry)
        if out.requires_grad:
            out.register_hook(lambda grad: entry.__setitem__(1, entry[1] + 1))
        return out

    @property
    def forwards(self) -> int:
        return sum(rows for rows, _ in self.log)

    @property
    def backwards(self) -> int:
        return sum(rows * backward for rows, backward in self.log)

    def reset(self) -> None:
        """Forget the passes logged so far."""
        self.log = []


def timed(fn: Callable[[], Any], device: torch.device | None = None) -> tuple[Any, float]:
    """``fn()`` and its wall time in seconds (CUDA work on ``device`` synchronised at both ends)."""
    sync = device is not None and device.type == "cuda"
    if sync:
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = fn()
    if sync:
        torch.cuda.synchronize(device)
    return out, time.perf_counter() - start


def sparse_delta_rows(result: AttackResult) -> list[dict[str, Any]]:
    """Per sample: ``channel_counts``, ``invalid`` (elements outside [0, 1]) and the sparse perturbation
    ``delta_idx`` / ``delta_val``."""
    r = result.to("cpu")
    counts = channel_counts(r.perturbation).tolist()
    invalid = ((r.adversarial < 0) | (r.adversarial > 1)).flatten(1).sum(dim=1).tolist()
    flat = r.perturbation.flatten(1)
    rows = []
    for i in range(flat.shape[0]):
        idx = flat[i].nonzero().squeeze(1)
        rows.append({"channel_counts": counts[i], "invalid": invalid[i], "delta_idx": idx.tolist(),
                     "delta_val": flat[i, idx].tolist()})
    return rows


def rebuild_adversarials(x: torch.Tensor, df: pd.DataFrame) -> torch.Tensor:
    """The adversarials of stored rows ``df`` (one per image of ``x``, in order): ``x`` plus the sparse
    perturbation ``delta_val`` at ``delta_idx``, on ``x``'s device."""
    if len(df) != x.shape[0]:
        raise ValueError(f"need one row per image: {len(df)} rows for {x.shape[0]} images")
    adv = x.detach().clone().flatten(1)
    for i, (idx, val) in enumerate(zip(df["delta_idx"], df["delta_val"])):
        adv[i, torch.as_tensor(idx, dtype=torch.long, device=x.device)] += torch.as_tensor(val, dtype=x.dtype,
                                                                                         device=x.device)
    return adv.view_as(x)


IMAGENET_CHUNK = 10  # an ImageNet image takes ~15 s to attack on 2 CPU cores (benchmarks/imagenet.md)
SLOW_ATTACKS = {"one_pixel"}  # minutes per image at the paper's budget: chunks of IMAGENET_CHUNK too


def chunk_for(dataset: str, chunk_size: int, attack: str | None = None) -> int:
    """The chunk size of an experiment on ``dataset`` (with ``attack``): at most
    :data:`IMAGENET_CHUNK` on ImageNet and for the :data:`SLOW_ATTACKS`, so that a record is written
    (and can be committed) every few minutes rather than after hours; batches above a few images do
    not attack faster on a CPU (benchmarks/imagenet.md, batch 1 vs 6)."""
    slow = dataset == "imagenet" or attack in SLOW_ATTACKS
    return min(chunk_size, IMAGENET_CHUNK) if slow else chunk_size


def timed_rows(attack_fn: Callable[[torch.Tensor], AttackResult], x: torch.Tensor, y: torch.Tensor
               ) -> list[dict[str, Any]]:
    """Run ``attack_fn`` on the chunk ``x`` (true labels ``y``) and return its per-sample rows: the
    columns of :func:`sfutils.results.attack_rows` and of :func:`sparse_delta_rows`."""
    result, seconds = timed(lambda: attack_fn(x), x.device)
    return [{**a, **b} for a, b in zip(attack_rows(result, y, seconds), sparse_delta_rows(result))]


def attack_samples(attack: str, setting: Setting, *, shard: int = 0, num_shards: int = 1, chunk_size: int = 64,
                   progress: bool = True, root: str | Path | None = None, load: Loader | None = None,
                   **kwargs: Any) -> pd.DataFrame:
    """Per-sample rows of ``attack`` (a key of :data:`sfutils.attacks.ATTACKS`, called with ``kwargs``)
    on ``setting``.

    Rows are stored under ``01-<attack>`` keyed by the setting and ``kwargs`` and computed only
    when missing (``load``, default :func:`sfutils.experiments.common.load_setting`, is called only
    then). Seeded attacks get ``seed = setting.seed + position of the chunk's first sample`` per chunk;
    chunks are fixed blocks (:func:`sfutils.results.run_rows`), so shards and resumed runs seed alike.
    """
    if attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack!r}; known: {', '.join(ATTACKS)}")
    if "seed" in kwargs:
        raise ValueError("pass the seed through the Setting, not as an attack keyword")
    store = ResultStore(f"01-{attack}", {**setting.key(), "attack": attack, "kwargs": kwargs},
                        shard=shard, num_shards=num_shards, root=root)
    get = lazy_setting(setting, load)

    def compute(pos: list[int]) -> list[dict[str, Any]]:
        model, x, y = get()
        extra = {"seed": setting.seed + pos[0]} if attack in _SEEDED else {}
        return timed_rows(lambda xc: ATTACKS[attack](model, xc, **kwargs, **extra), x[pos], y[pos])

    chunk = chunk_for(setting.dataset, chunk_size, attack)
    return run_rows(store, compute, list(range(setting.n)), chunk, progress)


def accuracy(setting: Setting, *, chunk_size: int = 256, progress: bool = False, root: str | Path | None = None,
             load: Loader | None = None) -> float:
    """Top-1 accuracy (a fraction, as :func:`sfutils.accuracy.accuracy`) of the setting's model on its
    ``n`` images, stored per image under ``01-accuracy``."""
    store = ResultStore("01-accuracy", setting.key(), root=root)
    get = lazy_setting(setting, load)

    def compute(pos: list[int]) -> list[dict[str, Any]]:
        model, x, y = get()
        return [{"correct": bool(c)} for c in (predict(model, x[pos]) == y[pos].cpu()).tolist()]

    df = run_rows(store, compute, list(range(setting.n)), chunk_size, progress)
    return float(df["correct"].astype(bool).mean())


def summarize(df: pd.DataFrame) -> dict[str, float]:
    """The paper's measures (§4.1) over per-sample rows, rates in %: fooling rate, median perturbed
    pixels (% and count) over fooled samples, mean iterations, mean seconds per image, the clean
    accuracy of the sample and the share of adversarials leaving [0, 1], with the seeded bootstrap
    95 % intervals of the median pixels % and the mean seconds (``*_lo``, ``*_hi``). A measure whose
    column the rows lack is NaN."""
    if df.empty:
        raise ValueError("no rows to summarise")
    ok = df["success"].astype(bool)

    def over(column: str, how: str, rows: pd.Series | slice = slice(None)) -> float:
        return float(getattr(df.loc[rows, column], how)()) if column in df else float("nan")

    def ci(column: str, how: str, rows: pd.Series | slice = slice(None)) -> tuple[float, float]:
        """The seeded bootstrap 95 % interval of ``over(column, how, rows)``."""
        values = df.loc[rows, column] if column in df else []
        return stats.bootstrap_interval(values, how) if len(values) else (float("nan"), float("nan"))

    (px_lo, px_hi), (s_lo, s_hi) = ci("pct", "median", ok), ci("seconds", "mean")
    return {
        "n": int(len(df)), "accuracy": 100.0 * over("correct", "mean"), "fooling": 100.0 * ok.mean(),
        "pixels_pct": over("pct", "median", ok), "mean_pixels_pct": over("pct", "mean", ok),
        "pixels": over("pixels", "median", ok), "mean_pixels": over("pixels", "mean", ok),
        "iterations": over("iterations", "mean"), "seconds": over("seconds", "mean"),
        "invalid_pct": 100.0 * (df["invalid"] > 0).mean() if "invalid" in df else float("nan"),
        "pixels_pct_lo": px_lo, "pixels_pct_hi": px_hi, "seconds_lo": s_lo, "seconds_hi": s_hi,
    }


def interval_columns(summary: Mapping[str, float]) -> dict[str, float]:
    """The 95 % intervals of a :func:`summarize` result under the names the tables give them
    (``"median px % (ours) lo"`` etc., :func:`sfutils.stats.ci_columns`), read by :mod:`sfutils.claims`."""
    nan = float("nan")  # a summary written without intervals gives empty interval cells
    return {**dict(zip(stats.ci_columns("median px % (ours)"),
                       (summary.get("pixels_pct_lo", nan), summary.get("pixels_pct_hi", nan)))),
            **dict(zip(stats.ci_columns("s/image (ours)"), (summary.get("seconds_lo", nan), summary.get("seconds_hi", nan))))}
