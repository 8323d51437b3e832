"""The exercise checks of sfutils.course accept answers written from the paper (Algorithms 1-2, no beta,
no minimum step, no (1 + epsilon) step) and reject wrong ones with a message that says what is wrong."""

from __future__ import annotations

import pytest
import torch

from sfutils import course, stats, toy
from sfutils.attacks import linear_solver
from sfutils.attacks.deepfool import deepfool_boundary


def paper_linear_solver(x, w, x_b, lb, ub):
    """Algorithm 1 exactly as the paper prints it: no beta, no 1e-4 minimum step."""
    x, used = x.clone(), set()
    while float(w @ (x - x_b)) < 0 and len(used) < len(w):
        free = [j for j in range(len(w)) if j not in used and w[j] != 0]
        if not free:
            break
        d = max(free, key=lambda j: abs(float(w[j])))
        step = abs(float(w @ (x - x_b))) / abs(float(w[d])) * torch.sign(w[d])  # Eq. (4)
        x[d] = (x[d] + step).clamp(lb[d], ub[d])  # Q
        used.add(d)
    return x


@pytest.fixture(scope="module")
def moons():
    x, y = toy.make_moons(300, seed=0)
    model = toy.train_mlp(x, y, steps=400, seed=0)
    x_test, _ = toy.make_moons(10, seed=5)
    return model, x_test


def paper_sparsefool(model):
    """Algorithm 2 as the paper prints it: stop when k(x^(i)) changes, return x^(i)."""
    def attack(x, lam=3.0):
        with torch.no_grad():
            label = model(x).argmax(1)
        x_i = x.clone()
        lo, hi = torch.zeros_like(x), torch.ones_like(x)
        for _ in range(50):
            with torch.no_grad():
                if model(x_i).argmax(1) != label:
                    break
            bd = deepfool_boundary(model, x_i)
            x_i = linear_solver(x_i, bd.normal, x_i + lam * bd.r_tot, lo, hi)
        return x_i
    return attack


def test_linear_solver_check_accepts_the_paper_and_the_package():
    course.check_linear_solver(paper_linear_solver)
    course.check_linear_solver(lambda x, w, b, lo, hi: linear_solver(x[None], w[None], b[None], lo[None], hi[None])[0])


@pytest.mark.parametrize("wrong, message", [
    (lambda x, w, b, lo, hi: x + (w @ (b - x)) * w, "leaves the box"),  # l2 projection, no clipping
    (lambda x, w, b, lo, hi: (x + (w @ (b - x)) * w).clamp(lo, hi), "stops short of B"),  # clipped l2 step
    (lambda x, w, b, lo, hi: paper_linear_solver(x, w, b + 0.05 * w, lo, hi), "past B"),
])
def test_linear_solver_check_rejects_wrong_answers_in_words(wrong, message):
    with pytest.raises(course.ExerciseFailed, match=message):
        course.check_linear_solver(wrong)


def test_a_stub_fails_with_its_hint():
    def stub(*args):
        raise NotImplementedError("Hint: Eq. (5) picks the coordinate.")
    with pytest.raises(course.ExerciseFailed, match="still the stub.*Hint: Eq. \\(5\\)"):
        course.check_linear_solver(stub)


def test_first_step_check():
    x, w = torch.tensor([0.5, 0.5]), torch.tensor([0.6, -0.8])
    x_b = x + 0.3 * w
    lb, ub = x - 0.1, x + 0.1
    assert course.first_step(x, w, x_b, lb, ub) == (1, -1, True)
    course.check_first_step(course.first_step, x, w, x_b, lb, ub)
    with pytest.raises(course.ExerciseFailed, match="largest \\|w_d\\|"):
        course.check_first_step(lambda x, w, *a: (int(w.argmax()), 1, True), x, w, x_b, lb, ub)
    with pytest.raises(course.ExerciseFailed, match="clipped"):
        course.check_first_step(lambda *a: course.first_step(*a)[:2] + (False,), x, w, x_b, lb, ub)


def test_sparsefool_check_accepts_the_paper_and_rejects_a_dense_attack(moons):
    model, x = moons
    course.check_sparsefool(paper_sparsefool(model), model, x)

    def deepfool_only(x, lam=3.0):  # the l2 DeepFool point: fools, but moves both coordinates
        return (x + 1.02 * lam * deepfool_boundary(model, x).r_tot).clamp(0, 1)
    with pytest.raises(course.ExerciseFailed, match="coordinates changed"):
        course.check_sparsefool(deepfool_only, model, x)
    with pytest.raises(course.ExerciseFailed, match="label did not change"):
        course.check_sparsefool(lambda x, lam=3.0: x, model, x)


def test_wilson_check():
    lo, hi = stats.rate_interval(90.0, 50)
    course.check_wilson(lambda k, n: tuple(100 * v for v in stats.wilson(k, n)), 90.0, 50, lo, hi)

    def wald(k, n):
        p = k / n
        half = 1.96 * (p * (1 - p) / n) ** 0.5
        return 100 * (p - half), 100 * (p + half)
    with pytest.raises(course.ExerciseFailed, match="Wald"):
        course.check_wilson(wald, 90.0, 50, lo, hi)
    with pytest.raises(course.ExerciseFailed, match="percentages"):
        course.check_wilson(stats.wilson, 90.0, 50, lo, hi)


def test_prediction_and_value_checks():
    course.check_prediction("p", lambda: "more", "more", ("more", "fewer"), "why")
    with pytest.raises(course.ExerciseFailed, match="shows 'more', not 'fewer'"):
        course.check_prediction("p", lambda: "fewer", "more", ("more", "fewer"), "why")
    course.check_value("v", lambda a, b: a / b, (3.0, 2.0), 1.5, "the ratio")
    with pytest.raises(course.ExerciseFailed, match="the ratio is 1.5"):
        course.check_value("v", lambda a, b: a * b, (3.0, 2.0), 1.5, "the ratio")
