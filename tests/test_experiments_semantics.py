"""Tests of the §4.2 semantics logic (where SparseFool's pixels fall, Figs. 8-9)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import torch

from conftest import images
from sfutils import metrics
from sfutils.experiments import semantics
from sfutils.experiments.common import Setting, attack_samples, rebuild_adversarials

NAMES = ["a", "b", "c"]


def test_masks_from_stored_rows_are_the_perturbed_pixels(color_model, tmp_path):
    x = images(5, 3, 8, seed=7)
    y = torch.zeros(5, dtype=torch.long)
    df = attack_samples("sparsefool", Setting("toy", "tiny", 5), root=tmp_path, load=lambda: (color_model, x, y),
                        lam=3.0, progress=False)
    masks = semantics.perturbation_masks(df, x.shape[1:])
    expected = metrics.changed_pixels(rebuild_adversarials(x, df) - x)
    assert masks.shape == (5, 8, 8) and masks.dtype == torch.bool
    assert torch.equal(masks, expected)
    assert masks.flatten(1).sum(1).tolist() == df["pixels"].tolist()


def test_masks_fold_channels_onto_pixels():
    rows = pd.DataFrame({"delta_idx": [[0, 16 + 0, 2 * 16 + 5], []]})  # (3, 4, 4): pixel 0 twice, pixel 5
    m = semantics.perturbation_masks(rows, (3, 4, 4))
    assert m[0].flatten().nonzero().squeeze(1).tolist() == [0, 5]
    assert not m[1].any()
    with pytest.raises(ValueError):
        semantics.perturbation_masks(rows, (4, 4))
    with pytest.raises(ValueError):
        semantics.perturbation_masks(rows.rename(columns={"delta_idx": "x"}), (3, 4, 4))


def test_overlay_paints_marked_pixels_and_fades_the_rest():
    x = torch.rand(1, 3, 6, 6)
    m = torch.zeros(1, 6, 6, dtype=torch.bool)
    m[0, 2, 3] = True
    out = semantics.overlay(x, m, color=(0.0, 1.0, 0.0), grow=0, fade=1.0)
    assert out[0, :, 2, 3].tolist() == [0.0, 1.0, 0.0]
    grey = x.mean(dim=1)
    torch.testing.assert_close(out[0, 0, 0, 0], grey[0, 0, 0])
    grown = semantics.overlay(x, m, grow=1)
    assert int((grown[0, 0] == 1.0).logical_and(grown[0, 1] == 0.0).sum()) >= 9  # a 3x3 red square
    gray = semantics.overlay(torch.rand(2, 1, 5, 5), torch.zeros(2, 5, 5, dtype=torch.bool))
    assert gray.shape == (2, 3, 5, 5)
    with pytest.raises(ValueError):
        semantics.overlay(x, m[:, :3])


def test_class_location_maps_average_masks_per_class():
    m = torch.zeros(3, 2, 2, dtype=torch.bool)
    m[0, 0, 0] = m[1, 0, 0] = m[1, 1, 1] = m[2, 0, 1] = True
    maps, counts = semantics.class_location_maps(m, [1, 1, 0], 3)
    assert counts.tolist() == [1, 2, 0]
    assert maps[1].tolist() == [[1.0, 0.0], [0.0, 0.5]]
    assert maps[0].tolist() == [[0.0, 1.0], [0.0, 0.0]]
    assert not maps[2].any()
    with pytest.raises(ValueError):
        semantics.class_location_maps(m, [0, 1, 3], 3)


def _pair_rows():
    return pd.DataFrame({"label": [0, 0, 0, 1, 2, 2], "adv_label": [1, 1, 2, 0, 1, 2],
                         "success": [True, True, True, True, True, False]})


def test_class_pairs_counts_fooled_pairs_with_totals():
    t = semantics.class_pairs(_pair_rows(), NAMES)
    assert t.loc["a", "b"] == 2 and t.loc["a", "c"] == 1 and t.loc["c", "b"] == 1
    assert t.loc["c", "c"] == 0  # the unfooled sample is left out
    assert t.loc["total", "total"] == 5 and t.loc["a", "total"] == 3 and t.loc["total", "b"] == 3


def test_top_pairs_are_sorted_with_shares():
    top = semantics.top_pairs(_pair_rows(), NAMES, k=2)
    assert top[["source", "fooling class", "count"]].values.tolist() == [["a", "b", 2], ["a", "c", 1]]
    assert top["% of fooled"].tolist() == [40.0, 20.0]
    assert top["% of source"].tolist() == pytest.approx([200 / 3, 100 / 3])
    with pytest.raises(ValueError):
        semantics.top_pairs(_pair_rows().assign(success=False), NAMES)


def test_smooth_maps_keep_mass_and_resize():
    m = torch.zeros(1, 21, 21, dtype=torch.bool)
    m[0, 10, 10] = True
    s = semantics.smooth_maps(m, sigma=1.5)
    assert s.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert s[0].argmax().item() == 10 * 21 + 10
    assert semantics.smooth_maps(m, 1.5, size=42).shape == (1, 42, 42)
    with pytest.raises(ValueError):
        semantics.smooth_maps(m, 0)


def test_location_agreement_is_one_for_identical_locations_and_beats_the_baseline():
    m = torch.zeros(3, 16, 16, dtype=torch.bool)
    m[0, 2, 2] = m[1, 13, 13] = m[2, 2, 13] = True
    t = semantics.location_agreement({"A": m, "B": m.clone(), "C": m.flip(1)}, sigma=1.0, size=16)
    ab = t[(t["network A"] == "A") & (t["network B"] == "B")].iloc[0]
    assert ab["same image"] == pytest.approx(1.0)
    assert ab["different images (baseline)"] < 0.1 and ab["random placement (baseline)"] < 0.5
    assert len(t) == 3
    lo, hi = ab[f"{semantics.GAP_COLUMN} lo"], ab[f"{semantics.GAP_COLUMN} hi"]
    assert lo <= ab["same image"] - ab["different images (baseline)"] <= hi and lo > 0  # the control: other images
    one = semantics.location_agreement({"A": m[:1], "B": m[:1]}, sigma=1.0, size=16)
    assert math.isnan(one["different images (baseline)"].iloc[0])
    assert 0 <= one["random placement (baseline)"].iloc[0] < 1


def test_random_masks_keep_the_pixel_count():
    m = torch.zeros(3, 5, 5, dtype=torch.bool)
    m[0, :2] = True
    m[2, 4, 4] = True
    r = semantics.random_masks_like(m, seed=1)
    assert r.flatten(1).sum(1).tolist() == [10, 0, 1]
    assert torch.equal(r, semantics.random_masks_like(m, seed=1))
    with pytest.raises(ValueError):
        semantics.location_agreement({"A": m})
    with pytest.raises(ValueError):
        semantics.location_agreement({"A": m, "B": m[:2]})


def test_centre_of_mass_spread():
    m = torch.zeros(2, 9, 9, dtype=torch.bool)
    m[0, 4, 4] = True
    m[1, 0, 0] = m[1, 0, 8] = True
    assert semantics.centre_of_mass_spread(m).tolist() == pytest.approx([0.0, 4.0])


def _masks_with_spread(spreads: list[float], size: int = 21) -> torch.Tensor:
    """One mask per value: two pixels at ± that many columns from the centre (rms spread = value)."""
    m = torch.zeros(len(spreads), size, size, dtype=torch.bool)
    for i, d in enumerate(spreads):
        m[i, size // 2, size // 2 - int(d)] = m[i, size // 2, size // 2 + int(d)] = True
    return m


def test_spread_test_finds_a_network_that_spreads_more_on_the_images_all_fooled():
    n = 30
    base = [1 + i % 4 for i in range(n)]
    masks = {"tight": _masks_with_spread(base), "same": _masks_with_spread([b + (i % 3 == 0) for i, b in
                                                                            enumerate(base)]),
             "wide": _masks_with_spread([b + 5 for b in base])}
    fooled = {k: torch.ones(n, dtype=torch.bool) for k in masks}
    fooled["wide"][:6] = False  # left out of every network's sample: the test is paired by image
    t = semantics.spread_test(masks, fooled)
    row = t.iloc[0]
    assert list(t.columns[:5]) == ["test", "networks", "n", "statistic", "p"] and len(t) == 1
    assert row["test"] == semantics.SPREAD_TEST == "Friedman" and row["n"] == n - 6
    assert row["p"] < 1e-6 and row["Kendall's W"] > 0.8
    assert row["median spread wide (px)"] - row["median spread tight (px)"] == pytest.approx(5.0)
    alike = semantics.spread_test({"a": masks["tight"], "b": masks["tight"].clone()}, {k: fooled["tight"]
                                                                                       for k in "ab"})
    assert alike["statistic"].iloc[0] == 0.0 and alike["p"].iloc[0] == 1.0
    none = semantics.spread_test(masks, {k: torch.zeros(n, dtype=torch.bool) for k in masks})
    assert none["n"].iloc[0] == 0 and math.isnan(none["p"].iloc[0])
    with pytest.raises(ValueError, match="same images"):
        semantics.spread_test({"a": masks["tight"], "b": masks["wide"][:5]}, {"a": fooled["tight"],
                                                                              "b": fooled["wide"][:5]})
    with pytest.raises(ValueError, match="fooled flags"):
        semantics.spread_test(masks, {"tight": fooled["tight"]})


def test_image_grid_draws_images_maps_and_blanks():
    fig = semantics.image_grid([[torch.rand(3, 4, 4), torch.rand(4, 4)], [torch.rand(1, 4, 4)]],
                               [["x", "map"], ["gray"]], ["r0", "r1"])
    axes = fig.axes
    assert len(axes) == 4 and axes[1].get_title() == "map" and axes[0].get_ylabel() == "r0"
    assert not axes[3].axison  # the missing cell is blank
    plt.close(fig)
    with pytest.raises(ValueError):
        semantics.image_grid([[torch.rand(2, 4, 4)]])
    with pytest.raises(ValueError):
        semantics.image_grid([])
