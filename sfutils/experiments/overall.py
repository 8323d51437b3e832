"""§4.2 "Overall performance": Table 1, Table 2 (+ the random baseline), Fig. 4 and §2.2.

Every attack runs through the resumable per-sample store (:mod:`sfutils.results`): a row per
attacked image in the format of :func:`sfutils.harness.timed_rows` (the standard
columns, ``channel_counts`` for the random baseline of §4.2, ``invalid`` for §2.2 and the sparse
perturbation, from which :func:`sfutils.experiments.common.rebuild_adversarials` rebuilds the
adversarial images for figures). Times are the wall time of a batched chunk shared equally by its
images, unlike the paper's one image at a time on a GTX Titan X.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import torch

from sfutils import paper, paths, stats
from sfutils.attacks import median_counts
from sfutils.data import _subset_indices
from sfutils.experiments.common import Setting, attack_samples, interval_columns, summarize
from sfutils.profiles import get_profile
from sfutils.results import RECORD, RECORD_DENOMINATOR

# The paper's numbers (Tables 1-2, §2.2, the one-pixel budget) live in sfutils.paper.
PAPER_ONE_PIXEL_BUDGET = paper.ONE_PIXEL_BUDGET
# §2.2 on l2 / l-inf DeepFool, a statement without a number: clipping its adversarials "have a minor impact".
PAPER_L2_CLIPPING = "l2/l-inf DeepFool: clipping has 'a minor impact' (§2.2, no number)"


def one_pixel_notes(config: Mapping[str, Any]) -> str:
    """Table 1's note on a one-pixel run: its population, generations, k cap (the paper grows k
    until success, §4.1) and k schedule (:func:`sfutils.attacks.one_pixel.k_schedule`; "fast" reports
    an upper bound on the smallest k, less than 1.5x it and exact up to 4), marked REDUCED when the
    budget is below :data:`PAPER_ONE_PIXEL_BUDGET`."""
    reduced = any(config[key] < paper for key, paper in PAPER_ONE_PIXEL_BUDGET.items())
    schedule = config.get("schedule", "exact")
    grow = ("k + 1 (exact)" if schedule == "exact"
            else "fast k schedule 1, 2, 3, 4, 6, 8, 12, ... (k exact up to 4, else an upper bound < 1.5x)")
    return (("REDUCED: " if reduced else "") + "popsize={popsize}, max_iter={max_iter}, k<={max_k}".format(**config)
            + f", {grow}")


def one_pixel_settings(p: SimpleNamespace) -> list[tuple[Setting, dict[str, Any]]]:
    """Table 1's one-pixel runs of profile ``p`` (notebook 01's settings): each net's
    :class:`Setting` and the attack's keywords, MNIST first, then CIFAR-10."""
    return [(Setting(dataset, model, p.n_one_pixel[dataset], p.seed), dict(p.one_pixel[dataset]))
            for dataset, models in (("mnist", p.mnist_models), ("cifar10", p.cifar_models)) for model, _ in models]


