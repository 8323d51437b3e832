"""The 2-D toy problem of notebook 00: data, MLP, and the recorded trajectories of Algorithms 1-2."""

from __future__ import annotations

import pytest
import torch

from sfutils import toy
from sfutils.accuracy import accuracy
from sfutils.attacks import bounds, linear_solver, sparsefool
from sfutils.attacks.deepfool import deepfool_boundary


@pytest.fixture(scope="module")
def moons_model():
    x, y = toy.make_moons(400, seed=0)
    return toy.train_mlp(x, y, steps=400, seed=0)


def test_moons_shapes_range_and_seed():
    x, y = toy.make_moons(101, seed=3)
    assert x.shape == (101, 2) and x.dtype == torch.float32
    assert y.shape == (101,) and y.dtype == torch.long
    assert set(y.tolist()) == {0, 1} and abs(int(y.sum()) - 50) <= 1
    assert (x >= 0).all() and (x <= 1).all()
    x2, y2 = toy.make_moons(101, seed=3)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert not torch.equal(x, toy.make_moons(101, seed=4)[0])
    # class 0 is the upper moon: on average above class 1
    assert x[y == 0, 1].mean() > x[y == 1, 1].mean() + 0.1


@pytest.mark.parametrize("kwargs", [{"n": 1}, {"n": 2.5}, {"n": 10, "noise": -0.1}])
def test_moons_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        toy.make_moons(**kwargs)


def test_mlp_learns_moons(moons_model):
    x, y = toy.make_moons(400, seed=1)
    assert accuracy(moons_model, x, y) > 0.95
    assert not moons_model.training


def test_mlp_training_is_seeded():
    x, y = toy.make_moons(100, seed=0)
    a, b = toy.train_mlp(x, y, steps=20, seed=5), toy.train_mlp(x, y, steps=20, seed=5)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_train_mlp_rejects_bad_shapes():
    with pytest.raises(ValueError):
        toy.train_mlp(torch.rand(10, 3), torch.zeros(10, dtype=torch.long))


@pytest.mark.parametrize("lam", [1.0, 2.0, 3.0])
def test_trajectory_ends_at_sparsefool_adversarial(moons_model, lam):
    x, _ = toy.make_moons(12, seed=7)
    batch = sparsefool(moons_model, x, lam=lam)
    for i in range(x.shape[0]):
        tr = toy.sparsefool_trajectory(moons_model, x[i:i + 1], lam=lam)
        single = sparsefool(moons_model, x[i:i + 1], lam=lam)
        assert torch.equal(tr.adversarial, single.adversarial[0]), f"sample {i}"
        assert tr.iterations == int(single.iterations[0])
        assert tr.label == int(single.label[0]) and tr.adv_label == int(single.adv_label[0])
        assert tr.success == bool(single.success[0])
        # the batched run agrees up to float32 batching noise
        torch.testing.assert_close(tr.adversarial, batch.adversarial[i], rtol=0, atol=1e-3)
        assert tr.iterates.shape == (tr.iterations + 1, 2) and torch.equal(tr.iterates[0], x[i])
        assert tr.boundary.shape == tr.plane.shape == tr.normal.shape == (tr.iterations, 2)
        # the hyperplane of iteration j passes through x_j + lam * (x_B - x_j)
        torch.testing.assert_close(tr.plane, tr.iterates[:-1] + lam * (tr.boundary - tr.iterates[:-1]))
    assert batch.success.float().mean() > 0.9


def test_trajectory_respects_a_box(moons_model):
    x, _ = toy.make_moons(8, seed=8)
    lo, hi = bounds(x, 40)
    for i in range(x.shape[0]):
        tr = toy.sparsefool_trajectory(moons_model, x[i:i + 1], lam=3.0, lb=lo[i:i + 1], ub=hi[i:i + 1])
        single = sparsefool(moons_model, x[i:i + 1], lam=3.0, lb=lo[i:i + 1], ub=hi[i:i + 1])
        assert torch.equal(tr.adversarial, single.adversarial[0])
        assert ((tr.iterates >= lo[i]) & (tr.iterates <= hi[i])).all()
        assert torch.equal(tr.lb, lo[i:i + 1]) and torch.equal(tr.ub, hi[i:i + 1])
        for j in range(tr.iterations):  # each step replayed by linear_solver_path ends at the next iterate
            path = toy.linear_solver_path(tr.iterates[j:j + 1], tr.normal[j:j + 1], tr.plane[j:j + 1], tr.lb, tr.ub)
            assert torch.equal(path[-1], tr.iterates[j + 1]), f"sample {i}, iteration {j}"


