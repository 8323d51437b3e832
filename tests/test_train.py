"""Training: a tiny seeded LeNet run, resumption, the fast-AT step and the accuracy table writer."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import pytest
import torch

from sfutils.accuracy import accuracy, pgd_accuracy, write_table
from sfutils.checksum import load_checkpoint, sha256_file
from sfutils.stats import wilson
from sfutils.train import PAPER_MODELS, RECIPES, Recipe, augment, linf_attack, main, train
from conftest import images, trained_cnn

needs_mirror = pytest.mark.skipif(not os.environ.get("SFUTILS_MIRROR"), reason="SFUTILS_MIRROR is unset (offline mirror)")
TINY = Recipe(epochs=2, batch_size=64, lr=3e-3, optimizer="adam", n_train=320)


@needs_mirror
def test_tiny_lenet_run_learns_and_writes_a_verified_checkpoint(tmp_path):
    record = train("lenet-mnist", TINY, out_dir=tmp_path, device="cpu", n_test=200)
    assert record["test_accuracy"] > 50  # 10 Adam steps on 320 images: far above chance (10 %)
    weights = tmp_path / "lenet-mnist.pt"
    assert record["sha256"] == sha256_file(weights)
    assert json.loads(weights.with_suffix(".json").read_text())["test_accuracy"] == record["test_accuracy"]
    assert set(load_checkpoint(weights, record["sha256"])) == {"0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias", "7.weight", "7.bias"}


@needs_mirror
def test_interrupted_training_resumes_to_the_same_weights(tmp_path):
    full = train("lenet-mnist", TINY, out_dir=tmp_path / "a", device="cpu", n_test=100)
    assert train("lenet-mnist", TINY, out_dir=tmp_path / "b", device="cpu", n_test=100, stop_after=1) is None
    resumed = train("lenet-mnist", TINY, out_dir=tmp_path / "b", device="cpu", n_test=100)
    assert resumed["sha256"] == full["sha256"]
    with pytest.raises(ValueError, match="other settings"):
        train("lenet-mnist", replace(TINY, lr=1e-2), out_dir=tmp_path / "b", device="cpu", n_test=100)


@needs_mirror
def test_fast_adversarial_fine_tuning_records_robust_accuracy(tmp_path):
    recipe = replace(RECIPES["resnet20-cifar10-linf"], epochs=1, n_train=64, batch_size=32)
    record = train("resnet20-cifar10-linf", recipe, out_dir=tmp_path, device="cpu", n_test=50)
    assert record["pgd20"]["images"] == 50 and record["pgd20"]["implementation"] == "torchattacks.PGD"
    assert record["pgd20"]["steps"] == 20 and record["pgd20"]["eps"] == 8 / 255
    assert 0 <= record["pgd20_accuracy"] <= record["test_accuracy"]
    card = (tmp_path / "resnet20-cifar10-linf.md").read_text()
    assert record["sha256"] in card and f"**{record['pgd20_accuracy']} %** on 50" in card
    assert "FGSM from a random start" in card and "1 epochs" in card


@needs_mirror
@pytest.mark.parametrize("name", PAPER_MODELS)
def test_paper_model_recipes_run_one_tiny_epoch_on_cpu(name, tmp_path):
    """The GPU path of `make train-paper-models` (mixed precision, one-cycle, PGD training for the
    l-inf net) on 64 images for one epoch, bfloat16 on the CPU."""
    recipe = replace(RECIPES[name], epochs=1, n_train=64, batch_size=32)
    assert recipe.amp and recipe.schedule == "cyclic"
    record = train(name, recipe, out_dir=tmp_path, device="cpu", n_test=20)
    assert record["train_images"] == 64 and 0 <= record["test_accuracy"] <= 100
    assert 0 <= record["pgd20_accuracy"] <= record["test_accuracy"]
    assert load_checkpoint(tmp_path / f"{name}.pt", record["sha256"])


def test_paper_models_refuse_a_cpu_with_a_clear_message(capsys):
    with pytest.raises(SystemExit, match="needs a CUDA GPU"):
        main(["--paper", "--device", "cpu", *PAPER_MODELS])


def test_pgd_accuracy_uses_eval_mode_and_lies_below_clean_accuracy():
    model = trained_cnn(1, 10)
    x = images(40, 1, 10)
    y = model(x).argmax(1)
    assert pgd_accuracy(model, x, y, eps=0.0, steps=2) == 1.0  # a zero-radius attack changes nothing
    assert pgd_accuracy(model, x, y, eps=0.3, alpha=0.1, steps=10) < 1.0
    model.train()
    with pytest.raises(ValueError, match="eval mode"):
        pgd_accuracy(model, x, y)


def test_vgg19_half_width_has_a_quarter_of_the_parameters():
    from sfutils.models.cifar_vgg_resnet18 import vgg19_cifar

    count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    full, half = count(vgg19_cifar()), count(vgg19_cifar(width=0.5))
    assert 0.24 < half / full < 0.26
    assert vgg19_cifar(width=0.5)(torch.rand(2, 3, 32, 32)).shape == (2, 10)


def test_linf_attack_stays_in_the_ball_and_raises_the_loss():
    model = trained_cnn(1, 10)
    x = images(32, 1, 10)
    y = model(x).argmax(1)
    eps = 0.1
    x_adv = linf_attack(model, x, y, eps, alpha=0.025, steps=10)
    assert (x_adv - x).abs().max() <= eps + 1e-6 and 0 <= x_adv.min() and x_adv.max() <= 1
    loss = torch.nn.functional.cross_entropy
    assert loss(model(x_adv), y) > loss(model(x), y)


def test_augment_crops_and_flips_per_image():
    torch.manual_seed(0)
    x = torch.rand(64, 3, 8, 8)
    out = augment(x, pad=2)
    assert out.shape == x.shape
    same = [torch.equal(out[k], x[k]) or torch.equal(out[k], x[k].flip(2)) for k in range(64)]
    assert 0 < sum(same) < 64  # some images unshifted, most shifted: randomness is per image


def test_accuracy_and_table_writer(tmp_path):
    model = trained_cnn(1, 10)
    x = images(40, 1, 10)
    y = model(x).argmax(1)
    assert accuracy(model, x, y, batch_size=7) == 1.0
    assert accuracy(model, x, (y + 1) % 10) == 0.0
    with pytest.raises(ValueError):
        accuracy(model, x, y[:3])
    row = {"model": "m", "dataset": "mnist", "n": 40, "accuracy": 99.0, "reference_accuracy": None, "reference": "r",
           "data_source": "s", "device": "cpu", "date": "2025-01-01", "seconds": 1.0}
    robust = {**row, "model": "r", "dataset": "cifar10", "pgd_n": 20, "pgd_accuracy": 41.5, "pgd": "PGD-20"}
    write_table([row, robust], tmp_path)
    acc_lo, acc_hi = (round(100 * b, 2) for b in wilson(40, 40))  # 99.0 % of 40 images: 40 correct
    pgd_lo, pgd_hi = (round(100 * b, 2) for b in wilson(8, 20))  # 41.5 % of 20: 8 still correct
    lines = (tmp_path / "accuracy.csv").read_text().splitlines()
    assert lines[1].startswith(f"m,mnist,40,99.0,{acc_lo},{acc_hi},,,,,,")
    assert lines[2].startswith(f"r,cifar10,40,99.0,{acc_lo},{acc_hi},20,41.5,{pgd_lo},{pgd_hi},PGD-20,")
    md = (tmp_path / "accuracy.md").read_text()
    assert f"| m | mnist | 40 | 99.0 | {acc_lo} | {acc_hi} | – | – | – | – | – |" in md
    assert f"| r | cifar10 | 40 | 99.0 | {acc_lo} | {acc_hi} | 20 | 41.5 | {pgd_lo} | {pgd_hi} | PGD-20 |" in md
    assert 0 < pgd_lo < 41.5 < pgd_hi < 100 and acc_hi == 100.0
