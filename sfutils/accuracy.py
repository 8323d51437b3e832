"""Clean test accuracy of every model available here, next to its reference accuracy (the paper's
Sec. 4.1 / Table 1 numbers, or the weights' publisher's).

``python -m sfutils.accuracy`` writes ``figures/<headline profile>/tables/accuracy.csv`` and ``accuracy.md`` with the
data source, number of test images, device and date of each measurement (rows of models not
measured in a run are kept unless ``--fresh``).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import time
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from sfutils.data import dataset_source
from sfutils.device import default_device, describe_device
from sfutils.metrics import predict
from sfutils.paths import HEADLINE_PROFILE, tables_dir
from sfutils.stats import rate_interval

COLUMNS = [
    "model", "dataset", "n", "accuracy", "accuracy_lo", "accuracy_hi", "pgd_n", "pgd_accuracy", "pgd_lo", "pgd_hi",
    "pgd", "reference_accuracy", "reference", "data_source", "device", "date", "seconds",
]
PGD_DESCRIPTION = "torchattacks.PGD l-inf eps=8/255, step 2/255, 20 steps, one random start"


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 250) -> float:
    """Fraction (in [0, 1]; every accuracy of the package has this unit) of ``x`` that ``model``
    classifies as ``y``, through :func:`predict`."""
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"need as many labels as images (> 0), got {len(x)} images and {len(y)} labels")
    return (predict(model, x, batch_size, progress=True) == torch.as_tensor(y).cpu()).double().mean().item()


PGD_SETTINGS = {"eps": 8 / 255, "alpha": 2 / 255, "steps": 20, "random_start": True}


def pgd_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float = PGD_SETTINGS["eps"],
                 alpha: float = PGD_SETTINGS["alpha"], steps: int = PGD_SETTINGS["steps"], seed: int = 0,
                 batch_size: int = 250) -> float:
    """Fraction of ``x`` still classified as ``y`` under torchattacks' l-inf PGD (Madry et al.
    2018: one uniform random start in the ``eps``-ball, ``steps`` signed-gradient steps of size
    ``alpha``, images kept in [0, 1]); seeded, so the random starts repeat."""
    import torchattacks  # the [compare] extra: a well-kept PGD, not a hand-written one

    if model.training:
        raise ValueError("pgd_accuracy needs a model in eval mode (call model.eval())")
    device = next(model.parameters()).device
    attack = torchattacks.PGD(model, eps=eps, alpha=alpha, steps=steps, random_start=True)
    torch.manual_seed(seed)
    correct = 0
    for i in tqdm(range(0, len(x), batch_size), desc=f"PGD-{steps}", leave=False):
        xb, yb = x[i:i + batch_size].to(device), y[i:i + batch_size].to(device)
        x_adv = attack(xb, yb)
        with torch.no_grad():
            correct += (model(x_adv).argmax(1) == yb).sum().item()
    return correct / len(x)


def measure(name: str, n: int | None = None, device: torch.device | None = None, n_pgd: int = 1000) -> dict:
    """One table row: test accuracy of model ``name`` on (a seeded subset of) its test set, and
    for a CIFAR-10 model its PGD-20 accuracy (:data:`PGD_SETTINGS`) on the first ``n_pgd`` of those
    images (a seeded random subset, the same for every model)."""
    from sfutils.models import get_model, model_data, model_info

    spec = model_info(name)
    device = device or default_device()
    t0 = time.perf_counter()
    model = get_model(name, device=device)
    x, y = model_data(name, n=n)
    acc = accuracy(model, x, y)
    robust = {"pgd_n": None, "pgd_accuracy": None, "pgd": None}
    if spec.dataset == "cifar10" and n_pgd > 0:
        pick = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))[:n_pgd]
        robust = {"pgd_n": len(pick), "pgd_accuracy": round(100 * pgd_accuracy(model, x[pick], y[pick]), 2),
                  "pgd": PGD_DESCRIPTION}
    return {
        "model": name, "dataset": spec.dataset, "n": len(y), "accuracy": round(100 * acc, 2), **robust,
        "reference_accuracy": spec.reference_accuracy, "reference": spec.reference,
        "data_source": dataset_source(spec.dataset).description, "device": describe_device(device),
        "date": datetime.date.today().isoformat(), "seconds": round(time.perf_counter() - t0, 1),
    }


def read_table(out_dir: Path) -> list[dict]:
    """The rows of an existing ``accuracy.csv`` (empty when there is none)."""
    path = out_dir / "accuracy.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def with_intervals(row: dict) -> dict:
    """``row`` with the Wilson 95 % interval (%) of its clean and of its PGD accuracy, each from its
    count of images (blank where that accuracy was not measured)."""
    out = dict(row)
    for value, n, prefix in (("accuracy", "n", "accuracy"), ("pgd_accuracy", "pgd_n", "pgd")):
        if row.get(value) in (None, "") or row.get(n) in (None, ""):
            out[f"{prefix}_lo"] = out[f"{prefix}_hi"] = None
            continue
        lo, hi = rate_interval(float(row[value]), int(float(row[n])))
        out[f"{prefix}_lo"], out[f"{prefix}_hi"] = round(lo, 2), round(hi, 2)
    return out


def write_table(rows: list[dict], out_dir: Path) -> None:
    """``accuracy.csv`` and a Markdown rendering ``accuracy.md`` in ``out_dir``, with intervals."""
    rows = [with_intervals(row) for row in rows]
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "accuracy.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({c: row.get(c) for c in COLUMNS} for row in rows)
    cell = lambda v: "–" if v is None or v == "" else str(v)  # noqa: E731
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in COLUMNS) + " |" for row in rows]
    (out_dir / "accuracy.md").write_text(
        "# Test accuracy (%), clean and under PGD\n\nMeasured by `python -m sfutils.accuracy`: `accuracy` on `n` "
        "test images, `pgd_accuracy` on `pgd_n` of them under l-inf PGD (`pgd`; CIFAR-10 models only), each "
        "with its Wilson 95 % interval (`_lo`, `_hi`); "
        "`reference_accuracy` is the paper's or the weights' publisher's clean number on the original test data.\n\n"
        + "\n".join(lines) + "\n"
    )


def main(argv: list[str] | None = None) -> None:
    from sfutils.models import list_models, weights_available

    parser = argparse.ArgumentParser(prog="python -m sfutils.accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", help="default: every model whose weights are available here")
    parser.add_argument("--n", type=int, help="seeded random subset of each test set (default: all of it)")
    parser.add_argument("--out", type=Path, default=tables_dir(HEADLINE_PROFILE))
    parser.add_argument("--n-pgd", type=int, default=1000, help="CIFAR-10 images attacked with PGD-20 (0: none)")
    parser.add_argument("--fresh", action="store_true", help="drop rows of models not measured in this run")
    args = parser.parse_args(argv)
    names = args.models or [m for m in list_models() if weights_available(m)]
    skipped = sorted(set(list_models()) - set(names))
    if skipped and not args.models:
        print(f"skipped (weights not available here): {', '.join(skipped)}")
    rows = [measure(name, args.n, n_pgd=args.n_pgd) for name in tqdm(names, desc="models")]
    kept = [] if args.fresh else [row for row in read_table(args.out) if row["model"] not in names]
    order = {name: i for i, name in enumerate(list_models())}
    write_table(sorted(kept + rows, key=lambda row: order.get(row["model"], len(order))), args.out)
    for row in rows:
        print(f"{row['model']:24s} {row['accuracy']:6.2f}  PGD-20 {row['pgd_accuracy']}  "
              f"(reference {row['reference_accuracy']}, n={row['n']})")


if __name__ == "__main__":
    main()
