"""Beyond the paper: SparseFool next to the sparse attacks that came after it (notebook 06).

Every attack runs on the same models, images and machine, through one harness:

* the model is wrapped in :class:`CountingModel`, which counts samples forwarded and samples
  back-propagated, so library attacks get the same forward/backward accounting as ours;
* only images the model classifies correctly are attacked (the others are broken at k = 0);
* one L0 definition for all, recomputed by :func:`check_adversarials` from ``x_adv - x``:
  perturbed pixels (any channel changed, :func:`sfutils.metrics.perturbed_pixels`) and
  perturbed elements; values outside [0, 1] are counted (``out_of_range``) and then *clipped*,
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

import functools
import importlib.util
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from sfutils import metrics
from sfutils.device import default_device
from sfutils.attacks.deepfool_l1 import deepfool_l1
from sfutils.attacks.jsma import jsma
from sfutils.attacks.refine import refine_sparse
from sfutils.attacks.result import AttackResult
from sfutils.attacks.sparse_rs import sparse_rs
from sfutils.attacks.sparsefool import sparsefool
from sfutils.results import ResultStore, run_rows

# The paper's lambda per data set (§4.1): 1 for MNIST, 3 for CIFAR-10.
PAPER_LAMBDA = {"mnist": 1.0, "cifar10": 3.0}
MODEL_DATASET = {"lenet-mnist": "mnist", "resnet20-cifar10": "cifar10", "resnet20-cifar10-linf": "cifar10"}

AttackFn = Callable[[nn.Module, torch.Tensor, torch.Tensor, int], torch.Tensor]


class CountingModel(nn.Module):
    """``model`` unchanged, counting samples forwarded (``forwards``) and back-propagated
    (``backwards``: a gradient reaching the logits of a batch counts its samples once)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.forwards = 0
        self.backwards = 0
        self.train(model.training)

    def _count_backward(self, grad: torch.Tensor) -> None:
        self.backwards += grad.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        self.forwards += x.shape[0]
        if out.requires_grad:
            out.register_hook(self._count_backward)
        return out


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


def _sparse_rs(k: int, n_queries: int) -> AttackFn:
    return lambda model, x, y, seed: sparse_rs(model, x, y, k=k, n_queries=n_queries, seed=seed).adversarial


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
                   "fixed-budget", f"k={k} px, {b['rs_queries']} queries", {"k": int(k), "n_queries": b["rs_queries"]},
                   _sparse_rs(int(k), int(b["rs_queries"])), k=int(k))
        for k in b["rs_ks"]
    ]
    return specs


# --- evaluation: one L0 definition for every attack --------------------------------------------

def check_adversarials(model: nn.Module, x: torch.Tensor, y: torch.Tensor, x_adv: torch.Tensor) -> dict[str, torch.Tensor]:
    """Clip ``x_adv`` to [0, 1] (non-finite values restored to ``x``), re-classify it and measure L0.

    Returns ``adversarial`` (clipped), ``out_of_range`` (elements outside [0, 1] before
    clipping), ``success`` (label != ``y`` after clipping), ``pixels`` and ``elements`` changed.
    """
    if x_adv.shape != x.shape:
        raise ValueError(f"x_adv has shape {tuple(x_adv.shape)}, x has {tuple(x.shape)}")
    x_adv = x_adv.detach().to(x.device, x.dtype)
    finite = torch.isfinite(x_adv)
    out_of_range = (~finite | (x_adv < 0) | (x_adv > 1)).flatten(1).sum(dim=1)
    adv = torch.where(finite, x_adv, x).clamp(0, 1)
    with torch.no_grad():
        pred = model(adv).argmax(dim=1)
    delta = adv - x
    return {"adversarial": adv, "out_of_range": out_of_range, "success": pred != y.to(x.device),
            "pixels": metrics.perturbed_pixels(delta), "elements": metrics.perturbed_elements(delta)}


def _sparse_values(adv: torch.Tensor, x: torch.Tensor) -> list[dict[str, Any]]:
    """Per sample the flat indices where ``adv`` differs from ``x`` and ``adv``'s values there."""
    flat_a, flat_x = adv.detach().cpu().flatten(1), x.detach().cpu().flatten(1)
    out = []
    for a, b in zip(flat_a, flat_x):
        idx = (a != b).nonzero().squeeze(1)
        out.append({"adv_idx": idx.tolist(), "adv_val": a[idx].tolist()})
    return out


