"""Shared fixtures: small seeded models and inputs for attack tests."""

from __future__ import annotations

import pytest
import torch
from torch import nn


def tiny_cnn(channels: int = 1, size: int = 10, classes: int = 10, seed: int = 0) -> nn.Module:
    """A small random conv net, seeded, in eval mode (inputs (N, channels, size, size) in [0, 1])."""
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Conv2d(channels, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(16 * (size // 2) ** 2, 32), nn.ReLU(), nn.Linear(32, classes),
    )
    return net.eval()


def tiny_mlp(dim: int = 2, classes: int = 3, seed: int = 0) -> nn.Module:
    """A small random MLP on (N, dim) feature vectors, seeded, in eval mode."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(dim, 16), nn.Tanh(), nn.Linear(16, classes)).eval()


def prototypes(channels: int, size: int, classes: int = 10) -> torch.Tensor:
    """Fixed class prototypes of a synthetic image task (one random pattern per class)."""
    g = torch.Generator().manual_seed(1234 + channels * 100 + size)
    return torch.rand(classes, channels, size, size, generator=g)


def images(n: int, channels: int, size: int, seed: int = 0) -> torch.Tensor:
    """Seeded synthetic images in [0, 1]: noisy class prototypes, saturated pixels included."""
    g = torch.Generator().manual_seed(seed)
    protos = prototypes(channels, size)
    y = torch.randint(0, protos.shape[0], (n,), generator=g)
    x = protos[y] + 0.25 * torch.randn(n, channels, size, size, generator=g)
    return x.clamp(0.0, 1.0)


def trained_cnn(channels: int, size: int, seed: int = 0) -> nn.Module:
    """``tiny_cnn`` trained for a few hundred steps on the synthetic prototype task (a real, smooth-ish
    decision function: SparseFool converges in a few iterations, as on real networks)."""
    net = tiny_cnn(channels, size, seed=seed).train()
    g = torch.Generator().manual_seed(seed)
    protos = prototypes(channels, size)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(150):
        y = torch.randint(0, protos.shape[0], (64,), generator=g)
        x = (protos[y] + 0.25 * torch.randn(64, channels, size, size, generator=g)).clamp(0, 1)
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return net.eval()


@pytest.fixture(scope="session")
def _gray_model() -> nn.Module:
    return trained_cnn(1, 10)


@pytest.fixture(scope="session")
def _color_model() -> nn.Module:
    return trained_cnn(3, 8, seed=1)


@pytest.fixture
def gray_model(_gray_model) -> nn.Module:
    return _gray_model.eval()


@pytest.fixture
def color_model(_color_model) -> nn.Module:
    return _color_model.eval()


@pytest.fixture
def toy(color_model):
    """Six seeded 3-channel 8x8 images, the colour model and its labels (model, x, y); a test module
    that needs another batch defines its own ``toy``."""
    x = images(6, 3, 8, seed=5)
    with torch.no_grad():
        y = color_model(x).argmax(dim=1)
    return color_model, x, y
