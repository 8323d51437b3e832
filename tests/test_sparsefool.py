"""Batched SparseFool/DeepFool against the per-sample reference of Algorithms 1-2."""

from __future__ import annotations

import math

import pytest
import torch

from conftest import images, tiny_cnn, tiny_mlp
from sfutils.testing.reference import ref_deepfool, ref_sparsefool
from sfutils.attacks import bounds, deepfool, sparsefool


def _compare(model, x, lam, lb=None, ub=None, target=None):
    res = sparsefool(model, x, lam=lam, lb=lb, ub=ub, target=target)
    lb_t = torch.zeros_like(x) if lb is None else lb
    ub_t = torch.ones_like(x) if ub is None else ub
    for i in range(x.shape[0]):
        t = None if target is None else int(target[i])
        fool, label, fool_label, loops = ref_sparsefool(model, x[i:i + 1], lb_t[i:i + 1], ub_t[i:i + 1],
                                                        lam=lam, target=t)
        assert int(res.label[i]) == label
        assert int(res.adv_label[i]) == fool_label, f"sample {i}: adversarial label differs"
        assert int(res.iterations[i]) == loops, f"sample {i}: iteration count differs"
        assert torch.equal(res.perturbation[i] != 0, (fool - x[i:i + 1])[0] != 0), \
            f"sample {i}: perturbed pixel sets differ"
        torch.testing.assert_close(res.adversarial[i], fool[0], rtol=1e-4, atol=1e-5)
    return res


@pytest.mark.parametrize("lam", [1.0, 3.0])
def test_matches_reference_gray(gray_model, lam):
    res = _compare(gray_model, images(12, 1, 10, seed=int(lam)), lam)
    assert res.success.float().mean() > 0.8


@pytest.mark.parametrize("lam", [1.0, 3.0])
def test_matches_reference_color_with_delta_box(color_model, lam):
    x = images(10, 3, 8, seed=5)
    lb, ub = bounds(x, delta=30)
    res = _compare(color_model, x, lam, lb, ub)
    assert ((res.adversarial - x).abs() <= 30 / 255 + 1e-6).all()


def test_matches_reference_feature_vectors():
    model = tiny_mlp(dim=2, classes=3)
    x = torch.rand(20, 2, generator=torch.Generator().manual_seed(3))
    res = _compare(model, x, 2.0)
    assert set(res.perturbed_pixels().tolist()) <= {0, 1, 2}


def test_targeted_matches_reference(gray_model):
    x = images(8, 1, 10, seed=11)
    with torch.no_grad():
        label = gray_model(x).argmax(1)
    target = (label + 3) % 10
    res = _compare(gray_model, x, 3.0, target=target)
    assert torch.equal(res.success, res.adv_label == target)


def test_deepfool_matches_reference(color_model):
    x = images(6, 3, 8, seed=2)
    res = deepfool(color_model, x)
    for i in range(x.shape[0]):
        r_tot, _, _, label, k_i, loops = ref_deepfool(color_model, x[i:i + 1])
        assert int(res.label[i]) == label and int(res.adv_label[i]) == k_i
        assert int(res.iterations[i]) == loops
        torch.testing.assert_close(res.perturbation[i] / 1.02, r_tot[0], rtol=1e-4, atol=1e-6)
    assert res.success.all()


def test_adversarials_in_box_and_success_honest(color_model):
    x = images(16, 3, 8, seed=9)
    res = sparsefool(color_model, x, lam=1.0)
    assert (res.adversarial >= 0).all() and (res.adversarial <= 1).all()
    with torch.no_grad():
        assert torch.equal(color_model(res.adversarial).argmax(1), res.adv_label)
        assert torch.equal(color_model(x).argmax(1), res.label)
    assert torch.equal(res.success, res.adv_label != res.label)
    torch.testing.assert_close(res.adversarial - res.perturbation, x)
    assert (res.grad_evals > 0).all() and (res.forward_evals > res.iterations).all()


def test_batch_equals_one_at_a_time_and_chunks(gray_model):
    x = images(9, 1, 10, seed=4)
    full = sparsefool(gray_model, x, lam=2.0)
    chunked = sparsefool(gray_model, x, lam=2.0, batch_size=4)
    assert torch.equal(full.perturbation != 0, chunked.perturbation != 0)
    assert torch.equal(full.adv_label, chunked.adv_label)
    assert torch.equal(full.iterations, chunked.iterations)
    for i in range(x.shape[0]):
        one = sparsefool(gray_model, x[i:i + 1], lam=2.0)
        assert torch.equal(one.perturbation[0] != 0, full.perturbation[i] != 0)
        assert int(one.adv_label[0]) == int(full.adv_label[i])


def test_pixel_count_counts_pixels_not_channels():
    model = tiny_cnn(3, 8, seed=1)
    res = sparsefool(model, images(4, 3, 8, seed=1), lam=3.0)
    changed = (res.perturbation != 0).any(dim=1).flatten(1).sum(1)
    assert torch.equal(res.perturbed_pixels(), changed)
    torch.testing.assert_close(res.perturbed_pixels_pct(), 100.0 * changed.double() / 64)


def test_lambda_trades_sparsity_for_iterations(gray_model):
    x = images(24, 1, 10, seed=8)
    sparse, fast = sparsefool(gray_model, x, lam=1.0), sparsefool(gray_model, x, lam=5.0)
    assert fast.iterations.float().mean() <= sparse.iterations.float().mean()


