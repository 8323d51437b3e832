"""Train the models this repository ships: ``python -m sfutils.train NAME [options]``.

Seeded (epoch ``e`` uses seed + e, so a resumed run repeats the uninterrupted one), resumable from
the last epoch checkpoint (``data/checkpoints/NAME.last.pt``), tqdm progress bars. The result is
``data/checkpoints/NAME.pt`` (the bare network's state dict, normalisation excluded) and
``NAME.json`` with its SHA-256 and the measured clean and PGD-20 test accuracy, rendered as the
model card ``NAME.md``; ``--publish`` also copies all three into
``sfutils/models/weights/`` for models the package ships (then paste the printed SHA-256 into
``sfutils/models/registry.py``).

Recipes and what they reach:

- ``lenet-mnist``: Adam, lr 1e-3 cosine, batch 64, 8 epochs on the 60k MNIST images. Measured
  (2026-11-25, CPU, 1 thread on a 2-core machine shared with ~8 other busy processes): 99.34 % on
  the 10k test images after 1608 s; an idle 2-core CPU needs a few minutes. The paper reports
  99.14 %. Record: ``sfutils/models/weights/lenet-mnist.json``.
- ``resnet20-cifar10-linf`` (2026-11-29): "fast" adversarial training (FGSM from a uniform random
  start, step 1.25·eps; Wong, Rice & Kolter 2020), l-inf eps = 8/255, initialised from the
  pretrained ResNet-20, SGD with a cyclic learning rate peaking at 0.1, 15 epochs on all 50k
  CIFAR-10 training JPEGs, bfloat16 mixed precision. Measured: 73.47 % clean accuracy on the 10k
  JPEG test images (the pretrained ResNet-20: 81.0 %) and 35.9 % under torchattacks' PGD-20
  (eps 8/255, step 2/255, one random start) on 1000 of them; 74 min on a 2-core CPU shared with
  other jobs (2 threads for two epochs, then 1). Card: ``sfutils/models/weights/resnet20-cifar10-linf.md``.
- ``vgg19half-cifar10``: VGG-19-BN at half width (a quarter of the parameters: a CPU-sized
  stand-in for the paper's VGG-19), trained from scratch on the 50k CIFAR-10 training JPEGs: SGD,
  cyclic learning rate peaking at 0.1, crop + flip, 30 epochs, bfloat16 (no label smoothing: it
  masks gradients and inflated the PGD accuracy of an earlier 18-epoch run). Measured (2026-11-29,
  102 min on 1 thread of a shared 2-core CPU): 88.39 % on the 10k JPEG test images. Card:
  ``sfutils/models/weights/vgg19half-cifar10.md``.
- ``vgg19-cifar10``, ``resnet18-cifar10``, ``resnet18-cifar10-linf``: the paper's CIFAR-10 nets
  (Table 1: 92.71 / 92.74 %; §4.2: the l-inf PGD-trained ResNet-18, 82.17 %), trained by
  ``make train-paper-models`` on one CUDA GPU on the real CIFAR-10 (torchvision's download, not
  the JPEG mirror): float16 mixed precision, one-cycle schedule, batch 512, 30 epochs (15 of PGD-5
  training for the robust net), sized by estimate to finish within about 15 minutes on one modern
  GPU; not run here (no GPU in this session). ``--paper`` refuses a CPU or the lossy mirror with
  a clear message.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import time
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from sfutils.accuracy import PGD_SETTINGS, accuracy, pgd_accuracy
from sfutils.checksum import load_checkpoint, sha256_file
from sfutils.data import dataset_source, get_dataset, load_dataset
from sfutils.device import default_device, describe_device
from sfutils.models import checkpoint_dir, get_model, model_info
from sfutils.models.loading import PACKAGE_WEIGHTS


@dataclass(frozen=True)
class Recipe:
    """How one model is trained (``adv="linf"``: fast adversarial training with radius ``eps``;
    ``init``: fine-tune from that registered pretrained model; ``n_train``: random training subset;
    ``adv_steps``: 1 is fast adversarial training (FGSM from a random start, step 1.25·eps), more is
    PGD training (Madry et al. 2018, step 2/255); ``schedule``: ``cosine`` annealing or ``cyclic`` (linear up to ``lr`` over the first 40 % of the
    steps, then linear down to 0, as in fast adversarial training); ``amp``: mixed precision, bfloat16
    on a CPU and float16 on CUDA)."""

    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "sgd"
    weight_decay: float = 0.0
    augment: bool = False
    adv: str | None = None
    eps: float = 8 / 255
    init: str | None = None
    n_train: int | None = None
    schedule: str = "cosine"
    amp: bool = False
    label_smoothing: float = 0.0
    adv_steps: int = 1


# The paper's CIFAR-10 nets, for one modern GPU (``make train-paper-models``): mixed precision,
# a one-cycle schedule and large batches, sized by estimate (not measured here: no GPU in the
# session that wrote them) to finish together within about 15 minutes.
_GPU_RECIPE = Recipe(epochs=30, batch_size=512, lr=0.2, weight_decay=5e-4, augment=True, schedule="cyclic",
                     amp=True, label_smoothing=0.1)
PAPER_MODELS = ("vgg19-cifar10", "resnet18-cifar10", "resnet18-cifar10-linf")
RECIPES: dict[str, Recipe] = {
    "lenet-mnist": Recipe(epochs=8, batch_size=64, lr=1e-3, optimizer="adam"),
    "vgg19-cifar10": _GPU_RECIPE,
    "resnet18-cifar10": _GPU_RECIPE,
    "resnet18-cifar10-linf": replace(_GPU_RECIPE, epochs=15, lr=0.1, label_smoothing=0.0, adv="linf", adv_steps=5),
    "resnet20-cifar10-linf": Recipe(
        epochs=15, batch_size=128, lr=0.1, weight_decay=5e-4, augment=True, adv="linf",
        init="resnet20-cifar10", schedule="cyclic", amp=True,
    ),
    "vgg19half-cifar10": Recipe(
        epochs=30, batch_size=128, lr=0.1, weight_decay=5e-4, augment=True, schedule="cyclic", amp=True,
    ),
}


def linf_attack(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, alpha: float, steps: int,
) -> torch.Tensor:
    """l-inf PGD from a uniform random start in the eps-ball, images kept in [0, 1]
    (steps=1, alpha=1.25·eps is the FGSM step of fast adversarial training)."""
    delta = (torch.empty_like(x).uniform_(-eps, eps) + x).clamp(0, 1) - x
    for _ in range(steps):
        delta.requires_grad_(True)
        grad, = torch.autograd.grad(F.cross_entropy(model(x + delta), y), delta)
        delta = (delta.detach() + alpha * grad.sign()).clamp(-eps, eps)
        delta = (x + delta).clamp(0, 1) - x
    return (x + delta).detach()


def augment(x: torch.Tensor, pad: int = 4) -> torch.Tensor:
    """Standard CIFAR augmentation per image: random crop from a zero-padded copy and random flip."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pad,) * 4)
    i, j = torch.randint(0, 2 * pad + 1, (2, n)).tolist()
    out = torch.stack([padded[k, :, i[k]:i[k] + h, j[k]:j[k] + w] for k in range(n)])
    flip = torch.rand(n, device=x.device) < 0.5
    return torch.where(flip.view(-1, 1, 1, 1), out.flip(3), out)


