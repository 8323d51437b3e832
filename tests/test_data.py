"""Data loaders: the offline mirror (skipped without $SFUTILS_MIRROR), the local cache and the
foolbox ImageNet samples a new user gets without the mirror, the mirror builder (fed from local
file:// sources), and the quick profile of a notebook run with no mirror at all."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import tarfile
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch
from PIL import Image

from sfutils import data, mirror, runner
from sfutils.data import (
    _subset_indices, class_names, dataset_source, get_dataset, imagenet_wnids, load_dataset,
)

needs_mirror = pytest.mark.skipif(not os.environ.get("SFUTILS_MIRROR"), reason="SFUTILS_MIRROR is unset (offline mirror)")


def _check_images(x: torch.Tensor, y: torch.Tensor, shape: tuple[int, ...], classes: int) -> None:
    assert x.shape == shape and x.dtype == torch.float32 and y.dtype == torch.long
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.9
    assert 0 <= y.min() and y.max() < classes


@needs_mirror
def test_mnist_test_split():
    x, y = load_dataset("mnist")
    _check_images(x, y, (10000, 1, 28, 28), 10)
    assert y.bincount().tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    src = dataset_source("mnist")
    assert src.kind == "mirror" and not src.lossy


@needs_mirror
def test_cifar10_jpeg_is_flagged_lossy():
    with pytest.warns(UserWarning, match="JPEG"):
        x, y = load_dataset("cifar10")
    _check_images(x, y, (10000, 3, 32, 32), 10)
    assert (y.bincount() == 1000).all()
    assert dataset_source("cifar10").lossy


@needs_mirror
def test_subset_is_reproducible_and_part_of_the_full_set():
    full_x, full_y = load_dataset("mnist")
    x1, y1 = load_dataset("mnist", n=50, seed=3)
    x2, y2 = load_dataset("mnist", n=50, seed=3)
    x3, _ = load_dataset("mnist", n=50, seed=4)
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and not torch.equal(x1, x3)
    keep = _subset_indices(len(full_y), 50, 3)
    assert torch.equal(x1, full_x[keep]) and torch.equal(y1, full_y[keep])


@needs_mirror
def test_imagenet_samples_resized_per_model():
    with pytest.warns(UserWarning, match="NOT the validation set"):
        x, y = load_dataset("imagenet", n=3, seed=0, crop=299)
    _check_images(x, y, (3, 3, 299, 299), 1000)
    assert (y % 2 == 0).all()  # the mirror holds one image per even class
    assert dataset_source("imagenet").partial


def test_imagenet_folder_labels_from_sorted_wnids(tmp_path):
    wnids = imagenet_wnids()
    for k in (7, 3):
        (tmp_path / wnids[k]).mkdir()
        Image.new("RGB", (50, 40), (30 * k, 0, 0)).save(tmp_path / wnids[k] / "a.JPEG")
    x, y = load_dataset("imagenet", root=tmp_path, crop=32, resize=36)
    assert x.shape == (2, 3, 32, 32) and sorted(y.tolist()) == [3, 7]
    (tmp_path / "not-a-wnid").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "not-a-wnid" / "b.JPEG")
    with pytest.raises(ValueError, match="not ImageNet wnids"):
        load_dataset("imagenet", root=tmp_path)


def test_class_lists():
    wnids = imagenet_wnids()
    assert len(set(wnids)) == 1000 and wnids == sorted(wnids) and wnids[0] == "n01440764"
    assert class_names("imagenet")[0] == "tench" and len(class_names("imagenet")) == 1000
    assert class_names("cifar10")[3] == "cat" and class_names("mnist")[7] == "7"


def test_bad_arguments_fail_clearly(monkeypatch):
    with pytest.raises(ValueError, match="known: mnist, cifar10, imagenet"):
        load_dataset("svhn")
    with pytest.raises(ValueError, match="unknown split"):
        dataset_source("mnist", "val")
    with pytest.raises(ValueError, match="n must be"):
        _subset_indices(10, 11, 0)
    with pytest.raises(ValueError, match="n must be"):
        _subset_indices(10, 0, 0)
    with pytest.raises(ValueError, match="ImageNet only"):
        load_dataset("mnist", crop=224)
    monkeypatch.delenv("SFUTILS_MIRROR", raising=False)
    monkeypatch.delenv("SFUTILS_IMAGENET_VAL", raising=False)
    monkeypatch.setattr(data, "foolbox_samples_dir", lambda: None)
    with pytest.raises(FileNotFoundError, match="SFUTILS_IMAGENET_VAL"):
        dataset_source("imagenet")
    monkeypatch.setenv("SFUTILS_MIRROR", "/no/such/dir")
    with pytest.raises(ValueError, match="not a directory"):
        dataset_source("mnist")


@needs_mirror
def test_training_dataset_yields_float_images():
    ds = get_dataset("cifar10", "train", n=100, seed=0)
    x, y = ds[0]
    assert len(ds) == 100 and ds.x.dtype == torch.uint8
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
    assert 0 <= int(y) < 10


def _write_cifar_batches(folder: Path, x: np.ndarray, y: list[int], per_batch: int) -> None:
    """CIFAR-10 in torchvision's ``cifar-10-batches-py`` layout: five train batches and the test batch,
    each a pickled dict of rows of 3072 uint8 (R, G, B planes) and labels."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        rows = slice(k * per_batch, (k + 1) * per_batch) if name != "test_batch" else slice(0, len(y))
        blob = {"data": x[rows].reshape(-1, 3072), "labels": list(y[rows]), "batch_label": name}
        with open(folder / name, "wb") as f:
            pickle.dump(blob, f)


