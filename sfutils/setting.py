"""What an experiment attacks, loaded lazily: a :class:`Setting` names ``n`` test images of a data
set (drawn with ``seed``) and a registered model (§4.1 attacks 10 000 MNIST / CIFAR-10 test
images and 4000 ImageNet validation images per net); :func:`lazy_setting` loads them on first use
only, so a fully stored record of :mod:`sfutils.harness` needs neither model nor data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

Loaded = tuple[nn.Module, torch.Tensor, torch.Tensor]
Loader = Callable[[], Loaded]


@dataclass(frozen=True)
class Setting:
    """What is attacked: ``n`` test images of ``dataset`` (drawn with ``seed``) on ``model``.

    ``crop`` (ImageNet only) feeds every net the same centre crop (resized to crop/0.875 first)
    instead of the model's own input size, so that one set of adversarials serves Table 2, Table 3
    (which feeds each net's adversarials to the others) and Fig. 8; ``None``: the model's own size.
    """

    dataset: str
    model: str
    n: int
    seed: int = 0
    crop: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"n must be a positive int, got {self.n!r}")
        if self.crop is not None:
            if self.dataset != "imagenet":
                raise ValueError(f"crop applies to ImageNet only, not {self.dataset}")
            if isinstance(self.crop, bool) or not isinstance(self.crop, int) or self.crop < 1:
                raise ValueError(f"crop must be a positive int (pixels) or None, got {self.crop!r}")

    def key(self) -> dict[str, Any]:
        """What identifies the setting in a result store (``crop`` only when set, so that records
        stored before it existed keep their key)."""
        return {k: v for k, v in asdict(self).items() if k != "crop" or v is not None}


@functools.lru_cache(maxsize=4)
def load_setting(setting: Setting) -> Loaded:
    """The setting's model (eval mode, on the default device) and its images/labels (same device),
    preprocessed for the model or at the setting's ``crop``.

    ImageNet nets come through :func:`attack_model` (BatchNorm folded, channels last): the same
    function, cheaper input gradients."""
    from sfutils import models  # heavy imports only when real data is needed
    from sfutils.data import load_dataset

    if models.model_info(setting.model).dataset != setting.dataset:
        raise ValueError(f"{setting.model} is a model of {models.model_info(setting.model).dataset}, "
                         f"not {setting.dataset}")
    model = models.get_model(setting.model)
    dev = next(model.parameters()).device
    if setting.crop is None:
        x, y = models.model_data(setting.model, "test", n=setting.n, seed=setting.seed)
    else:
        x, y = load_dataset(setting.dataset, "test", n=setting.n, seed=setting.seed, crop=setting.crop)
    x, y = x.to(dev), y.to(dev)
    return attack_model(model, setting.dataset, x[:2]), x, y


def attack_model(model: nn.Module, dataset: str, probe: torch.Tensor) -> nn.Module:
    """The model the attacks run on: ImageNet nets through :func:`sfutils.models.speed.fast_eval`
    (same function, faster input gradients: benchmarks/imagenet.md; ``probe``: a few of the images),
    every other model as given."""
    from sfutils.models.speed import fast_eval

    return fast_eval(model, probe) if dataset == "imagenet" else model


def lazy_setting(setting: Setting, load: Loader | None = None) -> Callable[[], Loaded]:
    """A getter for the setting's (model, x, y) that loads them on first call only (``load``, default
    :func:`load_setting`), so a fully cached record needs neither model nor data."""
    loaded: list[Loaded] = []

    def get() -> Loaded:
        if not loaded:
            model, x, y = (load or functools.partial(load_setting, setting))()
            if x.shape[0] != setting.n:
                raise ValueError(f"the loader returned {x.shape[0]} images for a setting of n={setting.n}")
            loaded.append((model, x, y))
        return loaded[0]

    return get
