"""Beyond the paper: SparseFool next to the sparse attacks that came after it (notebook 06).

Every attack runs on the same models, images and machine, through one harness:

* the model is wrapped in :class:`sfutils.attacks.counting.CountingModel`, which counts samples
  forwarded and samples back-propagated, so library attacks get the same forward/backward
  accounting as ours;
* only images the model classifies correctly are attacked (the others are broken at k = 0);
* one L0 definition for all, recomputed by :func:`check_adversarials` from ``x_adv - x``:
  perturbed pixels (any channel changed, :func:`sfutils.metrics.perturbed_pixels`) and
  perturbed elements; values outside [0, 1] are counted (``invalid``) and then *clipped*,
  and the clipped image is re-classified: an "adversarial" that does not change the label is a
  failure, and failures count as L0 = infinity.

Library attacks are imported from their packages (the ``compare`` extra: adv-lib 0.2.8,
foolbox 3.3.4, and torchattacks installed with ``--no-deps``), never re-typed here. Sparse-RS
(:mod:`sfutils.attacks.sparse_rs`) is this repo's own implementation from the paper's text, and
the greedy refinement (:mod:`sfutils.attacks.refine`) is NOT the paper's algorithm; both are
labelled as such. Times are wall times of batched chunks shared by their images (CPU, shared
machine), unlike the paper's one image at a time on a GPU.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from sfutils import metrics, stats
from sfutils.metrics import predict
from sfutils.attacks import AttackResult, deepfool_l1, jsma, refine_sparse, sparse_rs, sparsefool
from sfutils.attacks.counting import CountingModel, timed
from sfutils.experiments.common import Loader, Setting, rebuild_adversarials, summarize
from sfutils.harness import chunk_for, sparse_delta_rows, store_rows
from sfutils import paper
from sfutils.models import REGISTRY

# The paper's lambda per data set (§4.2): 1 for MNIST, 3 for CIFAR-10.
PAPER_LAMBDA = {k: v for k, v in paper.LAMBDA.items() if v is not None}
# The models this comparison can attack: every registered MNIST and CIFAR-10 net, with its data set.
MODEL_DATASET = {name: spec.dataset for name, spec in REGISTRY.items() if spec.dataset in ("mnist", "cifar10")}

AttackFn = Callable[[nn.Module, torch.Tensor, torch.Tensor, int], torch.Tensor]


@dataclass(frozen=True)
class AttackSpec:
    """One attack configuration: ``run(model, x, y, seed) -> x_adv`` plus what to report about it.

    ``kind`` is "minimum-norm" (a curve over pixel budgets) or "fixed-budget" (a point at ``k``);
    ``params`` (JSON-like) key the result store; ``requires`` names the modules it imports;
    ``refines`` names the attack whose stored adversarials it post-processes (see :func:`refine_rows`).
    """

    name: str
    label: str
    source: str
    kind: str
    budget: str
    params: Mapping[str, Any]
    run: AttackFn | None = None
    k: int | None = None
    requires: tuple[str, ...] = ()
    keep_adversarials: bool = False
    refines: str | None = None
    notes: str = field(default="")

    def available(self) -> bool:
        """Whether the modules the attack needs are installed."""
        return all(importlib.util.find_spec(module) is not None for module in self.requires)


# --- adapters: x_adv from each attack (library attacks imported lazily) -------------------------

def _ours(attack: Callable[..., AttackResult], **kwargs: Any) -> AttackFn:
    return lambda model, x, y, seed: attack(model, x, **kwargs).adversarial


def _jsma(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
    return jsma(model, x, seed=seed).adversarial


def _sparse_rs(k: int, queries: int) -> AttackFn:
    """Sparse-RS with a budget of ``queries`` queries: the start and ``queries - 1`` iterations."""
    return lambda model, x, y, seed: sparse_rs(model, x, k=k, max_iter=queries - 1, seed=seed).adversarial


def _adv_lib(name: str, **kwargs: Any) -> AttackFn:
    def run(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        from adv_lib import attacks

        return getattr(attacks, name)(model, x, y, **kwargs)
    return run


def _foolbox(name: str, **kwargs: Any) -> AttackFn:
    def run(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        import foolbox

        fmodel = foolbox.PyTorchModel(model, bounds=(0, 1), device=x.device)
        _, clipped, _ = getattr(foolbox.attacks, name)(**kwargs)(fmodel, x, y, epsilons=None)
        return clipped
    return run


def _brendel_bethge(steps: int) -> AttackFn:
    """foolbox's L0 Brendel-Bethge from foolbox's own default start (blended uniform noise, 50 steps);
    images without a start are returned unchanged (failures) instead of failing foolbox's assertion."""
    def run(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        import foolbox

        fmodel = foolbox.PyTorchModel(model, bounds=(0, 1), device=x.device)
        start = foolbox.attacks.LinearSearchBlendedUniformNoiseAttack(steps=50).run(fmodel, x, y)
        with torch.no_grad():
            ok = model(start).argmax(dim=1) != y
        adv = x.clone()
        if ok.any():
            attack = foolbox.attacks.L0BrendelBethgeAttack(steps=steps)
            _, adv[ok], _ = attack(fmodel, x[ok], y[ok], epsilons=None, starting_points=start[ok])
        return adv
    return run


def _torchattacks_sparsefool(**kwargs: Any) -> AttackFn:
    def run(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        import torchattacks

        return torchattacks.SparseFool(model, **kwargs)(x, y)
    return run


def attack_specs(dataset: str, budgets: Mapping[str, Any]) -> list[AttackSpec]:
    """Every attack of the comparison on ``dataset`` with the step/query ``budgets`` of a profile.

    ``budgets`` keys: ``lams`` (SparseFool's lambda sweep, including the paper's lambda, whose
    adversarials are kept for the refinement), ``sigma_zero_steps``,
    ``fmn_steps``, ``vfga_max_iter``, ``bb_steps``, ``ead_steps``, ``ead_search_steps``,
    ``ta_steps``, ``rs_ks`` (Sparse-RS pixel budgets), ``rs_queries``.
    """
    if dataset not in PAPER_LAMBDA:
        raise ValueError(f"unknown data set {dataset!r}; known: {', '.join(PAPER_LAMBDA)}")
    b = dict(budgets)
    missing = {"lams", "sigma_zero_steps", "fmn_steps", "vfga_max_iter", "bb_steps", "ead_steps",
               "ead_search_steps", "ta_steps", "rs_ks", "rs_queries"} - set(b)
    if missing:
        raise ValueError(f"budgets lack {sorted(missing)}")
    paper_lam = PAPER_LAMBDA[dataset]
    if paper_lam not in [float(lam) for lam in b["lams"]]:
        raise ValueError(f"lams {b['lams']} must include the paper's lambda {paper_lam:g} for {dataset}")
    specs = [
        AttackSpec(f"sparsefool-lam{lam:g}", f"SparseFool λ={lam:g}", "this repo (the paper's Alg. 2)",
                   "minimum-norm", "≤ 50 iterations", {"lam": float(lam)},
                   _ours(sparsefool, lam=float(lam)), keep_adversarials=float(lam) == paper_lam,
                   notes="paper's λ" if float(lam) == paper_lam else "")
        for lam in b["lams"]
    ]
    specs += [
        AttackSpec(f"sparsefool-lam{paper_lam:g}-refined", "SparseFool + refine (paper λ)",
                   "this repo, NOT the paper (greedy pixel restoring)", "minimum-norm",
                   f"λ={paper_lam:g}, + 1 forward per perturbed pixel", {"lam": paper_lam},
                   refines=f"sparsefool-lam{paper_lam:g}"),
        AttackSpec("jsma", "JSMA", "this repo (paper's baseline)", "minimum-norm", "≤ 10% of elements",
                   {"theta": 1.0, "gamma": 0.1}, _jsma),
        AttackSpec("deepfool-l1", "l1-DeepFool", "this repo (paper's §2.2 baseline)", "minimum-norm",
                   "≤ 50 iterations", {}, _ours(deepfool_l1), notes="unclipped; clipped here"),
        AttackSpec("sigma-zero", "σ-zero", "adv-lib 0.2.8 (Cinà et al., ICLR 2025)", "minimum-norm",
                   f"{b['sigma_zero_steps']} steps", {"num_steps": b["sigma_zero_steps"]},
                   _adv_lib("sigma_zero", num_steps=b["sigma_zero_steps"]), requires=("adv_lib",)),
        AttackSpec("fmn-l0", "FMN-L0", "adv-lib 0.2.8 (Pintor et al., 2021)", "minimum-norm",
                   f"{b['fmn_steps']} steps", {"norm": 0, "steps": b["fmn_steps"]},
                   _adv_lib("fmn", norm=0, steps=b["fmn_steps"]), requires=("adv_lib",)),
        AttackSpec("vfga", "VFGA", "adv-lib 0.2.8 (Hajri et al., 2022)", "minimum-norm",
                   f"≤ {b['vfga_max_iter']} iterations, 10 samples each", {"max_iter": b["vfga_max_iter"]},
                   _adv_lib("vfga", targeted=False, max_iter=b["vfga_max_iter"]), requires=("adv_lib",)),
        AttackSpec("brendel-bethge-l0", "Brendel-Bethge L0", "foolbox 3.3.4 (Brendel et al., 2019)", "minimum-norm",
                   f"{b['bb_steps']} steps (+ foolbox's default init)", {"steps": b["bb_steps"], "init": "blended-50"},
                   _brendel_bethge(b["bb_steps"]), requires=("foolbox", "numba"),
                   notes="no start found = failure"),
        AttackSpec("ead", "EAD (L1)", "foolbox 3.3.4 (Chen et al., 2018)", "minimum-norm",
                   f"{b['ead_search_steps']}×{b['ead_steps']} steps",
                   {"steps": b["ead_steps"], "binary_search_steps": b["ead_search_steps"]},
                   _foolbox("EADAttack", steps=b["ead_steps"], binary_search_steps=b["ead_search_steps"]),
                   requires=("foolbox",), notes="an l1 attack"),
        AttackSpec("torchattacks-sparsefool", "SparseFool, torchattacks (paper λ)",
                   "torchattacks (another implementation)", "minimum-norm", f"λ={paper_lam:g}, {b['ta_steps']} steps",
                   {"lam": paper_lam, "steps": b["ta_steps"]},
                   _torchattacks_sparsefool(lam=paper_lam, steps=b["ta_steps"]), requires=("torchattacks",)),
    ]
    specs += [
        AttackSpec(f"sparse-rs-k{k}", f"Sparse-RS k={k}", "this repo, from Croce et al. (2022)'s text",
                   "fixed-budget", f"k={k} px, {b['rs_queries']} queries", {"k": int(k), "queries": b["rs_queries"]},
                   _sparse_rs(int(k), int(b["rs_queries"])), k=int(k))
        for k in b["rs_ks"]
    ]
    return specs


# --- evaluation: one L0 definition for every attack --------------------------------------------

def check_adversarials(model: nn.Module, x: torch.Tensor, y: torch.Tensor, x_adv: torch.Tensor
                       ) -> tuple[AttackResult, torch.Tensor]:
    """Clip ``x_adv`` to [0, 1] (non-finite values restored to ``x``) and re-classify it.

    Returns the :class:`AttackResult` of the clipped adversarials against the labels ``y`` (the
    attacked images are classified correctly, so ``y`` is their clean label and ``success`` means
    the label changed) and, per image, the elements outside [0, 1] before clipping. The result's
    iteration and pass counts are zero: the harness counts passes with a :class:`CountingModel`.
    """
    if x_adv.shape != x.shape:
        raise ValueError(f"x_adv has shape {tuple(x_adv.shape)}, x has {tuple(x.shape)}")
    x_adv = x_adv.detach().to(x.device, x.dtype)
    finite = torch.isfinite(x_adv)
    invalid = (~finite | (x_adv < 0) | (x_adv > 1)).flatten(1).sum(dim=1)
    adv = torch.where(finite, x_adv, x).clamp(0, 1)
    zeros = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    result = AttackResult.from_adversarial(model, x, adv, y.to(x.device), iterations=zeros, grad_evals=zeros,
                                           forward_evals=zeros)
    return result, invalid


def _rows(result: AttackResult, invalid: torch.Tensor, keep: bool) -> list[dict[str, Any]]:
    """Per attacked image: ``success``, ``pixels``, ``elements``, ``invalid`` and, with ``keep``, the
    sparse perturbation of :func:`sfutils.harness.sparse_delta_rows`."""
    cols = {"success": result.success, "pixels": result.perturbed_pixels(),
            "elements": metrics.perturbed_elements(result.perturbation), "invalid": invalid}
    lists = {k: v.cpu().tolist() for k, v in cols.items()}
    rows = [{k: v[i] for k, v in lists.items()} for i in range(len(lists["success"]))]
    if keep:
        for row, delta in zip(rows, sparse_delta_rows(result)):
            row.update(delta_idx=delta["delta_idx"], delta_val=delta["delta_val"])
    return rows


def _chunk_rows(correct: torch.Tensor, pos: list[int], attacked_rows: list[dict[str, Any]], seconds: float,
                counter: CountingModel) -> list[dict[str, Any]]:
    """Rows of a chunk: attacked ones get the shared time and evaluation counts, the others none."""
    n_att = len(attacked_rows)
    shared = {"seconds": seconds / n_att, "forwards": counter.forwards / n_att,
              "backwards": counter.backwards / n_att} if n_att else {}
    it = iter(attacked_rows)
    return [{"correct": True, **next(it), **shared} if correct[p] else {"correct": False} for p in pos]


ChunkAttack = Callable[[CountingModel, torch.Tensor, torch.Tensor, list[int], list[int]], torch.Tensor]


def _checked_rows(spec: AttackSpec, setting: Setting, attack: ChunkAttack, *, chunk_size: int,
                  **options: Any) -> pd.DataFrame:
    """The rows of every attack of the comparison, through the one harness
    (:func:`sfutils.harness.store_rows`, ``options`` as there): per chunk (positions ``pos`` into the
    setting), ``attack(counter, x, y, pos, attacked)`` returns adversarials of the correctly
    classified images ``attacked`` through a :class:`CountingModel`; they are timed, checked by
    :func:`check_adversarials` and stored under ``checked-<spec.name>-<dataset>-<model>``, keyed by
    the setting and the attack's declared parameters."""
    correct: list[torch.Tensor] = []

    def chunk_rows(model: nn.Module, x: torch.Tensor, y: torch.Tensor, pos: list[int]) -> list[dict[str, Any]]:
        if not correct:
            correct.append(predict(model, x) == y.cpu())
        att = [p for p in pos if correct[0][p]]
        counter = CountingModel(model)
        rows: list[dict[str, Any]] = []
        seconds = 0.0
        if att:
            x_adv, seconds = timed(lambda: attack(counter, x, y, pos, att), x.device)
            rows = _rows(*check_adversarials(model, x[att], y[att], x_adv), spec.keep_adversarials)
        return _chunk_rows(correct[0], pos, rows, seconds, counter)

    return store_rows(f"checked-{spec.name}", setting, {"attack": spec.name, "params": dict(spec.params)}, chunk_rows,
                      chunk_size=chunk_for(setting.dataset, chunk_size), **options)


def attack_spec_rows(spec: AttackSpec, setting: Setting, *, load: Loader | None = None, chunk_size: int = 32,
                     root: str | Path | None = None, shard: int = 0, num_shards: int = 1,
                     progress: bool = True) -> pd.DataFrame:
    """Per-image rows of ``spec`` on ``setting`` (``load``, default
    :func:`sfutils.setting.load_setting`, runs only when rows are missing).

    Stored under ``checked-<spec.name>-<dataset>-<model>`` keyed by the setting and the attack's
    declared parameters (``spec.params``: library attacks' defaults are theirs to change); only
    missing rows are computed. Columns: ``correct`` (clean), then for attacked images
    ``success``, ``pixels``, ``elements``, ``invalid``, ``seconds``, ``forwards`` and
    ``backwards`` (per image, shared within a chunk) and, if kept, ``delta_idx`` / ``delta_val``.
    Each chunk is seeded with ``setting.seed + position of its first image`` (torch's global RNG
    too, for library attacks that draw from it).
    """
    if spec.refines is not None:
        raise ValueError(f"{spec.name} refines {spec.refines}: use refined_rows")
    if not spec.available():
        raise ImportError(f"{spec.label} needs the modules {', '.join(spec.requires)}: pip install -e '.[compare]'")

    def attack(counter: CountingModel, x: torch.Tensor, y: torch.Tensor, pos: list[int], att: list[int]
               ) -> torch.Tensor:
        torch.manual_seed(setting.seed + pos[0])
        return spec.run(counter, x[att], y[att], setting.seed + pos[0])

    return _checked_rows(spec, setting, attack, load=load, chunk_size=chunk_size, root=root, shard=shard,
                         num_shards=num_shards, progress=progress)


def refined_rows(spec: AttackSpec, base: AttackSpec, base_rows: pd.DataFrame, setting: Setting, *,
                 load: Loader | None = None, chunk_size: int = 32, root: str | Path | None = None, shard: int = 0,
                 num_shards: int = 1, progress: bool = True) -> pd.DataFrame:
    """Rows of :func:`sfutils.attacks.refine_sparse` applied to ``base``'s stored adversarials.

    ``seconds`` / ``forwards`` / ``backwards`` are the base attack's plus the refinement's
    (``refine_seconds`` alone beside them).
    """
    if spec.refines != base.name or not base.keep_adversarials:
        raise ValueError(f"{spec.name} must refine an attack that keeps its adversarials, got {base.name}")
    if len(base_rows) != setting.n:
        raise ValueError(f"need the base attack's rows for all {setting.n} images, got {len(base_rows)}")
    base_rows = base_rows.reset_index(drop=True)

    def attack(counter: CountingModel, x: torch.Tensor, y: torch.Tensor, pos: list[int], att: list[int]
               ) -> torch.Tensor:
        b = base_rows.iloc[att]
        xa, ya = x[att], y[att]
        adv = rebuild_adversarials(xa, b)
        zeros = torch.zeros_like(ya)
        prior = AttackResult(adversarial=adv, perturbation=adv - xa, label=ya, adv_label=ya,
                             success=torch.tensor(b["success"].astype(bool).to_numpy(), device=x.device),
                             iterations=zeros, grad_evals=zeros, forward_evals=zeros)
        return refine_sparse(counter, xa, result=prior).adversarial

    rows = _checked_rows(spec, setting, attack, load=load, chunk_size=chunk_size, root=root, shard=shard,
                         num_shards=num_shards, progress=progress)
    ok = rows["correct"].astype(bool)
    rows.loc[ok, "refine_seconds"] = rows.loc[ok, "seconds"]
    for column in ("seconds", "forwards", "backwards"):
        rows.loc[ok, column] += base_rows.loc[ok, column]
    return rows


# --- summaries ------------------------------------------------------------------------------

def l0_with_failures(df: pd.DataFrame, column: str = "pixels") -> np.ndarray:
    """``column`` of the attacked images with failures as infinity."""
    att = df[df["correct"].astype(bool)]
    vals = att[column].astype(float).to_numpy()
    return np.where(att["success"].astype(bool).to_numpy(), vals, np.inf)


def robust_accuracy(df: pd.DataFrame, ks: Sequence[int]) -> np.ndarray:
    """Robust accuracy (%) of all ``len(df)`` images for each pixel budget in ``ks``: clean-correct and
    no adversarial with at most k perturbed pixels found."""
    l0 = l0_with_failures(df)
    return np.array([100.0 * (l0 > k).sum() / len(df) for k in ks])


def comparison_row(df: pd.DataFrame, spec: AttackSpec, k_report: int) -> dict[str, Any]:
    """One row of the comparison table for ``spec``'s rows ``df`` (see :func:`comparison_table`): the
    measures of :func:`sfutils.experiments.common.summarize` over the attacked images (the success
    rate with its Wilson 95 % interval), the L0 with
    failures as infinity and robust accuracy at ``k_report`` pixels, or at its own budget for a
    fixed-budget attack."""
    att = df[df["correct"].astype(bool)]
    if att.empty:
        raise ValueError(f"{spec.name}: no correctly classified image was attacked")
    s = summarize(att)
    k = spec.k if spec.k is not None else k_report
    return {
        "attack": spec.label, "source": spec.source, "kind": spec.kind, "budget": spec.budget,
        "attacked": s["n"], "success %": s["fooling"],
        **dict(zip(stats.ci_columns("success %"), (s["fooling_lo"], s["fooling_hi"]))),  # Wilson, over the attacked
        "median px": float(np.median(l0_with_failures(df))),
        **stats.interval_columns("median px", l0_with_failures(df)),  # seeded bootstrap, read by sfutils.claims
        "median elements": float(np.median(l0_with_failures(df, "elements"))),
        "mean px (successes)": s["mean_pixels"], "robust acc %": float(robust_accuracy(df, [k])[0]), "at k px": k,
        "s/image": s["seconds"], "forwards/image": float(att["forwards"].mean()),
        "backwards/image": float(att["backwards"].mean()), "out of [0,1] %": s["invalid_pct"], "notes": spec.notes,
    }


PAIRED_RATIO = "SparseFool / this, median px (paired)"  # the paper's-λ SparseFool's median L0 over this attack's


def paired_to_sparsefool(df: pd.DataFrame, sparsefool_rows: pd.DataFrame) -> dict[str, float]:
    """SparseFool's (at the paper's λ) median L0 over this attack's, both with failures as infinity,
    on the images both attacked (the same ones), with the seeded paired bootstrap 95 % interval
    (:func:`sfutils.stats.bootstrap_paired_ratio`: images resampled together)."""
    def by_id(rows: pd.DataFrame) -> pd.Series:
        return pd.Series(l0_with_failures(rows), index=rows.loc[rows["correct"].astype(bool), "id"].astype(int))

    sf, other = by_id(sparsefool_rows), by_id(df)
    ids = sf.index.intersection(other.index)
    if ids.empty:
        return {}
    a, b = sf.loc[ids].to_numpy(), other.loc[ids].to_numpy()
    den = float(np.median(b))
    lo, hi = stats.bootstrap_paired_ratio(a, b, "median")
    return {PAIRED_RATIO: float(np.median(a)) / den if den > 0 else math.inf,
            **dict(zip(stats.ci_columns(PAIRED_RATIO), (lo, hi)))}


def comparison_table(results: Mapping[str, Mapping[str, pd.DataFrame]], specs: Mapping[str, Sequence[AttackSpec]],
                     k_report: int = 10) -> pd.DataFrame:
    """Per model and attack: success %, median L0 (pixels and elements; failures = inf), robust
    accuracy at ``k_report`` pixels, s/image, forwards/backwards per image, budget and source, and
    SparseFool's median L0 over the attack's on the same images (:func:`paired_to_sparsefool`).

    ``results[model][attack name]`` are rows of :func:`attack_spec_rows` / :func:`refined_rows`;
    ``specs[model]`` the attack specs run on that model.
    """
    rows = []
    for model_name, per_attack in results.items():
        dataset = MODEL_DATASET.get(model_name)  # a model of another data set (a test's toy) has no paper λ
        reference = per_attack.get(f"sparsefool-lam{PAPER_LAMBDA[dataset]:g}") if dataset else None
        for spec in specs[model_name]:
            if spec.name in per_attack:
                df = per_attack[spec.name]
                clean = 100.0 * df["correct"].astype(bool).mean()
                rows.append({"model": model_name, "n": len(df), "clean acc %": clean,
                             **comparison_row(df, spec, k_report),
                             **(paired_to_sparsefool(df, reference) if reference is not None else {})})
    return pd.DataFrame(rows)


def setting(model_name: str, n: int, seed: int = 0) -> Setting:
    """The :class:`~sfutils.experiments.common.Setting` of ``n`` test images of ``model_name``'s data set."""
    if model_name not in MODEL_DATASET:
        raise ValueError(f"unknown model {model_name!r} for this comparison; known: {', '.join(MODEL_DATASET)}")
    return Setting(MODEL_DATASET[model_name], model_name, n, seed)