def rebuild_adversarials(x: torch.Tensor, df: pd.DataFrame) -> torch.Tensor:
    """The stored adversarials of rows ``df`` (one per image of ``x``): ``x`` with ``adv_val`` at ``adv_idx``."""
    if len(df) != x.shape[0]:
        raise ValueError(f"need one row per image: {len(df)} rows for {x.shape[0]} images")
    adv = x.detach().clone().flatten(1)
    for i, (idx, val) in enumerate(zip(df["adv_idx"], df["adv_val"])):
        if isinstance(idx, list) and idx:
            adv[i, torch.tensor(idx, dtype=torch.long, device=x.device)] = torch.tensor(val, dtype=x.dtype,
                                                                                     device=x.device)
    return adv.view_as(x)


def _rows(checked: dict[str, torch.Tensor], x: torch.Tensor, keep: bool) -> list[dict[str, Any]]:
    cols = {k: checked[k].cpu().tolist() for k in ("success", "pixels", "elements", "out_of_range")}
    rows = [{k: v[i] for k, v in cols.items()} for i in range(x.shape[0])]
    if keep:
        for row, extra in zip(rows, _sparse_values(checked["adversarial"], x)):
            row.update(extra)
    return rows


def _chunk_rows(correct: torch.Tensor, pos: list[int], attacked_rows: list[dict[str, Any]], seconds: float,
                counter: CountingModel, extra: Mapping[str, float] | None = None) -> list[dict[str, Any]]:
    """Rows of a chunk: attacked ones get the shared time and evaluation counts, the others none."""
    n_att = len(attacked_rows)
    shared = {"seconds": seconds / n_att, "forwards": counter.forwards / n_att,
              "backwards": counter.backwards / n_att, **(extra or {})} if n_att else {}
    it = iter(attacked_rows)
    return [{"correct": True, **next(it), **shared} if correct[p] else {"correct": False} for p in pos]


def _store(spec: AttackSpec, model_name: str, n: int, seed: int, root: str | Path | None, shard: int,
           num_shards: int) -> ResultStore:
    return ResultStore(f"06-{spec.name}", {"model": model_name, "n": n, "seed": seed, "attack": spec.name,
                                           "params": dict(spec.params)}, shard=shard, num_shards=num_shards, root=root)


def attack_rows(spec: AttackSpec, model_name: str, model: nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                seed: int = 0, chunk_size: int = 32, root: str | Path | None = None, shard: int = 0,
                num_shards: int = 1, progress: bool = True) -> pd.DataFrame:
    """Per-image rows of ``spec`` on ``model`` (named ``model_name``) for images ``x`` / labels ``y``.

    Stored under ``06-<spec.name>`` keyed by model, n, seed and the attack's parameters; only
    missing rows are computed. Columns: ``correct`` (clean), then for attacked images
    ``success``, ``pixels``, ``elements``, ``out_of_range``, ``seconds``, ``forwards`` and
    ``backwards`` (per image, shared within a chunk) and, if kept, ``adv_idx`` / ``adv_val``.
    Each chunk is seeded with ``seed + position of its first image`` (torch's global RNG too,
    for library attacks that draw from it).
    """
    if spec.refines is not None:
        raise ValueError(f"{spec.name} refines {spec.refines}: use refine_rows")
    if not spec.available():
        raise ImportError(f"{spec.label} needs the modules {', '.join(spec.requires)}: pip install -e '.[compare]'")
    store = _store(spec, model_name, x.shape[0], seed, root, shard, num_shards)
    with torch.no_grad():
        correct = (model(x).argmax(dim=1) == y).cpu()

    def compute(pos: list[int]) -> list[dict[str, Any]]:
        att = [p for p in pos if correct[p]]
        rows: list[dict[str, Any]] = []
        counter = CountingModel(model)
        seconds = 0.0
        if att:
            start = time.perf_counter()
            torch.manual_seed(seed + pos[0])
            x_adv = spec.run(counter, x[att], y[att], seed + pos[0])
            seconds = time.perf_counter() - start
            rows = _rows(check_adversarials(model, x[att], y[att], x_adv), x[att], spec.keep_adversarials)
        return _chunk_rows(correct, pos, rows, seconds, counter)

    return run_rows(store, compute, list(range(x.shape[0])), chunk_size, progress)


