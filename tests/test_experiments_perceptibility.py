"""Tests of the §4.2 perceptibility logic (the box x ± delta, Figs. 1 and 5-7) on small seeded models."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from sfutils.attacks.sparsefool import bounds, sparsefool
from sfutils import stats
from sfutils.experiments import common, perceptibility
from sfutils.experiments.common import Setting

N = 6


def _kw(toy, tmp_path):
    return dict(root=tmp_path, load=lambda: toy, chunk_size=4, progress=False)


def test_box_attack_matches_sparsefool_in_the_box_and_resumes(toy, tmp_path):
    model, x, y = toy
    df = perceptibility.attack_box(Setting("toy", "tiny", N), 30, lam=3.0, **_kw(toy, tmp_path))
    lb, ub = bounds(x, 30)
    direct = sparsefool(model, x, lam=3.0, lb=lb, ub=ub)
    assert (df["delta"] == 30.0).all()
    assert df["success"].tolist() == direct.success.tolist()
    assert df["pixels"].tolist() == direct.perturbed_pixels().tolist()
    adv = common.rebuild_adversarials(x, df)
    torch.testing.assert_close(adv, direct.adversarial)
    assert (df["linf"] <= 30 / 255 + 1e-6).all()  # never leaves the box

    def fail():
        raise AssertionError("a complete record must not be recomputed")

    again = perceptibility.attack_box(Setting("toy", "tiny", N), 30, lam=3.0, root=tmp_path, load=fail, progress=False)
    pd.testing.assert_frame_equal(again, df)


def test_full_range_shares_the_plain_sparsefool_record(toy, tmp_path):
    setting = Setting("toy", "tiny", N)
    plain = common.attack_samples("sparsefool", setting, lam=3.0, **_kw(toy, tmp_path))
    box = perceptibility.attack_box(setting, 255, lam=3.0, root=tmp_path, load=None, progress=False)
    assert not list(tmp_path.glob("sparsefool-box-*.jsonl"))  # nothing new was computed
    assert box["record"].nunique() == 1 and box["record"].iloc[0]  # each row names the record it came from
    pd.testing.assert_frame_equal(box.drop(columns=["delta", "record"]), plain)


def test_sweep_summary_orders_deltas_and_smaller_boxes_bound_the_norm(toy, tmp_path):
    rows = perceptibility.delta_sweep(Setting("toy", "tiny", N), [10, 255, 50], lam=3.0, **_kw(toy, tmp_path))
    assert len(rows) == 3 * N
    s = perceptibility.sweep_summary(rows)
    assert s["delta"].tolist() == [255.0, 50.0, 10.0]
    assert (s["n"] == N).all()
    assert (255 * rows["linf"] <= rows["delta"] + 1e-3).all()
    assert s["fooling"].between(0, 100).all()
    assert s["fooling"].iloc[0] == 100.0 and s["median_linf_255"].iloc[0] <= 255
    ok = rows["success"].astype(bool)
    assert s["pixels"].iloc[0] == rows.loc[ok & (rows["delta"] == 255), "pixels"].median()
    f = perceptibility.delta_factors(rows)
    assert f["delta"].tolist() == [50.0, 10.0]
    at = rows[ok].pivot(index="id", columns="delta", values="pct").dropna(subset=[255.0, 50.0])
    assert f.iloc[0]["n"] == len(at) > 0  # the images fooled at both deltas, paired
    assert f.iloc[0]["factor"] == pytest.approx((at[50.0] / at[255.0]).median())
    assert f.iloc[0]["factor_lo"] <= f.iloc[0]["factor"] <= f.iloc[0]["factor_hi"]
    fooled_at_10 = ok & (rows["delta"] == 10)
    assert f.iloc[1]["n"] == len(set(rows.loc[fooled_at_10, "id"]) & set(at.index.union(rows.loc[fooled_at_10, "id"])) &
                                 set(rows.loc[ok & (rows["delta"] == 255), "id"]))


@pytest.mark.parametrize("delta", [0, -1, 256])
def test_bad_delta_or_bounds_raise(toy, tmp_path, delta):
    with pytest.raises(ValueError):
        perceptibility.attack_box(Setting("toy", "tiny", N), delta, **_kw(toy, tmp_path))
    with pytest.raises(ValueError):
        perceptibility.attack_box(Setting("toy", "tiny", N), 30, lb=0.0, **_kw(toy, tmp_path))
    with pytest.raises(ValueError):
        perceptibility.delta_sweep(Setting("toy", "tiny", N), [])


def _rows(pct, success):
    return pd.DataFrame({"id": range(len(pct)), "pct": pct, "success": success})


def test_pick_by_sparsity_takes_fooled_samples_from_sparse_to_dense():
    rows = _rows([5.0, 0.1, 9.0, 0.5, 2.0, 7.0, 50.0], [True, True, True, True, True, True, False])
    picks = perceptibility.pick_by_sparsity(rows, levels=3, per_level=2)
    assert len(picks) == 3
    flat = [p for g in picks for p in g]
    assert 6 not in flat  # never an unfooled sample
    pct = rows["pct"].to_numpy()
    assert max(pct[picks[0]]) <= min(pct[picks[1]]) and max(pct[picks[1]]) <= min(pct[picks[2]])
    assert picks[0] == [1, 3] and picks[2] == [5, 2]
    with pytest.raises(ValueError):
        perceptibility.pick_by_sparsity(rows.assign(success=False))


def test_common_example_is_fooled_everywhere_and_median_at_full_range():
    rows = pd.DataFrame({
        "id": [0, 1, 2, 3] * 2, "delta": [255.0] * 4 + [10.0] * 4,
        "pct": [0.5, 0.1, 0.3, 0.2, 4, 3, 2, 1], "success": [True, True, True, True, True, True, True, False],
        "adv_label": [1, 2, 3, 4, 1, 2, 3, 4], "linf": [0.9] * 4 + [0.04] * 4,
    })
    sid = perceptibility.common_example(rows, [255, 10])  # id 3 is not fooled at delta 10
    assert sid == 2  # median of pct 0.1 (id 1), 0.3 (id 2), 0.5 (id 0)
    t = perceptibility.paper_fig7_table(rows, sid, [str(k) for k in range(5)], [255, 10])
    assert t["ours: pixels %"].tolist() == [0.3, 2.0]
    assert t["paper Arabian camel: pixels %"].tolist() == [0.169, 3.202]
    with pytest.raises(ValueError):
        perceptibility.common_example(rows[rows["id"] == 3], [255, 10])


def test_with_planned_marks_only_the_unfinished_data_set():
    table = pd.DataFrame({"dataset": ["cifar10", "imagenet", "imagenet"], "value": [1.0, 2.0, 3.0]})
    out = perceptibility.with_planned(table, {"cifar10": 200, "imagenet": 60}, {"cifar10": 200, "imagenet": 100})
    assert out["value"].tolist() == [1.0, 2.0, 3.0]
    assert out[stats.N_PLANNED].isna().tolist() == [True, False, False]  # finished: nothing pending
    assert out.loc[out["dataset"] == "imagenet", stats.N_PLANNED].tolist() == [100.0, 100.0]