def test_trajectory_drawn_through_the_corner_of_a_two_coordinate_step(moons_model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, _ = toy.make_moons(40, seed=8)
    lo, hi = bounds(x, 40)
    found = None
    for i in range(x.shape[0]):
        tr = toy.sparsefool_trajectory(moons_model, x[i:i + 1], lam=3.0, lb=lo[i:i + 1], ub=hi[i:i + 1])
        steps = [j for j in range(tr.iterations) if bool((tr.iterates[j + 1] != tr.iterates[j]).all())]
        if steps:
            found = tr, steps[0]
            break
    assert found is not None, "no LinearSolver step in a delta = 40 box moved both coordinates"
    tr, j = found
    fig, ax = plt.subplots()
    toy.draw_trajectory(ax, tr)
    corner = toy.linear_solver_path(tr.iterates[j:j + 1], tr.normal[j:j + 1], tr.plane[j:j + 1], tr.lb, tr.ub)[1]
    drawn = [line.get_xydata() for line in ax.get_lines()]
    assert any(len(xy) == 2 and torch.allclose(torch.as_tensor(xy[-1]).float(), corner, atol=1e-6) for xy in drawn), \
        "the L-shaped step goes through the corner where LinearSolver switches coordinate"
    assert ((corner == tr.iterates[j]) | (corner == tr.iterates[j + 1])).all() and (corner == tr.iterates[j]).any()
    plt.close(fig)


def test_last_steps_close_up_frames_the_last_iterations_and_marks_them(moons_model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, _ = toy.make_moons(30, seed=5)
    res = sparsefool(moons_model, x, lam=1.0)
    i = int(res.iterations.argmax())
    tr = toy.sparsefool_trajectory(moons_model, x[i:i + 1], lam=1.0)
    assert tr.iterations >= 2
    grid = toy.decision_grid(moons_model, lo=(-0.1, -0.1), hi=(1.1, 1.1), steps=60)
    fig, (whole, close) = plt.subplots(1, 2)
    width = toy.draw_last_steps(close, tr, grid, steps=2, around=whole)
    (x0, x1), (y0, y1) = close.get_xlim(), close.get_ylim()
    for p in torch.cat([tr.iterates[-3:], tr.adversarial[None]]):
        assert x0 < float(p[0]) < x1 and y0 < float(p[1]) < y1
    assert width == x1 - x0 and len(whole.patches) == 1
    assert f"$x^{{({tr.iterations})}}$" in {t.get_text() for t in close.texts} or tr.iterations > 4
    plt.close(fig)


def test_second_coordinate_sources_count_every_two_coordinate_point(moons_model):
    x, _ = toy.make_moons(30, seed=5)
    counts = toy.second_coordinate_sources(moons_model, x, lam=1.0)
    res = sparsefool(moons_model, x, lam=1.0)
    assert counts.two == int((res.success & (res.perturbed_pixels() == 2)).sum())
    assert counts.same_step + counts.later == counts.two and 0 <= counts.walls <= counts.two
    assert f"{counts.two} fooled points changed two coordinates" in str(counts)


def test_lambda_table_reading_is_computed_from_the_table():
    pd = pytest.importorskip("pandas")
    table = pd.DataFrame({"lambda": [1.0, 2.0, 3.0], "fooling rate %": [98.0, 100.0, 100.0],
                          "mean iterations": [3.0, 1.5, 1.4], "mean ||r||_1 (fooled)": [0.1, 0.2, 0.4],
                          "one coordinate %": [50.0, 80.0, 60.0], "mean iterations (fooled)": [1.6, 1.4, 1.4],
                          "not fooled": [2, 0, 0]})
    reading = toy.lambda_table_reading(table)
    assert reading[0].startswith("mean ||r||_1 (fooled) rises at every step: 0.100 at lambda = 1")
    assert reading[1] == "not fooled: 2 at lambda = 1, 0 from lambda = 2 on."
    assert "never falls" in reading[2]
    assert "never rises" in reading[3] and "falls by 1.60" in reading[3] and "most of the fall" in reading[3]
    assert "is not monotone (1 rises, 1 falls)" in reading[4] and "highest (80.0) at lambda = 2" in reading[4]


def test_trajectory_rejects_batches_and_bad_lambda(moons_model):
    x, _ = toy.make_moons(4, seed=0)
    with pytest.raises(ValueError, match="one sample"):
        toy.sparsefool_trajectory(moons_model, x)
    with pytest.raises(ValueError, match="lam"):
        toy.sparsefool_trajectory(moons_model, x[:1], lam=0.5)


def test_linear_solver_path_replays_algorithm_1():
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        x = torch.rand(1, 6, generator=g)
        w = torch.randn(1, 6, generator=g)
        p = x + 0.6 * w / w.norm()  # x on the clean side of the hyperplane
        lb, ub = (x - 0.15).clamp(0, 1), (x + 0.15).clamp(0, 1)
        path = toy.linear_solver_path(x, w, p, lb, ub)
        assert torch.equal(path[0], x[0])
        assert torch.equal(path[-1:], linear_solver(x, w, p, lb, ub))
        order = w[0].abs().argsort(descending=True, stable=True)
        for k in range(1, path.shape[0]):
            moved = (path[k] != path[k - 1]).nonzero().flatten().tolist()
            assert moved == [int(order[k - 1])], "step k moves exactly the k-th largest |w_d|"
        assert ((path >= lb) & (path <= ub)).all()


def test_linear_solver_path_single_step_without_box():
    x = torch.tensor([[0.5, 0.5]])
    w = torch.tensor([[0.8, 0.6]])
    p = torch.tensor([[0.7, 0.6]])
    far = torch.full_like(x, 10.0)
    path = toy.linear_solver_path(x, w, p, -far, far)
    assert path.shape == (2, 2), "without a box the l1 projection is a single step"
    assert path[1, 1] == x[0, 1] and path[1, 0] > x[0, 0]


def test_decision_grid_and_hyperplane_grid(moons_model):
    grid = toy.decision_grid(moons_model, steps=50)
    assert grid.xx.shape == grid.yy.shape == (50, 50) and grid.logits.shape == (50, 50, 2)
    assert set(grid.pred.unique().tolist()) == {0, 1}
    w, p = torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5])
    lin = toy.hyperplane_grid(w, p, label=0, steps=11)
    assert (lin.pred[:, lin.xx[0] < 0.5] == 0).all() and (lin.pred[:, lin.xx[0] > 0.5] == 1).all()
    off_plane = lin.xx != 0.5  # on B itself both logits are 0
    assert torch.equal(toy.hyperplane_grid(w, p, label=1, steps=11).pred[off_plane], 1 - lin.pred[off_plane])
    with pytest.raises(ValueError):
        toy.hyperplane_grid(w, p, label=2)


