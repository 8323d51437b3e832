"""The benchmark script's instruments and a tiny end-to-end run (no timing is asserted)."""

from __future__ import annotations

import csv
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import images
from sfutils.attacks import AttackResult

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # as when a script runs: its helpers import from there
_spec = importlib.util.spec_from_file_location("bench_sparsefool", ROOT / "benchmarks" / "bench_sparsefool.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_sparsefool"] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)


def test_counted_logs_every_pass_and_matches_the_attacks_own_counts(gray_model):
    model = bench.CountingModel(gray_model).eval()
    x = images(6, 1, 10, seed=3)
    out = bench.run_ours(model, x, lam=1.0, batch_size=2, repeats=1)
    res = bench.sparsefool(gray_model, x, lam=1.0, batch_size=2)
    assert out.mode == "stream" and out.n == 6
    assert out.grad_rows == int(res.grad_evals.sum()) and out.forward_rows == int(res.forward_evals.sum())
    assert max(rows for rows, _ in out.log) <= 2  # never more than batch_size images in flight
    assert {b for _, b in out.log} <= {0, 1, 9}  # label checks, normals, top-10 DeepFool steps


def test_agreement_is_per_image_label_and_pixel_set():
    x = torch.zeros(3, 1, 2, 2)
    d = torch.zeros_like(x)
    d[0, 0, 0, 0] = 0.1
    label = torch.zeros(3, dtype=torch.long)
    a = bench.Outcome("sparsefool", "batch", 3, 3, 1.0, 0.0, label, torch.tensor([1, 1, 2]), d, 0, 0)
    d2 = d.clone()
    d2[0, 0, 0, 0] = 0.2  # same set, other value: agrees
    d2[1, 0, 1, 1] = 0.3  # other set: disagrees
    b = bench.Outcome("reference", "one at a time", 1, 3, 1.0, 0.0, label, torch.tensor([1, 1, 1]), d2, 0, 0)
    assert bench.agreement(a, b).tolist() == [True, False, False]


def test_targets_are_judged_from_the_rows():
    rows = [{"impl": "sparsefool", "model": "lenet-mnist", "batch": 256, "mode": "batch", "vs_limit": 1.2,
             "vs_replay": 1.1, "speedup_vs_reference": 5.0, "speedup_vs_torchattacks": 40.0}]
    met = {t["target"].split(",")[0]: t["met"] for t in bench.targets(rows)}
    assert met == {">= 4x the per-sample reference": True, ">= 50x torchattacks' SparseFool": False,
                   "<= 1.5x the limit": True}


@pytest.mark.skipif(not os.environ.get("SFUTILS_MIRROR"), reason="SFUTILS_MIRROR is unset (offline mirror)")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torchattacks' numpy-2 __array__ notice, per pixel
def test_quick_run_writes_results_readme_and_figure(tmp_path):
    bench.main(["--models", "lenet-mnist", "--sizes", "1", "4", "--stream", "2", "--ref-n", "4", "--ta-n", "1",
                "--no-memory", "--no-profile", "--out", str(tmp_path)])
    with open(tmp_path / "results.csv") as f:
        rows = list(csv.DictReader(f))
    ours = [r for r in rows if r["impl"] == "sparsefool"]
    assert [(r["mode"], r["batch"], r["n_images"]) for r in ours] == [("batch", "1", "1"), ("batch", "4", "4"),
                                                                     ("stream", "4", "8")]
    assert all(float(r["agree_pct"]) == 100.0 and float(r["vs_limit"]) > 0 for r in ours)
    assert {r["impl"] for r in rows} >= {"sparsefool", "reference"}
    text = (tmp_path / "README.md").read_text()
    assert "## Targets" in text and "lenet-mnist" in text
    assert (tmp_path / "throughput.png").stat().st_size > 0


_ispec = importlib.util.spec_from_file_location("bench_imagenet", ROOT / "benchmarks" / "bench_imagenet.py")
bench_imagenet = importlib.util.module_from_spec(_ispec)
_ispec.loader.exec_module(bench_imagenet)


