"""§4.2 "Perceptibility": SparseFool examples at three sparsity levels (Figs. 1 and 5) and the box
[x - delta, x + delta] (delta on the 0-255 scale) that trades sparsity for imperceptibility (Figs. 6-7).

Every attack runs through the one harness (:func:`sfutils.harness.attack_store`) under
``sparsefool-box-<dataset>-<model>``, one record per (setting, delta, SparseFool's effective
settings); rows carry the format of :func:`sfutils.harness.timed_rows`, whose sparse perturbation
:func:`sfutils.experiments.common.rebuild_adversarials` turns back into the images of the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sfutils.attacks.sparsefool import bounds, sparsefool
from sfutils import paper, stats
from sfutils.experiments import common
from sfutils.experiments.common import Loader, Setting, attack_samples
from sfutils.harness import attack_store
from sfutils.results import RECORD, RECORD_DENOMINATOR

# Fig. 7 of the paper (ResNet-101, ImageNet): perturbed pixels (%) at each delta of its first image, beside
# which our one image's row is shown (its second image, "amphibian", is in paper.FIG7_PIXELS_PCT too).
PAPER_FIG7: dict[str, dict[int, float]] = {"Arabian camel": paper.FIG7_PIXELS_PCT["Arabian camel"]}
# Fig. 6 / §4.2 "Perceptibility": beyond delta ~ 25 the median sparsity stays almost constant.
PAPER_PLATEAU_DELTA = paper.FIG6_PLATEAU_DELTA
# SparseFool's box keywords: set per chunk from delta (which keys the record instead).
BOX = ("lb", "ub")


def attack_box(setting: Setting, delta: float, *, lam: float = 3.0, shard: int = 0, num_shards: int = 1,
               chunk_size: int = 64, progress: bool = True, root: str | Path | None = None,
               load: Loader | None = None, compute: bool = True, upto: int | None = None, **kwargs: Any
               ) -> pd.DataFrame:
    """Per-sample rows of SparseFool restricted to ``bounds(x, delta)`` (§4.2, "Perceptibility") on ``setting``.

    ``kwargs`` go to :func:`sfutils.attacks.sparsefool`; rows are computed only when missing from
    the store (with ``compute`` False not at all; ``upto``: only the first ``upto`` samples) (``load``, default :func:`sfutils.setting.load_setting`, runs only then).
    delta = 255 is the plain attack on [0, 1], so it shares the record of
    :func:`sfutils.experiments.common.attack_samples` (other notebooks' runs are reused). The
    returned rows carry a ``delta`` column.
    """
    if not 0 < delta <= 255:
        raise ValueError(f"delta is on the 0-255 scale and must lie in (0, 255], got {delta}")
    if set(BOX) & set(kwargs):
        raise ValueError("the box comes from delta; do not pass lb/ub")
    delta = float(delta)
    options = dict(load=load, shard=shard, num_shards=num_shards, chunk_size=chunk_size, progress=progress, root=root,
                   compute=compute, upto=upto)
    if delta == 255:
        full = attack_samples("sparsefool", setting, lam=float(lam), **options, **kwargs)
        return full.assign(delta=delta, **{RECORD: full.attrs.get(RECORD, "")})  # each row names its record
    df = attack_store("sparsefool-box", sparsefool, setting, {"lam": float(lam), **kwargs},
                      key={"attack": "sparsefool", "delta": delta}, drop=BOX,
                      chunk_kwargs=lambda x: dict(zip(BOX, bounds(x, delta))), **options)
    return df.assign(delta=delta, **{RECORD: df.attrs.get(RECORD, "")})


def delta_sweep(setting: Setting, deltas: Sequence[float], **kwargs: Any) -> pd.DataFrame:
    """Fig. 6: the rows of :func:`attack_box` for every delta, stacked (``kwargs`` as there)."""
    if not deltas:
        raise ValueError("need at least one delta")
    return pd.concat([attack_box(setting, d, **kwargs) for d in deltas], ignore_index=True)


def sweep_summary(rows: pd.DataFrame, max_iter: int = 50) -> pd.DataFrame:
    """Per delta (descending, as Fig. 6 reads from the full range down): the sweep measures of
    :func:`sfutils.experiments.common.sweep_table` (runs stopped at ``max_iter``; when above the
    authors' demo cap of 50, the fooling rate read there too; medians over the images fooled at every
    delta) plus the median l-inf / l2 norm of the successful perturbations on the 0-255 scale."""
    by_delta = {float(d): g for d, g in rows.groupby("delta", sort=True)}
    table = common.sweep_table(by_delta, "delta", max_iter, caps=(50,) if max_iter > 50 else ())
    norms = [{"delta": d, "median_linf_255": 255 * float(g.loc[g["success"].astype(bool), "linf"].median()),
              "median_l2_255": 255 * float(g.loc[g["success"].astype(bool), "l2"].median())} for d, g in by_delta.items()]
    return table.merge(pd.DataFrame(norms), on="delta").sort_values("delta", ascending=False, ignore_index=True)


def delta_factors(rows: pd.DataFrame, reference: float = 255.0) -> pd.DataFrame:
    """Fig. 7's per-image factor: for each delta, the perturbed pixels of an image at that delta over
    its pixels at ``reference`` (the paper's one image: 0.169 % at 255, 0.839 % at 30, 3.202 % at
    10), over the images fooled at both (paired): ``n``, the median factor and its seeded bootstrap
    95 % interval (``factor_lo``/``factor_hi``), and the quartiles; where ``rows`` has a
    :data:`~sfutils.results.RECORD` column, the records of the delta and of ``reference``
    (:data:`~sfutils.results.RECORD_DENOMINATOR`), which claims.power reads to simulate the power."""
    ok = rows[rows["success"].astype(bool)]
    ref = ok[ok["delta"] == float(reference)].set_index("id")["pct"]
    out = []
    for delta in sorted(rows["delta"].unique()):
        if float(delta) == float(reference):
            continue
        g = ok[ok["delta"] == delta]
        both = g.set_index("id")["pct"].reindex(ref.index).dropna()
        f = (both / ref.loc[both.index]).to_numpy()
        lo, hi = stats.bootstrap_interval(f, "median") if len(f) else (float("nan"), float("nan"))
        out.append({"delta": float(delta), "n": len(f), "factor": float(np.median(f)) if len(f) else float("nan"),
                    "factor_lo": lo, "factor_hi": hi,
                    "factor_q1": float(np.quantile(f, 0.25)) if len(f) else float("nan"),
                    "factor_q3": float(np.quantile(f, 0.75)) if len(f) else float("nan"),
                    **{col: _record_at(rows, d) for col, d in ((RECORD, delta), (RECORD_DENOMINATOR, reference))
                       if RECORD in rows.columns}})
    named = [RECORD, RECORD_DENOMINATOR] if RECORD in rows.columns else []
    return pd.DataFrame(out, columns=["delta", "n", "factor", "factor_lo", "factor_hi", "factor_q1", "factor_q3",
                                      *named]).sort_values("delta", ascending=False, ignore_index=True)


def with_planned(table: pd.DataFrame, stored: dict[str, int], planned: dict[str, int]) -> pd.DataFrame:
    """``table`` (rows with a ``dataset`` column) with each row's :data:`sfutils.stats.N_PLANNED`
    (:func:`sfutils.experiments.common.planned_column`): the data set's ``planned`` images while every
    δ holds only ``stored`` of them (a background job still computing them, so that
    :mod:`sfutils.claims` does not judge them yet), NaN once finished."""
    parts = [g.assign(**{stats.N_PLANNED: common.planned_column(g.index, stored[ds], planned[ds])})
             for ds, g in table.groupby("dataset", sort=False)]
    return pd.concat(parts, ignore_index=True) if parts else table


PLATEAU_SLOPES = "slope ratio (above / below the knee)"


def plateau_slopes(rows: pd.DataFrame, low: float = 10.0, knee: float = 30.0, high: float = 255.0) -> pd.DataFrame:
    """§4.2 on Fig. 6 ("after δ ≈ 25, the sparsity levels seem to remain almost constant"), tested
    as a flattening, paired by image: on the images fooled at ``low``, ``knee`` and ``high``, the
    log-log slope of perturbed pixels against δ above the knee (median over images of
    log(px_knee / px_high), over log(high / knee)) divided by the slope below it (median of
    log(px_low / px_knee), over log(knee / low)); 0 is a flat curve above the knee, 1 a straight
    one. One row: ``n``, the ratio and its seeded bootstrap 95 % interval resampling whole images
    (every δ of an image moves together)."""
    ok = rows[rows["success"].astype(bool)]
    px = {d: ok[ok["delta"] == float(d)].set_index("id")["pct"] for d in (low, knee, high)}
    ids = px[low].index.intersection(px[knee].index).intersection(px[high].index)
    above = np.log(px[knee].loc[ids].to_numpy() / px[high].loc[ids].to_numpy()) / np.log(high / knee)
    below = np.log(px[low].loc[ids].to_numpy() / px[knee].loc[ids].to_numpy()) / np.log(knee / low)

    def ratio(idx: np.ndarray) -> np.ndarray:
        return np.median(above[idx], axis=1) / np.median(below[idx], axis=1)

    value, (lo, hi) = (float("nan"), (float("nan"), float("nan"))) if not len(ids) else (
        float(np.median(above) / np.median(below)),
        stats.bootstrap_interval(np.arange(len(ids)), lambda d: ratio(d.astype(int))))
    lo_col, hi_col = stats.ci_columns(PLATEAU_SLOPES)
    return pd.DataFrame([{"low": low, "knee": knee, "high": high, "n": len(ids), PLATEAU_SLOPES: value,
                          lo_col: lo, hi_col: hi}])


PAIRED_COST = "queries ratio (paired)"


def paired_cost(rows: pd.DataFrame, delta: float = 30.0, reference: float = 255.0) -> pd.DataFrame:
    """§4.2 ("the time per image stays constant" from δ ≈ 25 on), paired by image: the mean queries
    per image (forward and gradient passes) at ``delta`` over those at ``reference``, on the images
    attacked at both, with a seeded paired bootstrap 95 % interval resampling the images
    (:func:`sfutils.stats.bootstrap_paired_ratio`). One row: ``n_cost``, the ratio and, where ``rows``
    has a :data:`~sfutils.results.RECORD` column, the records of ``delta`` and of ``reference``
    (:data:`~sfutils.results.RECORD_DENOMINATOR`), which claims.power reads to simulate the power."""
    q = rows.assign(queries=rows["grad_evals"] + rows["forward_evals"])
    at = {d: q[q["delta"] == float(d)].set_index("id")["queries"] for d in (delta, reference)}
    ids = at[delta].index.intersection(at[reference].index)
    a, b = at[delta].loc[ids].to_numpy(float), at[reference].loc[ids].to_numpy(float)
    lo_col, hi_col = stats.ci_columns(PAIRED_COST)
    value, (lo, hi) = (float("nan"), (float("nan"), float("nan"))) if not len(ids) else (
        float(a.mean() / b.mean()), stats.bootstrap_paired_ratio(a, b, "mean"))
    named = {col: _record_at(rows, d) for col, d in ((RECORD, delta), (RECORD_DENOMINATOR, reference))
             if RECORD in rows.columns}
    return pd.DataFrame([{"cost delta": delta, "n_cost": len(ids), PAIRED_COST: value, lo_col: lo, hi_col: hi,
                          **named}])


def _record_at(rows: pd.DataFrame, delta: float) -> str:
    """The one per-sample record that ``rows``' column :data:`~sfutils.results.RECORD` names at
    ``delta`` ("" when none or several)."""
    names = set(rows.loc[rows["delta"] == float(delta), RECORD].dropna().astype(str))
    return names.pop() if len(names) == 1 else ""


def pick_by_sparsity(rows: pd.DataFrame, levels: int = 3, per_level: int = 1) -> list[list[int]]:
    """Figs. 1 and 5: positions in ``rows`` of fooled samples from ``levels`` sparsity levels.

    The fooled samples, sorted by perturbed pixels, are split into ``levels`` equal groups (highly
    sparse to dense); from each group ``per_level`` samples spread evenly over it are taken.
    """
    if levels < 1 or per_level < 1:
        raise ValueError(f"levels and per_level must be positive, got {levels} and {per_level}")
    ok = np.flatnonzero(rows["success"].to_numpy(dtype=bool))
    if len(ok) < levels:
        raise ValueError(f"need at least {levels} fooled samples, got {len(ok)}")
    order = ok[np.argsort(rows["pct"].to_numpy()[ok], kind="stable")]
    picks = []
    for group in np.array_split(order, levels):
        at = np.unique(np.linspace(0, len(group) - 1, min(per_level, len(group))).round().astype(int))
        picks.append(group[at].tolist())
    return picks


def common_example(rows: pd.DataFrame, deltas: Sequence[float]) -> int:
    """Fig. 7: the id of a sample fooled at every one of ``deltas`` whose sparsity at the largest
    delta is the median among such samples (a typical image, not a lucky one)."""
    wanted = rows[rows["delta"].isin([float(d) for d in deltas])]
    fooled = wanted[wanted["success"].astype(bool)].groupby("id")["delta"].nunique()
    ids = fooled.index[fooled == len(set(deltas))]
    if len(ids) == 0:
        raise ValueError(f"no sample is fooled at every delta of {list(deltas)}")
    top = wanted[(wanted["delta"] == float(max(deltas))) & wanted["id"].isin(ids)].sort_values(["pct", "id"])
    return int(top["id"].iloc[(len(top) - 1) // 2])


def paper_fig7_table(rows: pd.DataFrame, sample_id: int, class_names: Sequence[str],
                     deltas: Sequence[float]) -> pd.DataFrame:
    """Fig. 7's numbers (fooling label and perturbed pixels % per delta) for ``sample_id`` beside
    the paper's two ResNet-101 images."""
    mine = rows[rows["id"] == sample_id].set_index("delta")
    out = []
    for d in deltas:
        r = mine.loc[float(d)]
        out.append({"delta": d, "ours: fooling label": class_names[int(r["adv_label"])],
                    "ours: pixels %": float(r["pct"]), "ours: l-inf (0-255)": 255 * float(r["linf"]),
                    **{f"paper {name}: pixels %": vals.get(int(d), float("nan")) for name, vals in PAPER_FIG7.items()}})
    return pd.DataFrame(out)