def test_linear_solver_path_skips_a_saturated_coordinate():
    x = torch.tensor([[0.0, 0.5]])  # coordinate 0 sits at its lower bound and w asks it to go down
    w = torch.tensor([[-0.9, 0.4]])
    p = x + 0.1 * w / w.norm()
    lb, ub = torch.zeros_like(x), torch.ones_like(x)
    path = toy.linear_solver_path(x, w, p, lb, ub)
    assert path.shape == (2, 2)
    assert path[1, 0] == 0.0 and path[1, 1] > 0.5
    assert torch.equal(path[-1:], linear_solver(x, w, p, lb, ub))


def test_dominance_and_the_followed_point_prefers_one_dominant_coordinate():
    w = torch.tensor([[0.72, 0.694], [0.9, 0.4], [1.0, 0.05], [0.6, 0.8]])
    torch.testing.assert_close(toy.dominance(w), torch.tensor([0.694 / 0.72, 0.4 / 0.9, 0.05, 0.75]))
    candidates = torch.tensor([True, True, True, False])
    overshoot = torch.tensor([5.0, 1.0, 3.0, 9.0])
    # #0 overshoots most but its |w| are nearly equal; #2 is almost axis-aligned; #3 is no candidate
    assert toy.pick_followed_point(candidates, toy.dominance(w), overshoot) == 1
    assert toy.pick_followed_point(torch.tensor([True, False, True, False]), toy.dominance(w), overshoot) == 0


