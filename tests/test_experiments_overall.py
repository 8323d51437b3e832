"""Tests of the §4.2 overall-performance logic on small seeded models (no data sets needed)."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from conftest import images
from sfutils.attacks.sparsefool import sparsefool
from sfutils import stats
from sfutils.experiments import common, overall
from sfutils.experiments.common import Setting, attack_samples
from sfutils.setting import load_setting

N = 8


@pytest.fixture
def toy(color_model):
    x = images(N, 3, 8, seed=3)
    with torch.no_grad():
        y = color_model(x).argmax(dim=1)
    y[0] = (y[0] + 1) % 10  # one misclassified sample
    return color_model, x, y


def _setting(n: int = N) -> Setting:
    return Setting("toy", "tiny", n)


def test_rows_rebuild_the_attack_and_are_not_recomputed(toy, tmp_path):
    model, x, y = toy
    df = attack_samples("sparsefool", _setting(), root=tmp_path, load=lambda: toy, lam=3.0, chunk_size=3,
                        progress=False)
    direct = sparsefool(model, x, lam=3.0)
    assert df["id"].tolist() == list(range(N))
    assert df["success"].tolist() == direct.success.tolist()
    assert df["pixels"].tolist() == direct.perturbed_pixels().tolist()
    assert df["correct"].tolist() == (direct.label == y).tolist()
    torch.testing.assert_close(common.rebuild_adversarials(x, df), direct.adversarial)
    assert all(sum(c) == len(i) for c, i in zip(df["channel_counts"], df["delta_idx"]))
    assert (df["invalid"] == 0).all()

    def fail():
        raise AssertionError("a complete record must not load the model again")

    again = attack_samples("sparsefool", _setting(), root=tmp_path, load=fail, lam=3.0, progress=False)
    pd.testing.assert_frame_equal(again, df)


def test_killed_run_resumes_only_missing_samples(toy, tmp_path):
    kw = dict(root=tmp_path, load=lambda: toy, lam=3.0, chunk_size=2, progress=False)
    first = attack_samples("sparsefool", _setting(), **kw)
    (path,) = tmp_path.glob("sparsefool-toy-*.jsonl")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:4]) + lines[4][:10])  # 4 complete rows and a torn one
    resumed = attack_samples("sparsefool", _setting(), **kw)
    assert resumed["id"].tolist() == list(range(N))
    # kept rows are the stored ones (their recorded seconds unchanged), the rest recomputed identically
    assert resumed["seconds"][:4].tolist() == first["seconds"][:4].tolist()
    cols = ["success", "pixels", "adv_label", "delta_idx"]
    pd.testing.assert_frame_equal(resumed[cols], first[cols])


def test_parameters_key_the_record(toy, tmp_path):
    kw = dict(root=tmp_path, load=lambda: toy, progress=False)
    attack_samples("sparsefool", _setting(), lam=1.0, **kw)
    attack_samples("sparsefool", _setting(), lam=3.0, **kw)
    assert len(list(tmp_path.glob("sparsefool-toy-*.jsonl"))) == 2


def test_a_crop_keys_its_own_record_and_none_keeps_the_old_key(toy, tmp_path):
    assert _setting().key() == {"dataset": "toy", "model": "tiny", "n": N, "seed": 0}  # records stored before crop
    assert Setting("imagenet", "net", 4, crop=224).key()["crop"] == 224
    with pytest.raises(ValueError, match="ImageNet only"):
        Setting("cifar10", "net", 4, crop=32)
    with pytest.raises(ValueError, match="crop must be"):
        Setting("imagenet", "net", 4, crop=0)
    kw = dict(root=tmp_path, load=lambda: toy, progress=False)
    for crop in (None, 224, 256):
        attack_samples("sparsefool", Setting("imagenet", "tiny", N, crop=crop), lam=3.0, **kw)
    assert len(list(tmp_path.glob("sparsefool-imagenet-*.jsonl"))) == 3


def test_load_setting_feeds_the_crop_and_attacks_imagenet_through_fast_eval(color_model, monkeypatch):
    from types import SimpleNamespace

    from sfutils import data, models
    from sfutils.models.speed import ChannelsLast

    calls = []

    def loader(kind: str):
        return lambda *a, **k: calls.append((kind, k)) or (images(3, 3, 8), torch.zeros(3, dtype=torch.long))

    monkeypatch.setattr(models, "model_info", lambda name: SimpleNamespace(dataset="imagenet"))
    monkeypatch.setattr(models, "get_model", lambda name: color_model)
    monkeypatch.setattr(models, "model_data", loader("native"))
    monkeypatch.setattr(data, "load_dataset", loader("crop"))
    load = load_setting.__wrapped__  # not the cached one
    model, x, _ = load(Setting("imagenet", "net", 3, crop=224))
    assert calls == [("crop", {"n": 3, "seed": 0, "crop": 224})] and isinstance(model, ChannelsLast)
    load(Setting("imagenet", "net", 3))
    assert calls[-1] == ("native", {"n": 3, "seed": 0})


def test_summarize_takes_the_median_over_fooled_samples_only():
    df = pd.DataFrame({"success": [True, True, True, False], "correct": [True, True, False, True],
                       "pct": [1.0, 2.0, 9.0, 50.0], "pixels": [1, 2, 9, 50], "iterations": [1, 2, 3, 6],
                       "seconds": [0.5, 0.5, 0.5, 0.5], "invalid": [0, 3, 0, 0]})
    s = common.summarize(df)
    assert s["fooling"] == 75.0 and s["accuracy"] == 75.0
    assert (s["fooling_lo"], s["fooling_hi"]) == tuple(100 * b for b in stats.wilson(3, 4))
    assert common.interval_columns(s)["fooling % (ours) lo"] == s["fooling_lo"]
    assert s["pixels_pct"] == 2.0 and s["pixels"] == 2.0 and s["mean_pixels_pct"] == 4.0
    assert s["iterations"] == 3.0 and s["seconds"] == 0.5 and s["invalid_pct"] == 25.0
    with pytest.raises(ValueError):
        common.summarize(df.iloc[:0])


def test_sweep_table_reads_caps_and_pairs_images(toy, tmp_path):
    kw = dict(root=tmp_path, load=lambda: toy, progress=False)
    rows = {lam: attack_samples("sparsefool", _setting(), lam=lam, **kw) for lam in (1.0, 3.0)}
    sweep = common.sweep_table(rows, "lam", 50, caps=(1,))
    assert sweep["lam"].tolist() == [1.0, 3.0]
    single = common.summarize(rows[3.0])
    assert sweep.iloc[1]["fooling"] == single["fooling"] and sweep.iloc[1]["pixels"] == single["pixels"]
    assert len(list(tmp_path.glob("sparsefool-toy-*.jsonl"))) == 2
    for lam, df in rows.items():  # read at cap 1: fooled within one iteration, the rest failures
        one = df["success"].astype(bool) & (df["iterations"] <= 1)
        assert sweep.set_index("lam").loc[lam, "fooling_cap1"] == 100 * one.mean()
        assert common.at_cap(df, 1)["success"].tolist() == one.tolist()
    both = set(rows[1.0].loc[rows[1.0]["success"], "id"]) & set(rows[3.0].loc[rows[3.0]["success"], "id"])
    assert (sweep["n_common"] == len(both)).all()
    expected = rows[1.0].set_index("id").loc[sorted(both), "pct"].median()
    assert sweep.iloc[0]["pixels_pct_common"] == pytest.approx(expected)
    pending = common.sweep_table({**rows, 6.0: rows[1.0].iloc[:0]}, "lam", 50)  # a job has not stored lambda 6 yet
    assert pending["n"].tolist() == [N, N, 0] and pending["n_common"].iloc[0] == len(both)


def test_at_cap_ignores_a_missing_unfooled_through():
    """A run stacked with Table 2's record carries unfooled_through only on that record's rows (NaN on
    the others): NaN sets no limit, a value through the cap makes the image a failure there."""
    df = pd.DataFrame({"id": [0, 1, 2], "success": [True, True, True], "iterations": [3, 3, 60],
                       "unfooled_through": [float("nan"), 50.0, float("nan")]})
    assert common.at_cap(df, 50)["success"].tolist() == [True, False, False]
    assert common.at_cap(df, 200)["success"].tolist() == [True, True, True]


def test_sweep_trends_pair_each_image_across_the_settings():
    """Per-image trends: image 0 gets denser as the setting grows, image 1 too, image 2 is not fooled at
    the top setting within the cap (so it counts for fooling, not for pixels)."""
    rows = {float(v): pd.DataFrame({"id": [0, 1, 2], "success": [True, True, v < 3], "pct": [v, 2 * v, 1.0],
                                    "iterations": [1, int(v), 2 if v < 3 else 10],
                                    "forward_evals": [5, 5, 5], "grad_evals": [1, 1, 1]}) for v in (1, 2, 3)}
    t = common.sweep_trends(rows, "lam", caps=(5,)).set_index("measure")
    assert t.loc["pixels", "n"] == 2 and t.loc["fooling", "n"] == 3 and (t["images"] == 3).all()
    assert t.loc["pixels", common.TAU] == pytest.approx(1.0)
    assert t.loc["fooling", common.TAU] == pytest.approx(-2 / 6 ** 0.5 / 3)  # image 2: tau_b -2/sqrt(3 * 2), others 0
    assert t.loc["queries", common.TAU] == 0.0  # the same queries everywhere: no trend
    assert common.sweep_trends({**rows, 4.0: rows[1.0].iloc[:0]}, "lam").empty  # a setting still computing


def test_reached_cap_names_the_images_a_cap_stopped():
    df = pd.DataFrame({"id": [0, 1, 2], "success": [True, False, False], "iterations": [3, 5, 2]})
    assert common.reached_cap(df, 5) == [1]  # image 2 stopped early (no step possible), not at the cap


def test_random_baseline_uses_sparsefools_median_channel_counts(toy, tmp_path):
    kw = dict(root=tmp_path, load=lambda: toy, progress=False)
    sf = attack_samples("sparsefool", _setting(), lam=3.0, **kw)
    rnd = overall.random_baseline(_setting(), sf, **kw)
    median = torch.tensor(sf["channel_counts"].tolist()).median(dim=0).values
    counts = torch.tensor(rnd["channel_counts"].tolist())
    # a random value equal to the clean one changes nothing, so at most the median per channel
    assert (counts <= median).all() and counts.sum() > 0
    (params,) = tmp_path.glob("random_sparse-toy-*.params.json")
    assert f"{median.tolist()}".replace(" ", "") in params.read_text().replace(" ", "").replace("\n", "")


def test_l1_deepfool_clipping_keeps_images_valid(toy, tmp_path):
    kw = dict(root=tmp_path, load=lambda: toy, progress=False)
    clipped = attack_samples("deepfool_l1", _setting(), clip=True, **kw)
    unclipped = attack_samples("deepfool_l1", _setting(), clip=False, **kw)
    assert (clipped["invalid"] == 0).all()
    assert unclipped["success"].all()  # unconstrained l1-DeepFool always crosses the boundary here
    table = overall.l1_deepfool_table([{"dataset": "toy", "model": "tiny", "unclipped": unclipped,
                                        "clipped": clipped}])
    assert table.loc[0, "fooling % unclipped"] == 100.0
    assert table.loc[0, "fooling % unclipped lo"] == 100 * stats.wilson(len(unclipped), len(unclipped))[0]
    assert table.loc[0, "fooling % clipped lo"] <= table.loc[0, "fooling % clipped"] <= table.loc[0, "fooling % clipped hi"]
    assert "13% clipped" in table.loc[0, "paper (VGG-16 ImageNet)"]
    l2 = overall.l1_deepfool_table([{"dataset": "toy", "model": "tiny", "attack": "DeepFool (l2)", "unclipped": unclipped,
                                     "clipped": clipped}])
    assert "minor impact" in l2.loc[0, "paper (VGG-16 ImageNet)"]  # the paper's l2 statement, not l1's numbers
    drop = 100.0 * (unclipped["success"].mean() - clipped["success"].mean())  # same images: paired
    assert table.loc[0, "fooling drop (points)"] == pytest.approx(drop)
    assert table.loc[0, "fooling drop (points) lo"] <= drop <= table.loc[0, "fooling drop (points) hi"]


def test_seeded_attacks_and_accuracy(toy, tmp_path):
    kw = dict(root=tmp_path, load=lambda: toy, progress=False)
    df = attack_samples("jsma", _setting(), chunk_size=4, **kw)
    assert df["success"].mean() > 0 and (df["invalid"] == 0).all()
    assert common.accuracy(_setting(), root=tmp_path, load=lambda: toy) == (N - 1) / N
    with pytest.raises(ValueError, match="seed"):
        attack_samples("jsma", _setting(), seed=1, **kw)
    with pytest.raises(ValueError, match="unknown attack"):
        attack_samples("cw", _setting(), **kw)
    with pytest.raises(ValueError, match="n must be"):
        Setting("toy", "tiny", 0)
    with pytest.raises(ValueError, match="returned"):
        attack_samples("sparsefool", _setting(N + 1), **kw)


def test_tables_put_the_paper_beside_ours():
    s = {"n": 10, "fooling": 90.0, "pixels_pct": 1.5, "seconds": 0.1}
    t1 = overall.table1([{"dataset": "mnist", "model": "lenet-mnist", "paper_model": "LeNet", "attack": "jsma",
                          "accuracy": 99.0, "summary": s}])
    assert t1.loc[0, "fooling % (paper)"] == 95.73 and t1.loc[0, "median px % (paper)"] == 4.85  # sfutils.paper
    assert t1.loc[0, "median px % (ours)"] == 1.5
    assert t1.loc[0, stats.N_PLANNED] == 10  # a finished run by default; the claims read this column
    partial = overall.table1([{"dataset": "mnist", "model": "lenet-mnist", "paper_model": "LeNet", "attack": "jsma",
                               "accuracy": 99.0, "summary": s, "n_planned": 100}])
    assert (partial.loc[0, "n"], partial.loc[0, stats.N_PLANNED]) == (10, 100)
    assert partial.loc[0, "notes"] == "; 10 of 100 images stored so far" and t1.loc[0, "notes"] == ""
    t2 = overall.table2([{"model": "efficientnet-lite0", "paper_model": "VGG-16", "accuracy": 70.0, "summary": s,
                          "random": {"fooling": 10.0}}])
    assert t2.loc[0, "random fooling % (paper)"] == 18.2 and t2.loc[0, "random fooling % (ours)"] == 10.0
    capped = {"fooling": 70.0, "fooling_lo": 60.0, "fooling_hi": 80.0}
    t2 = overall.table2([{"model": "efficientnet-lite0", "paper_model": "VGG-16", "accuracy": 70.0, "summary": s,
                          "random": {"fooling": 10.0}, "max_iter": 1000, "reached_cap": 0, "capped": {50: capped}}])
    assert (t2.loc[0, "max_iter (ours)"], t2.loc[0, "reached cap"]) == (1000, 0)  # the protocol, in the row
    assert t2.loc[0, "fooling % at cap 50 (ours)"] == 70.0 and t2.loc[0, "fooling % at cap 50 (ours) lo"] == 60.0
    with pytest.raises(ValueError):
        overall.table1([{"dataset": "mnist", "paper_model": "VGG-19", "attack": "jsma", "summary": s}])
    with pytest.raises(ValueError):
        overall.table2([{"paper_model": "AlexNet", "summary": s}])


def test_profile_overrides_of_none_keep_the_profile_value():
    """A notebook passes its parameter cell as is: None leaves the profile's setting alone."""
    from sfutils.profiles import get_profile

    base = get_profile("01", "quick")
    p = get_profile("01", "quick", n_mnist=None, n_cifar=7)
    assert p.n_mnist == base.n_mnist and p.n_cifar == 7
    with pytest.raises(ValueError, match="unknown setting"):
        get_profile("01", "quick", n_nothing=None)


