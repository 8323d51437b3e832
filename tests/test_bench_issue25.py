"""The instruments of benchmarks/bench_official.py and benchmarks/bench_one_pixel.py on tiny inputs
(no timing is asserted)."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from conftest import images
from sfutils.testing import official

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # as when a script runs: its helpers import from there


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench_official, bench_one_pixel = _load("bench_official"), _load("bench_one_pixel")


def test_done_ids_drops_a_partial_last_line(tmp_path):
    path = tmp_path / "agreement.csv"
    path.write_text("id,fooled_official\n0,True\n1,Tr")
    assert bench_official.done_ids(path) == {0}
    assert path.read_text() == "id,fooled_official\n0,True\n"
    assert bench_official.done_ids(tmp_path / "absent.csv") == set()


@pytest.mark.skipif(official.missing_reason() is not None, reason=official.missing_reason() or "")
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_compare_one_agrees_in_float64(gray_model):
    model = copy.deepcopy(gray_model).double()
    row = bench_official.compare_one(official.load_official(), model, images(1, 1, 10, seed=3)[0].double())
    assert set(row) | {"id"} == set(bench_official.OFFICIAL_COLUMNS)
    assert row["fooled_official"] == row["fooled_ours"] and row["same_pixel_set"]
    assert row["iterations_official"] == row["iterations_ours"]


def test_one_pixel_comparison_rows(color_model):
    x = images(4, 3, 8, seed=12)
    rows, summary = bench_one_pixel.compare("tiny", x, color_model, 8, {"popsize": 16, "max_iter": 4, "seed": 3})
    assert len(rows) == 4 and summary["images"] == 4
    for r in rows:
        if r["fooled_exact"] and r["pixels_exact"] <= 4:  # the schedules coincide up to k = 4
            assert r["same_adversarial"]
        assert r["pixels_fast"] <= r["k_fast"] or not r["pixels_fast"]


def test_one_pixel_batch_comparison_gives_the_same_adversarials(color_model):
    x = images(3, 3, 8, seed=12)
    row = bench_one_pixel.compare_batch("tiny", x, color_model, 8, {"popsize": 16, "max_iter": 4, "seed": 3}, 4096, 5)
    assert row["images"] == 3 and row["same adversarial"] == "3 of 3" and row["speed-up"] > 0
