"""The paper's CIFAR-10 VGG-19 and ResNet-18 (Sec. 4.1), built from torchvision's layers.

VGG-19 with batch norm: torchvision's configuration "E" feature extractor (5 max-pools take 32×32
to 1×1) and one linear classifier. ResNet-18: torchvision's ResNet-18 with the usual CIFAR stem
(3×3 stride-1 first conv, no max-pool). Both are trained here (``python -m sfutils.train``).
"""

from __future__ import annotations

from torch import nn
from torchvision.models import resnet18
from torchvision.models.vgg import cfgs, make_layers


def vgg19_cifar(num_classes: int = 10, width: float = 1.0) -> nn.Sequential:
    """VGG-19-BN for 3×32×32 inputs; ``width`` scales every layer's channels (0.5: the half-width
    net trained on a CPU here, a quarter of the FLOPs and parameters)."""
    layers = [v if v == "M" else int(v * width) for v in cfgs["E"]]
    return nn.Sequential(make_layers(layers, batch_norm=True), nn.Flatten(), nn.Linear(int(512 * width), num_classes))


def resnet18_cifar(num_classes: int = 10) -> nn.Module:
    """ResNet-18 with a CIFAR stem for 3×32×32 inputs."""
    net = resnet18(num_classes=num_classes)
    net.conv1 = nn.Conv2d(3, 64, 3, padding=1, bias=False)
    net.maxpool = nn.Identity()
    return net