def test_one_pixel_notes_mark_a_budget_below_the_papers_as_reduced_and_name_the_schedule():
    from sfutils.profiles import get_profile

    full = get_profile("01", "full").one_pixel
    assert overall.one_pixel_notes(full["cifar10"]).startswith("popsize=400, max_iter=100, k<=1024, fast k schedule")
    assert overall.one_pixel_notes(full["mnist"]).startswith("popsize=400, max_iter=100, k<=784, fast k schedule")
    assert "upper bound" in overall.one_pixel_notes(full["mnist"])
    reduced = overall.one_pixel_notes(get_profile("01", "default").one_pixel["mnist"])
    assert reduced.startswith("REDUCED: popsize=50, max_iter=10") and reduced.endswith("k + 1 (exact)")
    assert overall.one_pixel_notes({"popsize": 400, "max_iter": 99, "max_k": 1}).startswith("REDUCED")


def test_one_pixel_settings_follow_the_profile_and_the_paper_protocol_in_full():
    from sfutils.profiles import get_profile

    runs = overall.one_pixel_settings(get_profile("01", "full"))
    assert [(s.dataset, s.model, s.n) for s, _ in runs] == [
        ("mnist", "lenet-mnist", 100), ("cifar10", "vgg19half-cifar10", 100), ("cifar10", "resnet20-cifar10", 100)]
    # k uncapped: up to every pixel of the image (28 x 28, 32 x 32)
    assert [kw["max_k"] for _, kw in runs] == [784, 1024, 1024]
    assert all(kw["popsize"] == 400 and kw["max_iter"] == 100 for _, kw in runs)


