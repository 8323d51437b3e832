"""§4.2 "Transferability and semantic information": where SparseFool puts its pixels (Figs. 8-9).

The attacks are the plain SparseFool runs of :func:`sfutils.experiments.common.attack_samples`
(shared with the other notebooks through the result store); this module turns their stored
sparse perturbations into per-pixel masks and summarises them: overlays of the perturbed pixels
(Fig. 8), the average perturbation-location map per fooling class and the source -> fooling class
pairs (Fig. 9), how much the locations chosen on the same image agree across networks, and whether the
networks spread their pixels differently (Fig. 8).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from sfutils.stats import friedman, interval_columns


def perturbation_masks(rows: pd.DataFrame, shape: Sequence[int]) -> torch.Tensor:
    """Boolean (N, H, W) masks of the perturbed pixels (any channel changed, §4.1) of stored rows
    with sparse perturbations ``delta_idx`` (flat indices into one (C, H, W) image of ``shape``)."""
    if len(shape) != 3:
        raise ValueError(f"shape must be one image's (C, H, W), got {tuple(shape)}")
    if "delta_idx" not in rows:
        raise ValueError("rows lack the sparse perturbation column 'delta_idx'")
    pixels = math.prod(shape[1:])
    masks = torch.zeros(len(rows), pixels, dtype=torch.bool)
    for i, idx in enumerate(rows["delta_idx"]):
        masks[i, torch.as_tensor(idx, dtype=torch.long) % pixels] = True
    return masks.view(len(rows), *shape[1:])


def overlay(x: torch.Tensor, masks: torch.Tensor, color: Sequence[float] = (1.0, 0.0, 0.0), grow: int = 1,
            fade: float = 0.6) -> torch.Tensor:
    """Images (N, C, H, W) in [0, 1] with the pixels of ``masks`` (N, H, W) painted ``color`` over
    the original faded towards grey by ``fade``; each marked pixel grows to a square of side
    ``2 * grow + 1`` so that single pixels stay visible on large images (Fig. 8)."""
    if x.dim() != 4 or masks.shape != (x.shape[0], *x.shape[2:]):
        raise ValueError(f"need images (N, C, H, W) and masks (N, H, W), got {tuple(x.shape)} and {tuple(masks.shape)}")
    if not 0 <= fade <= 1 or grow < 0:
        raise ValueError(f"need 0 <= fade <= 1 and grow >= 0, got fade={fade}, grow={grow}")
    x = x.detach().float().cpu()
    rgb = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
    m = masks.float().cpu()[:, None]
    if grow:
        m = F.max_pool2d(m, 2 * grow + 1, stride=1, padding=grow)
    base = (1 - fade) * rgb + fade * rgb.mean(dim=1, keepdim=True)
    paint = torch.tensor(color, dtype=torch.float32).view(1, 3, 1, 1)
    return torch.where(m.bool(), paint, base)


def class_location_maps(masks: torch.Tensor, classes: torch.Tensor | Sequence[int], num_classes: int
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """Fig. 9: the average perturbation-location map per class, (K, H, W) with values in [0, 1]
    (the share of that class's samples perturbed at each pixel; zeros for classes without
    samples), and the number of samples per class (K,)."""
    classes = torch.as_tensor(classes, dtype=torch.long).cpu()
    if classes.shape != (masks.shape[0],):
        raise ValueError(f"need one class per mask ({masks.shape[0]}), got shape {tuple(classes.shape)}")
    if classes.numel() and not 0 <= int(classes.min()) <= int(classes.max()) < num_classes:
        raise ValueError(f"classes must lie in [0, {num_classes})")
    counts = torch.bincount(classes, minlength=num_classes)
    sums = torch.zeros(num_classes, *masks.shape[1:]).index_add_(0, classes, masks.float().cpu())
    return sums / counts.clamp(min=1).view(-1, *([1] * (masks.dim() - 1))), counts


def class_pairs(rows: pd.DataFrame, class_names: Sequence[str]) -> pd.DataFrame:
    """Fig. 9b: how often each source -> fooling class pair occurs among the fooled samples, as a
    source (rows, the clean prediction) by fooling class (columns) count table with totals."""
    fooled = rows[rows["success"].astype(bool)]
    names = list(class_names)
    src = pd.Categorical([names[int(c)] for c in fooled["label"]], categories=names)
    adv = pd.Categorical([names[int(c)] for c in fooled["adv_label"]], categories=names)
    table = pd.crosstab(pd.Series(src, name="source"), pd.Series(adv, name="fooling class"), dropna=False)
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    return table


def top_pairs(rows: pd.DataFrame, class_names: Sequence[str], k: int = 10) -> pd.DataFrame:
    """The ``k`` most frequent source -> fooling class pairs: count, share of the fooled samples and
    share of the source's fooled samples that went to that fooling class."""
    fooled = rows[rows["success"].astype(bool)]
    if fooled.empty:
        raise ValueError("no fooled samples")
    pairs = fooled.groupby(["label", "adv_label"]).size().rename("count").reset_index()
    per_source = fooled.groupby("label").size()
    pairs["% of fooled"] = 100 * pairs["count"] / len(fooled)
    pairs["% of source"] = 100 * pairs["count"] / per_source.loc[pairs["label"]].to_numpy()
    pairs.insert(0, "source", [class_names[int(c)] for c in pairs["label"]])
    pairs.insert(1, "fooling class", [class_names[int(c)] for c in pairs["adv_label"]])
    pairs = pairs.sort_values(["count", "label", "adv_label"], ascending=[False, True, True]).head(k)
    return pairs.drop(columns=["label", "adv_label"]).reset_index(drop=True)


