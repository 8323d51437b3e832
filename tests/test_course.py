"""The exercise checks of sfutils.course accept answers written from the paper (Algorithms 1-2, no beta,
no minimum step, no (1 + epsilon) step) and reject wrong ones with a message that says what is wrong."""

from __future__ import annotations

import re

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


def batch(solver):
    """A one-sample solver (1-D tensors) used on a batch of one, as Algorithm 2 calls LinearSolver."""
    return lambda x, w, b, lo, hi: solver(x[0], w[0], b[0], lo[0], hi[0])[None]


def paper_sparsefool(model, solver=linear_solver, epsilon=0.0):
    """Algorithm 2 as the paper prints it (epsilon = 0: stop when k(x^(i)) changes, return x^(i)), or
    with the authors' stopping test (epsilon = 0.02: classify and return Q(x + (1 + epsilon)(x^(i) - x)))."""
    def attack(x, lb, ub, lam=3.0, max_iter=50):
        with torch.no_grad():
            label = model(x).argmax(1)
        x_i, out = x.clone(), x.clone()
        for _ in range(max_iter):
            bd = deepfool_boundary(model, x_i)
            x_i = solver(x_i, bd.normal, x_i + lam * bd.r_tot, lb, ub)
            out = torch.minimum(torch.maximum(x + (1 + epsilon) * (x_i - x), lb), ub)
            with torch.no_grad():
                if model(out).argmax(1) != label:
                    break
        return out
    return attack


def paper_linear_solver_float32(x, w, x_b, lb, ub):
    """Algorithm 1 as printed, computed in float32: it lands on B up to round-off (about 1e-8) and may
    then nudge the remaining coordinates by round-off steps."""
    x, w, x_b, lb, ub = (t.float() for t in (x, w, x_b, lb, ub))
    x = x.clone()
    for d in w.abs().argsort(descending=True).tolist():
        f = float(w @ (x - x_b))
        if f >= 0:
            break
        x[d] = (x[d] + abs(f) / abs(float(w[d])) * torch.sign(w[d])).clamp(lb[d], ub[d])
    return x


def test_linear_solver_check_accepts_the_paper_and_the_authors_offset():
    course.check_linear_solver(paper_linear_solver)
    course.check_linear_solver(lambda x, w, b, lo, hi: paper_linear_solver(x, w, b + 1e-3 * w, lo, hi))  # beta


def test_linear_solver_check_accepts_the_paper_in_float32():
    course.check_linear_solver(paper_linear_solver_float32)
    course.check_linear_solver(lambda *args: paper_linear_solver_float32(*args).double())  # returned as float64


def test_linear_solver_check_refuses_the_package_under_any_name():
    with pytest.raises(course.ExerciseFailed, match="calls sfutils' linear_solver"):
        course.check_linear_solver(lambda x, w, b, lo, hi: linear_solver(x[None], w[None], b[None], lo[None], hi[None])[0])

    def imported_inside(x, w, x_b, lb, ub):
        from sfutils.attacks import linear_solver as solve
        return solve(x[None], w[None], x_b[None], lb[None], ub[None])[0]
    with pytest.raises(course.ExerciseFailed, match="calls sfutils' linear_solver"):
        course.check_linear_solver(imported_inside)
    with pytest.raises(course.ExerciseFailed, match="calls sfutils' linear_solver"):
        course.check_linear_solver(lambda x, w, b, lo, hi: toy.linear_solver_path(x[None], w[None], b[None], lo[None],
                                                                                   hi[None])[-1])
    x, w = torch.tensor([[0.5, 0.5]]), torch.tensor([[0.6, -0.8]])
    assert torch.equal(linear_solver(x, w, x + 0.1 * w, x - 1, x + 1), toy.linear_solver_path(x, w, x + 0.1 * w, x - 1, x + 1)[-1:]), \
        "after the check the package's LinearSolver works again"


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


def paper_first_step(x, w, x_b, lb, ub):
    """Algorithm 1's first step from the paper: Eq. (5)'s coordinate, Eq. (4)'s direction, and whether Q clips it."""
    d = int(w.abs().argmax())
    gap = float(w @ (x_b - x))
    direction = int(torch.sign(w[d])) * (1 if gap > 0 else -1)
    room = float(ub[d] - x[d]) if direction > 0 else float(x[d] - lb[d])
    return d, direction, abs(gap) / abs(float(w[d])) > room


