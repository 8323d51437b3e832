"""Table 2's iteration budget (sfutils.experiments.budget) on a small net and a synthetic store."""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest
import torch

from conftest import images
from sfutils.attacks import sparsefool
from sfutils.claims.report import official_agreement_line
from sfutils.experiments import budget, common
from sfutils.experiments.common import attack_samples
from sfutils.setting import Setting

matplotlib.use("Agg")


def test_a_larger_cap_only_lets_the_loop_run_on(gray_model):
    """The module's shortcut: one image at a time, a run at cap c gives the outcome at every C <= c."""
    x = images(12, 1, 10, seed=2)
    small = [sparsefool(gray_model, x[i:i + 1], lam=1.0, max_iter=1, batch_size=1) for i in range(12)]
    large = [sparsefool(gray_model, x[i:i + 1], lam=1.0, max_iter=8, batch_size=1) for i in range(12)]
    assert any(int(r.iterations[0]) > 1 for r in large)  # the check has teeth
    for s, g in zip(small, large):
        fooled_at_1 = bool(g.success[0]) and int(g.iterations[0]) <= 1
        assert bool(s.success[0]) == fooled_at_1
        if fooled_at_1:
            assert torch.equal(s.perturbation, g.perturbation) and torch.equal(s.adv_label, g.adv_label)
        else:
            assert int(s.iterations[0]) == 1


def _setting_and_loader(model):
    x = images(10, 1, 10, seed=4)
    with torch.no_grad():
        y = model(x).argmax(1)
    return Setting("mnist", "toy-cnn", 10, 0), (lambda: (model, x, y)), x


def test_iteration_budget_on_a_synthetic_store(gray_model, tmp_path):
    setting, load, x = _setting_and_loader(gray_model)
    kwargs = {"lam": 1.0, "max_iter": 1}
    base = attack_samples("sparsefool", setting, root=tmp_path, load=load, progress=False, **kwargs)
    assert 0 < base["success"].sum() < 10
    table = budget.iteration_budget({setting: base}, [3, 12], kwargs, root=tmp_path, load={setting: load},
                                    progress=False)
    assert list(table.columns) == budget.BUDGET_COLUMNS
    assert table["max_iter"].tolist() == [1, 3, 12] and (table["n"] == 10).all() and (table["pending"] == 0).all()
    assert table["fooled"].is_monotonic_increasing
    attacked = table["attacked at this cap"].tolist()  # Table 2's all; each larger cap what the smaller left unfooled
    assert attacked[0] == 10 and attacked[1] == 10 - table["fooled"].iloc[0]
    assert attacked[2] == 10 - table["fooled"].iloc[1]
    direct = [sparsefool(gray_model, x[i:i + 1], lam=1.0, max_iter=12, batch_size=1) for i in range(10)]
    for cap, fooled in zip(table["max_iter"], table["fooled"]):
        expect = [bool(b) or (cap > 1 and bool(d.success[0]) and int(d.iterations[0]) <= cap)
                  for b, d in zip(base["success"], direct)]
        assert fooled == sum(expect)
    row = table.iloc[0]
    assert row["fooling_rate"] == pytest.approx(100 * base["success"].mean())
    assert row["lo"] <= row["fooling_rate"] <= row["hi"]
    # only the images the base left unfooled were rerun, and the stored rows give the same table
    stored = budget.budget_store(setting, 3, {"lam": 1.0}, tmp_path).load()
    assert set(stored["id"]) == set(base.loc[~base["success"].astype(bool), "id"])
    again = budget.iteration_budget({setting: base}, [3, 12], kwargs, root=tmp_path, compute=False)
    pd.testing.assert_frame_equal(table, again)
    fig = budget.plot_budget(table)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == "toy-cnn" and legend[1].startswith("paper")  # the net, and the paper's rate


def _rows(ids, success, iterations, pct):
    return pd.DataFrame({"id": ids, "success": success, "iterations": iterations, "pct": pct})