def test_one_pixel_cli_refuses_an_unknown_net():
    with pytest.raises(SystemExit, match="unknown nets"):
        overall.main(["--profile", "quick", "--models", "alexnet"])


def test_one_pixel_cli_reports_the_rate_with_its_interval_and_the_median_over_the_fooled(monkeypatch, capsys):
    rows = pd.DataFrame({"success": [True, True, True, False], "correct": [True] * 4, "pct": [1.0, 2.0, 3.0, 60.0],
                         "pixels": [1, 2, 3, 480], "iterations": [100] * 4, "seconds": [1.0] * 4})
    calls = []
    monkeypatch.setattr(overall, "attack_samples", lambda attack, setting, **kw: calls.append(setting) or rows)
    overall.main(["--profile", "quick", "--models", "lenet-mnist"])
    out = capsys.readouterr().out
    lo, hi = (100 * b for b in stats.wilson(3, 4))
    assert [s.model for s in calls] == ["lenet-mnist"]
    assert f"3 of 4 fooled (75 %, Wilson 95 % [{lo:.3g}, {hi:.3g}]), median 2 pixels over the fooled" in out


def test_a_variant_row_shows_the_papers_cell_of_its_attack():
    s = {"n": 10, "fooling": 100.0, "pixels_pct": 3.0, "seconds": 0.1}
    t1 = overall.table1([{"dataset": "mnist", "model": "lenet-mnist", "paper_model": "LeNet",
                          "attack": "jsma gamma=1", "paper_attack": "jsma", "accuracy": 99.0,
                          "summary": s}])
    assert t1.loc[0, "attack"] == "jsma gamma=1" and t1.loc[0, "fooling % (paper)"] == 95.73


