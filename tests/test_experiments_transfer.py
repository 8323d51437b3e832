"""Tests of the §4.2 transferability logic (Table 3) on small seeded models (no data sets needed)."""

from __future__ import annotations

import functools
import math

import pandas as pd
import pytest
import torch

from conftest import images, tiny_cnn
from sfutils import stats
from sfutils.attacks.sparsefool import sparsefool
from sfutils.experiments import common, transfer
from sfutils.experiments.common import Setting

N = 6
SETTINGS = {name: Setting("toy", name, N, 0) for name in ("a", "b")}


class Flipped(torch.nn.Module):
    """``net`` applied to the mirrored image: a second, different classifier at no training cost."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flip(-1))


@pytest.fixture
def nets(color_model):
    return {"a": color_model, "b": Flipped(color_model).eval()}


@pytest.fixture
def data(nets):
    x = images(N, 3, 8, seed=5)
    with torch.no_grad():
        y = nets["a"](x).argmax(dim=1)
    return x, y


@pytest.fixture
def load(nets, data):
    """The loader of a toy setting: its net and the shared images."""
    return lambda setting: (nets[setting.model], *data)


def test_matrix_follows_the_papers_fooling_rate(nets, data, load, tmp_path):
    x, y = data
    long = transfer.run_transfer(nets, x, y, SETTINGS, load=load, root=tmp_path, chunk_size=4, progress=False)
    assert len(long) == 2 * 2 * N and set(long["source"]) == set(long["target"]) == {"a", "b"}
    for source, model in nets.items():
        direct = sparsefool(model, x, lam=3.0)
        own = long[(long["source"] == source) & (long["target"] == source)]
        assert own["success"].tolist() == direct.success.tolist()
        # the adversarial rebuilt from the stored sparse delta fools the source exactly as the attack did
        assert own["fooled"].tolist() == direct.success.tolist()
        assert own["adv_label"].tolist() == direct.adv_label.tolist()
        other = "b" if source == "a" else "a"
        with torch.no_grad():
            clean, adv = nets[other](x).argmax(1), nets[other](direct.adversarial).argmax(1)
        cross = long[(long["source"] == source) & (long["target"] == other)]
        # fooled = the target's prediction changed (its own clean prediction, not the true label)
        assert cross["fooled"].tolist() == (adv != clean).tolist()
        assert cross["correct"].tolist() == (clean == y).tolist()
    m = transfer.fooling_matrix(long, ["a", "b"])
    assert list(m.index) == list(m.columns) == ["a", "b"]
    for name in ("a", "b"):  # the diagonal: the source's own fooling rate over all its images
        own_rows = long[(long["source"] == name) & (long["target"] == name)]
        assert m.loc[name, name] == pytest.approx(100.0 * own_rows["success"].mean())
    fooled_a = long[(long["source"] == "a") & long["success"] & (long["target"] == "b")]
    assert m.loc["a", "b"] == pytest.approx(100.0 * fooled_a["fooled"].mean())
    assert transfer.images_per_source(long) == N


def test_complete_record_is_not_recomputed(nets, data, load, tmp_path, monkeypatch):
    x, y = data
    first = transfer.run_transfer(nets, x, y, SETTINGS, load=load, root=tmp_path, progress=False)

    def fail(*args, **kwargs):
        raise AssertionError("stored samples must not be attacked again")

    # same signature, hence the same key (the record is keyed by the attack's effective settings)
    monkeypatch.setitem(common.ATTACKS, "sparsefool", functools.wraps(common.ATTACKS["sparsefool"])(fail))
    again = transfer.run_transfer(nets, x, y, SETTINGS, load=fail, root=tmp_path, progress=False)
    pd.testing.assert_frame_equal(again, first)


def test_sources_share_the_records_of_table2(nets, data, load, tmp_path):
    """Table 3 reads the very rows attack_samples stored for the same setting (Table 2, Fig. 8)."""
    x, y = data
    table2 = common.attack_samples("sparsefool", SETTINGS["a"], lam=3.0, load=lambda: load(SETTINGS["a"]),
                                   root=tmp_path, progress=False)
    rows = transfer.source_rows(SETTINGS, load=load, root=tmp_path, progress=False)
    pd.testing.assert_frame_equal(rows["a"], table2)
    assert len(list(tmp_path.glob("sparsefool-toy-*.jsonl"))) == 2  # one record per source, nothing else


def test_shards_evaluate_their_own_images(nets, data, load, tmp_path):
    x, y = data
    part = transfer.source_rows(SETTINGS, load=load, chunk_size=2, shard=1, num_shards=2, root=tmp_path,
                                progress=False)
    long = transfer.evaluate_transfer(part, nets, x, y)
    assert sorted(set(long["id"])) == [2, 3]  # shard 1 of 2 owns the second chunk of two
    full = transfer.run_transfer(nets, x, y, SETTINGS, load=load, root=tmp_path, progress=False)
    merged = full.merge(long, on=["source", "target", "id"], suffixes=("", "_shard"))
    assert len(merged) == len(long) and (merged["fooled"] == merged["fooled_shard"]).all()


def test_matrix_counts_only_images_the_source_fooled():
    long = pd.DataFrame({
        "source": ["a"] * 4 + ["b"] * 4, "target": ["a", "b"] * 4,
        "success": [True, True, True, True, False, False, True, True],
        "fooled": [True, True, True, False, True, True, True, True],
    })
    m = transfer.fooling_matrix(long)
    assert m.loc["a", "b"] == 50.0 and m.loc["a", "a"] == 100.0
    assert m.loc["b", "a"] == 100.0 and m.loc["b", "b"] == 50.0  # b fooled 1 of its 2 images
    with pytest.raises(ValueError, match="lack"):
        transfer.fooling_matrix(long.drop(columns="fooled"))


def _pairs(outcome: list[list[bool]], success: list[list[bool]] | None = None) -> pd.DataFrame:
    """Transfer rows of nets a, b, c on images 0..N-1: ``outcome[j][i]`` is whether the j-th
    off-diagonal (source, target) pair fools image i; ``success[s][i]`` whether source s fooled it."""
    nets = ["a", "b", "c"]
    pairs = [(s, t) for s in nets for t in nets if s != t]
    n = len(outcome[0])
    success = success or [[True] * n] * 3
    rows = [{"source": s, "target": s, "id": i, "success": success[k][i], "fooled": success[k][i]}
            for k, s in enumerate(nets) for i in range(n)]
    rows += [{"source": s, "target": t, "id": i, "success": success[nets.index(s)][i], "fooled": outcome[j][i]}
             for j, (s, t) in enumerate(pairs) for i in range(n)]
    return pd.DataFrame(rows)


def test_pooled_transfer_resamples_images_not_pair_trials():
    """Six pairs that agree on every image carry one pair's information: the image-level interval
    is as wide as one pair's Wilson interval (at n images), not the width of 6 n independent trials."""
    hit = [i % 5 == 0 for i in range(200)]  # 20 % of the images transfer, to every target alike
    got = transfer.pooled_transfer(_pairs([hit] * 6))
    lo, hi = got[f"{transfer.POOLED_COLUMN} lo"], got[f"{transfer.POOLED_COLUMN} hi"]
    assert got[transfer.POOLED_COLUMN] == pytest.approx(20.0)
    w_lo, w_hi = stats.rate_interval(20.0, 200)
    assert hi - lo == pytest.approx(w_hi - w_lo, rel=0.15)
    p_lo, p_hi = stats.rate_interval(20.0, 1200)
    assert hi - lo > 1.8 * (p_hi - p_lo)  # pair trials taken as independent would be far too narrow
    assert list(got) == [transfer.POOLED_COLUMN, *stats.ci_columns(transfer.POOLED_COLUMN)]


