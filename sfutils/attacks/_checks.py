"""Input validation shared by every attack: bad input fails early with a clear message."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


def check_model(model: nn.Module) -> None:
    """The model must be an ``nn.Module`` in eval mode (train-mode BN/dropout would corrupt gradients)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    training = [name or type(model).__name__ for name, m in model.named_modules() if m.training]
    if training:
        raise ValueError(
            f"model is in train mode ({', '.join(training[:3])}{'...' if len(training) > 3 else ''}); "
            "call model.eval() before attacking it"
        )


def check_batch(x: torch.Tensor, name: str = "x") -> None:
    """``x`` must be a floating-point batch (N, ...) with at least 2 dims and no NaN/inf."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() < 2:
        raise ValueError(f"{name} must be a batch of shape (N, ...) with at least 2 dims, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf values")


def resolve_bounds(
    x: torch.Tensor, lb: torch.Tensor | float | None, ub: torch.Tensor | float | None,
    lo: float = 0.0, hi: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Broadcast the box [lb, ub] to x's shape (default: the valid range [lo, hi]) and check x lies in it."""
    lb_t = torch.as_tensor(lo if lb is None else lb, dtype=x.dtype, device=x.device).expand_as(x)
    ub_t = torch.as_tensor(hi if ub is None else ub, dtype=x.dtype, device=x.device).expand_as(x)
    if not (torch.isfinite(lb_t).all() and torch.isfinite(ub_t).all()):
        raise ValueError("bounds lb/ub contain NaN or inf values")
    if (lb_t > ub_t).any():
        raise ValueError("lower bound lb exceeds upper bound ub somewhere")
    if ((x < lb_t) | (x > ub_t)).any():
        raise ValueError(
            f"x lies outside its bounds [lb, ub] (x in [{x.min().item():.4g}, {x.max().item():.4g}]); "
            "images must be scaled to [0, 1] with normalisation inside the model"
        )
    return lb_t, ub_t


def check_target(target: torch.Tensor | int | None, n: int, num_classes: int, device: torch.device) -> torch.Tensor | None:
    """A target class per sample (int or (N,) long tensor) within [0, num_classes)."""
    if target is None:
        return None
    t = torch.as_tensor(target, device=device)
    if t.is_floating_point():
        raise TypeError("target must be an integer class index or a long tensor")
    t = t.long().expand(n) if t.dim() == 0 else t.long()
    if t.shape != (n,):
        raise ValueError(f"target must be an int or a tensor of shape ({n},), got {tuple(t.shape)}")
    if (t < 0).any() or (t >= num_classes).any():
        raise ValueError(f"unknown target class: targets must lie in [0, {num_classes}), got {t.tolist()[:10]}")
    return t


@dataclass(frozen=True)
class Prepared:
    """A validated attack input: ``x`` detached, its box [lb, ub] broadcast to x's shape (``None``
    for an attack that ignores the valid range) and, when asked for, the model's clean label."""

    x: torch.Tensor
    lb: torch.Tensor | None
    ub: torch.Tensor | None
    label: torch.Tensor | None


def prepare(model: nn.Module, x: torch.Tensor, *, lb: torch.Tensor | float | None = None,
            ub: torch.Tensor | float | None = None, box: bool = True, label: bool = True) -> Prepared:
    """The opening every attack shares: check the model and the batch; with ``box`` resolve the box
    [lb, ub] (default [0, 1]) and check ``x`` lies in it; detach ``x``; with ``label`` classify it
    (one forward pass)."""
    check_model(model)
    check_batch(x)
    lb_t, ub_t = resolve_bounds(x, lb, ub) if box else (None, None)
    x = x.detach()
    clean = None
    if label:
        with torch.no_grad():
            clean = model(x).argmax(dim=1)
    return Prepared(x=x, lb=lb_t, ub=ub_t, label=clean)


def check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    """``value`` if it is an int (not a bool) in [low, high], else a TypeError / ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {'in ' if high is not None else ''}{bound}, got {value}")
    return value
