"""One plotting style for every notebook, figure/table writers that keep an index, and an
adversarial-example grid in the manner of the paper's Figs. 1 and 5.

The writers take the notebook's run (:func:`sfutils.provenance.start_run`) as their first argument:
outputs go to that run's profile folder (:func:`sfutils.provenance.output_root`), figures as
``<name>.png`` and ``.pdf``, tables as ``tables/<name>.csv`` and ``.md``; each is recorded in that
folder's ``index.json`` with the run's notebook, profile and device.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from matplotlib.figure import Figure

from sfutils import metrics, paths, provenance, stats

if "ipykernel" not in sys.modules and "MPLBACKEND" not in os.environ and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")  # headless scripts and tests; notebooks keep their inline backend

_RC = {"figure.dpi": 110, "savefig.dpi": 200, "savefig.bbox": "tight", "axes.titlesize": 9,
       "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8}


def set_style() -> None:
    """The project's one matplotlib/seaborn style (idempotent; call at the top of a notebook)."""
    sns.set_theme(context="paper", style="whitegrid", palette="colorblind", rc=_RC)


def save_figure(run: provenance.Run, fig: Figure, name: str, caption: str = "", n: int | None = None,
                formats: Sequence[str] = ("png", "pdf")) -> None:
    """Write ``fig`` as ``<figures>/<name>.<fmt>`` for each format (the figures folder of ``run``'s
    profile, :func:`sfutils.provenance.output_root`) and record it in that folder's index as an
    output of ``run``."""
    paths.check_stem(name, "figure name")
    root = provenance.output_root(run)
    root.mkdir(parents=True, exist_ok=True)
    files = [f"{name}.{fmt}" for fmt in formats]
    for f in files:
        # No creation date in PDFs, so unchanged figures give unchanged files.
        fig.savefig(root / f, metadata={"CreationDate": None} if f.endswith(".pdf") else None)
    provenance.record_output("figure", name, files, caption=caption, n=n, root=root, run=run)