def test_table2_spread_pairs_the_nets_on_their_common_images():
    rows = {m: pd.DataFrame({"id": [0, 1, 2, 3], "success": [True, True, True, ok3], "pct": [s * 1, s * 2, s * 3, 9.0]})
            for m, s, ok3 in (("a", 1.0, True), ("b", 2.0, False), ("c", 1.5, True))}
    t = overall.table2_spread(rows).iloc[0]
    assert t["n"] == 4 and t["models"] == "a, b, c"
    # medians over the fooled images: a 2.5 (1, 2, 3, 9), b 4 (2, 4, 6), c 2.625 (1.5, 3, 4.5, 9)
    assert t[overall.SPREAD] == pytest.approx(4.0 / 2.5)
    lo, hi = (t[c] for c in stats.ci_columns(overall.SPREAD))
    assert 1.0 <= lo <= hi


def test_planned_column_flags_only_unfinished_runs():
    index = pd.RangeIndex(3)
    assert common.planned_column(index, 20, 100).tolist() == [100.0] * 3
    assert common.planned_column(index, 100, 100).isna().all()  # finished: nothing pending


def test_random_gap_pairs_the_two_attacks_by_image():
    sf = pd.DataFrame({"id": [0, 1, 2, 3], "success": [True, True, True, False]})
    rnd = pd.DataFrame({"id": [3, 2, 1, 0], "success": [False, True, False, False]})
    gap = overall.random_gap(sf, rnd)
    assert gap[overall.RANDOM_GAP] == pytest.approx(50.0)  # 75 % - 25 %, image 2 fooled by both
    lo, hi = (gap[c] for c in stats.ci_columns(overall.RANDOM_GAP))
    assert lo < 50.0 < hi and 0 < gap["McNemar p (gap > 0)"] <= 1
    with pytest.raises(ValueError, match="SparseFool's images"):
        overall.random_gap(sf, rnd.iloc[:3])
