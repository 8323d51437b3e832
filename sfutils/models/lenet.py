"""The paper's MNIST LeNet (Sec. 4.1): the classic Caffe LeNet-5 variant (DeepFool's MNIST net)."""

from __future__ import annotations

from torch import nn


def lenet() -> nn.Sequential:
    """conv5x5(20) → maxpool → conv5x5(50) → maxpool → fc500 → ReLU → fc10, on 1×28×28 inputs."""
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(50 * 4 * 4, 500), nn.ReLU(), nn.Linear(500, 10),
    )
