"""Data loaders: the offline mirror (skipped without $SFUTILS_MIRROR) and an ImageFolder built here."""

from __future__ import annotations

import os

import pytest
import torch
from PIL import Image

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
