"""The paper's data sets (Sec. 4.1): MNIST, CIFAR-10 and ImageNet as float images in [0, 1].

Every loader returns ``(x, y)``: ``x`` a float tensor (N, C, H, W) in [0, 1] (normalisation lives
inside the models), ``y`` long labels. Sources, the first one found wins:

1. the offline mirror ``$SFUTILS_MIRROR`` (MNIST idx files; CIFAR-10 as lossless PNG when the
   mirror was built by ``python -m sfutils.mirror``, else re-encoded as JPEG, which is lossy and
   costs pretrained nets ~10 points of accuracy; 500 ImageNet sample images, one per even class,
   *not* the validation set),
2. the local cache ``data/`` (``$SFUTILS_DATA`` overrides it) in the layout torchvision's download
   leaves (``MNIST/raw/``, ``cifar-10-batches-py/``),
3. the real online source through torchvision (``download=True``). ImageNet has no download: pass
   ``root=`` or set ``$SFUTILS_IMAGENET_VAL`` to a validation folder in torchvision's ImageFolder
   layout (one sub-folder per wnid); without either, the 20 ImageNet test images that the PyPI
   package ``foolbox`` ships (``foolbox/data/imagenet_NN_<label>.jpg``) stand in.

:mod:`sfutils.mirror` builds the offline mirror from the online sources
(``python -m sfutils.mirror --out DIR``, for air-gapped machines).

:func:`dataset_source` says which source a call reads and :func:`load_dataset` warns when it is a
lossy or partial stand-in, so that notebooks can print what the data really is.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import os
import pickle
import shutil
import tarfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms

from sfutils.paths import data_root
from sfutils.progress import progress_bar

DATASETS = ("mnist", "cifar10", "imagenet")
SPLITS = ("train", "test")
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
_WNIDS_FILE = Path(__file__).with_name("imagenet_wnids.json")
_CIFAR10_BATCHES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DownloadError(RuntimeError):
    """A data set or weights file that is not here and could not be downloaded (no mirror, no cache,
    no network); its message names the offline ways in."""


@dataclass(frozen=True)
class Source:
    """Where a data set is read from: ``kind`` is mirror/cache/online/folder; ``lossy`` or
    ``partial`` flag stand-ins that differ from the data the paper used."""

    kind: str
    path: Path | None
    description: str
    lossy: bool = False
    partial: bool = False

    def __str__(self) -> str:
        return self.description


def mirror_dir() -> Path | None:
    """The offline mirror ``$SFUTILS_MIRROR``, or None when unset."""
    env = os.environ.get("SFUTILS_MIRROR")
    if not env:
        return None
    path = Path(env)
    if not path.is_dir():
        raise ValueError(f"SFUTILS_MIRROR={env!r} is not a directory")
    return path


def foolbox_samples_dir() -> Path | None:
    """The folder of ImageNet test images that the installed ``foolbox`` package ships, or None
    (found without importing foolbox)."""
    spec = importlib.util.find_spec("foolbox")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if any(folder.glob("imagenet_*.jpg")) else None


def imagenet_wnids() -> list[str]:
    """The 1000 ImageNet-1k wnids, sorted: class index = position in this list."""
    return json.loads(_WNIDS_FILE.read_text())


def class_names(name: str) -> list[str]:
    """Human-readable class names (ImageNet's from torchvision's weight enums, no download)."""
    _check_name(name)
    if name == "mnist":
        return [str(d) for d in range(10)]
    if name == "cifar10":
        return list(CIFAR10_CLASSES)
    return list(torchvision.models.ResNet50_Weights.IMAGENET1K_V1.meta["categories"])


def _check_name(name: str, split: str = "test") -> None:
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")


def dataset_source(name: str, split: str = "test", root: str | Path | None = None) -> Source:
    """Which source :func:`load_dataset` reads for ``(name, split)`` (see the module docstring)."""
    _check_name(name, split)
    mirror = mirror_dir()
    if name == "mnist":
        if mirror is not None and all((mirror / "mnist" / f"{f}.gz").is_file() for fs in _MNIST_FILES.values() for f in fs):
            return Source("mirror", mirror / "mnist", "MNIST idx files from the offline mirror (lossless)")
        raw = data_root() / "MNIST" / "raw"
        if all((raw / f).is_file() for fs in _MNIST_FILES.values() for f in fs):
            return Source("cache", raw, f"MNIST cached in {raw} (lossless)")
        return Source("online", data_root(), "MNIST downloaded by torchvision (lossless)")
    if name == "cifar10":
        if mirror is not None and (mirror / "cifar10-png" / f"{split}.tar").is_file():
            return Source("mirror", mirror / "cifar10-png" / f"{split}.tar",
                          "CIFAR-10 as PNG from the offline mirror (lossless)")
        if mirror is not None and (mirror / "cifar10-jpeg" / f"{split}.tar").is_file():
            return Source(
                "mirror", mirror / "cifar10-jpeg" / f"{split}.tar",
                "CIFAR-10 re-encoded as JPEG (quality 75) from the offline mirror: LOSSY, pretrained "
                "nets lose ~10 points of accuracy on it", lossy=True,
            )
        cached = data_root() / "cifar-10-batches-py"
        if all((cached / f).is_file() for f in _CIFAR10_BATCHES[split]):
            return Source("cache", cached, f"CIFAR-10 cached in {cached} (lossless)")
        return Source("online", data_root(), "CIFAR-10 downloaded by torchvision (lossless)")
    if root is not None:
        return Source("folder", Path(root), f"ImageNet images from {root}")
    if split == "test" and mirror is not None and (mirror / "imagenet-samples" / "samples-even-classes.tar").is_file():
        return Source(
            "mirror", mirror / "imagenet-samples" / "samples-even-classes.tar",
            "500 ImageNet sample images from the offline mirror (one per even class, NOT the "
            "validation set the paper samples 4000 images from)", partial=True,
        )
    env = os.environ.get("SFUTILS_IMAGENET_VAL")
    if env:
        return Source("folder", Path(env), f"ImageNet images from $SFUTILS_IMAGENET_VAL={env}")
    samples = foolbox_samples_dir() if split == "test" else None
    if samples is not None:
        return Source(
            "samples", samples,
            f"the {len(list(samples.glob('imagenet_*.jpg')))} ImageNet test images shipped by the "
            "foolbox package (its JPEG files as distributed, decoded once; NOT the validation set the "
            "paper samples 4000 images from)", partial=True,
        )
    raise FileNotFoundError(
        "no ImageNet images: pass root=<folder> or set SFUTILS_IMAGENET_VAL to the validation set "
        "in torchvision's ImageFolder layout (one sub-folder per wnid, e.g. val/n01440764/*.JPEG), "
        "or pip install foolbox==3.3.4 (20 sample images; part of the 'compare' extra)"
    )


def data_tag(name: str, split: str = "test") -> str | None:
    """Which images :func:`dataset_source` gives for ``(name, split)``, for result-store keys
    (:func:`sfutils.results.data_of`).

    ``None`` for the images this repository's committed results were computed on: MNIST from any
    source (the same idx files), the mirror's JPEG CIFAR-10 and its 500 ImageNet sample images.
    Any other source gets a tag naming it, so that rows computed on other images (lossless
    CIFAR-10, foolbox's 20 ImageNet images, a folder) start their own record instead of joining
    those; ``"<name>-unavailable"`` where there is no source (computing then raises).
    """
    if name == "mnist":
        _check_name(name, split)
        return None
    try:
        source = dataset_source(name, split)
    except FileNotFoundError:
        return f"{name}-unavailable"
    if source.kind == "mirror" and (name == "imagenet" or source.lossy):
        return None
    if name == "cifar10":
        return "cifar10-lossless"
    if source.kind == "samples":
        return "imagenet-foolbox-samples"
    return f"imagenet-{source.kind}:{Path(source.path).resolve()}"


_MORE_IMAGENET = ("; for more ImageNet images set SFUTILS_IMAGENET_VAL to a folder of them (one sub-folder per "
                  "wnid), or SFUTILS_MIRROR to the offline mirror")


def _subset_indices(total: int, n: int | None, seed: int, source: Source | None = None) -> torch.Tensor:
    """All indices (n=None) or a reproducible random subset of size n, sorted; ``source`` names
    where the ``total`` items come from in the error."""
    if n is None:
        return torch.arange(total)
    if not isinstance(n, int) or isinstance(n, bool) or not 0 < n <= total:
        where = f" ({source.description} has {total})" if source is not None else ""
        hint = _MORE_IMAGENET if source is not None and source.kind == "samples" else ""
        raise ValueError(f"n must be an int in [1, {total}]{where}, got {n!r}{hint}")
    perm = torch.randperm(total, generator=torch.Generator().manual_seed(seed))
    return perm[:n].sort().values


def _decode(items: Sequence[tuple[Callable[[], bytes], int]], transform: Callable, desc: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode (read-bytes, label) items with PIL + ``transform`` into uint8 (N, C, H, W) and labels."""
    xs = []
    for read, _ in progress_bar(items, desc=desc, leave=False):
        with Image.open(io.BytesIO(read())) as im:
            xs.append(transform(im.convert("RGB")))
    return torch.stack(xs), torch.tensor([label for _, label in items], dtype=torch.long)


def _tar_items(tar: tarfile.TarFile, label_of: Callable[[str], int]) -> list[tuple[Callable[[], bytes], int]]:
    """(read-bytes, label) for every image member of an open tar file, sorted by name."""
    members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)
    return [((lambda m=m: tar.extractfile(m).read()), label_of(m.name)) for m in members]