def random_baseline(setting: Setting, sparsefool_rows: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """§4.2's random baseline: per channel, as many random elements as SparseFool's median per-channel
    count (over all its samples) set to 0 or 1; ``kwargs`` go to :func:`attack_samples`."""
    per_channel = median_counts(torch.tensor(sparsefool_rows["channel_counts"].tolist()))
    return attack_samples("random_sparse", setting, per_channel_counts=per_channel, **kwargs)


RANDOM_GAP = "fooling % (ours) - random fooling % (ours)"  # Table 2's SparseFool minus random, per image


def random_gap(sparsefool_rows: pd.DataFrame, random_rows: pd.DataFrame) -> dict[str, float]:
    """§4.2's "far below": SparseFool's fooling rate minus the random baseline's on the same images
    (paired by ``id``), in points, with Newcombe's paired 95 % interval and the exact one-sided
    McNemar p of SparseFool fooling more (:func:`sfutils.stats.paired_outcomes_difference`)."""
    pairs = sparsefool_rows[["id", "success"]].merge(random_rows[["id", "success"]], on="id", suffixes=("_sf", "_rnd"))
    if len(pairs) != len(sparsefool_rows) or len(pairs) != len(random_rows):
        raise ValueError(f"the random baseline must run on SparseFool's images: {len(pairs)} shared ids of "
                         f"{len(sparsefool_rows)} and {len(random_rows)}")
    d = stats.paired_outcomes_difference(pairs["success_sf"], pairs["success_rnd"])
    return {RANDOM_GAP: 100.0 * d.difference,
            **dict(zip(stats.ci_columns(RANDOM_GAP), (100.0 * d.lo, 100.0 * d.hi))), "McNemar p (gap > 0)": d.p_greater}


def table1(entries: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Table 1 with the paper's numbers beside ours.

    Each entry has ``dataset``, ``model`` (ours), ``paper_model`` (a model of :data:`sfutils.paper.TABLE1`),
    ``attack``, ``accuracy`` (ours, %), ``summary`` (:func:`summarize`) and optional ``notes``,
    ``paper_attack`` (the paper's cell to show beside a variant row, e.g. a sensitivity run; default
    ``attack``) and ``n_planned`` (the images the run will have when finished; default the summary's
    n): below it, the notes say how many are stored so far, and a claim judged on the row says that
    its run is not finished.
    """
    rows = []
    for e in entries:
        key, paper_attack = (e["dataset"], e["paper_model"]), e.get("paper_attack", e["attack"])
        if key not in paper.TABLE1 or paper_attack not in paper.TABLE1[key]:
            raise ValueError(f"no paper value for {key} / {paper_attack!r}")
        cell, s = paper.TABLE1[key][paper_attack], e["summary"]
        planned = e.get("n_planned", s["n"])
        stored = f"; {s['n']} of {planned} images stored so far" if s["n"] < planned else ""
        rows.append({
            "dataset": e["dataset"], "model (ours)": e["model"], "paper model": e["paper_model"],
            "attack": e["attack"], "n": s["n"], stats.N_PLANNED: planned, "acc % (ours)": e["accuracy"],
            "acc % (paper)": paper.TABLE1_ACCURACY[key], "fooling % (ours)": s["fooling"],
            "fooling % (paper)": cell.fooling, "median px % (ours)": s["pixels_pct"],
            "median px % all (ours)": s.get("pixels_pct_all", float("nan")), "median px % (paper)": cell.pixels_pct,
            "queries/image (ours)": s.get("queries", float("nan")), "s/image (ours)": s["seconds"],
            "s/image (paper)": cell.seconds, **interval_columns(s), "notes": e.get("notes", "") + stored,
            "record": s.get("record", ""),  # the per-sample record (sfutils.results.RECORD): claims.power reads it
        })
    return pd.DataFrame(rows)


def paired_on_images(runs: Mapping[str, tuple[pd.DataFrame, int]], seed: int, total: int) -> pd.DataFrame:
    """Per-image rows of several runs on one net, joined on the data-set image they attacked.

    ``runs`` maps a label to (per-sample rows, the run's ``n``): a run of ``n`` images attacked the
    seeded sorted subset :func:`sfutils.data._subset_indices` (``total``, ``n``, ``seed``) of the test
    set, so its row ``id`` i is data-set image ``subset[i]`` (runs of different ``n`` share images but
    not ids). Columns ``<label> success``, ``<label> pixels``, ``<label> queries``, indexed by the
    data-set image, for the images every run attacked."""
    frames = []
    for label, (df, n) in runs.items():
        image = _subset_indices(total, n, seed).numpy()[df["id"].to_numpy()]
        frames.append(pd.DataFrame({f"{label} success": df["success"].astype(bool).to_numpy(),
                                    f"{label} pixels": df["pixels"].to_numpy(dtype=float),
                                    f"{label} queries": (df["forward_evals"] + df["grad_evals"]).to_numpy(dtype=float)},
                                   index=pd.Index(image, name="image")))
    return pd.concat(frames, axis=1, join="inner")


TEST_IMAGES = {"mnist": 10_000, "cifar10": 10_000}  # the test sets the seeded subsets are drawn from


def table1_paired(entries: Sequence[Mapping[str, Any]], seed: int) -> pd.DataFrame:
    """§4.2's factors between a baseline and SparseFool on the same images (Table 1's runs, paired).

    Each entry has ``dataset``, ``model``, ``paper_model``, ``attack`` (the baseline's Table 1 row
    label), ``sparsefool`` and ``other`` ((rows, n) of each run, drawn from :data:`TEST_IMAGES`). Per entry and quantity (median
    perturbed pixels, mean queries): the baseline's statistic over SparseFool's on the images both
    attacks fool, with a seeded paired bootstrap 95 % interval that resamples those images
    (:func:`sfutils.stats.bootstrap_paired_ratio`); ``n`` is the images both attacked, ``n both
    fooled`` the pairs used; :data:`RECORD` and :data:`RECORD_DENOMINATOR` name the baseline's and
    SparseFool's per-sample records (empty when the rows came from no store)."""
    rows = []
    for e in entries:
        joined = paired_on_images({"sf": e["sparsefool"], "other": e["other"]}, seed, TEST_IMAGES[e["dataset"]])
        both = joined[joined["sf success"] & joined["other success"]]
        for quantity, column, statistic in (("median px", "pixels", "median"), ("queries/image", "queries", "mean")):
            a, b = both[f"other {column}"].to_numpy(), both[f"sf {column}"].to_numpy()
            fn = np.median if statistic == "median" else np.mean
            ratio = float(fn(a) / fn(b)) if len(both) else float("nan")
            lo, hi = stats.bootstrap_paired_ratio(a, b, statistic) if len(both) else (float("nan"),) * 2
            rows.append({"dataset": e["dataset"], "model (ours)": e["model"], "paper model": e["paper_model"],
                         "attack": e["attack"], "quantity": quantity, "n": len(joined), "n both fooled": len(both),
                         "ratio (paired)": ratio, "ratio (paired) lo": lo, "ratio (paired) hi": hi,
                         # the per-sample records (sfutils.results.RECORD) of the baseline and SparseFool:
                         # claims.power pairs them on the data-set image and simulates the power
                         RECORD: e["other"][0].attrs.get(RECORD, ""),
                         RECORD_DENOMINATOR: e["sparsefool"][0].attrs.get(RECORD, "")})
    return pd.DataFrame(rows)


SPREAD = "largest / smallest median px (paired)"
MEAN_MEDIAN = "mean of the medians px % (paired)"  # §4.2's "on average 0.21 %" over the nets


def table2_spread(rows: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """§4.2's "consistent among architectures": the largest over the smallest median perturbed pixels
    of the nets ``rows[model]`` (per-image rows of Table 2's runs on the same images), with its seeded
    bootstrap 95 % interval resampling the images (each attacked on every net), and the mean of the
    medians (§4.2's "on average") the same way: one row with ``models``, ``n`` (images every net
    ran), :data:`SPREAD` and :data:`MEAN_MEDIAN` with their intervals."""
    frames = {m: df.set_index(df["id"].astype(int)) for m, df in rows.items()}
    ids = sorted(set.intersection(*(set(df.index) for df in frames.values())))
    values = np.array([np.where(df.loc[ids, "success"].astype(bool), df.loc[ids, "pct"].astype(float), np.nan)
                       for df in frames.values()])
    spread, lo, hi = stats.bootstrap_paired_spread(values)
    mean, mean_lo, mean_hi = stats.bootstrap_paired_medians(values, lambda m: np.nanmean(m, axis=0))
    return pd.DataFrame([{"models": ", ".join(frames), "n": len(ids), SPREAD: spread,
                          **dict(zip(stats.ci_columns(SPREAD), (lo, hi))), MEAN_MEDIAN: mean,
                          **dict(zip(stats.ci_columns(MEAN_MEDIAN), (mean_lo, mean_hi)))}])


def table2(entries: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Table 2 (+ random baseline) with the paper's numbers beside ours.

    Each entry has ``model`` (ours), ``paper_model`` (a row of :data:`sfutils.paper.TABLE2`), ``accuracy``
    (%, on the images as the attacks feed them) and optional ``accuracy_n`` (how many images it is over),
    ``summary`` (SparseFool, :func:`summarize`, under Algorithm 2 with no cap an image reaches: every
    measure from the same runs), ``random`` (the random baseline's summary), optional ``random_gap``
    (:func:`random_gap`, the paired difference of the two fooling rates) and ``notes``,
    ``max_iter`` and ``reached_cap`` (the cap that stopped the runs and the images it stopped
    unfooled) and ``capped`` (cap -> :func:`summarize` of the same runs read at the authors' caps:
    20 in their ``sparsefool()``, 50 in their README and demo), a sensitivity column each.
    """
    rows = []
    for e in entries:
        if e["paper_model"] not in paper.TABLE2.index:
            raise ValueError(f"no paper value for {e['paper_model']!r}; known: {', '.join(paper.TABLE2.index)}")
        p, s = paper.TABLE2.loc[e["paper_model"]], e["summary"]
        rows.append({
            "model (ours)": e["model"], "paper model": e["paper_model"], "n": s["n"],
            "acc % (ours)": e["accuracy"], "acc n (ours)": e.get("accuracy_n", float("nan")),
            "acc % (paper)": p["accuracy"],
            "fooling % (ours)": s["fooling"], "fooling % (paper)": p["fooling"],
            "median px % (ours)": s["pixels_pct"], "median px % all (ours)": s.get("pixels_pct_all", float("nan")),
            "median px % (paper)": p["pixels_pct"], "queries/image (ours)": s.get("queries", float("nan")),
            "s/image (ours)": s["seconds"], "s/image (paper)": p["seconds"], **interval_columns(s),
            "random fooling % (ours)": e["random"]["fooling"], "random fooling % (paper)": p["random_fooling"],
            **dict(zip(stats.ci_columns("random fooling % (ours)"),
                       (e["random"].get("fooling_lo", float("nan")), e["random"].get("fooling_hi", float("nan"))))),
            **e.get("random_gap", {}),
            "max_iter (ours)": e.get("max_iter", float("nan")), "reached cap": e.get("reached_cap", float("nan")),
            **{col: v for cap, c in sorted(e.get("capped", {}).items())
               for col, v in zip((f"fooling % at cap {cap} (ours)", *stats.ci_columns(f"fooling % at cap {cap} (ours)")),
                                 (c["fooling"], c["fooling_lo"], c["fooling_hi"]))},
            "notes": e.get("notes", ""),
            "record": s.get("record", ""),  # the per-sample records (sfutils.results.RECORD): claims.power reads them
        })
    return pd.DataFrame(rows)


def l1_deepfool_table(entries: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """§2.2: DeepFool unclipped vs clipped to [0, 1], with the paper's VGG-16 numbers.

    Each entry has ``dataset``, ``model``, ``unclipped`` and ``clipped`` (the per-image rows of each,
    on the same images: ``id``, ``success``, ``pct``, ``invalid``), optional ``attack`` (default
    "l1-DeepFool"; §2.2 also says clipping barely matters to l2 DeepFool) and ``n_planned`` (the
    images its run will hold when finished, for a background job's; default: those it holds). Each fooling rate comes
    with its Wilson 95 % interval; ``fooling drop (points)`` is unclipped minus clipped over the same
    images, paired, with its seeded bootstrap 95 % interval (resampling images).
    """
    rows = []
    for e in entries:
        un, cl = e["unclipped"], e["clipped"]
        u, c = summarize(un), summarize(cl)
        paired = un[["id", "success"]].merge(cl[["id", "success"]], on="id", suffixes=("_u", "_c"))
        diff = paired["success_u"].astype(float) - paired["success_c"].astype(float)
        d_lo, d_hi = stats.bootstrap_interval(diff, "mean") if len(diff) else (float("nan"), float("nan"))
        rows.append({
            "dataset": e["dataset"], "model": e["model"], "attack": e.get("attack", "l1-DeepFool"), "n": u["n"],
            stats.N_PLANNED: e.get("n_planned", u["n"]), "fooling % unclipped": u["fooling"], "mean px % unclipped": u["mean_pixels_pct"],
            **dict(zip(stats.ci_columns("mean px % unclipped"),
                       (u.get("mean_pixels_pct_lo", float("nan")), u.get("mean_pixels_pct_hi", float("nan"))))),
            "median px % unclipped": u["pixels_pct"], "leaves [0,1] %": u["invalid_pct"],
            **dict(zip(stats.ci_columns("fooling % unclipped"), (u["fooling_lo"], u["fooling_hi"]))),
            "fooling % clipped": c["fooling"],
            **dict(zip(stats.ci_columns("fooling % clipped"), (c["fooling_lo"], c["fooling_hi"]))),
            "fooling drop (points)": 100.0 * float(diff.mean()) if len(diff) else float("nan"),
            **dict(zip(stats.ci_columns("fooling drop (points)"), (100.0 * d_lo, 100.0 * d_hi))),
            "paper (VGG-16 ImageNet)": PAPER_L2_CLIPPING if e.get("attack") == "DeepFool (l2)" else
            "{fooling:g}% at {mean_pixels_pct:g}% px; {fooling_clipped:g}% clipped".format(**paper.L1_DEEPFOOL),
        })
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    """Compute Table 1's one-pixel runs of a profile in the background, resumably (the records
    notebook 01 reads; in ``full`` the notebook does not compute them itself: hours on 2 cores)."""
    parser = argparse.ArgumentParser(description="Table 1's one-pixel attack to success (issue 25), resumably.")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--models", nargs="*", help="nets to run, in this order (default: the profile's, MNIST first)")
    args = parser.parse_args(argv)
    p = get_profile("01", args.profile)
    runs = {s.model: (s, kw) for s, kw in one_pixel_settings(p)}
    unknown = set(args.models or ()) - set(runs)
    if unknown:
        raise SystemExit(f"unknown nets {sorted(unknown)}; the profile's: {', '.join(runs)}")
    root = paths.results_root() / args.profile
    for model in args.models or runs:
        setting, kwargs = runs[model]
        df = attack_samples("one_pixel", setting, chunk_size=p.chunk_size, root=root, **kwargs)
        s = summarize(df)
        print(f"{model}: {int(df['success'].sum())} of {len(df)} fooled ({s['fooling']:.3g} %, Wilson 95 % "
              f"[{s['fooling_lo']:.3g}, {s['fooling_hi']:.3g}]), median {s['pixels']:g} pixels over the fooled "
              f"({s['pixels_pct']:.3g} % of the image)", flush=True)


if __name__ == "__main__":
    main()