def test_first_step_check():
    x, w = torch.tensor([0.5, 0.5]), torch.tensor([0.6, -0.8])
    x_b = x + 0.3 * w
    lb, ub = x - 0.1, x + 0.1
    assert paper_first_step(x, w, x_b, lb, ub) == (1, -1, True)
    course.check_first_step(paper_first_step, x, w, x_b, lb, ub)
    with pytest.raises(course.ExerciseFailed, match="largest \\|w_d\\|"):
        course.check_first_step(lambda x, w, *a: (int(w.argmax()), 1, True), x, w, x_b, lb, ub)
    with pytest.raises(course.ExerciseFailed, match="must move .*Eq. \\(4\\) moves x_d by"):
        course.check_first_step(lambda *a: (paper_first_step(*a)[0], -paper_first_step(*a)[1], True), x, w, x_b, lb, ub)
    with pytest.raises(course.ExerciseFailed, match="clipped"):
        course.check_first_step(lambda *a: paper_first_step(*a)[:2] + (False,), x, w, x_b, lb, ub)


def test_the_checks_refuse_the_per_sample_oracles_and_the_engine(moons):
    """Teacher round 2's cheats: sfutils/testing/reference.py's written-out Algorithms 1 and 2, and the
    batched SparseFool engine driven by hand, are switched off during Exercises 2 and 4."""
    import importlib
    from sfutils.testing.reference import ref_linear_solver, ref_sparsefool
    with pytest.raises(course.ExerciseFailed, match="ref_linear_solver"):
        course.check_linear_solver(lambda x, w, xb, lb, ub: ref_linear_solver(x, w, xb, lb, ub))
    model, x = moons

    def oracle(x, lb, ub, lam=3.0, max_iter=50):
        return ref_sparsefool(model, x, lb, ub, lam=lam, max_iter=max_iter)[0]

    engine_module = importlib.import_module("sfutils.attacks.sparsefool")

    def engine(x, lb, ub, lam=3.0, max_iter=50):
        config = engine_module.SparseFoolConfig(lam=lam, max_iter=max_iter)
        run = engine_module._Engine(model, x, lb, ub, None, 1, config, None)
        while run.busy():
            run.tick()
        return run.result().adversarial
    for cheat in (oracle, engine):
        with pytest.raises(course.ExerciseFailed, match="ref_sparsefool, or the engine"):
            course.check_sparsefool(cheat, model, x[:2])
    lb, ub = torch.zeros(2), torch.ones(2)
    assert ref_linear_solver(x[0], torch.tensor([0.6, -0.8]), x[0] + 0.1, lb, ub).shape == (2,), \
        "after the check the oracle works again"
    assert oracle(x[:1], lb[None], ub[None]).shape == (1, 2) and engine(x[:1], lb[None], ub[None]).shape == (1, 2)


def test_the_checks_hold_no_written_out_solution():
    """The reference answers are this package's attacks (sfutils.attacks), not copies of the exercises' solutions."""
    import inspect
    source = inspect.getsource(course)
    assert "_paper_step" not in source and "def _first_step" not in source
    assert "for d in " not in source, "a loop of Algorithm 1 written out in the checks"


@pytest.mark.parametrize("solver, epsilon", [
    (linear_solver, 0.0), (linear_solver, 0.02),  # the package's LinearSolver (the authors' beta and minimum step)
    (batch(paper_linear_solver), 0.0), (batch(paper_linear_solver), 0.02),  # Algorithm 1 as printed: lands on B
], ids=["package-paper-stop", "package-authors-stop", "paper-paper-stop", "paper-authors-stop"])
def test_sparsefool_check_accepts_the_paper_and_the_authors_code(moons, solver, epsilon):
    model, x = moons
    course.check_sparsefool(paper_sparsefool(model, solver, epsilon), model, x)


