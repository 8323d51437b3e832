"""Model registry, verified checkpoint loading and accuracy floors on small slices of the mirror."""

from __future__ import annotations

import os
import shutil
from urllib.error import URLError

import pytest
import torch
import torchvision

from sfutils.accuracy import accuracy
from sfutils.checksum import ChecksumError, load_checkpoint, sha256_file, verify_sha256
from sfutils.data import DownloadError
from sfutils.models import REGISTRY, Normalized, get_model, list_models, model_data, model_info, weights_file
from sfutils.models import loading

needs_mirror = pytest.mark.skipif(not os.environ.get("SFUTILS_MIRROR"), reason="SFUTILS_MIRROR is unset (offline mirror)")
SMALL = ["lenet-mnist", "vgg19-cifar10", "resnet18-cifar10", "resnet20-cifar10", "resnet56-cifar10"]


def test_registry_lists_the_papers_models_and_errors_list_known_names():
    names = list_models()
    for name in ["lenet-mnist", "vgg19-cifar10", "resnet18-cifar10", "vgg16", "resnet101", "densenet161", "inception-v3"]:
        assert name in names
    assert list_models("mnist") == ["lenet-mnist"]
    with pytest.raises(ValueError, match="unknown model 'alexnet'; known models: lenet-mnist, .*efficientnet-lite0"):
        get_model("alexnet")
    with pytest.raises(TypeError):
        model_info(3)


@pytest.mark.parametrize("name", SMALL)
def test_architectures_map_images_to_logits(name):
    spec = model_info(name)
    model = get_model(name, pretrained=False)
    assert isinstance(model, Normalized) and not model.training
    x = torch.rand(2, *spec.input_size)
    assert model(x).shape == (2, 10)
    assert torch.allclose(model(x), model.net((x - model.mean) / model.std))


def test_package_weights_match_the_registry():
    for spec in REGISTRY.values():
        if spec.weights.kind == "package":
            path, sha = weights_file(spec)
            assert sha256_file(path) == sha, spec.name
            assert path.stat().st_size <= 20 * 2**20  # the half-width VGG-19 is the largest: 19.2 MiB


def test_checksum_failure_on_a_corrupted_copy(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"w": torch.arange(1000.0)}, path)
    good = sha256_file(path)
    assert torch.equal(load_checkpoint(path, good)["w"], torch.arange(1000.0))
    load_checkpoint(path, good[:8])  # torch.hub-style prefix
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.pt"
    bad.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        verify_sha256(bad, good)
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        load_checkpoint(bad, good)


def test_weights_only_refuses_arbitrary_pickles(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"obj": torch.nn.Linear(2, 2)}, path)  # a module object, not just tensors
    with pytest.raises(ChecksumError, match="weights_only=True"):
        load_checkpoint(path, sha256_file(path))


def test_a_checkpoint_of_the_wrong_architecture_never_half_loads(tmp_path, monkeypatch):
    path = tmp_path / "lenet.pt"
    state = get_model("lenet-mnist", pretrained=False).net.state_dict()
    state.pop(next(iter(state)))
    torch.save(state, path)
    monkeypatch.setattr(loading, "weights_file", lambda spec: (path, sha256_file(path)))
    with pytest.raises(ChecksumError, match="does not fit the lenet-mnist architecture"):
        get_model("lenet-mnist")


def test_untrained_model_says_how_to_train_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SFUTILS_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="python -m sfutils.train vgg19-cifar10"):
        get_model("vgg19-cifar10")


def test_torchvision_models_fail_clearly_offline(monkeypatch):
    def offline(*args, **kwargs):
        raise URLError("no network")
    monkeypatch.setattr(torchvision.models, "get_model", offline)
    with pytest.raises(DownloadError, match="cannot download torchvision weights VGG16_Weights.*efficientnet-lite0"):
        get_model("vgg16")
    assert model_info("inception-v3").input_size == (3, 299, 299)
    assert model_info("vgg16").reference_accuracy == pytest.approx(71.592)


def test_mirror_checkpoint_fails_clearly_offline(tmp_path, monkeypatch):
    monkeypatch.delenv("SFUTILS_MIRROR", raising=False)
    monkeypatch.setenv("SFUTILS_DATA", str(tmp_path))

    def offline(*args, **kwargs):
        raise URLError("no network")
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(DownloadError, match="cannot download the weights of resnet20-cifar10 .*SFUTILS_MIRROR"):
        weights_file(model_info("resnet20-cifar10"))
    assert not list(tmp_path.rglob("*.th")), "a failed download leaves no file behind"


def test_mirror_checkpoint_is_fetched_to_the_cache_with_hash_check(tmp_path, monkeypatch):
    """Without the mirror the public file is downloaded by torch.hub into data/checkpoints/."""
    monkeypatch.delenv("SFUTILS_MIRROR", raising=False)
    monkeypatch.setenv("SFUTILS_DATA", str(tmp_path))
    calls = []
    monkeypatch.setattr(torch.hub, "download_url_to_file", lambda url, dst, hash_prefix: calls.append((url, hash_prefix)))
    path, sha = weights_file(model_info("resnet20-cifar10"))
    assert path == tmp_path / "checkpoints" / "resnet20-12fca82f.th" and sha.startswith("12fca82f")
    assert calls == [(model_info("resnet20-cifar10").weights.url, sha)]


@needs_mirror
def test_mirror_checkpoint_copy_with_a_flipped_byte_is_rejected(tmp_path, monkeypatch):
    path, sha = weights_file(model_info("resnet20-cifar10"))
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    data = bytearray(copy.read_bytes())
    data[-100] ^= 1
    copy.write_bytes(bytes(data))
    monkeypatch.setattr(loading, "weights_file", lambda spec: (copy, sha))
    with pytest.raises(ChecksumError):
        get_model("resnet20-cifar10")


@needs_mirror
@pytest.mark.parametrize("name, n, floor", [
    ("lenet-mnist", 200, 0.97),
    ("resnet20-cifar10", 200, 0.70),  # 91.7 % on real CIFAR-10, ~81 % on the JPEG mirror
    ("resnet20-cifar10-linf", 200, 0.45),
])
def test_pretrained_accuracy_on_a_small_slice(name, n, floor):
    x, y = model_data(name, n=n, seed=0)
    assert accuracy(get_model(name), x, y) >= floor


@needs_mirror
def test_efficientnet_lite0_classifies_imagenet_samples():
    pytest.importorskip("efficientnet_lite_pytorch")
    x, y = model_data("efficientnet-lite0", n=16, seed=0)
    assert x.shape == (16, 3, 224, 224)
    assert accuracy(get_model("efficientnet-lite0"), x, y) >= 0.6


def test_model_cards_of_the_nets_trained_here():
    from sfutils.models import model_card

    for name in ("resnet20-cifar10-linf", "vgg19half-cifar10"):
        card = model_card(name)
        assert card.startswith(f"# Model card: {name}") and model_info(name).weights.sha256 in card
        assert "clean test accuracy" in card and "PGD accuracy" in card
    assert model_card("resnet20-cifar10") is None  # trained elsewhere: no card