def _fake_cifar(n: int = 12, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), [int(v) for v in rng.integers(0, 10, n)]


def test_cifar10_cache_in_torchvision_layout_is_read_losslessly(tmp_path, monkeypatch):
    monkeypatch.delenv("SFUTILS_MIRROR", raising=False)
    monkeypatch.setenv("SFUTILS_DATA", str(tmp_path))
    x, y = _fake_cifar(12)
    _write_cifar_batches(tmp_path / "cifar-10-batches-py", x, y, per_batch=2)
    src = dataset_source("cifar10")
    assert src.kind == "cache" and not src.lossy
    xt, yt = load_dataset("cifar10")
    assert torch.equal((xt * 255).round().to(torch.uint8), torch.from_numpy(x)) and yt.tolist() == y
    assert len(get_dataset("cifar10", "train")) == 10  # five batches of two


@pytest.mark.parametrize("name, cls, error", [
    ("mnist", "MNIST", RuntimeError("Error downloading train-images-idx3-ubyte.gz: no network")),  # torchvision's
    ("cifar10", "CIFAR10", URLError("no network")),
])
def test_failed_download_names_the_offline_ways_in(name, cls, error, tmp_path, monkeypatch):
    """A new user offline, with neither the mirror nor a cache: a RuntimeError that says what to do,
    not urllib's or torchvision's traceback."""
    monkeypatch.delenv("SFUTILS_MIRROR", raising=False)
    monkeypatch.setenv("SFUTILS_DATA", str(tmp_path))

    def offline(*args, **kwargs):
        raise error
    monkeypatch.setattr(data.torchvision.datasets, cls, offline)
    assert dataset_source(name).kind == "online"
    with pytest.raises(data.DownloadError, match=f"cannot download .*no network.*{tmp_path}.*SFUTILS_MIRROR.*sfutils.mirror"):
        load_dataset(name, n=2)


def test_imagenet_falls_back_to_foolbox_samples(monkeypatch):
    monkeypatch.delenv("SFUTILS_MIRROR", raising=False)
    monkeypatch.delenv("SFUTILS_IMAGENET_VAL", raising=False)
    folder = data.foolbox_samples_dir()
    if folder is None:
        pytest.skip("foolbox is not installed (the 'compare' extra)")
    src = dataset_source("imagenet")
    assert src.kind == "samples" and src.partial and "foolbox" in src.description
    assert "NOT the validation set" in str(src)
    with pytest.warns(UserWarning, match="foolbox"):
        x, y = load_dataset("imagenet", crop=64, resize=73)
    files = sorted(folder.glob("imagenet_*.jpg"))
    assert x.shape == (len(files), 3, 64, 64) == (20, 3, 64, 64)
    assert y.tolist() == [int(f.stem.split("_")[-1]) for f in files] and y[0] == 243
    _check_images(x, y, (20, 3, 64, 64), 1000)
    with pytest.raises(ValueError, match=r"foolbox package.*has 20\), got 100; for more ImageNet images set"):
        load_dataset("imagenet", n=100, crop=64)


def _local(path: Path, **checksum: str) -> mirror.Download:
    return mirror.Download(path.name, ("file://" + str(path.resolve()),), **checksum)