def _scheduler(recipe: Recipe, opt: torch.optim.Optimizer, steps: int) -> torch.optim.lr_scheduler.LRScheduler:
    if recipe.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    if recipe.schedule == "cyclic":
        peak = max(1, int(0.4 * steps))
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda t: t / peak if t < peak else max(0.0, (steps - t) / (steps - peak)))
    raise ValueError(f"unknown schedule {recipe.schedule!r} (cosine or cyclic)")


def _autocast(recipe: Recipe, device: torch.device) -> torch.autocast:
    dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    return torch.autocast(device.type, dtype=dtype, enabled=recipe.amp)


def _optimizer(recipe: Recipe, params) -> torch.optim.Optimizer:
    if recipe.optimizer == "adam":
        return torch.optim.Adam(params, lr=recipe.lr, weight_decay=recipe.weight_decay)
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(params, lr=recipe.lr, momentum=0.9, weight_decay=recipe.weight_decay, nesterov=True)
    raise ValueError(f"unknown optimizer {recipe.optimizer!r} (adam or sgd)")


def train(
    name: str, recipe: Recipe | None = None, *, seed: int = 0, out_dir: Path | None = None,
    device: torch.device | str | None = None, n_test: int | None = None, restart: bool = False,
    stop_after: int | None = None,
) -> dict | None:
    """Train registered model ``name`` with ``recipe`` (default ``RECIPES[name]``), resuming from
    ``out_dir/NAME.last.pt`` unless ``restart``, for at most ``stop_after`` epochs in this call.
    Returns the record written to ``out_dir/NAME.json``, or None while epochs remain."""
    spec = model_info(name)
    recipe = recipe or RECIPES.get(name)
    if recipe is None:
        raise ValueError(f"no training recipe for {name!r}; trainable: {', '.join(RECIPES)}")
    device = torch.device(device) if device is not None else default_device()
    out_dir = Path(out_dir) if out_dir is not None else checkpoint_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    last = out_dir / f"{name}.last.pt"
    config = json.dumps({"recipe": asdict(recipe), "seed": seed}, sort_keys=True)

    torch.manual_seed(seed)
    model = get_model(recipe.init, device=device) if recipe.init else get_model(name, pretrained=False, device=device)
    opt = _optimizer(recipe, model.parameters())
    data = get_dataset(spec.dataset, "train", n=recipe.n_train, seed=seed)
    steps = recipe.epochs * -(-len(data) // recipe.batch_size)
    sched = _scheduler(recipe, opt, steps)
    scaler = torch.amp.GradScaler(device.type, enabled=recipe.amp and device.type == "cuda")
    start, seconds = 0, 0.0
    if last.is_file() and not restart:
        state = load_checkpoint(last, None)
        stored = json.loads(state["config"])
        if Recipe(**stored["recipe"]) != recipe or stored["seed"] != seed:
            raise ValueError(f"{last} was written with other settings ({state['config']}); pass restart=True / --restart")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        start, seconds = int(state["epoch"]) + 1, float(state["seconds"])

    end = recipe.epochs if stop_after is None else min(recipe.epochs, start + stop_after)
    for epoch in range(start, end):
        t0 = time.perf_counter()
        torch.manual_seed(seed + epoch)
        loader = DataLoader(data, batch_size=recipe.batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed + epoch))
        model.train()
        bar = tqdm(loader, desc=f"{name} epoch {epoch + 1}/{recipe.epochs}", mininterval=10)
        seen = correct = 0
        for x, y in bar:
            x, y = x.to(device), y.to(device)
            if recipe.augment:
                x = augment(x)
            with _autocast(recipe, device):
                if recipe.adv == "linf":
                    alpha = 1.25 * recipe.eps if recipe.adv_steps == 1 else 2 / 255
                    x = linf_attack(model, x, y, recipe.eps, alpha, steps=recipe.adv_steps)
                logits = model(x)
                loss = F.cross_entropy(logits, y, label_smoothing=recipe.label_smoothing)
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            sched.step()
            seen += len(y)
            correct += (logits.argmax(1) == y).sum().item()
            bar.set_postfix(loss=f"{loss.item():.3f}", acc=f"{100 * correct / seen:.1f}%", refresh=False)
        seconds += time.perf_counter() - t0
        eta = seconds / (epoch + 1) * (end - epoch - 1)
        print(f"{name} epoch {epoch + 1}/{recipe.epochs}: train accuracy {100 * correct / seen:.2f} % "
              f"({'adversarial' if recipe.adv else 'clean'}), {seconds / 60:.1f} min so far, "
              f"about {eta / 60:.0f} min left", flush=True)
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "epoch": epoch, "seconds": seconds, "config": config}, last)

    if end < recipe.epochs:
        return None
    model.eval()
    x_test, y_test = load_dataset(spec.dataset, "test", n=n_test, seed=seed)
    record = {
        "model": name, "recipe": asdict(recipe), "seed": seed, "train_images": len(data),
        "train_seconds": round(seconds, 1), "device": describe_device(device),
        "date": datetime.date.today().isoformat(), "torch": torch.__version__,
        "data_source": dataset_source(spec.dataset, "test").description,
        "test_images": len(y_test), "test_accuracy": round(100 * accuracy(model, x_test, y_test), 2),
    }
    if spec.dataset == "cifar10":
        pick = torch.randperm(len(y_test), generator=torch.Generator().manual_seed(seed))[:1000]
        record["pgd20"] = dict(PGD_SETTINGS, implementation="torchattacks.PGD", images=len(pick))
        record["pgd20_accuracy"] = round(100 * pgd_accuracy(model, x_test[pick], y_test[pick], seed=seed), 2)
    weights = out_dir / f"{name}.pt"
    torch.save(model.net.state_dict(), weights)
    record["sha256"] = sha256_file(weights)
    weights.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    weights.with_suffix(".md").write_text(card_markdown(record))
    return record