def test_pass_clock_splits_graph_label_and_gradient_time(gray_model):
    clock = bench_imagenet.PassClock(gray_model).eval()
    grads = clock.timing_gradients(bench_imagenet.sparsefool_module.input_gradients)
    x = images(2, 1, 10).requires_grad_(True)
    grads(clock(x)[:, :2], x)
    with torch.no_grad():
        clock(x)
    assert all(v > 0 for v in clock.seconds.values()), clock.seconds


def test_imagenet_agreement_counts_same_label_and_pixel_set():
    mask = torch.zeros(3, 2, 2, dtype=torch.bool)
    mask[:, 0, 0] = True
    other = mask.clone()
    other[1, 1, 1] = True  # image 1: one more pixel
    a = ({}, torch.tensor([1, 2, 3]), mask)
    b = ({}, torch.tensor([1, 2, 4]), other)  # image 2: other label
    row = bench_imagenet.agreement("a vs b", a, b)
    assert row["same label and pixel set"] == 1 and row["same label"] == 2
    assert row["mean pixel-set IoU"] == pytest.approx((1 + 0.5 + 1) / 3)


def test_imagenet_report_replaces_its_readme_section(tmp_path):
    (tmp_path / "README.md").write_text("# SparseFool benchmarks\n\nmain part\n\n" + bench_imagenet.HEADING + "\n\nstale\n")
    attack = {"model": "plain", "s_per_img": 2.0, "graph forward %": 10.0, "input gradients %": 80.0,
              "label forward %": 5.0, "other %": 5.0, "n_images": 2}
    agree = [bench_imagenet.agreement("x", ({}, torch.tensor([1]), torch.ones(1, 1, 1, dtype=torch.bool)),
                                      ({}, torch.tensor([1]), torch.ones(1, 1, 1, dtype=torch.bool)))]
    bench_imagenet.write_report(tmp_path, [{"variant": "plain", "step_s": 1.0, "speedup": 1.0}],
                                {"batch": 8, "no_grad": 0.1, "inference_mode": 0.1},
                                [attack, {**attack, "model": "fast_eval", "s_per_img": 1.0}], agree, "cpu", "")
    readme = (tmp_path / "README.md").read_text()
    assert readme.startswith("# SparseFool benchmarks\n\nmain part\n\n" + bench_imagenet.HEADING)
    assert "stale" not in readme and "**2.00x**" in readme
    assert (tmp_path / "imagenet.md").read_text() in readme
    with open(tmp_path / "imagenet.csv") as f:
        assert len(list(csv.DictReader(f))) == 4


_jspec = importlib.util.spec_from_file_location("bench_jsma", ROOT / "benchmarks" / "bench_jsma.py")
bench_jsma = importlib.util.module_from_spec(_jspec)
_jspec.loader.exec_module(bench_jsma)


def test_jsma_bench_runs_both_pair_searches_to_the_same_adversarials(gray_model):
    x = images(3, 1, 10, seed=4)
    before, res_b = bench_jsma.timed_jsma(gray_model, x, bench_jsma.masked_pairs)
    after, res_a = bench_jsma.timed_jsma(gray_model, x, bench_jsma.jsma_module.best_pairs)
    assert torch.equal(res_a.adversarial, res_b.adversarial) and torch.equal(res_a.iterations, res_b.iterations)
    assert before["iterations"] == after["iterations"] > 0
    assert 0 < before["pair search %"] <= 100 and 0 < after["pair search %"] <= 100