def smooth_maps(masks: torch.Tensor, sigma: float, size: int | None = None) -> torch.Tensor:
    """Masks or maps (N, H, W) blurred with a Gaussian of ``sigma`` pixels and optionally resized to
    ``size`` x ``size`` (bilinear), to compare locations across networks of different input sizes."""
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    m = masks.float().cpu()[:, None]
    m = F.conv2d(F.pad(m, (radius, radius, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    m = F.conv2d(F.pad(m, (0, 0, radius, radius), mode="replicate"), k.view(1, 1, -1, 1))
    if size is not None:
        m = F.interpolate(m, size=(size, size), mode="bilinear", align_corners=False)
    return m[:, 0]


def _cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.cosine_similarity(a.flatten(1), b.flatten(1), dim=1, eps=1e-12)


def random_masks_like(masks: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Masks with as many pixels as each of ``masks`` (N, H, W), placed uniformly at random (seeded)."""
    g = torch.Generator().manual_seed(seed)
    flat = masks.flatten(1)
    ranks = torch.rand(flat.shape, generator=g).argsort(dim=1).argsort(dim=1)
    return (ranks < flat.sum(dim=1, keepdim=True)).view(masks.shape)


# the paired per-image gap whose interval location_agreement writes (sfutils.stats.ci_columns),
# named "<A> - <B>" as sfutils.claims reads a gap's interval
GAP_COLUMN = "same image - different images (baseline)"


def location_agreement(masks: Mapping[str, torch.Tensor], sigma: float = 8.0, size: int = 224,
                       seed: int = 0, fooled: Mapping[str, torch.Tensor] | None = None) -> pd.DataFrame:
    """Fig. 8, quantified: for every pair of networks A, B, the cosine similarity of their smoothed
    perturbation-location maps on the same image (mean over images), next to two baselines: B's map
    of a *different* image (the next one; NaN with a single image) and B's pixel count placed
    uniformly at random (seeded; shown, not the control: a smoothed random map is spread evenly, so
    it scores high against any spread map by construction). Same-image similarity above the
    different-image baseline means the networks perturb shared regions of the image (§4.2: "the
    noise consistently lies around the important areas of the image"); near it, no shared location
    beyond generic image bias. ``fooled`` (per network, a boolean per image) keeps, for each pair,
    only the images both networks fooled: an unfooled attempt is not a perturbation of Fig. 8.
    :data:`GAP_COLUMN`'s ``lo``/``hi`` columns hold the bootstrap 95 % interval of the mean, over
    images, of same-image minus different-image similarity."""
    names = list(masks)
    if len(names) < 2:
        raise ValueError("need masks of at least two networks")
    maps = {n: smooth_maps(m, sigma, size) for n, m in masks.items()}
    if len({m.shape[0] for m in maps.values()}) != 1:
        raise ValueError("every network needs masks of the same images")
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            keep = torch.ones(maps[a].shape[0], dtype=torch.bool)
            if fooled is not None:
                keep = fooled[a].bool() & fooled[b].bool()
            ma, mb = maps[a][keep], maps[b][keep]
            same = _cosine(ma, mb)
            other = _cosine(ma, mb.roll(1, dims=0)) if len(same) > 1 else torch.full_like(same, math.nan)
            rand = _cosine(ma, smooth_maps(random_masks_like(masks[b][keep], seed), sigma, size))
            rows.append({"network A": a, "network B": b, "n images": len(same), "same image": float(same.mean()),
                         "different images (baseline)": float(other.mean()),
                         "random placement (baseline)": float(rand.mean()),
                         **interval_columns(GAP_COLUMN, (same - other).numpy() if len(same) > 1 else [], "mean")})
    return pd.DataFrame(rows)


def centre_of_mass_spread(masks: torch.Tensor) -> np.ndarray:
    """Per mask, the root-mean-square distance (in pixels) of the perturbed pixels from their centre
    of mass: small when the perturbation concentrates on one region, large when it spreads (§4.2);
    NaN for an empty mask."""
    n, h, w = masks.shape
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    m = masks.double()
    total = m.flatten(1).sum(dim=1)
    cy = (m * yy).flatten(1).sum(dim=1) / total
    cx = (m * xx).flatten(1).sum(dim=1) / total
    var = (m * ((yy - cy.view(-1, 1, 1)) ** 2 + (xx - cx.view(-1, 1, 1)) ** 2)).flatten(1).sum(dim=1) / total
    return var.sqrt().numpy()


SPREAD_COLUMN = "rms spread of pixels (px)"


def spread_columns(masks: torch.Tensor) -> dict[str, float]:
    """The mean :func:`centre_of_mass_spread` of ``masks`` (the fooled images' perturbations of one
    network) under :data:`SPREAD_COLUMN`, with its seeded bootstrap 95 % interval over images: how
    each network concentrates or spreads its noise (§4.2, Fig. 8)."""
    spread = centre_of_mass_spread(masks)
    spread = spread[np.isfinite(spread)]
    return {SPREAD_COLUMN: float(spread.mean()) if spread.size else math.nan,
            **interval_columns(SPREAD_COLUMN, spread, "mean")}


SPREAD_TEST = "Friedman"


def spread_test(masks: Mapping[str, torch.Tensor], fooled: Mapping[str, torch.Tensor | np.ndarray]) -> pd.DataFrame:
    """§4.2, Fig. 8: "the way it concentrates or spreads is different for each network" (the noise),
    as a heterogeneity test. Each image's :func:`centre_of_mass_spread` on every network (``masks``,
    one (N, H, W) stack per network, the same N images in the same order), on the images every
    network fooled (``fooled``: a boolean per image and network), so that each image is its own
    control; :func:`sfutils.stats.friedman` then tests whether some network spreads its pixels
    more than another (a rank test: the spreads are skewed, and a net's one-pixel perturbations
    tie at 0). One row: the test (:data:`SPREAD_TEST`), the networks, ``n`` images, the statistic
    (chi-square, networks - 1 degrees of freedom), its p-value, Kendall's W (0: the images rank
    the networks at random, 1: every image ranks them alike) and each network's median spread
    (px) on these images. NaN statistic and p with fewer than two such images."""
    names = list(masks)
    if len(names) < 2:
        raise ValueError("need masks of at least two networks")
    if set(fooled) != set(names):
        raise ValueError(f"need fooled flags of the networks {names}, got {sorted(fooled)}")
    if len({m.shape[0] for m in masks.values()} | {len(f) for f in fooled.values()}) != 1:
        raise ValueError("every network needs masks and fooled flags of the same images")
    keep = np.logical_and.reduce([np.asarray(fooled[name], dtype=bool) for name in names])
    spreads = np.stack([centre_of_mass_spread(masks[name][torch.as_tensor(keep)]) for name in names], axis=1)
    spreads = spreads[np.isfinite(spreads).all(axis=1)]  # an empty mask has no spread
    test = friedman(spreads)
    medians = {f"median spread {name} (px)": float(np.median(spreads[:, j])) if len(spreads) else math.nan
               for j, name in enumerate(names)}
    return pd.DataFrame([{"test": SPREAD_TEST, "networks": " / ".join(names), "n": test.n,
                          "statistic": test.statistic, "p": test.p, "Kendall's W": test.w, **medians}])


def image_grid(cells: Sequence[Sequence[torch.Tensor | None]], titles: Sequence[Sequence[str]] | None = None,
               row_labels: Sequence[str] | None = None, size: float = 1.6, cmap: str = "magma",
               title: str | None = None, vmax: float | None = None) -> Figure:
    """A rows x columns grid of images (3, H, W) / (1, H, W) in [0, 1] or maps (H, W) (drawn with
    ``cmap`` on [0, ``vmax``], by default each on its own [0, max]); ``None`` leaves a cell empty;
    ``title`` goes on top. (A general grid for the
    overlays and maps of Figs. 8-9; :func:`sfutils.plotting.plot_examples` draws the fixed
    original / pixels / adversarial layout of Figs. 1 and 5.)"""
    rows, cols = len(cells), max((len(r) for r in cells), default=0)
    if rows == 0 or cols == 0:
        raise ValueError("image_grid needs at least one cell")
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows + 0.3), squeeze=False, layout="constrained")
    for i in range(rows):
        for j in range(cols):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            cell = cells[i][j] if j < len(cells[i]) else None
            if cell is None:
                ax.axis("off")
                continue
            t = cell.detach().float().cpu()
            if t.dim() == 2:
                top = vmax if vmax is not None else max(float(t.max()), 1e-12)
                ax.imshow(t.numpy(), cmap=cmap, vmin=0, vmax=top, interpolation="nearest")
            elif t.dim() == 3 and t.shape[0] in (1, 3):
                img = t.clamp(0, 1).permute(1, 2, 0).numpy()
                ax.imshow(img[..., 0] if img.shape[2] == 1 else img, cmap="gray", vmin=0, vmax=1,
                          interpolation="nearest")
            else:
                raise ValueError(f"cell ({i}, {j}) must be (H, W) or (1|3, H, W), got {tuple(t.shape)}")
            if titles is not None and j < len(titles[i]):
                ax.set_title(titles[i][j])
        if row_labels is not None and axes[i, 0].axison:
            axes[i, 0].set_ylabel(row_labels[i])
    if title is not None:
        fig.suptitle(title)
    return fig