def test_box_point_is_one_whose_adversarial_changes_with_every_delta():
    x = torch.zeros(3, 2)
    same = torch.tensor([[0.0, 0.4], [0.3, 0.0], [0.1, 0.1]])
    advs = [same, torch.tensor([[0.0, 0.4], [0.2, 0.1], [0.05, 0.1]]), torch.tensor([[0.0, 0.4], [0.1, 0.1], [0.05, 0.05]])]
    ok = [torch.ones(3, dtype=torch.bool)] * 3
    # #0 never changes (the box never binds); #1 and #2 change each time, #2 in fewer iterations
    assert toy.pick_box_point(x, advs, ok, torch.tensor([1, 3, 2]), torch.ones(3, dtype=torch.bool)) == 2
    assert toy.pick_box_point(x, advs, ok, torch.tensor([1, 3, 2]), torch.tensor([True, True, False])) == 1


def test_drawing_helpers_label_the_iterates_as_fig_3(moons_model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, _ = toy.make_moons(6, seed=3)
    tr = toy.sparsefool_trajectory(moons_model, x[:1], lam=1.0)
    fig, ax = plt.subplots()
    toy.draw_trajectory(ax, tr)
    toy.draw_point(ax, x[:1], "$x$")
    toy.draw_arrow(ax, x[:1], tr.adversarial, "r", label="step")
    toy.zoom(ax, tr.iterates, pad=0.1)
    texts = {t.get_text() for t in ax.texts}
    assert {"$x^{(0)}$", "$x^{(1)}$", "$x_B^{(0)}$", "$x$"} <= texts
    lo, hi = ax.get_xlim()
    assert lo < float(tr.iterates[:, 0].min()) and hi > float(tr.iterates[:, 0].max())
    assert "step" in ax.get_legend_handles_labels()[1]
    plt.close(fig)


def test_label_offsets_keep_labels_clear_of_every_point_and_of_each_other():
    anchors = torch.tensor([[0.0, 0.0], [0.01, 0.0], [0.011, 0.001], [0.5, 0.5]])  # three crowded points
    directions = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    offsets = toy.label_offsets(anchors, directions, size=260.0, distance=13.0, clearance=12.0)
    at = anchors / 0.5 * 260.0
    centres = [at[k] + torch.tensor(off) for k, off in enumerate(offsets)]
    assert offsets[3] == pytest.approx((0.0, 13.0), abs=1e-9)  # a lone label goes along its direction
    for k, c in enumerate(centres):
        assert all(float((c - at[j]).norm()) >= 12.0 - 1e-9 for j in range(len(at)) if j != k)
        assert all(float((c - o).norm()) >= 12.0 - 1e-9 for o in centres[:k])


def test_label_offsets_keep_clear_of_unlabelled_markers_and_space_the_labels():
    anchors = torch.tensor([[0.0, 0.0], [0.004, 0.0], [0.5, 0.5]])  # two crowded points beside the star
    star = torch.tensor([[0.012, 0.0]])
    directions = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    offsets = toy.label_offsets(anchors, directions, size=260.0, avoid=star, clearance=12.0, spacing=20.0)
    at, mark = anchors / 0.5 * 260.0, star[0] / 0.5 * 260.0
    centres = [at[k] + torch.tensor(off) for k, off in enumerate(offsets)]
    assert all(float((c - mark).norm()) >= 12.0 - 1e-9 for c in centres), "a label covers the star"
    assert float((centres[0] - centres[1]).norm()) >= 20.0 - 1e-9, "two labels pile up"


def test_followed_point_meets_its_own_rules():
    """Notebook 00's rules on its own toy: a correctly classified point whose l1 projection onto B
    leaves the box [x - 20, x + 20] (0-255 scale), chosen among the preferred ones."""
    x, y = toy.make_moons(400, seed=0)
    model = toy.train_mlp(x, y, seed=0)
    xt, yt = toy.make_moons(100, seed=1)
    pick = toy.followed_point(model, xt, yt, 20)
    assert 0 < pick.preferred <= pick.qualifying < len(xt)
    point = xt[pick.index:pick.index + 1]
    b = deepfool_boundary(model, point)
    lo, hi = bounds(point, 20)
    far = torch.full_like(point, 10.0)
    l1 = linear_solver(point, b.normal, point + b.r_tot, -far, far)
    assert int(b.label) == int(yt[pick.index]) and bool(((l1 < lo) | (l1 > hi)).any())