def test_undecided_images_are_pending_and_failures_unbounded():
    base = _rows([0, 1, 2, 3], [True, False, False, False], [10, 50, 50, 50], [0.1, 0.5, 0.6, 0.7])
    reruns = {200: _rows([1, 2, 3], [True, False, True], [150, 200, 40], [0.2, 0.9, 0.3])}
    table = budget.budget_table("net", base, reruns, [200, 1000])
    t = table.set_index("max_iter")
    assert t.loc[50, ["n", "fooled", "pending"]].tolist() == [4, 1, 0]
    assert math.isinf(t.loc[50, "median_px_all"]) and t.loc[50, "median_px_fooled"] == pytest.approx(0.1)
    assert t.loc[200, ["n", "fooled", "pending"]].tolist() == [4, 3, 0]
    assert t.loc[200, "median_px_fooled"] == pytest.approx(0.2)
    # cap 1000: image 2 (unfooled at 200) is undecided until a run with cap >= 1000 exists; only the
    # images before it count, not image 3 (whose outcome is known only because it was easy)
    assert t.loc[1000, ["n", "fooled", "pending"]].tolist() == [2, 2, 1]
    reruns[1000] = _rows([2], [True], [700], [1.5])
    t2 = budget.budget_table("net", base, reruns, [200, 1000]).set_index("max_iter")
    assert t2.loc[1000, ["n", "fooled", "pending"]].tolist() == [4, 4, 0]
    # a cap-1000 run decides the smaller cap 200 too: fooled only within 200 iterations
    o = budget.outcomes(base, {1000: _rows([1, 2, 3], [True, True, True], [150, 700, 40], [0.2, 1.5, 0.3])}, 200)
    assert o["fooled"].tolist() == [True, True, False, True] and o["known"].all()


def _official_frame() -> pd.DataFrame:
    return pd.DataFrame({"id": [0, 1, 2, 3], "fooled_official": [True, True, False, True],
                         "fooled_ours": [True, True, False, False], "iterations_official": [2, 30, 50, 46],
                         "iterations_ours": [2, 26, 50, 50], "pixels_official": [5, 40, 90, 60],
                         "pixels_ours": [5, 44, 80, 70], "same_pixel_set": [True, False, False, False],
                         "seconds_official": [4.0, 50.0, 90.0, 80.0], "seconds_ours": [2.0, 20.0, 35.0, 35.0]})


def test_official_agreement_summary():
    df = _official_frame()
    s = budget.official_agreement(df)
    assert (s["n"], s["same_outcome"], s["both"], s["official_only"], s["ours_only"], s["neither"]) == (4, 3, 2, 1, 0, 1)
    assert s["same_iterations"] == 1 and s["median_abs_iteration_diff"] == 2.0 and s["mean_iteration_diff"] == -2.0
    assert s["seconds_official"] == pytest.approx(56.0)


def test_official_agreement_line_renders_its_numbers(tmp_path):
    """The report's sentence on the authors' code: every field filled in, none left as a template."""
    (tmp_path / "tables").mkdir()
    _official_frame().to_csv(tmp_path / "tables" / "01_official_agreement.csv", index=False)
    line = official_agreement_line(tmp_path)
    assert "agree on 3 of 4 (75 % [" in line and "official only 1, ours only 0, neither 1" in line
    assert "{" not in line and "}" not in line
    assert official_agreement_line(tmp_path / "missing") == ""


def test_mixed_records_read_at_the_authors_cap_from_the_batched_run():
    """An image the batched run left unfooled at 50 and its one-at-a-time rerun fooled at iteration 40
    is a failure at every cap up to 50 (the batched run decides there), fooled above it."""
    base = pd.DataFrame({"id": [0, 1], "success": [True, False], "iterations": [10, 50], "pct": [0.1, 0.9]})
    rerun = pd.DataFrame({"id": [1], "success": [True], "iterations": [40], "pct": [0.3]})
    rows = budget.deciding_rows(base, {200: rerun}, 200, 50)
    assert rows["unfooled_through"].tolist() == [0, 50]
    mixed = rows.assign(success=rows["fooled"])
    assert common.at_cap(mixed, 50)["success"].tolist() == [True, False]
    assert common.at_cap(mixed, 51)["success"].tolist() == [True, True]
    assert common.at_cap(mixed, 5)["success"].tolist() == [False, False]
    assert budget.rerun_disagreement(mixed) == 1
    assert "1 of the 1 images the batched run left unfooled at 50 were fooled within 50" in budget.protocol_note(mixed, 200)