def test_benchmark_sections_follow_the_main_report_in_order(tmp_path):
    (tmp_path / "README.md").write_text("# SparseFool benchmarks\n\nmain part\n")
    row = {"model": "m", "n_images": 2, "iterations": 3.0, "masked s/image": 2.0, "masked pair search %": 90.0,
           "folded s/image": 1.0, "folded pair search %": 50.0, "speedup": 2.0, "identical adversarials": True}
    bench_jsma.write_report(tmp_path, [row], "cpu", "")
    (tmp_path / "imagenet.md").write_text(bench_imagenet.HEADING + "\n\nimagenet part\n")
    bench_jsma.write_report(tmp_path, [{**row, "speedup": 3.0}], "cpu", "")  # refreshes, keeps one copy each
    readme = (tmp_path / "README.md").read_text()
    assert readme.startswith("# SparseFool benchmarks\n\nmain part\n\n" + bench_imagenet.HEADING)
    assert readme.count(bench_jsma.HEADING) == 1 and readme.index("imagenet part") < readme.index(bench_jsma.HEADING)
    assert "| 3 | True |" in readme and "| 2 | True |" not in readme
    with open(tmp_path / "jsma.csv") as f:
        assert len(list(csv.DictReader(f))) == 1


_sspec = importlib.util.spec_from_file_location("bench_speed", ROOT / "benchmarks" / "bench_speed.py")
bench_speed = importlib.util.module_from_spec(_sspec)
_sspec.loader.exec_module(bench_speed)


def test_speed_bench_interleaves_all_three_attacks_reversing_the_order(monkeypatch):
    calls = []

    def recorder(name):
        def attack(xi):
            calls.append((name, int(xi[0, 0, 0, 0])))
            return AttackResult(xi, xi, *(torch.zeros(1, dtype=torch.long),) * 6)
        return attack

    monkeypatch.setattr(bench_speed, "attacks", lambda model, lam: {k: recorder(k) for k in
                                                                    ("sparsefool", *bench_speed.JSMAS)})
    x = torch.arange(2.0).view(2, 1, 1, 1)
    times, same = bench_speed.time_all(None, x, 1.0, reps=2)
    names = ["sparsefool", "jsma-cleverhans", "jsma-ours"]
    assert calls == [(k, 0) for k in names] + [(k, 1) for k in names] + [(k, 0) for k in names[::-1]] \
        + [(k, 1) for k in names[::-1]]  # image by image, back to back; the next repetition in reverse
    assert set(times) == set(names) and all(t.shape == (2,) and (t > 0).all() for t in times.values())
    assert same.tolist() == [True, True]


def test_speed_bench_both_jsmas_give_the_same_adversarials_on_a_tiny_net(gray_model):
    x = images(3, 1, 10, seed=4)
    times, same = bench_speed.time_all(gray_model, x, 1.0, reps=1)
    assert same.all() and all((t > 0).all() for t in times.values())
    row = bench_speed.ratio_columns(times)
    assert {"jsma-cleverhans / sparsefool", "jsma-ours / sparsefool", "jsma-cleverhans / jsma-ours"} <= set(row)


def test_speed_bench_ratios_are_mean_times_with_paired_intervals(tmp_path):
    times = {"sparsefool": np.array([1.0, 1.0, 2.0]), "jsma-cleverhans": np.array([4.0, 6.0, 8.0]),
             "jsma-ours": np.array([2.0, 2.0, 2.0])}
    row = bench_speed.ratio_columns(times)
    assert row["jsma-cleverhans / sparsefool"] == pytest.approx(18 / 4)
    assert row["jsma-ours / sparsefool"] == pytest.approx(6 / 4)
    assert row["jsma-cleverhans / jsma-ours"] == pytest.approx(18 / 6)
    for k in bench_speed.JSMAS:
        assert row[f"{k} / sparsefool lo"] <= row[f"{k} / sparsefool"] <= row[f"{k} / sparsefool hi"]
    readme = tmp_path / "README.md"
    readme.write_text("# SparseFool benchmarks\n\nmain part\n\n" + bench_speed.HEADING + "\n\nstale\n")
    full = {"dataset": "mnist", "n": 3, "reps": 2, **row, "identical adversarials": 3, "notes": "x"}
    bench_speed.write_report([full], "cmd", "cpu", "t.csv", tmp_path)
    text = readme.read_text()
    assert "stale" not in text and text.count(bench_speed.HEADING) == 1 and " 4.5 |" in text