def test_pooled_transfer_counts_only_the_images_each_source_fooled():
    """A trial is an image its source fooled; pooling weights pairs by their trials, and equals the
    mean over pairs of Table 3 when every source fools every image."""
    n = 10
    outcome = [[i < k for i in range(n)] for k in (1, 2, 3, 4, 5, 6)]
    full = transfer.pooled_transfer(_pairs(outcome))
    matrix = transfer.fooling_matrix(_pairs(outcome))
    off = [matrix.loc[s, t] for s in "abc" for t in "abc" if s != t]
    assert full[transfer.POOLED_COLUMN] == pytest.approx(sum(off) / len(off))
    half = [[i < 5 for i in range(n)], [True] * n, [True] * n]  # a fooled only images 0..4
    got = transfer.pooled_transfer(_pairs(outcome, half))
    assert got[transfer.POOLED_COLUMN] == pytest.approx(100.0 * (1 + 2 + 3 + 4 + 5 + 6) / (5 + 5 + 4 * n))
    lo, hi = got[f"{transfer.POOLED_COLUMN} lo"], got[f"{transfer.POOLED_COLUMN} hi"]
    assert lo < got[transfer.POOLED_COLUMN] < hi
    none = transfer.pooled_transfer(_pairs(outcome, [[False] * n] * 3))
    assert all(math.isnan(v) for v in none.values())


