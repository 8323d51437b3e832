"""Counting and timing what an attack spends, the same way for every attack (ours or a library's).

:class:`CountingModel` counts the samples forwarded through a model and back-propagated through it,
for attacks that do not count their own passes (notebook 06 compares evaluations per image beside
the paper's time per image, §4.1); :func:`timed` is the wall time of one call, CUDA work included.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn


class CountingModel(nn.Module):
    """``model`` unchanged, logging every forward pass through it as ``[rows, backward passes]``.

    ``forwards`` counts samples forwarded and ``backwards`` samples back-propagated (a gradient
    reaching the logits of a pass counts its rows once per backward pass), so every attack, ours
    or a library's, gets the same accounting.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.log: list[list[int]] = []
        self.train(model.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        entry = [out.shape[0], 0]
        self.log.append(entry)
        if out.requires_grad:
            out.register_hook(lambda grad: entry.__setitem__(1, entry[1] + 1))
        return out

    @property
    def forwards(self) -> int:
        return sum(rows for rows, _ in self.log)

    @property
    def backwards(self) -> int:
        return sum(rows * backward for rows, backward in self.log)

    def reset(self) -> None:
        """Forget the passes logged so far."""
        self.log = []


def timed(fn: Callable[[], Any], device: torch.device | None = None) -> tuple[Any, float]:
    """``fn()`` and its wall time in seconds (CUDA work on ``device`` synchronised at both ends)."""
    sync = device is not None and device.type == "cuda"
    if sync:
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = fn()
    if sync:
        torch.cuda.synchronize(device)
    return out, time.perf_counter() - start