def test_bounds_box():
    x = torch.tensor([[[[0.0, 0.5, 1.0]]]])
    lb, ub = bounds(x, delta=51)
    torch.testing.assert_close(lb, torch.tensor([[[[0.0, 0.3, 0.8]]]]))
    torch.testing.assert_close(ub, torch.tensor([[[[0.2, 0.7, 1.0]]]]))
    with pytest.raises(ValueError, match="0-255"):
        bounds(x, delta=300)


class TestBadInput:
    def test_too_few_dims(self, gray_model):
        with pytest.raises(ValueError, match="at least 2 dims"):
            sparsefool(gray_model, torch.rand(10))

    def test_integer_dtype(self, gray_model):
        with pytest.raises(TypeError, match="floating-point"):
            sparsefool(gray_model, torch.zeros(2, 1, 10, 10, dtype=torch.uint8))

    def test_outside_bounds(self, gray_model):
        with pytest.raises(ValueError, match="outside its bounds"):
            sparsefool(gray_model, images(2, 1, 10) * 255)

    def test_lb_above_ub(self, gray_model):
        x = images(2, 1, 10)
        with pytest.raises(ValueError, match="exceeds"):
            sparsefool(gray_model, x, lb=x + 0.1, ub=x)

    def test_nan(self, gray_model):
        x = images(2, 1, 10)
        x[0, 0, 0, 0] = float("nan")
        with pytest.raises(ValueError, match="NaN"):
            sparsefool(gray_model, x)

    def test_train_mode(self, gray_model):
        with pytest.raises(ValueError, match="train mode"):
            sparsefool(gray_model.train(), images(2, 1, 10))

    def test_not_a_module(self):
        with pytest.raises(TypeError, match="nn.Module"):
            sparsefool(lambda z: z, images(2, 1, 10))

    def test_lambda_below_one(self, gray_model):
        with pytest.raises(ValueError, match="lam"):
            sparsefool(gray_model, images(2, 1, 10), lam=0.5)

    def test_unknown_target(self, gray_model):
        with pytest.raises(ValueError, match="unknown target"):
            sparsefool(gray_model, images(2, 1, 10), target=12)

    def test_deepfool_checks_too(self, gray_model):
        with pytest.raises(ValueError, match="train mode"):
            deepfool(gray_model.train(), images(2, 1, 10))


@pytest.mark.parametrize("lam", [1.0, 3.0])
def test_matches_reference_on_mnist_lenet(lam):
    """Real images and the real network: the batched attack perturbs exactly the reference's pixels."""
    import os

    if not os.environ.get("SFUTILS_MIRROR"):
        pytest.skip("SFUTILS_MIRROR is not set: no offline MNIST here")
    from sfutils.data import load_dataset
    from sfutils.models import get_model

    x, _ = load_dataset("mnist", n=6, seed=int(lam))
    res = _compare(get_model("lenet-mnist", device="cpu"), x, lam)
    assert res.success.all()
    assert res.median_pixels_pct() < 10.0


def test_constant_model_fails_cleanly_without_nan():
    """All candidate gradients vanish: DeepFool has no hyperplane; SparseFool stops, no NaN leaks."""

    class Constant(torch.nn.Module):
        def forward(self, z):
            return torch.arange(10.0).expand(z.shape[0], 10) + 0.0 * z.flatten(1).sum(1, keepdim=True)

    x = images(3, 1, 10)
    res = sparsefool(Constant().eval(), x, lam=1.0)
    assert not res.success.any()
    assert torch.isfinite(res.adversarial).all()
    assert torch.equal(res.adversarial, x)
    d = deepfool(Constant().eval(), x)
    assert torch.isfinite(d.adversarial).all() and not d.success.any()


def test_median_is_the_usual_median_over_successes():
    from sfutils.metrics import median_of_successes

    values = torch.tensor([1.0, 2.0, 3.0, 4.0, 100.0])
    success = torch.tensor([True, True, True, True, False])
    assert median_of_successes(values, success) == 2.5
    assert math.isnan(median_of_successes(values, torch.zeros(5, dtype=torch.bool)))


@pytest.mark.skipif(not __import__("os").environ.get("SFUTILS_MIRROR"), reason="SFUTILS_MIRROR is unset (offline mirror)")
@pytest.mark.parametrize("name, n, lam", [("lenet-mnist", 6, 1.0), ("resnet20-cifar10", 3, 3.0)])
def test_matches_reference_on_real_networks_in_float64(name, n, lam):
    """On the paper's kind of network the batched attack and the per-sample reference agree exactly
    in float64; in float32 an occasional long trajectory parts by round-off of the batched
    convolutions (benchmarks/README.md counts how often)."""
    from sfutils.models import get_model, model_data
    model = get_model(name).double()
    x = model_data(name, n=n, seed=0)[0].double()
    res = _compare(model, x, lam)
    assert res.success.all()


def test_slots_refill_as_samples_finish(gray_model):
    """With batch_size < N finished samples hand their slot to the next image: iteration counts
    differ across the batch, yet every answer is the whole-batch one."""
    x = images(12, 1, 10, seed=31)
    whole = sparsefool(gray_model, x, lam=1.0)
    assert whole.iterations.unique().numel() > 1
    streamed = sparsefool(gray_model, x, lam=1.0, batch_size=2)
    for a, b in [(whole.adv_label, streamed.adv_label), (whole.iterations, streamed.iterations),
                 (whole.grad_evals, streamed.grad_evals), (whole.perturbation != 0, streamed.perturbation != 0)]:
        assert torch.equal(a, b)