def test_direction_summary_reproduces_the_papers_claim():
    d = transfer.direction_summary(transfer.PAPER_TABLE3, transfer.PAPER_DEPTH).set_index("direction")
    assert d.loc["larger → smaller", "mean fooling %"] == pytest.approx((25.3 + 28.2 + 17.5) / 3)
    assert d.loc["smaller → larger", "mean fooling %"] == pytest.approx((10.8 + 8.2 + 12.1) / 3)
    assert (d["pairs"] == 3).all()
    row = transfer.summary_row(transfer.PAPER_TABLE3, transfer.PAPER_DEPTH, "paper", 4000)
    assert row["mean off-diagonal %"] == pytest.approx(102.1 / 6)
    assert (row["min %"], row["max %"]) == (8.2, 28.2)
    with pytest.raises(ValueError, match="no size"):
        transfer.direction_summary(transfer.PAPER_TABLE3, {"VGG-16": 16})


def test_model_size_counts_weight_layers_then_parameters():
    small, wide = tiny_cnn(3, 8), torch.nn.Sequential(*tiny_cnn(3, 8), torch.nn.Identity())
    depth, params = transfer.model_size(small)
    assert depth == 4 and params == sum(p.numel() for p in small.parameters())
    deeper = torch.nn.Sequential(small, torch.nn.Linear(10, 10))
    assert transfer.model_size(deeper) > transfer.model_size(small) == transfer.model_size(wide)


def test_bad_inputs_are_rejected(nets, data, load, tmp_path):
    x, y = data
    with pytest.raises(ValueError, match="at least two"):
        transfer.run_transfer({"a": nets["a"]}, x, y, SETTINGS, root=tmp_path)
    with pytest.raises(TypeError, match="nn.Module"):
        transfer.evaluate_transfer({}, {"a": nets["a"], "b": "not a model"}, x, y)
    with pytest.raises(ValueError, match="one setting per model"):
        transfer.run_transfer(nets, x, y, {"a": SETTINGS["a"]}, load=load, root=tmp_path)
    with pytest.raises(ValueError, match="of that model"):
        transfer.run_transfer(nets, x, y, {"a": SETTINGS["b"], "b": SETTINGS["a"]}, load=load, root=tmp_path)
    with pytest.raises(ValueError, match="common crop"):  # registry nets of 224 and 240 px, no crop
        transfer.source_rows({n: Setting("imagenet", n, N) for n in ("efficientnet-lite0", "efficientnet-lite1")})
    with pytest.raises(ValueError, match="same images"):
        transfer.source_rows({"a": SETTINGS["a"], "b": Setting("toy", "b", N, seed=1)}, load=load, root=tmp_path)
    bad = pd.DataFrame({"id": [N], "success": [True], "pct": [1.0], "delta_idx": [[]], "delta_val": [[]]})
    with pytest.raises(ValueError, match="positions"):
        transfer.evaluate_transfer({"a": bad}, nets, x, y)


def test_clean_accuracy_is_a_fraction_per_target_counting_each_image_once():
    long = pd.DataFrame({"source": ["a", "a", "b", "b", "a"], "target": ["a", "b", "a", "b", "a"],
                         "id": [0, 0, 0, 0, 1], "correct": [True, False, True, False, False]})
    assert transfer.clean_accuracy(long) == {"a": 0.5, "b": 0.0}


def test_heatmaps_draw_one_annotated_panel_per_matrix():
    import matplotlib.pyplot as plt

    ours = transfer.PAPER_TABLE3.rename(index=transfer.short_name, columns=transfer.short_name)
    fig = transfer.heatmaps([("paper", transfer.PAPER_TABLE3), ("ours", ours * 0.5)], "Table 3")
    panels = [ax for ax in fig.axes if ax.get_title() in ("paper", "ours")]
    assert len(panels) == 2
    assert "25" in {t.get_text() for t in panels[0].texts} and "13" in {t.get_text() for t in panels[1].texts}
    assert transfer.short_name("efficientnet-lite0") == "Lite0" and transfer.short_name("resnet20-cifar10") == "ResNet-20"
    plt.close(fig)
