"""Tests of the §4.2 adversarial-training comparison logic on small seeded models (no data sets needed)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from conftest import images
from sfutils.attacks.sparsefool import sparsefool
from sfutils.experiments import robustness

N = 6


def _rows(success, pixels, iterations=None, correct=None):
    n = len(success)
    return pd.DataFrame({
        "id": range(n), "success": success, "pixels": pixels, "pct": [100.0 * p / 64 for p in pixels],
        "iterations": iterations or [2] * n, "seconds": [0.5] * n, "correct": correct or [True] * n,
    })


def test_attack_models_matches_sparsefool_and_table_reports_it(color_model, tmp_path):
    x = images(N, 3, 8, seed=7)
    with torch.no_grad():
        y = color_model(x).argmax(dim=1)
    y[0] = (y[0] + 1) % 10
    nets = {"standard": "tiny"}
    rows = robustness.attack_models(nets, n=N, load=lambda: (color_model, x, y), root=tmp_path, progress=False)
    direct = sparsefool(color_model, x, lam=3.0)
    df = rows["standard"]
    assert df["success"].tolist() == direct.success.tolist()
    assert df["pixels"].tolist() == direct.perturbed_pixels().tolist()
    table = robustness.robustness_table(rows, nets).set_index("role")
    assert table.loc["standard", "n"] == N
    assert table.loc["standard", "acc % (ours)"] == pytest.approx(100.0 * (N - 1) / N)
    assert table.loc["standard", "fooling % (ours)"] == pytest.approx(direct.fooling_rate())
    fooled_pct = direct.perturbed_pixels_pct()[direct.success]
    # the median over fooled images (common.summarize: the mean of the two middle values for even counts)
    assert table.loc["standard", "median px % (ours)"] == pytest.approx(pd.Series(fooled_pct.numpy()).median())
    assert table.loc["standard", "mean iterations (ours)"] == pytest.approx(direct.iterations.double().mean().item())
    assert table.loc["standard", "median px % (paper)"] == 1.27


def test_table_puts_the_papers_numbers_beside_ours():
    rows = {"standard": _rows([True] * 4, [1, 2, 3, 4]), "linf": _rows([True, True, False, True], [2, 4, 0, 8])}
    table = robustness.robustness_table(rows, {"standard": "a", "linf": "b"}).set_index("role")
    assert table.loc["linf", "median px % (ours)"] == pytest.approx(100.0 * 4 / 64)
    assert table.loc["linf", "fooling % (ours)"] == 75.0
    assert (table.loc["linf", "acc % (paper)"], table.loc["linf", "median px % (paper)"]) == (82.17, 2.44)
    assert math.isnan(table.loc["linf", "fooling % (paper)"])
    with pytest.raises(ValueError, match="no paper values"):
        robustness.robustness_table({"other": rows["linf"]}, {"other": "c"})
    with pytest.raises(ValueError, match="at least one"):
        robustness.attack_models({}, n=2)


def test_paired_ratio_and_common_fooled_use_images_fooled_on_both():
    std = _rows([True, True, False, True], [2, 4, 0, 5])
    rob = _rows([True, False, True, True], [4, 1, 3, 15])
    assert robustness.paired_ratio(std, rob) == pytest.approx(2.5)  # images 0 and 3: ratios 2 and 3
    assert robustness.common_fooled({"s": std, "r": rob}, k=5) == [0, 3]
    assert robustness.common_fooled({"s": std, "r": rob}, k=1) == [0]
    assert math.isnan(robustness.paired_ratio(std, _rows([False] * 4, [0] * 4)))
    long = robustness.long_rows({"standard": std, "linf": rob}, {"standard": "a", "linf": "b"})
    assert len(long) == 8 and set(long["net"]) == {"standard: a", "linf: b"}


def test_model_unavailable_reports_the_reason(monkeypatch):
    from sfutils import models

    def missing(name):
        raise FileNotFoundError(f"no trained weights for {name}: run python -m sfutils.train {name}")

    monkeypatch.setattr(models, "get_model", missing)
    assert "sfutils.train resnet20-cifar10-linf" in robustness.model_unavailable("resnet20-cifar10-linf")
    monkeypatch.setattr(models, "get_model", lambda name: torch.nn.Identity())
    assert robustness.model_unavailable("resnet20-cifar10") is None


def test_paired_table_compares_the_same_fooled_images():
    import pandas as pd

    from sfutils.experiments.robustness import PAIRED_RATIO, paired_table
    std = pd.DataFrame({"id": range(6), "success": [True] * 5 + [False], "pct": [1.0, 2, 3, 4, 5, 9],
                        "forward_evals": [1] * 6, "grad_evals": [1] * 6})
    rob = std.assign(pct=std["pct"] * 2, grad_evals=3, success=[True] * 4 + [False, True])
    t = paired_table(std, rob).set_index("quantity")
    assert t.loc["median px %", "n"] == 4  # images 0-3: fooled on both nets
    assert t.loc["median px %", PAIRED_RATIO] == 2.0
    assert t.loc["median px %", f"{PAIRED_RATIO} lo"] == t.loc["median px %", f"{PAIRED_RATIO} hi"] == 2.0
    assert t.loc["queries/image", PAIRED_RATIO] == 2.0  # 4 queries over 2
    assert (t["record"] == "").all() and (t["record (denominator)"] == "").all()  # rows from no store name no record