def refine_rows(spec: AttackSpec, base: AttackSpec, base_rows: pd.DataFrame, model_name: str, model: nn.Module,
                x: torch.Tensor, y: torch.Tensor, *, seed: int = 0, chunk_size: int = 32,
                root: str | Path | None = None, shard: int = 0, num_shards: int = 1,
                progress: bool = True) -> pd.DataFrame:
    """Rows of :func:`sfutils.attacks.refine.refine_sparse` applied to ``base``'s stored adversarials.

    ``seconds`` / ``forwards`` / ``backwards`` are the base attack's plus the refinement's
    (``refine_seconds`` alone beside them).
    """
    if spec.refines != base.name or not base.keep_adversarials:
        raise ValueError(f"{spec.name} must refine an attack that keeps its adversarials, got {base.name}")
    if len(base_rows) != x.shape[0]:
        raise ValueError(f"need the base attack's rows for all {x.shape[0]} images, got {len(base_rows)}")
    store = _store(spec, model_name, x.shape[0], seed, root, shard, num_shards)
    base_rows = base_rows.reset_index(drop=True)
    correct = torch.tensor(base_rows["correct"].astype(bool).to_numpy())

    def compute(pos: list[int]) -> list[dict[str, Any]]:
        att = [p for p in pos if correct[p]]
        rows: list[dict[str, Any]] = []
        counter = CountingModel(model)
        seconds = 0.0
        if att:
            b = base_rows.iloc[att]
            xa, ya = x[att], y[att]
            adv = rebuild_adversarials(xa, b)
            start = time.perf_counter()
            prior = AttackResult(
                adversarial=adv, perturbation=adv - xa, label=ya, adv_label=ya,
                success=torch.tensor(b["success"].astype(bool).to_numpy(), device=x.device),
                iterations=torch.zeros_like(ya), grad_evals=torch.zeros_like(ya), forward_evals=torch.zeros_like(ya))
            refined = refine_sparse(counter, xa, prior)
            seconds = time.perf_counter() - start
            rows = _rows(check_adversarials(model, xa, ya, refined.adversarial), xa, False)
            for row, (_, r) in zip(rows, b.iterrows()):
                row["base_seconds"], row["base_forwards"], row["base_backwards"] = (
                    r["seconds"], r["forwards"], r["backwards"])
        out = _chunk_rows(correct, pos, rows, seconds, counter)
        for row in out:
            if row["correct"]:
                row["refine_seconds"] = row["seconds"]
                row["seconds"] += row.pop("base_seconds")
                row["forwards"] += row.pop("base_forwards")
                row["backwards"] += row.pop("base_backwards")
        return out

    return run_rows(store, compute, list(range(x.shape[0])), chunk_size, progress)


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


def summarize(df: pd.DataFrame, spec: AttackSpec, k_report: int) -> dict[str, Any]:
    """One row of the comparison table for ``spec``'s rows ``df`` (see :func:`comparison_table`);
    robust accuracy at ``k_report`` pixels, or at its own budget for a fixed-budget attack."""
    att = df[df["correct"].astype(bool)]
    if att.empty:
        raise ValueError(f"{spec.name}: no correctly classified image was attacked")
    px, el = l0_with_failures(df), l0_with_failures(df, "elements")
    ok = att["success"].astype(bool)
    k = spec.k if spec.k is not None else k_report
    return {
        "attack": spec.label, "source": spec.source, "kind": spec.kind, "budget": spec.budget,
        "attacked": int(len(att)), "success %": 100.0 * ok.mean(),
        "median px": float(np.median(px)), "median elements": float(np.median(el)),
        "mean px (successes)": float(att.loc[ok, "pixels"].mean()) if ok.any() else math.nan,
        "robust acc %": float(robust_accuracy(df, [k])[0]), "at k px": k,
        "s/image": float(att["seconds"].mean()), "forwards/image": float(att["forwards"].mean()),
        "backwards/image": float(att["backwards"].mean()),
        "out of [0,1] %": 100.0 * (att["out_of_range"] > 0).mean(), "notes": spec.notes,
    }


def comparison_table(results: Mapping[str, Mapping[str, pd.DataFrame]], specs: Mapping[str, Sequence[AttackSpec]],
                     k_report: int = 10) -> pd.DataFrame:
    """Per model and attack: success %, median L0 (pixels and elements; failures = inf), robust
    accuracy at ``k_report`` pixels, s/image, forwards/backwards per image, budget and source.

    ``results[model][attack name]`` are rows of :func:`attack_rows` / :func:`refine_rows`;
    ``specs[model]`` the attack specs run on that model.
    """
    rows = []
    for model_name, per_attack in results.items():
        for spec in specs[model_name]:
            if spec.name in per_attack:
                df = per_attack[spec.name]
                clean = 100.0 * df["correct"].astype(bool).mean()
                rows.append({"model": model_name, "n": len(df), "clean acc %": clean, **summarize(df, spec, k_report)})
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=4)
def load_model_data(model_name: str, n: int, seed: int = 0) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """Model ``model_name`` and ``n`` test images of its data set drawn with ``seed`` (default device)."""
    from sfutils import data, models  # heavy imports only when real data is needed

    if model_name not in MODEL_DATASET:
        raise ValueError(f"unknown model {model_name!r} for this comparison; known: {', '.join(MODEL_DATASET)}")
    dev = default_device()
    model = models.get_model(model_name, device=dev)
    x, y = data.load_dataset(MODEL_DATASET[model_name], "test", n=n, seed=seed)
    return model, x.to(dev), y.to(dev)