def card_markdown(record: dict) -> str:
    """The model card of a training record: data, recipe, epochs, wall time, clean and robust accuracy."""
    recipe = record["recipe"]
    adv = ("none" if not recipe.get("adv") else
           f"l-inf eps = {recipe['eps'] * 255:.0f}/255, "
           + ("FGSM from a random start (fast adversarial training)" if recipe.get("adv_steps", 1) == 1
              else f"PGD-{recipe['adv_steps']}"))
    pgd = record.get("pgd20")
    lines = [
        f"# Model card: {record['model']}", "",
        f"- weights: `{record['model']}.pt`, SHA-256 `{record['sha256']}`",
        f"- training data: {record['train_images']} images ({record['data_source'].split(':')[0]})",
        f"- recipe: {recipe['epochs']} epochs, batch {recipe['batch_size']}, {recipe['optimizer']} lr {recipe['lr']} "
        f"({recipe.get('schedule', 'cosine')}), weight decay {recipe['weight_decay']}, "
        f"augmentation {'crop + flip' if recipe['augment'] else 'none'}, label smoothing {recipe.get('label_smoothing', 0)}, "
        f"mixed precision {'on' if recipe.get('amp') else 'off'}, initialised from {recipe.get('init') or 'scratch'}",
        f"- adversarial training: {adv}",
        f"- seed {record['seed']}; wall time {record['train_seconds'] / 60:.0f} min on {record['device']}, "
        f"{record['date']}, torch {record['torch']}",
        f"- clean test accuracy: **{record['test_accuracy']} %** on {record['test_images']} test images "
        f"({record['data_source']})",
    ]
    if pgd:
        lines.append(f"- PGD accuracy: **{record['pgd20_accuracy']} %** on {pgd['images']} of them "
                     f"({pgd['implementation']}, eps {pgd['eps'] * 255:.0f}/255, step {pgd['alpha'] * 255:.0f}/255, "
                     f"{pgd['steps']} steps, one random start)"
                     + ("; label smoothing is known to mask gradients, so for a net not trained adversarially this "
                        "number overstates its robustness" if recipe.get("label_smoothing") and not recipe.get("adv") else ""))
    lines += ["", f"Reproduce: `python -m sfutils.train {record['model']}`.", ""]
    return "\n".join(lines)


