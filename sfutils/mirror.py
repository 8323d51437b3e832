"""Build the offline mirror ``$SFUTILS_MIRROR`` from the online sources, for air-gapped machines.

``python -m sfutils.mirror --out DIR`` downloads, checks (md5 / SHA-256) and lays out:

* ``mnist/*.gz`` - the MNIST idx files from torchvision's mirrors (as published, md5-checked);
* ``cifar10-png/{train,test}.tar`` - CIFAR-10 from its official archive, written as lossless PNG
  ``<split>/<class>/NNNNN.png`` (the shared mirror's ``cifar10-jpeg/`` is a lossy JPEG copy);
* ``cifar10-resnets/*.th`` - the pretrained CIFAR-10 ResNets of the model registry (SHA-256-checked);
* ``SHA256SUMS`` - one ``<sha256>  <path>`` line per file.

ImageNet has no public download: offline, the loaders fall back to the 20 sample images that the
``foolbox`` wheel ships (see :func:`sfutils.data.dataset_source`).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision
from PIL import Image

from sfutils.checksum import sha256_file
from sfutils.data import CIFAR10_CLASSES, SPLITS, read_cifar10_batches
from sfutils.models import REGISTRY


@dataclass(frozen=True)
class Download:
    """One file to fetch: its place in the mirror, the URLs to try in order, and its checksum."""

    path: str
    urls: tuple[str, ...]
    md5: str | None = None
    sha256: str | None = None


def mnist_downloads() -> list[Download]:
    """The four MNIST idx archives, from torchvision's list of mirrors and md5 sums."""
    mirrors = torchvision.datasets.MNIST.mirrors
    return [Download(f"mnist/{name}", tuple(m + name for m in mirrors), md5=md5)
            for name, md5 in torchvision.datasets.MNIST.resources]


def cifar10_download() -> Download:
    """The official CIFAR-10 python archive (torchvision's URL and md5)."""
    ds = torchvision.datasets.CIFAR10
    return Download(ds.filename, (ds.url,), md5=ds.tgz_md5)


def weight_downloads() -> list[Download]:
    """The registry's mirror-kind weights (the CIFAR-10 ResNets), SHA-256-checked."""
    return [Download(s.weights.location, (s.weights.url,), sha256=s.weights.sha256)
            for s in REGISTRY.values() if s.weights.kind == "mirror" and s.weights.url]


def fetch(item: Download, dest: Path) -> Path:
    """Download ``item`` to ``dest`` (trying its URLs in order), verified; kept if already valid."""
    if dest.is_file() and _valid(item, dest):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in item.urls:
        try:
            torch.hub.download_url_to_file(url, str(dest), progress=False)
        except OSError as err:
            errors.append(f"{url}: {err}")
            continue
        if _valid(item, dest):
            return dest
        errors.append(f"{url}: checksum mismatch")
        dest.unlink()
    raise OSError(f"could not fetch {item.path}: " + "; ".join(errors))


def _valid(item: Download, path: Path) -> bool:
    if item.md5 is not None:
        return hashlib.md5(path.read_bytes()).hexdigest() == item.md5
    return item.sha256 is None or sha256_file(path).startswith(item.sha256.lower())


def write_png_tar(x: torch.Tensor, y: torch.Tensor, split: str, out: Path) -> Path:
    """uint8 images (N, 3, H, W) as ``<split>/<class>/NNNNN.png`` members of the tar ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tarfile.open(tmp, "w") as tar:
        for i, (img, label) in enumerate(zip(x, y.tolist())):
            buf = io.BytesIO()
            Image.fromarray(img.permute(1, 2, 0).numpy()).save(buf, format="PNG")
            info = tarfile.TarInfo(f"{split}/{CIFAR10_CLASSES[label]}/{i:05d}.png")
            info.size = buf.tell()
            buf.seek(0)
            tar.addfile(info, buf)
    tmp.replace(out)
    return out


def build_mirror(out: Path) -> list[Path]:
    """Fill ``out`` with the mirror layout (module docstring); returns the files, SHA256SUMS last."""
    out = Path(out)
    files = [fetch(item, out / item.path) for item in mnist_downloads() + weight_downloads()]
    with tempfile.TemporaryDirectory() as tmp:
        archive = fetch(cifar10_download(), Path(tmp) / cifar10_download().path)
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        for split in SPLITS:
            x, y = read_cifar10_batches(Path(tmp) / "cifar-10-batches-py", split)
            files.append(write_png_tar(x, y, split, out / "cifar10-png" / f"{split}.tar"))
    sums = out / "SHA256SUMS"
    sums.write_text("".join(f"{sha256_file(f)}  {f.relative_to(out)}\n" for f in files))
    return files + [sums]


def main(argv: list[str] | None = None) -> int:
    """``python -m sfutils.mirror --out DIR``: build the offline mirror (module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m sfutils.mirror", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the mirror folder (then: export SFUTILS_MIRROR=DIR)")
    args = parser.parse_args(argv)
    for path in build_mirror(args.out):
        print(path)
    print(f"done: export SFUTILS_MIRROR={args.out.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
