"""§4.2, last paragraph: SparseFool against an l∞-adversarially-trained network vs a standard one.

The paper attacks an l∞ adversarially trained CIFAR-10 ResNet-18 (82.17 % accuracy) and finds the
perturbations only slightly less sparse (2.44 % of the pixels vs 1.27 %) and faster to find
(0.3 s vs 0.69 s per image): l∞ training barely helps against sparse perturbations. Here both
nets go through the same resumable SparseFool runs as Table 1
(:func:`sfutils.experiments.common.attack_samples`, stored under ``sparsefool-cifar10-<model>``), so the
standard net's rows are shared with notebook 01 when its settings match.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sfutils import paper, stats
from sfutils.experiments.common import Setting, attack_samples, interval_columns, summarize
from sfutils.results import RECORD, RECORD_DENOMINATOR

# §4.2: the paper's standard ResNet-18 (Table 1) and its l∞ adversarially trained one (no fooling
# rate is given for the latter).
_R18 = paper.TABLE1[("cifar10", "ResNet-18")]["sparsefool"]
PAPER_ROBUSTNESS: dict[str, dict[str, float | str]] = {
    "standard": {"model": "ResNet-18", "accuracy": paper.TABLE1_ACCURACY[("cifar10", "ResNet-18")],
                 "fooling": _R18.fooling, "pixels_pct": _R18.pixels_pct, "seconds": _R18.seconds},
    "linf": {"model": "ResNet-18, l∞ adv. trained", "accuracy": paper.AT["accuracy"], "fooling": float("nan"),
             "pixels_pct": paper.AT["pixels_pct"], "seconds": paper.AT["seconds"]},
}


def model_unavailable(name: str) -> str | None:
    """Why registered model ``name`` cannot be loaded here (e.g. weights not trained yet), or ``None``."""
    from sfutils import models  # heavy import only when checked

    try:
        models.get_model(name)
    except (FileNotFoundError, ImportError, RuntimeError) as err:
        return str(err)
    return None


def training_record(name: str) -> dict[str, Any] | None:
    """The json ``python -m sfutils.train`` wrote next to ``name``'s weights (recipe, accuracies), if any."""
    from sfutils import models

    try:
        path, _ = models.weights_file(models.model_info(name))
    except (FileNotFoundError, ValueError):
        return None
    meta = path.with_suffix(".json")
    return json.loads(meta.read_text()) if meta.is_file() else None


def attack_models(nets: Mapping[str, str], n: int, seed: int = 0, lam: float = 3.0,
                  **kwargs: Any) -> dict[str, pd.DataFrame]:
    """SparseFool rows (one per image) for each role → registered CIFAR-10 model name in ``nets``
    (e.g. ``{"standard": "resnet20-cifar10", "linf": "resnet20-cifar10-linf"}``) on the same ``n``
    test images; ``kwargs`` (``chunk_size``, ``shard``, ``num_shards``, ``root``, ...) go to
    :func:`~sfutils.experiments.common.attack_samples`."""
    if not nets:
        raise ValueError("give at least one model to attack")
    return {role: attack_samples("sparsefool", Setting("cifar10", name, n, seed), lam=lam, **kwargs)
            for role, name in nets.items()}


def paired_ratio(standard: pd.DataFrame, robust: pd.DataFrame) -> float:
    """Median over images fooled on both nets of (perturbed pixels on the robust net) / (on the standard one)."""
    both = standard[["id", "success", "pixels"]].merge(robust[["id", "success", "pixels"]], on="id",
                                                        suffixes=("_std", "_rob"))
    both = both[both["success_std"].astype(bool) & both["success_rob"].astype(bool) & (both["pixels_std"] > 0)]
    return float(np.median(both["pixels_rob"] / both["pixels_std"])) if len(both) else float("nan")