def test_sparsefool_check_rejects_wrong_attacks_in_words(moons):
    model, x = moons

    def deepfool_only(x, lb, ub, lam=3.0, max_iter=50):  # the l2 DeepFool point: fools, but moves both coordinates
        return torch.minimum(torch.maximum(x + 1.02 * lam * deepfool_boundary(model, x).r_tot, lb), ub)
    with pytest.raises(course.ExerciseFailed, match="moved coordinates .* not with DeepFool's dense r_adv"):
        course.check_sparsefool(deepfool_only, model, x)
    with pytest.raises(course.ExerciseFailed, match="returned x unchanged"):
        course.check_sparsefool(lambda x, lb, ub, lam=3.0, max_iter=50: x, model, x)
    one_iteration = lambda x, lb, ub, lam=3.0, max_iter=50: paper_sparsefool(model)(x, lb, ub, lam, 1)  # noqa: E731
    with pytest.raises(course.ExerciseFailed, match=r"label did not change|iteration 2 .* went from (\[.*\]) to \1"):
        course.check_sparsefool(one_iteration, model, x)  # it stops after one iteration: iteration 2 does not move

    def l1_then_clip(x, w, b, lb, ub):  # §2.2's failure mode: an unbounded l1 step, clipped afterwards
        far = torch.full_like(x, 10.0)
        return torch.minimum(torch.maximum(linear_solver(x, w, b, -far, far), lb), ub)
    with pytest.raises(course.ExerciseFailed, match="Q clips a coordinate.*failure of §2.2"):
        course.check_sparsefool(paper_sparsefool(model, l1_then_clip), model, x)


def test_sparsefool_check_refuses_the_package_and_a_hyperplane_through_the_clean_point(moons):
    model, x = moons
    from sfutils.attacks import sparsefool
    from sfutils.attacks import sparsefool as sf_alias  # the review's first cheat: an alias bound before the check
    wrapper = lambda x, lb, ub, lam, max_iter: sparsefool(model, x, lam=lam, lb=lb, ub=ub, max_iter=max_iter).adversarial  # noqa: E731
    with pytest.raises(course.ExerciseFailed, match="calls sfutils' sparsefool"):
        course.check_sparsefool(wrapper, model, x)

    def alias(x, lb, ub, lam=3.0, max_iter=50):
        return sf_alias(model, x, lam=lam, lb=lb, ub=ub, max_iter=max_iter).adversarial

    def trajectory(x, lb, ub, lam=3.0, max_iter=50):  # the review's second cheat
        return toy.sparsefool_trajectory(model, x, lam=lam, lb=lb, ub=ub, max_iter=max_iter).adversarial[None]
    for cheat in (alias, trajectory):
        with pytest.raises(course.ExerciseFailed, match="calls sfutils' sparsefool"):
            course.check_sparsefool(cheat, model, x[:2])
    assert sparsefool(model, x[:1], lam=3.0).adversarial.shape == (1, 2), "after the check sparsefool works again"

    def through_x0(x, lb, ub, lam=3.0, max_iter=50):  # the hyperplane via x^(0) + lam (x_B^(i) - x^(0)): wrong for i > 0
        with torch.no_grad():
            label = model(x).argmax(1)
        x_i = x.clone()
        for _ in range(max_iter):
            with torch.no_grad():
                if model(x_i).argmax(1) != label:
                    break
            bd = deepfool_boundary(model, x_i)
            x_i = linear_solver(x_i, bd.normal, x + lam * (x_i + bd.r_tot - x), lb, ub)
        return x_i
    with pytest.raises(course.ExerciseFailed, match=r"iteration \d+ .*not through a point built from the clean x\^\(0\)"):
        course.check_sparsefool(through_x0, model, x)


