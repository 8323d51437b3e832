"""ImageNet as the paper runs it: Algorithm 2 with no cap that an image reaches, on one image set.

The paper's ImageNet experiments (§2.2's l1-DeepFool, Fig. 4's lambda sweep, Fig. 6's delta sweep,
Table 2's random baseline) run here on the stand-in EfficientNet-Lite0, on Table 2's images (the
``full`` profile: 100 images at a 224 crop, seed 0), so that every trend is a paired comparison
on the same images:

* **Fig. 4 and Fig. 6** run SparseFool with ``max_iter`` = :data:`UNCAPPED` (1000). Algorithm 2 has
  no cap; the authors' ``sparsefool()`` stops at 20 and their README and demo at 50. An image that
  reaches 1000 is counted a failure (:func:`sfutils.experiments.common.reached_cap`). Each row
  records the iteration an image was fooled at, and a run with cap c follows the same path up to c
  (the same chunk, the same round-off), so :func:`sfutils.experiments.common.at_cap` reads the
  outcome at any smaller cap (20, 50) from the same records. lambda = 3 at delta = 255 is Table 2's own uncapped record
  (:func:`sfutils.experiments.budget.uncapped_rows`), not a new run.
* **§2.2** (:func:`clipping_rows`): l1-DeepFool and l2 DeepFool, each run once per image, then their
  adversarial clipped to [0, 1], so that "clipping hurts" is judged on the same images, paired.
* **Table 2's random baseline** at the per-channel medians of the uncapped SparseFool records.

:func:`main` is the background job (``python -m sfutils.experiments.imagenet_uncapped``): it grows
every record in turn, one chunk of images at a time, so that a pilot of 10 images of every
setting comes first and every record can be committed as it grows.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import torch
from torch import nn

from sfutils import paths
from sfutils.results import RECORD
from sfutils.attacks import deepfool, deepfool_l1
from sfutils.attacks.counting import timed
from sfutils.experiments import budget, overall
from sfutils.experiments.common import attack_samples
from sfutils.experiments.perceptibility import attack_box, delta_sweep
from sfutils.harness import IMAGENET_CHUNK, attack_rows, effective_settings, store_rows
from sfutils.metrics import predict
from sfutils.profiles import get_profile
from sfutils.setting import Loader, Setting

UNCAPPED = 1000  # the cap that stops a run; an image reaching it is a failure, named in every row
AUTHORS_CAPS = {"function": 20, "demo": 50}  # the authors' sparsefool() default; their README and demo
CLIPPED_ATTACKS: dict[str, Callable[..., Any]] = {"l1": deepfool_l1, "l2": deepfool}
CLIPPED_NAMES = {"l1": "l1-DeepFool", "l2": "DeepFool (l2)"}


def clipping_rows(setting: Setting, norm: str, *, max_iter: int = UNCAPPED, upto: int | None = None,
                  compute: bool = True, progress: bool = True, root: str | Path | None = None,
                  load: Loader | None = None) -> pd.DataFrame:
    """§2.2 on ``setting``: DeepFool in ``norm`` ("l1": l1-DeepFool, "l2": DeepFool) once per image,
    its adversarial as it is (the columns of :func:`sfutils.harness.attack_rows`, ``invalid``: elements
    outside [0, 1]) and clipped to [0, 1] afterwards (``success_clipped``, ``adv_label_clipped``,
    ``pct_clipped``): clipping is the last step of ``deepfool_l1(clip=True)``, so both outcomes come
    from one run, paired. No perturbation is stored (l2 DeepFool's is dense)."""
    if norm not in CLIPPED_ATTACKS:
        raise ValueError(f"norm must be one of {', '.join(CLIPPED_ATTACKS)}, got {norm!r}")
    fn = CLIPPED_ATTACKS[norm]
    kwargs = {"max_iter": int(max_iter)}

    def chunk_rows(model: nn.Module, x: torch.Tensor, y: torch.Tensor, pos: list[int]) -> list[dict[str, Any]]:
        result, seconds = timed(lambda: fn(model, x[pos], **kwargs), x.device)
        rows = attack_rows(result, y[pos], seconds)
        clipped = result.adversarial.clamp(0.0, 1.0)
        label = predict(model, clipped)
        changed = (clipped - x[pos]).flatten(2 if clipped.dim() > 2 else 1)
        pixels = (changed != 0).any(dim=1) if clipped.dim() > 2 else changed != 0
        pct = 100.0 * pixels.flatten(1).sum(1).double() / pixels.flatten(1).shape[1]
        invalid = ((result.adversarial < 0) | (result.adversarial > 1)).flatten(1).sum(1)
        for i, r in enumerate(rows):
            r.update(invalid=int(invalid[i]), adv_label_clipped=int(label[i]),
                     success_clipped=bool(label[i] != result.label[i].cpu()), pct_clipped=float(pct[i]))
        return rows

    key = {"norm": norm, "settings": effective_settings(fn, kwargs)}
    return store_rows("deepfool-clipping", setting, key, chunk_rows, chunk_size=IMAGENET_CHUNK, upto=upto,
                      compute=compute, progress=progress, root=root, load=load)


def clipping_entries(p01: SimpleNamespace, **options: Any) -> list[dict[str, Any]]:
    """§2.2 on Table 2's ImageNet images (profile ``p01``'s ``imagenet_clipping``: the net and the
    norms; none when it is None) as entries of :func:`sfutils.experiments.overall.l1_deepfool_table`:
    the same runs unclipped and clipped (``options`` go to :func:`clipping_rows`); a norm with no
    rows stored yet (the background job's) has no entry."""
    spec = p01.imagenet_clipping
    if not spec:
        return []
    setting = Setting("imagenet", spec["model"], p01.n_imagenet, p01.seed, crop=p01.imagenet_crop)
    entries = []
    for norm in spec["norms"]:
        rows = clipping_rows(setting, norm, **options)
        if rows.empty:
            continue
        clipped = rows.assign(success=rows["success_clipped"], pct=rows["pct_clipped"], invalid=0)
        entries.append({"dataset": "imagenet", "model": setting.model, "attack": CLIPPED_NAMES[norm],
                        "unclipped": rows, "clipped": clipped, "n_planned": setting.n})
    return entries


def imagenet_setting(p01: SimpleNamespace) -> Setting:
    """The one ImageNet image set of profile ``p01`` (notebook 01's): Table 2's images on the sweep's net."""
    return Setting("imagenet", p01.sweep["model"], p01.n_imagenet, p01.seed, crop=p01.imagenet_crop)


def table2_uncapped(p01: SimpleNamespace, model: str, root: Path | None = None) -> pd.DataFrame:
    """Table 2's uncapped records of ``model`` (lambda = 3, delta = 255) from stored runs only."""
    setting = Setting("imagenet", model, p01.n_imagenet, p01.seed, crop=p01.imagenet_crop)
    return budget.uncapped_rows(setting, p01.table2_budget["caps"], p01.imagenet_sparsefool, root)


def lambda_rows(p01: SimpleNamespace, lam: float, **store: Any) -> pd.DataFrame:
    """Fig. 4's rows at ``lam`` on the one image set, uncapped (lambda = 3: Table 2's records);
    ``store``: the options of :func:`sfutils.experiments.common.attack_samples` (root, upto, compute...)."""
    setting = imagenet_setting(p01)
    if float(lam) == 3.0:
        return table2_uncapped(p01, setting.model, store.get("root"))
    return attack_samples("sparsefool", setting, lam=float(lam), max_iter=p01.sweep["max_iter"], **store)


def delta_rows(p01: SimpleNamespace, delta: float, **store: Any) -> pd.DataFrame:
    """Fig. 6's rows at ``delta`` (lambda = 3) on the one image set, uncapped (delta = 255: Table 2's);
    ``store`` as for :func:`lambda_rows`."""
    setting = imagenet_setting(p01)
    if float(delta) == 255.0:
        rows = table2_uncapped(p01, setting.model, store.get("root"))
        return rows.assign(delta=255.0, **{RECORD: rows.attrs.get(RECORD, "")})
    return attack_box(setting, float(delta), lam=3.0, max_iter=p01.sweep["max_iter"], **store)


def random_rows(p01: SimpleNamespace, model: str, **store: Any) -> pd.DataFrame:
    """Table 2's random baseline on ``model`` at the per-channel medians of its uncapped records."""
    setting = Setting("imagenet", model, p01.n_imagenet, p01.seed, crop=p01.imagenet_crop)
    return overall.random_baseline(setting, table2_uncapped(p01, model, store.get("root")), **store)


def planned_images(p01: SimpleNamespace, lam: float) -> int:
    """The images Fig. 4's run at ``lam`` will have when finished (the sweep's ``n_planned``, else all)."""
    sw = p01.sweep
    n = p01.n_imagenet if sw["dataset"] == "imagenet" and "max_iter" in sw else sw["n"]
    return min(n, sw.get("n_planned", {}).get(lam, n))


def fig4_rows(p01: SimpleNamespace, **store: Any) -> dict[float, pd.DataFrame]:
    """Fig. 4's rows per lambda of profile ``p01``'s sweep: on ImageNet with a ``max_iter`` in the
    sweep, uncapped on Table 2's images (:func:`lambda_rows`, computed only where the sweep's
    ``compute`` allows: a background job makes them in ``full``); otherwise the sweep's own images
    at SparseFool's default cap (``quick``/``default``: MNIST)."""
    sw = p01.sweep
    if sw["dataset"] == "imagenet" and "max_iter" in sw:
        return {float(lam): lambda_rows(p01, lam, compute=sw.get("compute", True), **store) for lam in sw["lams"]}
    setting = Setting(sw["dataset"], sw["model"], sw["n"], p01.seed)
    return {float(lam): attack_samples("sparsefool", setting, lam=float(lam), **store) for lam in sw["lams"]}


def fig6_rows(p02: SimpleNamespace, **store: Any) -> tuple[dict[str, Setting], dict[str, pd.DataFrame], int]:
    """Fig. 6 of profile ``p02`` (notebook 02's): per data set its setting and the rows of every
    delta (:func:`sfutils.experiments.perceptibility.delta_sweep`, SparseFool's default cap), and the
    ImageNet cap. With ``p02.imagenet_uncapped`` ImageNet is notebook 01's image set (Table 2's
    images), uncapped (:func:`delta_rows`, stored rows only: the background job computes them)."""
    counts = {"mnist": p02.n_mnist, "cifar10": p02.n_cifar, "imagenet": p02.n_imagenet}
    settings = {ds: Setting(ds, p02.models[ds], counts[ds], p02.seed) for ds in p02.models}
    rows, cap = {}, 50
    for ds, setting in settings.items():
        if ds == "imagenet" and p02.imagenet_uncapped:
            p01 = get_profile("01", p02.profile)
            settings[ds], cap = imagenet_setting(p01), p01.sweep["max_iter"]
            rows[ds] = pd.concat([delta_rows(p01, d, compute=False, **store) for d in p02.deltas[ds]],
                                 ignore_index=True)
        else:
            rows[ds] = delta_sweep(setting, p02.deltas[ds], lam=p02.lam[ds], **store)
    return settings, rows, cap


def jobs(p01: SimpleNamespace, deltas: Sequence[float], root: Path
         ) -> list[tuple[str, int, Callable[[int], pd.DataFrame]]]:
    """The background job's records: (name, images planned, grow(upto) -> rows). Cheapest first (l2
    DeepFool's §2.2 run, the random baselines), then Fig. 4's lambdas above 3, Fig. 6's deltas from
    large to small, lambda 2 and 1, and l1-DeepFool last: one coordinate per DeepFool iteration, hundreds of iterations per ImageNet image (a chunk
    of 10 took over 45 min on a shared 2-core CPU), so it must not hold up the sweeps' pilot."""
    setting = imagenet_setting(p01)
    n = setting.n
    out: list[tuple[str, int, Callable[[int], pd.DataFrame]]] = []
    spec = p01.imagenet_clipping or {"norms": []}
    clip_setting = Setting("imagenet", spec.get("model", setting.model), n, p01.seed, crop=p01.imagenet_crop)
    clipping = {norm: (f"§2.2 {norm}", n, lambda k, norm=norm: clipping_rows(clip_setting, norm, upto=k, root=root))
                for norm in spec["norms"]}
    if "l2" in clipping:
        out.append(clipping.pop("l2"))
    for model, _ in p01.imagenet_models:
        out.append((f"random {model}", n, lambda k, m=model: random_rows(p01, m, root=root)))
    lams = {float(lam): (f"lambda {lam:g}", planned_images(p01, lam),
                         lambda k, lam=lam: lambda_rows(p01, lam, root=root, upto=k))
            for lam in sorted(p01.sweep["lams"], reverse=True) if float(lam) != 3.0}
    out += [job for lam, job in lams.items() if lam > 3.0]  # larger lambda: fewer iterations, cheaper
    out += [(f"delta {d:g}", n, lambda k, d=d: delta_rows(p01, d, root=root, upto=k))
            for d in sorted(deltas, reverse=True) if float(d) != 255.0]
    out += [job for lam, job in lams.items() if lam < 3.0]  # lambda near 1 is the costliest (the paper, Fig. 4)
    return out + list(clipping.values())


def main(argv: list[str] | None = None) -> None:
    """Grow every record of :func:`jobs` by ``--step`` images in turn until all reach ``--upto`` (or
    their planned n), printing per record the images stored, the seconds per image and the hours
    still to go (ETA); resumable from the stored rows."""
    parser = argparse.ArgumentParser(description="ImageNet uncapped runs (issue 33), resumably.")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--step", type=int, default=IMAGENET_CHUNK)
    parser.add_argument("--upto", type=int, help="stop when every record has this many images")
    parser.add_argument("--only", nargs="*", help="record names to grow (default: all)")
    args = parser.parse_args(argv)
    p01, p02 = get_profile("01", args.profile), get_profile("02", args.profile)
    root = paths.results_root() / args.profile
    todo = [j for j in jobs(p01, p02.deltas["imagenet"], root) if not args.only or j[0] in args.only]
    target = min(args.upto or 10**9, max(n for _, n, _ in todo))
    k = args.step
    while True:
        for name, n, grow in todo:
            if k > min(n, target):
                continue
            start = time.time()
            rows = grow(min(k, n))
            spent = time.time() - start
            per = float(rows["seconds"].mean()) if "seconds" in rows and len(rows) else float("nan")
            left = per * (min(n, target) - len(rows)) / 3600
            print(f"[{time.strftime('%H:%M:%S')}] {name}: {len(rows)} of {min(n, target)} images stored "
                  f"({spent / 60:.1f} min now; {per:.1f} s/image; ETA {left:.2f} h for this record)", flush=True)
        if k >= target:
            break
        k = min(k + args.step, target)


if __name__ == "__main__":
    main()
