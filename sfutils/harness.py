"""The one harness that attacks into the result store, keyed by what changes the answers.

Every experiment that stores per-sample rows (Table 1-3, Figs. 4-9 of §4, notebook 06) goes
through :func:`store_rows`: it names the record after what it holds, keys it by the setting and
the caller's ``key``, loads model and images only when rows are missing, and appends each chunk
as soon as it is computed (:func:`sfutils.results.run_rows`).

* **Record names** say what the rows are, not which notebook first wrote them:
  ``<what>-<dataset>-<model>-<hash>``, e.g. ``sparsefool-cifar10-resnet20-cifar10-…``; ``what`` is
  an attack of :data:`sfutils.attacks.ATTACKS`, ``sparsefool-box`` (§4.2's box), ``accuracy`` or
  ``checked-<attack>`` (notebook 06's rows, checked by one L0 definition).
* **Keys** hold the *effective* settings of an attack (:func:`effective_settings`): the keywords
  as passed with the function's defaults filled in, so ``lam=3.0`` and the default λ = 3 share a
  record, and changing a default starts a new one. Settings that do not change the answers are
  left out (:data:`NOT_ANSWERS`).
* **Rows** of an attack: :func:`timed_rows`, the columns of :func:`attack_rows` (the paper's
  measures, §4.1) and of :func:`sparse_delta_rows` (the perturbation itself, sparse).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import nn

from sfutils.attacks import channel_counts
from sfutils.attacks.counting import timed
from sfutils.attacks.result import AttackResult
from sfutils.results import RECORD, ResultStore, run_rows
from sfutils.setting import Loader, Setting, lazy_setting

# Arguments of an attack that are not part of a record's key: the model and the images (the
# setting names them), the seed (the setting's ``seed``; each chunk is seeded with ``setting.seed``
# plus the position of its first sample), and what only changes memory or reporting:
# ``batch_size`` (images per forward pass, "only affects memory" for every attack of
# :mod:`sfutils.attacks`), ``progress`` (a bar) and ``trace`` (a recorder of the iterates). A seeded
# attack's rows also depend on the chunk size (each chunk is seeded from its first position), which
# is not in the key: a record is resumed with the chunk size that began it (the profile's).
NOT_ANSWERS = frozenset({"model", "x", "seed", "batch_size", "progress", "trace"})

IMAGENET_CHUNK = 10  # an ImageNet image takes ~15 s to attack on 2 CPU cores (benchmarks/imagenet.md)
SLOW_ATTACKS = {"one_pixel"}  # minutes per image at the paper's budget: chunks of IMAGENET_CHUNK too

ChunkRows = Callable[[nn.Module, torch.Tensor, torch.Tensor, list[int]], list[dict[str, Any]]]


def effective_settings(fn: Callable[..., Any], kwargs: Mapping[str, Any], drop: tuple[str, ...] = ()
                       ) -> dict[str, Any]:
    """The settings attack ``fn`` runs with when called as ``fn(model, x, **kwargs)``: ``kwargs``
    with the function's defaults applied, less :data:`NOT_ANSWERS` and ``drop``. A keyword ``fn``
    does not take is a TypeError, as the call would be."""
    bound = inspect.signature(fn).bind(None, None, **kwargs)
    bound.apply_defaults()
    return {k: v for k, v in bound.arguments.items() if k not in NOT_ANSWERS and k not in drop}


def is_seeded(fn: Callable[..., Any]) -> bool:
    """Whether attack ``fn`` draws random numbers from a ``seed`` keyword."""
    return "seed" in inspect.signature(fn).parameters


def record_name(what: str, setting: Setting) -> str:
    """``<what>-<dataset>-<model>``: the name of a record (its hash follows; module docstring)."""
    return f"{what}-{setting.dataset}-{setting.model}"


def chunk_for(dataset: str, chunk_size: int, attack: str | None = None) -> int:
    """The chunk size of an experiment on ``dataset`` (with ``attack``): at most
    :data:`IMAGENET_CHUNK` on ImageNet and for the :data:`SLOW_ATTACKS`, so that a record is written
    (and can be committed) every few minutes rather than after hours; batches above a few images do
    not attack faster on a CPU (benchmarks/imagenet.md, batch 1 vs 6)."""
    slow = dataset == "imagenet" or attack in SLOW_ATTACKS
    return min(chunk_size, IMAGENET_CHUNK) if slow else chunk_size


def store_rows(what: str, setting: Setting, key: Mapping[str, Any], chunk_rows: ChunkRows, *,
               load: Loader | None = None, chunk_size: int = 64, shard: int = 0, num_shards: int = 1,
               root: str | Path | None = None, progress: bool = True, compute: bool = True,
               upto: int | None = None) -> pd.DataFrame:
    """The stored rows of all ``setting.n`` samples of record ``what`` keyed by the setting and
    ``key``, computing the missing ones chunk by chunk as ``chunk_rows(model, x, y, positions)``.

    ``load`` (default :func:`sfutils.setting.load_setting`) runs only when a row is missing;
    ``chunk_size`` is used as given (see :func:`chunk_for`); ``shard`` of ``num_shards`` computes
    its own chunks only; ``root`` defaults to the current run's profile folder. With ``compute``
    False nothing is computed: the rows stored so far of the ``setting.n`` samples are returned
    (those of a background job still running, e.g.), possibly none. ``upto`` computes and returns
    only the first ``upto`` samples (a background job that grows every record of a sweep in turn).
    """
    if upto is not None and upto < 1:
        raise ValueError(f"upto must be a positive number of samples, got {upto}")
    ids = list(range(setting.n if upto is None else min(upto, setting.n)))
    store = ResultStore(record_name(what, setting), {**setting.key(), **key}, shard=shard, num_shards=num_shards,
                        root=root)
    if not compute:
        df = store.load()
        out = df[df["id"].isin(ids)].reset_index(drop=True)
        out.attrs[RECORD] = store.stem  # the record the rows came from (sfutils.results.RECORD)
        return out
    get = lazy_setting(setting, load)

    def compute_chunk(pos: list[int]) -> list[dict[str, Any]]:
        model, x, y = get()
        return chunk_rows(model, x, y, pos)

    return run_rows(store, compute_chunk, ids, chunk_size, progress)


def attack_rows(result: AttackResult, y: torch.Tensor, seconds: float) -> list[dict[str, Any]]:
    """Per-sample rows of an attack on a chunk with true labels ``y`` taking ``seconds`` in all.

    Columns: ``y`` (true label), ``label`` (clean prediction), ``correct``, ``adv_label``,
    ``success``, ``pixels`` / ``pct`` (perturbed pixels, §4.1), ``l2`` / ``linf`` of the
    perturbation, ``iterations``, ``grad_evals``, ``forward_evals``, ``seconds`` (the chunk's
    wall time shared equally: batched, unlike the paper's one-image-at-a-time timings).
    """
    r = result.to("cpu")
    n = r.label.shape[0]
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {tuple(y.shape)}")
    delta = r.perturbation.flatten(1).double()
    cols = {
        "y": y.cpu(), "label": r.label, "correct": r.label == y.cpu(), "adv_label": r.adv_label,
        "success": r.success, "pixels": r.perturbed_pixels(), "pct": r.perturbed_pixels_pct(),
        "l2": delta.norm(dim=1), "linf": delta.abs().amax(dim=1), "iterations": r.iterations,
        "grad_evals": r.grad_evals, "forward_evals": r.forward_evals,
    }
    lists = {k: v.tolist() for k, v in cols.items()}
    return [{**{k: v[i] for k, v in lists.items()}, "seconds": seconds / n} for i in range(n)]


def sparse_delta_rows(result: AttackResult) -> list[dict[str, Any]]:
    """Per sample: ``channel_counts`` (changed elements per channel, for §4.2's random baseline),
    ``invalid`` (elements outside [0, 1], §2.2) and the sparse perturbation ``delta_idx`` /
    ``delta_val`` (flat indices and values of its nonzero elements)."""
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


def timed_rows(attack_fn: Callable[[torch.Tensor], AttackResult], x: torch.Tensor, y: torch.Tensor
               ) -> list[dict[str, Any]]:
    """Run ``attack_fn`` on the chunk ``x`` (true labels ``y``) and return its per-sample rows: the
    columns of :func:`attack_rows` and of :func:`sparse_delta_rows`."""
    result, seconds = timed(lambda: attack_fn(x), x.device)
    return [{**a, **b} for a, b in zip(attack_rows(result, y, seconds), sparse_delta_rows(result))]


def attack_store(what: str, fn: Callable[..., AttackResult], setting: Setting, kwargs: Mapping[str, Any], *,
                 key: Mapping[str, Any] | None = None, drop: tuple[str, ...] = (),
                 chunk_kwargs: Callable[[torch.Tensor], dict[str, Any]] | None = None, chunk_size: int = 64,
                 **options: Any) -> pd.DataFrame:
    """Per-sample rows (:func:`timed_rows`) of attack ``fn(model, x, **kwargs)`` on ``setting``,
    stored under ``what`` keyed by ``key`` and the effective settings of ``fn`` (less ``drop``).

    ``chunk_kwargs(x_chunk)`` adds keywords computed per chunk (e.g. a box around the images, whose
    keywords are then in ``drop``); a seeded ``fn`` gets ``seed = setting.seed + position of the first
    sample of the chunk`` (chunks are fixed blocks, :func:`sfutils.results.run_rows`), so shards and
    resumed runs, a chunk left half-written by a kill included, seed alike. ``options`` go to
    :func:`store_rows`.
    """
    if "seed" in kwargs:
        raise ValueError("pass the seed through the Setting, not as an attack keyword")
    settings = effective_settings(fn, kwargs, drop)
    seeded, chunk = is_seeded(fn), chunk_for(setting.dataset, chunk_size, what)

    def chunk_rows(model: nn.Module, x: torch.Tensor, y: torch.Tensor, pos: list[int]) -> list[dict[str, Any]]:
        extra = chunk_kwargs(x[pos]) if chunk_kwargs is not None else {}
        if seeded:
            extra["seed"] = setting.seed + pos[0] // chunk * chunk
        return timed_rows(lambda xc: fn(model, xc, **kwargs, **extra), x[pos], y[pos])

    return store_rows(what, setting, {**(key or {}), "settings": settings}, chunk_rows, chunk_size=chunk, **options)