def save_table(run: provenance.Run, df: pd.DataFrame, name: str, caption: str = "", n: int | None = None,
               floatfmt: str = ".4g") -> None:
    """Write ``df`` as ``<figures>/tables/<name>.csv`` and ``.md`` (the figures folder of ``run``'s
    profile) and record it in that folder's index as an output of ``run``."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"save_table needs a pandas DataFrame, got {type(df).__name__}")
    paths.check_stem(name, "table name")
    root = provenance.output_root(run)
    (root / "tables").mkdir(parents=True, exist_ok=True)
    files = [f"tables/{name}.csv", f"tables/{name}.md"]
    df.to_csv(root / files[0], index=False)
    md = df.to_markdown(index=False, floatfmt=floatfmt)
    (root / files[1]).write_text((f"{caption}\n\n" if caption else "") + md + "\n")
    provenance.record_output("table", name, files, caption=caption, n=n, root=root, run=run)


def _images(x: torch.Tensor | np.ndarray, what: str) -> torch.Tensor:
    t = x.detach().cpu().float() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x), dtype=torch.float32)
    if t.dim() != 4 or t.shape[1] not in (1, 3):
        raise ValueError(f"{what} must be images of shape (N, 1|3, H, W), got {tuple(t.shape)}")
    return t


def _show(ax: plt.Axes, img: np.ndarray, title: str) -> None:
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def title_above(fig: Figure, text: str, line_height: float = 0.3) -> None:
    """Put ``text`` as the figure's title in a band added above the laid-out axes: the figure grows
    by the band's height (``line_height`` inches per line) and the axes keep their size, so the
    title neither overlaps the column titles nor leaves a gap (as ``tight_layout(rect=...)`` does
    with fixed-aspect images)."""
    width, height = fig.get_size_inches()
    band = line_height * (text.count("\n") + 1) + 0.15
    scale = height / (height + band)
    for ax in fig.axes:
        x0, y0, w, h = ax.get_position().bounds
        ax.set_position((x0, y0 * scale, w, h * scale))
    fig.set_size_inches(width, height + band)
    fig.suptitle(text, y=1 - 0.1 / (height + band), va="top")


def plot_examples(x: torch.Tensor | np.ndarray, x_adv: torch.Tensor | np.ndarray, labels: Sequence[int],
                  adv_labels: Sequence[int], class_names: Sequence[str] | None = None, max_examples: int = 8,
                  size: float = 1.6) -> Figure:
    """A grid with one column per example: the original titled with the model's *prediction* on it
    (``labels``; a misclassified image shows the wrong class, the row label says so), the perturbed
    pixels in red over the faded original (count and % of pixels, §4.1), and the adversarial titled
    with its prediction.

    ``x`` and ``x_adv`` are (N, 1|3, H, W) in [0, 1]; at most ``max_examples`` columns are drawn.
    """
    x, x_adv = _images(x, "x"), _images(x_adv, "x_adv")
    if x.shape != x_adv.shape:
        raise ValueError(f"x and x_adv differ in shape: {tuple(x.shape)} vs {tuple(x_adv.shape)}")
    if not len(labels) == len(adv_labels) == x.shape[0]:
        raise ValueError(f"need one label and one adv_label per image ({x.shape[0]}), "
                         f"got {len(labels)} and {len(adv_labels)}")
    k = min(max_examples, x.shape[0])
    if k < 1:
        raise ValueError("plot_examples needs at least one example")
    name = (lambda c: class_names[int(c)]) if class_names is not None else (lambda c: str(int(c)))
    delta = x_adv[:k] - x[:k]
    mask = metrics.changed_pixels(delta).numpy()
    pixels = metrics.perturbed_pixels(delta).tolist()
    pct = metrics.perturbed_pixels_pct(delta).tolist()
    fig, axes = plt.subplots(3, k, figsize=(size * k, size * 3 + 0.4), squeeze=False)
    for j in range(k):
        orig = x[j].permute(1, 2, 0).clamp(0, 1).numpy()
        adv = x_adv[j].permute(1, 2, 0).clamp(0, 1).numpy()
        faded = 0.65 + 0.35 * orig.mean(axis=2, keepdims=True)
        marked = np.where(mask[j][..., None], np.array([0.85, 0.1, 0.1]), np.repeat(faded, 3, axis=2))
        _show(axes[0, j], orig.squeeze(2) if orig.shape[2] == 1 else orig, name(labels[j]))
        _show(axes[1, j], marked, f"{pixels[j]} px ({pct[j]:.2f}%)")
        _show(axes[2, j], adv.squeeze(2) if adv.shape[2] == 1 else adv, name(adv_labels[j]))
    for row, text in enumerate(("original\n(title: predicted)", "perturbed pixels", "adversarial\n(title: predicted)")):
        axes[row, 0].set_ylabel(text)
    fig.tight_layout()
    return fig


def comparison_bars(df: pd.DataFrame, row_label: pd.Series, measures: Sequence[tuple[str, str, bool]],
                    title: str) -> Figure:
    """One panel per measure ``(column stem, axis label, log scale)``: ours (filled, column
    ``"<stem> (ours)"``, with its 95 % interval as a whisker where ``df`` has the interval's columns,
    :func:`sfutils.stats.ci_columns`) beside the paper's (hatched, ``"<stem> (paper)"``) for each
    row of ``df``; a missing or zero value of ours is labelled, since its bar would not show."""
    fig, axes = plt.subplots(1, len(measures), figsize=(4.2 * len(measures), 0.45 * len(df) + 1.6), sharey=True)
    axes = np.atleast_1d(axes)
    y = np.arange(len(df))
    for ax, (col, label, log) in zip(axes, measures):
        ours = df[f"{col} (ours)"]
        lo_col, hi_col = stats.ci_columns(f"{col} (ours)")
        whiskers = None
        if {lo_col, hi_col} <= set(df.columns):  # an interval not written (NaN) draws no whisker
            whiskers = np.vstack([ours - df[lo_col], df[hi_col] - ours]).clip(min=0)
        ax.barh(y - 0.2, ours, 0.4, xerr=whiskers, error_kw={"elinewidth": 1, "capsize": 2}, label="this repo")
        ax.barh(y + 0.2, df[f"{col} (paper)"], 0.4, label="paper", hatch="//", alpha=0.6)
        for yi in y[ours.isna().to_numpy()]:  # e.g. no fooled sample: no median
            ax.text(0.02, yi - 0.2, "n/a (none fooled)", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        for yi in y[(ours == 0).to_numpy()]:
            ax.text(0.02, yi - 0.2, "0 (none fooled)" if col == "fooling %" else "0",
                    transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        ax.set_xlabel(label)
        if log:
            ax.set_xscale("log")
    axes[0].set_yticks(y, row_label)
    axes[0].invert_yaxis()
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper right", ncol=2)
    fig.suptitle(title, x=0.4)
    fig.tight_layout()
    return fig
