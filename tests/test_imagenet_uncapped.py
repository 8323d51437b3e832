"""The ImageNet job's pieces (sfutils.experiments.imagenet_uncapped) on a small seeded net: §2.2's
clipped and unclipped outcomes from one run, the job's order and planned counts, the notebooks' rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfutils.attacks import deepfool, deepfool_l1
from sfutils.experiments import imagenet_uncapped
from sfutils.metrics import predict
from sfutils.profiles import get_profile
from sfutils.setting import Setting

N = 6


@pytest.mark.parametrize("norm, attack", [("l1", deepfool_l1), ("l2", deepfool)])
def test_clipping_rows_pair_one_run_unclipped_and_clipped(toy, tmp_path, norm, attack):
    model, x, _ = toy
    rows = imagenet_uncapped.clipping_rows(Setting("toy", "tiny", N), norm, root=tmp_path, load=lambda: toy,
                                           progress=False, max_iter=50)
    direct = attack(model, x, max_iter=50)
    assert rows["success"].tolist() == direct.success.tolist()
    clipped = predict(model, direct.adversarial.clamp(0, 1))
    assert rows["success_clipped"].tolist() == (clipped != direct.label).tolist()
    assert rows["invalid"].tolist() == ((direct.adversarial < 0) | (direct.adversarial > 1)).flatten(1).sum(1).tolist()
    again = imagenet_uncapped.clipping_rows(Setting("toy", "tiny", N), norm, root=tmp_path, load=None,
                                            progress=False, max_iter=50)  # stored: nothing is loaded again
    assert again["success"].tolist() == rows["success"].tolist()
    with pytest.raises(ValueError, match="norm"):
        imagenet_uncapped.clipping_rows(Setting("toy", "tiny", N), "l0", root=tmp_path)


def test_the_job_runs_cheap_records_first_and_l1_deepfool_last():
    p01, p02 = get_profile("01", "full"), get_profile("02", "full")
    names = [name for name, _, _ in imagenet_uncapped.jobs(p01, p02.deltas["imagenet"], Path("/nonexistent"))]
    assert names[0] == "§2.2 l2" and names[-1] == "§2.2 l1"
    assert names.index("lambda 6") < names.index("delta 100") < names.index("delta 5") < names.index("lambda 1")
    assert "lambda 3" not in names and "delta 255" not in names  # Table 2's own records
    planned = {name: n for name, n, _ in imagenet_uncapped.jobs(p01, p02.deltas["imagenet"], Path("/nonexistent"))}
    assert planned["lambda 1"] == imagenet_uncapped.planned_images(p01, 1) == p01.n_imagenet  # the same images
    assert planned["lambda 6"] == imagenet_uncapped.planned_images(p01, 6) == p01.n_imagenet


def test_quick_profile_sweeps_its_own_images_at_the_default_cap():
    p = get_profile("01", "quick")
    assert "max_iter" not in p.sweep or p.sweep["dataset"] != "imagenet"
    assert imagenet_uncapped.planned_images(p, 1) == p.sweep["n"]
    assert imagenet_uncapped.clipping_entries(p) == []  # no ImageNet §2.2 in quick