def test_mirror_builder_lays_out_what_the_loaders_read(tmp_path, monkeypatch):
    """`python -m sfutils.mirror` on local file:// sources: fetched, checksum-checked, laid out."""
    src = tmp_path / "online"
    src.mkdir()
    mnist_items = []
    for name, shape in [("train-images-idx3-ubyte", (3, 28, 28)), ("train-labels-idx1-ubyte", (3,)),
                        ("t10k-images-idx3-ubyte", (2, 28, 28)), ("t10k-labels-idx1-ubyte", (2,))]:
        arr = (np.arange(np.prod(shape)) % (10 if len(shape) == 1 else 256)).astype(np.uint8).reshape(shape)
        header = (2051 if len(shape) == 3 else 2049).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)
        gz = src / f"{name}.gz"
        gz.write_bytes(gzip.compress(header + arr.tobytes()))
        item = _local(gz, md5=hashlib.md5(gz.read_bytes()).hexdigest())
        mnist_items.append(mirror.Download(f"mnist/{gz.name}", item.urls, md5=item.md5))
    x, y = _fake_cifar(12, seed=1)
    _write_cifar_batches(tmp_path / "tgz" / "cifar-10-batches-py", x, y, per_batch=2)
    archive = src / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "tgz" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    weights = src / "resnet20-fake.th"
    weights.write_bytes(b"not really a checkpoint")
    sha = hashlib.sha256(weights.read_bytes()).hexdigest()
    monkeypatch.setattr(mirror, "mnist_downloads", lambda: mnist_items)
    monkeypatch.setattr(mirror, "cifar10_download", lambda: _local(archive, md5=hashlib.md5(archive.read_bytes()).hexdigest()))
    monkeypatch.setattr(mirror, "weight_downloads", lambda: [
        mirror.Download("cifar10-resnets/resnet20-fake.th", _local(weights).urls, sha256=sha[:8])])

    out = tmp_path / "mirror"
    assert mirror.main(["--out", str(out)]) == 0
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 4 + 1 + 2 and f"{sha}  cifar10-resnets/resnet20-fake.th" in sums
    monkeypatch.setenv("SFUTILS_MIRROR", str(out))
    monkeypatch.setenv("SFUTILS_DATA", str(tmp_path / "cache"))
    cifar = dataset_source("cifar10")
    assert cifar.kind == "mirror" and not cifar.lossy and "PNG" in str(cifar)
    xt, yt = load_dataset("cifar10", "test")
    order = sorted(range(len(y)), key=lambda i: (data.CIFAR10_CLASSES[y[i]], i))  # tar members by name
    assert torch.equal((xt * 255).round().to(torch.uint8), torch.from_numpy(x[order]))
    assert yt.tolist() == [y[i] for i in order]
    assert dataset_source("mnist").kind == "mirror"
    xm, ym = load_dataset("mnist", "test")
    assert xm.shape == (2, 1, 28, 28) and ym.tolist() == [0, 1]

    bad = mirror.Download("mnist/x.gz", mnist_items[0].urls, md5="0" * 32)
    with pytest.raises(OSError, match="checksum mismatch"):
        mirror.fetch(bad, tmp_path / "bad.gz")
    assert not (tmp_path / "bad.gz").exists()


def _prefill_caches(cache: Path, mirror_root: Path) -> None:
    """The local cache as torchvision's downloads would leave it, filled from the offline mirror:
    MNIST's raw idx files, CIFAR-10 pickles (from the mirror's JPEGs: only the file layout matters
    here) and the CIFAR ResNet-20 checkpoint in data/checkpoints/."""
    raw = cache / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for gz in (mirror_root / "mnist").glob("*.gz"):
        with gzip.open(gz) as f_in, open(raw / gz.stem, "wb") as f_out:
            shutil.copyfileobj(f_in, f_out)
    xs, ys = [], []
    with tarfile.open(mirror_root / "cifar10-jpeg" / "test.tar") as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)[::20]
        for m in members:
            with Image.open(tar.extractfile(m)) as im:
                xs.append(np.asarray(im.convert("RGB")).transpose(2, 0, 1))
            ys.append(data.CIFAR10_CLASSES.index(m.name.split("/")[-2]))
    _write_cifar_batches(cache / "cifar-10-batches-py", np.stack(xs), ys, per_batch=len(ys) // 5)
    (cache / "checkpoints").mkdir()
    for th in (mirror_root / "cifar10-resnets").glob("resnet20-*.th"):
        shutil.copy(th, cache / "checkpoints" / th.name)


@pytest.mark.slow
@pytest.mark.notebook
def test_quick_profile_runs_without_the_mirror(tmp_path, monkeypatch):
    """A new user's machine: no $SFUTILS_MIRROR, caches as torchvision leaves them, ImageNet from
    foolbox's samples. Notebook 02 reads all three data sets in the quick profile."""
    mirror_env = os.environ.get("SFUTILS_MIRROR")
    if not mirror_env:
        pytest.skip("fills the caches from the offline mirror (SFUTILS_MIRROR is unset)")
    if data.foolbox_samples_dir() is None:
        pytest.skip("foolbox is not installed (the 'compare' extra)")
    _prefill_caches(tmp_path / "data", Path(mirror_env))
    for var in ("SFUTILS_MIRROR", "SFUTILS_IMAGENET_VAL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SFUTILS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path / "figures"))
    assert {n: dataset_source(n).kind for n in data.DATASETS} == {"mnist": "cache", "cifar10": "cache", "imagenet": "samples"}
    source = runner.notebook_sources(only=["02"])[0]
    nb = runner.execute(source, "quick", tmp_path / f"{source.stem}.ipynb")
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "foolbox" in text, "the notebook does not say that ImageNet comes from foolbox's samples"
    assert list((tmp_path / "figures").rglob("*.png"))