def robustness_table(rows: Mapping[str, pd.DataFrame], nets: Mapping[str, str], notes: str = "") -> pd.DataFrame:
    """Our accuracy, fooling %, median perturbed pixels %, mean iterations and s/image for each role,
    next to the paper's (:data:`PAPER_ROBUSTNESS`)."""
    unknown = set(rows) - set(PAPER_ROBUSTNESS)
    if unknown:
        raise ValueError(f"no paper values for role(s) {sorted(unknown)}; known: {sorted(PAPER_ROBUSTNESS)}")
    out = []
    for role, df in rows.items():
        s, p = summarize(df), PAPER_ROBUSTNESS[role]
        out.append({
            "role": role, "model (ours)": nets[role], "paper model": p["model"], "n": s["n"],
            "acc % (ours)": s["accuracy"], "acc % (paper)": p["accuracy"],
            "fooling % (ours)": s["fooling"], "fooling % (paper)": p["fooling"],
            "median px % (ours)": s["pixels_pct"], "median px % (paper)": p["pixels_pct"],
            "mean iterations (ours)": s["iterations"], "queries/image (ours)": s["queries"],
            "s/image (ours)": s["seconds"], "s/image (paper)": p["seconds"], **interval_columns(s), "notes": notes,
            "record": s.get("record", ""),  # the per-sample record (sfutils.results.RECORD): claims.power reads it
        })
    return pd.DataFrame(out)


def common_fooled(rows: Mapping[str, pd.DataFrame], k: int) -> list[int]:
    """The first ``k`` image ids that every net's attack fooled (for side-by-side example grids)."""
    ids: set[int] | None = None
    for df in rows.values():
        ok = set(df.loc[df["success"].astype(bool), "id"].tolist())
        ids = ok if ids is None else ids & ok
    return sorted(ids or set())[:k]


def long_rows(rows: Mapping[str, pd.DataFrame], nets: Mapping[str, str], columns: Sequence[str] = ("id", "success", "pct",
              "pixels", "iterations")) -> pd.DataFrame:
    """All roles' rows in one long DataFrame with a ``net`` column (role: model name), for plotting."""
    return pd.concat([df[list(columns)].assign(net=f"{role}: {nets[role]}") for role, df in rows.items()],
                     ignore_index=True)


PAIRED_RATIO = "ratio (paired)"


def paired_table(standard: pd.DataFrame, robust: pd.DataFrame) -> pd.DataFrame:
    """§4.2's comparison of the robust and the standard net on the same images, paired: the median
    perturbed pixels (%) on the robust net over that on the standard one, over the images both
    attacks fooled, and the mean queries per image likewise, each with a seeded paired bootstrap
    95 % interval that resamples the images (:func:`sfutils.stats.bootstrap_paired_ratio`);
    :data:`~sfutils.results.RECORD` and :data:`~sfutils.results.RECORD_DENOMINATOR` name the robust and
    the standard net's per-sample records (empty when the rows came from no store)."""
    cols = ["id", "success", "pct", "forward_evals", "grad_evals"]
    both = standard[cols].merge(robust[cols], on="id", suffixes=("_std", "_rob"))
    for side in ("_std", "_rob"):
        both[f"queries{side}"] = both[f"forward_evals{side}"] + both[f"grad_evals{side}"]
    both = both[both["success_std"].astype(bool) & both["success_rob"].astype(bool)]
    out = []
    for quantity, column, statistic in (("median px %", "pct", "median"), ("queries/image", "queries", "mean")):
        a, b = both[f"{column}_rob"].to_numpy(dtype=float), both[f"{column}_std"].to_numpy(dtype=float)
        value = float(np.median(a) / np.median(b) if statistic == "median" else a.mean() / b.mean()) if len(a) \
            else float("nan")
        lo, hi = stats.bootstrap_paired_ratio(a, b, statistic) if len(a) else (float("nan"), float("nan"))
        out.append({"quantity": quantity, "statistic": f"{statistic} on the robust net / on the standard net",
                    "n": len(both), PAIRED_RATIO: value, **dict(zip(stats.ci_columns(PAIRED_RATIO), (lo, hi))),
                    # the per-sample records (sfutils.results.RECORD): claims.power pairs them and simulates the power
                    RECORD: robust.attrs.get(RECORD, ""), RECORD_DENOMINATOR: standard.attrs.get(RECORD, "")})
    return pd.DataFrame(out)
