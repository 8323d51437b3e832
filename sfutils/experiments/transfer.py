"""§4.2 "Transferability and semantic information": SparseFool adversarials computed on a source net, fed to other nets (Table 3).

Each source net is attacked once per image through the resumable per-sample store of
:func:`sfutils.experiments.common.attack_samples` (the records Table 2 and Fig. 8 share when they
attack the same setting); the adversarials are rebuilt from it and every target net classifies
clean and adversarial images. Following the paper's fooling rate
(§4.1, ``|{x : f(x + r_x) != f(x)}| / |D|``), a target is fooled when its prediction on the
adversarial differs from its own prediction on the clean image. Off the diagonal, rates are over
the images the source attack fooled (all of them in the paper); the diagonal is the source's own
fooling rate over every image it attacked, so diagonal x images = the off-diagonal trials.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
import torch
from torch import nn

from sfutils import paper, stats
from sfutils.metrics import predict
from sfutils.experiments.budget import protocol_samples
from sfutils.experiments.common import Setting, rebuild_adversarials
from sfutils.setting import Loaded

# Table 3 of the paper: fooling rate (%) of the column (target) net on adversarials of the row
# (source) net, 4000 ImageNet validation images.
PAPER_NETS = paper.TABLE3_NETS
PAPER_TABLE3 = paper.TABLE3.rename_axis(index="source", columns="target")
# Weight-layer depth: the paper's "larger" architectures (§4.2: perturbations transfer better from
# larger to smaller ones) are the deeper ones (by parameter count VGG-16 would be the largest).
PAPER_DEPTH = {"VGG-16": 16, "ResNet-101": 101, "DenseNet-161": 161}


def _check_models(models: Mapping[str, nn.Module]) -> None:
    if not isinstance(models, Mapping) or len(models) < 2:
        raise ValueError("transferability needs a mapping of at least two named models")
    for name, m in models.items():
        if not isinstance(m, nn.Module):
            raise TypeError(f"model {name!r} must be an nn.Module, got {type(m).__name__}")


def source_rows(settings: Mapping[str, Setting], *, lam: float = 3.0, load: Callable[[Setting], Loaded] | None = None,
                caps: Sequence[int] = (), **kwargs: Any) -> dict[str, pd.DataFrame]:
    """Per source name: the per-sample SparseFool rows (with the sparse perturbation) of its setting,
    from :func:`sfutils.experiments.common.attack_samples` (``kwargs``: its store and chunk options):
    the very records of Table 2 and Fig. 8 when those attack the same setting, so Table 3 costs
    forward passes only; with ``caps`` (Table 2's, :func:`sfutils.experiments.budget.table2_caps`)
    read under Table 2's protocol, no cap an image reaches (:func:`sfutils.experiments.budget.protocol_samples`). All settings must attack the same images (data set, n, seed, crop).
    ``load`` (tests) builds a setting's (model, x, y) instead of
    :func:`sfutils.setting.load_setting`."""
    images = {(s.dataset, s.n, s.seed, s.crop) for s in settings.values()}
    if len(images) != 1:
        raise ValueError(f"every source must attack the same images (data set, n, seed, crop), got {sorted(images)}")
    dataset, _, _, crop = images.pop()
    if dataset == "imagenet" and crop is None:  # each net at its own size: they must all be the same
        from sfutils import models

        sizes = {(models.model_info(s.model).input_size, models.model_info(s.model).resize) for s in settings.values()}
        if len(sizes) > 1:
            raise ValueError(f"ImageNet nets of different input sizes {sorted(sizes)} need a common crop")
    return {name: protocol_samples(setting, caps, lam=lam,
                                   load=None if load is None else functools.partial(load, setting), **kwargs)
            for name, setting in settings.items()}


def evaluate_transfer(rows: Mapping[str, pd.DataFrame], models: Mapping[str, nn.Module], x: torch.Tensor,
                      y: torch.Tensor, batch_size: int = 64) -> pd.DataFrame:
    """One row per (source, target, image): the source attack's ``success`` and ``pct``, the target's
    clean and adversarial predictions, ``correct`` (target right on the clean image) and ``fooled``.

    ``rows`` maps each source name to its :func:`source_rows` rows, whose ``id`` is the image's
    position in ``x`` (a shard's rows cover only some images; those are the ones evaluated).
    """
    _check_models(models)
    clean = {t: predict(m, x, batch_size) for t, m in models.items()}
    out = []
    for source, df in rows.items():
        ids = torch.tensor(df["id"].tolist(), dtype=torch.long)
        if len(ids) and (ids.min() < 0 or ids.max() >= x.shape[0]):
            raise ValueError(f"{source}: result ids must be positions in x (0..{x.shape[0] - 1})")
        adv = rebuild_adversarials(x[ids].cpu(), df)
        for target, model in models.items():
            pred, before = predict(model, adv, batch_size), clean[target][ids]
            out.append(pd.DataFrame({
                "source": source, "target": target, "id": ids.numpy(),
                "success": df["success"].astype(bool).to_numpy(), "pct": df["pct"].to_numpy(dtype=float),
                "clean_label": before.numpy(), "adv_label": pred.numpy(),
                "correct": (before == y.cpu()[ids]).numpy(), "fooled": (pred != before).numpy(),
            }))
    return pd.concat(out, ignore_index=True)


def model_size(model: nn.Module) -> tuple[int, int]:
    """(depth, parameters): depth counts convolutional and linear layers (VGG-16: 16, CIFAR ResNet-20:
    20), ties broken by the parameter count; it orders "larger" and "smaller" architectures in §4.2."""
    depth = sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())
    return depth, sum(p.numel() for p in model.parameters())


def run_transfer(models: Mapping[str, nn.Module], x: torch.Tensor, y: torch.Tensor, settings: Mapping[str, Setting],
                 **kwargs: Any) -> pd.DataFrame:
    """Attack with every model as source on its setting (:func:`source_rows`, ``kwargs`` go there) and
    evaluate each source's adversarials on every model (:func:`evaluate_transfer`); ``x``, ``y``: the
    settings' images and labels (e.g. from :func:`sfutils.setting.load_setting`)."""
    _check_models(models)
    if set(settings) != set(models) or any(s.model != name for name, s in settings.items()):
        raise ValueError(f"need one setting per model, of that model: models {sorted(models)}, settings "
                         f"{ {name: s.model for name, s in settings.items()} }")
    return evaluate_transfer(source_rows(settings, **kwargs), models, x, y)


def images_per_source(long: pd.DataFrame) -> int:
    """The fewest images any source attacked (the ``n`` behind a fooling matrix)."""
    own = long[long["source"] == long["target"]]
    return int(own.groupby("source")["id"].nunique().min()) if len(own) else 0


def clean_accuracy(long: pd.DataFrame) -> dict[str, float]:
    """Each net's top-1 accuracy (a fraction) on the clean images it was evaluated on."""
    first = long.drop_duplicates(["target", "id"])
    return {t: float(g["correct"].mean()) for t, g in first.groupby("target")}


def fooling_matrix(long: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Table 3: fooling rate (%) of each target (column) on the adversarials of each source (row),
    over the images the source attack fooled, and on the diagonal the source's own fooling rate over
    all the images it attacked; ``order`` fixes the row/column order."""
    missing = {"source", "target", "success", "fooled"} - set(long.columns)
    if missing:
        raise ValueError(f"transfer rows lack column(s) {sorted(missing)}")
    success = long["success"].astype(bool)
    m = long[success].pivot_table(index="source", columns="target", values="fooled", aggfunc="mean") * 100.0
    names = list(order) if order is not None else sorted(set(long["source"]) | set(long["target"]))
    m = m.reindex(index=names, columns=names).rename_axis(index="source", columns="target")
    own = long[long["source"] == long["target"]].assign(success=success).groupby("source")["success"].mean()
    for name, rate in own.items():
        if name in m.index:
            m.loc[name, name] = 100.0 * rate
    return m


def direction_summary(matrix: pd.DataFrame, size: Mapping[str, Any]) -> pd.DataFrame:
    """§4.2's claim "more transferable from larger to smaller architectures": the mean off-diagonal
    fooling rate (%) of the pairs whose source is larger than its target, and of the opposite pairs.

    ``size`` ranks the nets (e.g. :func:`model_size` or depth); pairs of equal size are left out.
    """
    unknown = (set(matrix.index) | set(matrix.columns)) - set(size)
    if unknown:
        raise ValueError(f"no size for {sorted(unknown)}")
    groups: dict[str, list[float]] = {"larger → smaller": [], "smaller → larger": []}
    for s in matrix.index:
        for t in matrix.columns:
            if s != t and size[s] != size[t] and pd.notna(matrix.loc[s, t]):
                groups["larger → smaller" if size[s] > size[t] else "smaller → larger"].append(float(matrix.loc[s, t]))
    return pd.DataFrame([{"direction": k, "pairs": len(v), "mean fooling %": sum(v) / len(v) if v else float("nan")}
                         for k, v in groups.items()])


POOLED_COLUMN = "mean off-diagonal (pooled, %)"


def _per_image(trials: pd.DataFrame, ids: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Per image of ``ids`` (in that order): the targets fooled and the trials among ``trials``."""
    g = trials.groupby("id")["fooled"]
    return (g.sum().reindex(ids, fill_value=0).to_numpy(dtype=float),
            g.count().reindex(ids, fill_value=0).to_numpy(dtype=float))


def pooled_transfer(long: pd.DataFrame) -> dict[str, float]:
    """§4.2's "transfer only to some extent", pooled: the share (%) of every off-diagonal trial
    (a target net other than the source, on an image the source fooled) in which the target is
    fooled, with a 95 % interval that resamples whole images (every pair reuses the same images, so
    its trials are not independent; :func:`sfutils.stats.cluster_bootstrap_rate`; every image any
    source attacked is resampled). Pooling weights the pairs by their trials; it equals the mean over
    pairs of Table 3 when every source fools every image, as the paper's do."""
    off = long[(long["source"] != long["target"]) & long["success"].astype(bool)]
    ids = sorted(set(long["id"]))
    if off.empty:
        return {POOLED_COLUMN: float("nan"), **dict.fromkeys(stats.ci_columns(POOLED_COLUMN), float("nan"))}
    rate, lo, hi = stats.cluster_bootstrap_rate(*_per_image(off, ids))
    return {POOLED_COLUMN: 100.0 * rate, **dict(zip(stats.ci_columns(POOLED_COLUMN), (100.0 * lo, 100.0 * hi)))}


ASYMMETRY_COLUMN = "asymmetry (pooled, points)"


def asymmetry(long: pd.DataFrame, size: Mapping[str, Any]) -> dict[str, float]:
    """§4.2's "more transferable from larger to smaller architectures", pooled: the transfer rate
    over every (larger source → smaller target) trial minus that over every (smaller → larger) one,
    in points, with a 95 % interval that resamples whole images (every pair reuses the same images,
    so its trials are not independent; :func:`sfutils.stats.cluster_bootstrap_difference`). A
    trial is an image the source fooled. Pooled rates weight pairs by their trials, so they differ
    from the means over pairs of :func:`direction_summary` when sources fool different counts."""
    off = long[(long["source"] != long["target"]) & long["success"].astype(bool)]
    rank = off["source"].map(size), off["target"].map(size)
    ids = sorted(set(long["id"]))
    diff, lo, hi = stats.cluster_bootstrap_difference(*_per_image(off[rank[0] > rank[1]], ids),
                                                      *_per_image(off[rank[0] < rank[1]], ids))
    return {ASYMMETRY_COLUMN: 100.0 * diff, **dict(zip(stats.ci_columns(ASYMMETRY_COLUMN), (100.0 * lo, 100.0 * hi)))}


def summary_row(matrix: pd.DataFrame, size: Mapping[str, Any], setting: str, n: int | None = None,
                notes: str = "") -> dict[str, Any]:
    """One line comparable across settings (and with the paper): the mean, min and max off-diagonal
    fooling rate (%) and the two means of :func:`direction_summary`."""
    off = [float(matrix.loc[s, t]) for s in matrix.index for t in matrix.columns if s != t and pd.notna(matrix.loc[s, t])]
    d = direction_summary(matrix, size).set_index("direction")["mean fooling %"]
    return {"setting": setting, "nets": " / ".join(matrix.index), "n per source": n,
            "mean off-diagonal %": sum(off) / len(off) if off else float("nan"),
            "min %": min(off, default=float("nan")), "max %": max(off, default=float("nan")),
            "larger → smaller %": float(d["larger → smaller"]), "smaller → larger %": float(d["smaller → larger"]), "notes": notes}


def short_name(name: str) -> str:
    """A readable axis label: 'efficientnet-lite0' -> 'Lite0', 'resnet20-cifar10' -> 'ResNet-20'."""
    name = name.removesuffix("-cifar10")
    if name.startswith("efficientnet-"):
        return name.removeprefix("efficientnet-").capitalize()
    return {"vgg16": "VGG-16", "resnet101": "ResNet-101", "densenet161": "DenseNet-161"}.get(
        name, name.replace("resnet", "ResNet-"))


def heatmaps(panels: Sequence[tuple[str, pd.DataFrame]], title: str) -> Figure:
    """Table 3 as heatmaps, one panel per (title, fooling matrix): source rows, target columns, %."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.0 * len(panels), 3.9), squeeze=False)
    for ax, (name, m) in zip(axes[0], panels):
        sns.heatmap(m, ax=ax, annot=True, fmt=".0f", vmin=0, vmax=100, cmap="rocket_r", square=True,
                    cbar_kws={"label": "fooling rate of target (%)", "shrink": 0.8})
        ax.set(title=name, xlabel="target (evaluated on the adversarials)", ylabel="source (SparseFool computed on)")
        ax.tick_params(axis="x", rotation=30)
        ax.tick_params(axis="y", rotation=0)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