def test_lambda_sweep_check_compares_every_column(moons):
    pd = pytest.importorskip("pandas")
    from sfutils.attacks import sparsefool
    model, x = moons
    lams = (1.0, 3.0)

    def table():
        rows = []
        for lam in lams:
            res = sparsefool(model, x, lam=lam)
            ok = res.success
            rows.append({"lambda": lam, "fooling rate %": res.fooling_rate(),
                         "mean iterations": float(res.iterations.float().mean()),
                         "mean ||r||_1 (fooled)": float(res.perturbation[ok].abs().sum(1).mean()),
                         "one coordinate %": float(100 * (res.perturbed_pixels()[ok] == 1).float().mean()),
                         "mean iterations (fooled)": float(res.iterations[ok].float().mean()),
                         "not fooled": int((~ok).sum())})
        return pd.DataFrame(rows)
    course.check_lambda_sweep(table(), model, x, lams)
    with pytest.raises(course.ExerciseFailed, match=r"lacks the columns \['not fooled'\]"):
        course.check_lambda_sweep(table().drop(columns="not fooled"), model, x, lams)
    for column, bad in (("mean ||r||_1 (fooled)", 12345.0), ("one coordinate %", -7.0),
                        ("mean iterations (fooled)", 99.0), ("not fooled", 4321)):
        wrong = table()
        wrong[column] = bad
        with pytest.raises(course.ExerciseFailed, match=f"{re.escape(repr(column))} is"):
            course.check_lambda_sweep(wrong, model, x, lams)


def test_lambda_predictions_check(moons, capsys):
    model, x = moons
    counts = toy.second_coordinate_sources(model, x, lam=1.0)
    source = "later iteration" if counts.later > counts.same_step else "same LinearSolver step"
    share = []
    for lam in (1.0, 2.0):
        from sfutils.attacks import sparsefool
        res = sparsefool(model, x, lam=lam)
        share.append(float((res.perturbed_pixels()[res.success] == 1).float().mean()))
    assert share[0] != share[1], "the fixture must tell the trends apart"
    trend = "rises" if share[1] > share[0] else "falls"
    why = "fewer iterations, fewer new normals"
    course.check_lambda_predictions(lambda: (trend, source, why), model, x)
    assert str(counts) in capsys.readouterr().out
    other = {"rises": "falls", "falls": "rises"}
    with pytest.raises(course.ExerciseFailed, match="one coordinate %"):
        course.check_lambda_predictions(lambda: (other[trend], source, why), model, x)
    with pytest.raises(course.ExerciseFailed, match="second coordinates come from"):
        course.check_lambda_predictions(
            lambda: (trend, ({"later iteration", "same LinearSolver step"} - {source}).pop(), why), model, x)
    with pytest.raises(course.ExerciseFailed, match="return a triple"):
        course.check_lambda_predictions(lambda: "rises", model, x)
    for unwritten in ("", "because"):  # a wrong pair learns nothing before a reason is written
        with pytest.raises(course.ExerciseFailed, match="write your reason first") as failed:
            course.check_lambda_predictions(lambda: (other[trend], source, unwritten), model, x)
        assert "one coordinate %" not in str(failed.value)


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
    course.check_prediction("p", lambda: ("more", "smaller box, more clipped pixels"), "more", ("more", "fewer"), "why")
    with pytest.raises(course.ExerciseFailed, match="your choice 'fewer' is not the one the paper's argument") as failed:
        course.check_prediction("p", lambda: ("fewer", "each pixel moves less"), "more", ("more", "fewer"),
                                "the paper's reason")
    assert "'more'" not in str(failed.value) and "the paper's reason" not in str(failed.value), "a wrong choice gives the answer away"
    for unwritten in ("fewer", ("fewer", ""), ("fewer", "no idea")):  # no sentence: nothing about the choice
        with pytest.raises(course.ExerciseFailed, match="return a pair|write your reason first") as failed:
            course.check_prediction("p", lambda: unwritten, "more", ("more", "fewer"), "the paper's reason")
        assert "is not the one" not in str(failed.value)
    course.check_value("v", lambda a, b: a / b, (3.0, 2.0), 1.5, "the ratio")
    with pytest.raises(course.ExerciseFailed, match="the ratio is 1.5"):
        course.check_value("v", lambda a, b: a * b, (3.0, 2.0), 1.5, "the ratio")


def test_hints_come_one_level_at_a_time(capsys):
    for exercise, tiers in course.HINTS.items():
        assert len(tiers) >= 2
        course.hint(exercise)
        first = capsys.readouterr().out
        assert tiers[0] in first and f"course.hint({exercise}, 2)" in first and tiers[1] not in first
        course.hint(exercise, len(tiers))
        assert tiers[-1] in capsys.readouterr().out
    with pytest.raises(ValueError, match="hints for Exercises"):
        course.hint(99)