def _cached(key: str, source: Path, build: Callable[[], tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoded uint8 tensors cached in ``data/cache/<key>.pt``, rebuilt when the source file changes."""
    path = data_root() / "cache" / f"{key}.pt"
    stamp = torch.tensor([source.stat().st_size, source.stat().st_mtime_ns])
    if path.is_file():
        blob = torch.load(path, map_location="cpu", weights_only=True)
        if torch.equal(blob["stamp"], stamp):
            return blob["x"], blob["y"]
    x, y = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"x": x, "y": y, "stamp": stamp}, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)
    return x, y


def _download(dataset: Callable[..., Dataset], name: str, split: str) -> Dataset:
    """torchvision's ``dataset`` (MNIST or CIFAR-10) under :func:`data_root`, downloaded and md5-checked
    when not there yet; a clear error, naming the offline ways in, when the download fails."""
    try:
        return dataset(data_root(), train=split == "train", download=True)
    except (OSError, RuntimeError) as err:  # urllib's URLError; torchvision's MNIST wraps it in a RuntimeError
        raise DownloadError(
            f"cannot download {name} ({err}). It needs the internet once (torchvision then keeps it in "
            f"{data_root()}); offline, set SFUTILS_MIRROR to a mirror built by `python -m sfutils.mirror`, "
            f"or copy torchvision's {name} files into {data_root()} (data/README.md)"
        ) from err


def _mnist(split: str, source: Source) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST parsed by torchvision; the mirror's gz files are unpacked into its raw folder first
    (re-compressed copies: their md5 differs from torchvision's, the idx content is the same)."""
    if source.kind == "mirror":
        raw = data_root() / "MNIST" / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        for f in _MNIST_FILES["train"] + _MNIST_FILES["test"]:  # torchvision checks all four
            if not (raw / f).is_file():
                with gzip.open(source.path / f"{f}.gz") as src, open(raw / f"{f}.tmp", "wb") as dst:
                    shutil.copyfileobj(src, dst)
                (raw / f"{f}.tmp").replace(raw / f)
    ds = _download(torchvision.datasets.MNIST, "MNIST", split)
    return ds.data.unsqueeze(1), ds.targets.long()


def read_cifar10_batches(folder: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 from torchvision's ``cifar-10-batches-py`` pickles (rows of 3072 uint8: R, G, B planes)."""
    xs, ys = [], []
    for name in _CIFAR10_BATCHES[split]:
        with open(folder / name, "rb") as f:
            batch = pickle.load(f, encoding="latin1")
        xs.append(torch.as_tensor(batch["data"], dtype=torch.uint8).reshape(-1, 3, 32, 32))
        ys.append(torch.as_tensor(batch["labels"], dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def _cifar10(split: str, source: Source) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 from the mirror's PNG/JPEG tar (decoded once, then cached) or torchvision's pickles
    (downloaded and md5-checked by torchvision when not cached yet)."""
    if source.kind == "mirror":
        fmt = source.path.parent.name.split("-")[-1]

        def build() -> tuple[torch.Tensor, torch.Tensor]:
            with tarfile.open(source.path) as tar:
                items = _tar_items(tar, lambda n: CIFAR10_CLASSES.index(n.split("/")[-2]))
                return _decode(items, transforms.PILToTensor(), f"decoding CIFAR-10 {split} {fmt} files")
        return _cached(f"cifar10-{fmt}-{split}", source.path, build)
    if source.kind == "online":
        _download(torchvision.datasets.CIFAR10, "CIFAR-10", split)
    return read_cifar10_batches(data_root() / "cifar-10-batches-py", split)


def imagenet_transform(crop: int = 224, resize: int | None = None) -> transforms.Compose:
    """torchvision's ImageNet evaluation preprocessing without normalisation: resize the short side
    to ``resize`` (default crop/0.875), centre-crop ``crop``; uint8 output."""
    resize = round(crop / 0.875) if resize is None else resize
    if not 0 < crop <= resize:
        raise ValueError(f"need 0 < crop <= resize, got crop={crop}, resize={resize}")
    return transforms.Compose([
        transforms.Resize(resize, interpolation=transforms.InterpolationMode.BILINEAR),
        transforms.CenterCrop(crop), transforms.PILToTensor(),
    ])


def _imagenet(source: Source, n: int | None, seed: int, crop: int, resize: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """ImageNet images from the mirror's samples tar, foolbox's sample files or an ImageFolder:
    subset first, then decode."""
    index = {w: i for i, w in enumerate(imagenet_wnids())}
    transform = imagenet_transform(crop, resize)
    if source.kind == "mirror":
        with tarfile.open(source.path) as tar:
            items = _tar_items(tar, lambda name: index[Path(name).name.split("_")[0]])
            keep = _subset_indices(len(items), n, seed, source).tolist()
            return _decode([items[i] for i in keep], transform, "decoding ImageNet samples")
    if source.kind == "samples":  # imagenet_NN_<class index>.jpg
        files = sorted(source.path.glob("imagenet_*.jpg"))
        keep = _subset_indices(len(files), n, seed, source).tolist()
        items = [((lambda p=p: p.read_bytes()), int(p.stem.split("_")[-1])) for p in (files[i] for i in keep)]
        return _decode(items, transform, "decoding foolbox's ImageNet samples")
    folder = torchvision.datasets.ImageFolder(source.path)
    unknown = sorted(set(folder.classes) - set(index))
    if unknown:
        raise ValueError(f"{source.path} has sub-folders that are not ImageNet wnids: {unknown[:5]}")
    keep = _subset_indices(len(folder.samples), n, seed, source).tolist()
    items = [((lambda p=p: Path(p).read_bytes()), index[folder.classes[c]]) for p, c in (folder.samples[i] for i in keep)]
    return _decode(items, transform, "decoding ImageNet images")


def load_uint8(
    name: str, split: str = "test", n: int | None = None, seed: int = 0, *,
    crop: int | None = None, resize: int | None = None, root: str | Path | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Like :func:`load_dataset` but images stay uint8 in [0, 255] (compact, for training sets)."""
    source = dataset_source(name, split, root)
    if name != "imagenet" and (crop is not None or resize is not None or root is not None):
        raise ValueError("crop, resize and root apply to ImageNet only")
    if source.lossy or source.partial:
        warnings.warn(f"{name}/{split}: {source.description}", stacklevel=2)
    if name == "imagenet":
        return _imagenet(source, n, seed, crop or 224, resize)
    x, y = (_mnist if name == "mnist" else _cifar10)(split, source)
    keep = _subset_indices(len(y), n, seed, source)
    return x[keep], y[keep]


def load_dataset(
    name: str, split: str = "test", n: int | None = None, seed: int = 0, *,
    crop: int | None = None, resize: int | None = None, root: str | Path | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images ``x`` (N, C, H, W) float in [0, 1] and labels ``y`` of a data set split.

    ``n``/``seed`` draw a reproducible random subset (the paper attacks 4000 random ImageNet
    validation images, Sec. 4.1); ImageNet is resized to ``resize`` and centre-cropped to ``crop``
    (224 by default, 299 for Inception-v3), see :func:`imagenet_transform`.
    """
    x, y = load_uint8(name, split, n, seed, crop=crop, resize=resize, root=root)
    return x.float().div_(255), y


class ImageTensorDataset(Dataset):
    """A map-style data set over uint8 images, yielding ``(float image in [0, 1], label)``."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        if x.dtype != torch.uint8 or x.dim() != 4 or len(x) != len(y):
            raise ValueError("x must be uint8 (N, C, H, W) with one label per image")
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[i].float() / 255, self.y[i]


def get_dataset(name: str, split: str = "train", n: int | None = None, seed: int = 0) -> ImageTensorDataset:
    """A ``torch.utils.data.Dataset`` of MNIST or CIFAR-10 (for training; images kept as uint8)."""
    if name == "imagenet":
        raise ValueError("get_dataset serves MNIST and CIFAR-10; ImageNet training is out of scope")
    return ImageTensorDataset(*load_uint8(name, split, n, seed))
