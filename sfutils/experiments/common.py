"""The core every experiment module (one per section notebook) shares.

* **Attacks into the store**: :func:`attack_samples` stores the per-sample rows of any attack of
  :mod:`sfutils.attacks` on a :class:`~sfutils.setting.Setting`, resumably, through the one harness
  :mod:`sfutils.harness` (records shared by every notebook that attacks the same setting alike);
  :func:`accuracy` stores a setting's clean predictions.
* **The sparse-delta format** of :func:`sfutils.harness.sparse_delta_rows`:
  :func:`rebuild_adversarials` turns stored rows back into adversarial images.
* **Summaries**: :func:`summarize`, the paper's measures (§4.1) over stored rows, and
  :func:`interval_columns`, their 95 % intervals under the tables' column names; :func:`at_cap`
  reads a run at a smaller iteration cap, and :func:`sweep_table` summarises a sweep (Figs. 4, 6)
  run on one image set, with the medians over the images every setting fools (paired).

One meaning per word across the experiments: ``chunk_size`` is how many samples an attack call
gets and the store appends at once (what a killed run loses at most); ``batch_size`` (an attack's
or :func:`sfutils.metrics.predict`'s) is how many images one forward pass carries, memory only;
``max_iter`` bounds an attack's iterations; a query budget (``rs_queries``) counts forward passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from sfutils import stats
from sfutils.attacks import ATTACKS
from sfutils.harness import attack_store, store_rows
from sfutils.metrics import predict
from sfutils.results import RECORD
from sfutils.setting import Loader, Setting


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


def attack_samples(attack: str, setting: Setting, *, shard: int = 0, num_shards: int = 1, chunk_size: int = 64,
                   progress: bool = True, root: str | Path | None = None, load: Loader | None = None,
                   compute: bool = True, upto: int | None = None, **kwargs: Any) -> pd.DataFrame:
    """Per-sample rows (:func:`sfutils.harness.timed_rows`) of ``attack`` (a key of
    :data:`sfutils.attacks.ATTACKS`, called with ``kwargs``) on ``setting``.

    Stored under ``<attack>-<dataset>-<model>`` keyed by the setting and the attack's effective
    settings (:func:`sfutils.harness.attack_store`), computed only when missing (``load``, default
    :func:`sfutils.setting.load_setting`, is called only then); the other options are those of
    :func:`sfutils.harness.store_rows` (with ``compute`` False, only the rows stored so far; ``upto``:
    only the first ``upto`` samples). A
    seeded attack is seeded per chunk from ``setting.seed``.
    """
    if attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack!r}; known: {', '.join(ATTACKS)}")
    return attack_store(attack, ATTACKS[attack], setting, kwargs, key={"attack": attack}, chunk_size=chunk_size,
                        load=load, shard=shard, num_shards=num_shards, root=root, progress=progress,
                        compute=compute, upto=upto)


def accuracy(setting: Setting, *, chunk_size: int = 256, progress: bool = False, root: str | Path | None = None,
             load: Loader | None = None) -> float:
    """Top-1 accuracy (a fraction, as :func:`sfutils.accuracy.accuracy`) of the setting's model on its
    ``n`` images, stored per image under ``accuracy-<dataset>-<model>``."""
    def chunk_rows(model: nn.Module, x: torch.Tensor, y: torch.Tensor, pos: list[int]) -> list[dict[str, Any]]:
        return [{"correct": bool(c)} for c in (predict(model, x[pos]) == y[pos].cpu()).tolist()]

    df = store_rows("accuracy", setting, {}, chunk_rows, load=load, chunk_size=chunk_size, root=root,
                    progress=progress)
    return float(df["correct"].astype(bool).mean())


def summarize(df: pd.DataFrame) -> dict[str, Any]:
    """The paper's measures (§4.1) over per-sample rows, rates in %: fooling rate, median perturbed
    pixels (% and count) over fooled samples (and ``pixels_pct_all``, the median with failures
    counted as ∞), mean iterations, the share fooled in one iteration (``one_step``), mean queries
    (forward + gradient passes) and seconds per image, the clean accuracy of the sample and the
    share of adversarials leaving [0, 1], with the Wilson 95 % interval of the fooling rate and the
    seeded bootstrap 95 % intervals of the median and mean pixels %, the mean queries and the mean
    seconds (``*_lo``, ``*_hi``). A measure whose column the rows lack is NaN. ``record`` names the
    stored record the rows came from (their ``attrs``, :data:`sfutils.results.RECORD`; '' when they
    were not loaded from one), so that :mod:`sfutils.claims.power` can read their per-image values."""
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
    mean_lo, mean_hi = ci("pct", "mean", ok)
    queries = df["forward_evals"] + df["grad_evals"] if {"forward_evals", "grad_evals"} <= set(df) else None
    q_lo, q_hi = stats.bootstrap_interval(queries, "mean") if queries is not None else (float("nan"),) * 2
    fool_lo, fool_hi = stats.wilson(int(ok.sum()), len(df))
    return {
        "record": str(df.attrs.get(RECORD, "")),
        "n": int(len(df)), "accuracy": 100.0 * over("correct", "mean"), "fooling": 100.0 * ok.mean(),
        "pixels_pct": over("pct", "median", ok), "mean_pixels_pct": over("pct", "mean", ok),
        "pixels_pct_all": stats.median_with_failures(df["pct"], ok) if "pct" in df else float("nan"),
        "pixels": over("pixels", "median", ok), "mean_pixels": over("pixels", "mean", ok),
        "iterations": over("iterations", "mean"), "seconds": over("seconds", "mean"),
        "one_step": 100.0 * float((ok & (df["iterations"] <= 1)).mean()) if "iterations" in df else float("nan"),
        "queries": float(queries.mean()) if queries is not None else float("nan"),
        "invalid_pct": 100.0 * (df["invalid"] > 0).mean() if "invalid" in df else float("nan"),
        "fooling_lo": 100.0 * fool_lo, "fooling_hi": 100.0 * fool_hi,
        "pixels_pct_lo": px_lo, "pixels_pct_hi": px_hi, "seconds_lo": s_lo, "seconds_hi": s_hi,
        "mean_pixels_pct_lo": mean_lo, "mean_pixels_pct_hi": mean_hi, "queries_lo": q_lo, "queries_hi": q_hi,
    }


def interval_columns(summary: Mapping[str, float]) -> dict[str, float]:
    """The 95 % intervals of a :func:`summarize` result under the names the tables give them
    (``"median px % (ours) lo"`` etc., :func:`sfutils.stats.ci_columns`), read by :mod:`sfutils.claims`."""
    nan = float("nan")  # a summary written without intervals gives empty interval cells
    pairs = {"fooling % (ours)": "fooling", "median px % (ours)": "pixels_pct", "s/image (ours)": "seconds",
             "queries/image (ours)": "queries"}
    return {col: summary.get(f"{key}_{end}", nan) for name, key in pairs.items()
            for col, end in zip(stats.ci_columns(name), ("lo", "hi"))}


def at_cap(rows: pd.DataFrame, cap: int) -> pd.DataFrame:
    """``rows`` of an iterative attack read at the smaller iteration cap ``cap``: an image fooled
    within ``cap`` iterations keeps its row, any other is a failure that ran ``cap`` iterations
    (its queries past the cap are not recorded: read them over fooled images). Exact for Algorithm 2: its cap
    only stops the loop, so a run with cap ``cap`` follows the same path up to there (same inputs,
    same chunk, same round-off); ``sfutils.experiments.budget`` and ``tests/test_budget.py`` check it.
    Rows that combine two runs (Table 2's protocol, :func:`sfutils.experiments.budget.deciding_rows`)
    carry ``unfooled_through``: an image the first run left unfooled up to that cap stays a failure
    at every cap up to it, read from that run, not from its rerun."""
    fooled = rows["success"].astype(bool) & (rows["iterations"] <= cap)
    if "unfooled_through" in rows:  # NaN: a row of a run that was not rerun (e.g. stacked with Table 2's)
        fooled &= ~(rows["unfooled_through"] >= cap)
    return rows.assign(success=fooled, iterations=rows["iterations"].clip(upper=cap))


def reached_cap(rows: pd.DataFrame, cap: int) -> list[int]:
    """The ids of the images ``rows`` leave unfooled after ``cap`` iterations (the cap stopped them)."""
    stuck = ~rows["success"].astype(bool) & (rows["iterations"] >= cap)
    return [int(i) for i in rows.loc[stuck, "id"]]


def sweep_table(rows: Mapping[float, pd.DataFrame], key: str, max_iter: int, caps: Sequence[int] = ()
                ) -> pd.DataFrame:
    """One row per setting ``rows[value]`` of a sweep over ``key`` (lambda for Fig. 4, delta for
    Fig. 6) on one image set: ``max_iter`` (the cap that stopped the runs), ``reached_cap`` (images it
    stopped unfooled), the measures of :func:`summarize`, the fooling rate read at each smaller cap of
    ``caps`` (``fooling_capC`` with its Wilson interval, :func:`at_cap`), and ``n_common`` /
    ``pixels_pct_common`` (+ bootstrap ``_lo``/``_hi``): the median perturbed pixels over the images
    fooled at every setting, so that a trend compares the same images. A setting with no rows yet (a
    background job still computing it) gets ``n`` = 0 and no measures, and takes no part in the
    common images."""
    common_ids: set[int] | None = None
    for df in rows.values():
        if len(df):
            ids = set(df.loc[df["success"].astype(bool), "id"].astype(int))
            common_ids = ids if common_ids is None else common_ids & ids
    out = []
    for value, df in rows.items():
        if not len(df):
            out.append({key: float(value), "max_iter": int(max_iter), "n": 0})
            continue
        ok = df[df["id"].astype(int).isin(common_ids or set()) & df["success"].astype(bool)]
        lo, hi = stats.bootstrap_interval(ok["pct"], "median") if len(ok) else (float("nan"), float("nan"))
        capped = {}
        for cap in caps:
            s = summarize(at_cap(df, cap))
            capped.update({f"fooling_cap{cap}": s["fooling"], f"fooling_cap{cap}_lo": s["fooling_lo"],
                           f"fooling_cap{cap}_hi": s["fooling_hi"]})
        out.append({key: float(value), "max_iter": int(max_iter), "reached_cap": len(reached_cap(df, max_iter)),
                    **summarize(df), **capped, "n_common": len(ok),
                    "pixels_pct_common": float(ok["pct"].median()) if len(ok) else float("nan"),
                    "pixels_pct_common_lo": lo, "pixels_pct_common_hi": hi})
    return pd.DataFrame(out).astype({"n": int})


TAU = "mean per-image τ"  # the statistic of :func:`sweep_trends`, its interval in :func:`sfutils.stats.ci_columns`
P_RISING, P_FALLING = "one-sided Wilcoxon p (rising)", "one-sided Wilcoxon p (falling)"  # its tests' p-values
# Per-image measures of a sweep's trends: (value of a row, over the images fooled at every setting only).
TREND_MEASURES: dict[str, tuple[Callable[[pd.DataFrame], pd.Series], bool]] = {
    "fooling": (lambda df: df["success"].astype(float), False),
    "one_step": (lambda df: (df["success"].astype(bool) & (df["iterations"] <= 1)).astype(float), False),
    "pixels": (lambda df: df["pct"].astype(float), True),
    "iterations": (lambda df: df["iterations"].astype(float), True),
    "queries": (lambda df: (df["forward_evals"] + df["grad_evals"]).astype(float), True),
}


def sweep_trends(rows: Mapping[float, pd.DataFrame], key: str, caps: Sequence[int | None] = (None,),
                 measures: Sequence[str] = tuple(TREND_MEASURES)) -> pd.DataFrame:
    """Each measure's trend over a sweep (Fig. 4's lambda, Fig. 6's delta) measured within each image,
    paired: :func:`sfutils.stats.paired_trend` of the per-image values against the setting, on the
    images every setting has run (``images``), read at each iteration cap of ``caps`` (:func:`at_cap`;
    None: as run). Fooling and one-step solutions count every image (1 or 0 per setting); pixels,
    iterations and queries the ``n`` images fooled at every setting (a failure has no pixel count,
    and its iterations and queries past the cap are not recorded). One row per measure: ``cap``,
    ``measure``, ``settings``, ``images``, ``n``, :data:`TAU` with its bootstrap interval and the
    one-sided Wilcoxon p-values. Empty when a setting has no rows yet (a job still computing it)."""
    if len(rows) < 2 or any(not len(df) for df in rows.values()):
        return pd.DataFrame()
    return pd.DataFrame([row for cap in caps for row in _trend_rows(rows, cap, measures)])


def _trend_rows(rows: Mapping[float, pd.DataFrame], cap: int | None, measures: Sequence[str]) -> list[dict[str, Any]]:
    settings = sorted(float(v) for v in rows)
    read = {float(v): (at_cap(df, cap) if cap is not None else df).set_index(df["id"].astype(int))
            for v, df in rows.items()}
    ids = sorted(set.intersection(*(set(df.index) for df in read.values())))
    fooled_everywhere = [i for i in ids if all(bool(read[v].at[i, "success"]) for v in settings)]
    out = []
    for name in measures:
        value, fooled_only = TREND_MEASURES[name]
        use = fooled_everywhere if fooled_only else ids
        row = {"cap": cap if cap is not None else "as run", "measure": name,
               "settings": ", ".join(f"{v:g}" for v in settings), "images": len(ids), "n": len(use)}
        if use:
            values = np.column_stack([value(read[v].loc[use]).to_numpy() for v in settings])
            t = stats.paired_trend(settings, values)
            row.update({TAU: t.tau, **dict(zip(stats.ci_columns(TAU), (t.lo, t.hi))),
                        P_RISING: t.p_rising, P_FALLING: t.p_falling})
        out.append(row)
    return out


def planned_column(index: pd.Index, stored: int, planned: int) -> pd.Series:
    """The :data:`sfutils.stats.N_PLANNED` column of rows computed from runs that hold ``stored`` of
    their ``planned`` images: ``planned`` while the runs are unfinished (a background job still
    computing them), so that :mod:`sfutils.claims` calls them "not run yet"; empty (NaN) once they
    are finished, since a row over a subset (e.g. the images fooled at every setting) is then final."""
    return pd.Series(float(planned) if stored < planned else float("nan"), index=index)