def publish(name: str, out_dir: Path | None = None) -> Path:
    """Copy a trained checkpoint and its json into the package's ``weights/`` folder."""
    weights = model_info(name).weights
    if weights.kind != "package":
        raise ValueError(f"{name} is not shipped in the package (its weights live in {checkpoint_dir()})")
    src = (Path(out_dir) if out_dir is not None else checkpoint_dir()) / f"{name}.pt"
    dst = PACKAGE_WEIGHTS / weights.location
    shutil.copyfile(src, dst)
    for suffix in (".json", ".md"):
        shutil.copyfile(src.with_suffix(suffix), dst.with_suffix(suffix))
    return dst


def _fraction(text: str) -> float:
    return float(Fraction(text))


def require_paper_setting(device: torch.device) -> None:
    """Refuse to train the paper's nets anywhere but on CUDA and the real (lossless) CIFAR-10."""
    if device.type != "cuda":
        raise SystemExit(
            "make train-paper-models trains the paper's VGG-19, ResNet-18 and l-inf ResNet-18 on the real "
            f"CIFAR-10 and needs a CUDA GPU (about 15 min on one); this machine would run it on {device}, "
            "where it takes days. On a CPU, train the CPU-sized stand-ins instead: "
            "`python -m sfutils.train vgg19half-cifar10` and `python -m sfutils.train resnet20-cifar10-linf`."
        )
    source = dataset_source("cifar10", "train")
    if source.lossy:
        raise SystemExit(f"the paper's nets train on the real CIFAR-10, not on {source.description}; "
                         "unset SFUTILS_MIRROR so that torchvision downloads it")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sfutils.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="+", choices=sorted(RECIPES), metavar="NAME",
                        help=f"one or more of: {', '.join(sorted(RECIPES))}")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--n-train", type=int, help="random subset of the training split")
    parser.add_argument("--adv", choices=["none", "linf"], help="linf: fast adversarial training (FGSM, random start)")
    parser.add_argument("--eps", type=_fraction, help="l-inf radius, e.g. 8/255")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", help="default: CUDA when available, else CPU")
    parser.add_argument("--paper", action="store_true",
                        help="the paper's nets: refuse unless on CUDA with the real CIFAR-10 (make train-paper-models)")
    parser.add_argument("--restart", action="store_true", help="ignore the last epoch checkpoint")
    parser.add_argument("--stop-after", type=int, help="train at most this many epochs now (resume later)")
    parser.add_argument("--publish", action="store_true", help="copy the result into sfutils/models/weights/")
    args = parser.parse_args(argv)
    if args.paper:
        require_paper_setting(torch.device(args.device) if args.device else default_device())
    overrides = {k: v for k, v in {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                                   "n_train": args.n_train, "eps": args.eps}.items() if v is not None}
    if args.adv is not None:
        overrides["adv"] = None if args.adv == "none" else args.adv
    for name in args.names:
        recipe = replace(RECIPES[name], **overrides)
        record = train(name, recipe, seed=args.seed, device=args.device, restart=args.restart, stop_after=args.stop_after)
        if record is None:
            print(f"stopped early; run the same command again to resume from {checkpoint_dir() / name}.last.pt")
            continue
        print(json.dumps(record, indent=2))
        if args.publish:
            print(f"copied to {publish(name)}; set sha256={record['sha256']!r} for {name} in sfutils/models/registry.py")


if __name__ == "__main__":
    main()
