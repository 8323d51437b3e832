"""The claim registry and its verdicts: rules on synthetic results and tables, and the committed
report against the committed tables (no number in it is typed by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sfutils import claims, paths
from sfutils.claims import Claim, Criterion, Measurement

PAPER_SECTIONS = {"1", "2", "2.1", "2.2", "2.3", "3", "3.1", "3.2", "3.3", "4", "4.1", "4.2", "5"}


def rate_claim(low: float | None = 95.0, high: float | None = None, same: tuple[str, ...] = ()) -> Claim:
    return Claim("X-rate", "§4.2, Table 1", "fools everything", "100 %",
                 Measurement("01", "01_table1", "rate", ("fooling % (ours)",), (("attack", "sparsefool"),),
                             model_column="model (ours)"),
                 Criterion("test", low=low, high=high), "paper net", "{model} here", same, "a stand-in net")


def estimate_claim() -> Claim:
    return Claim("X-px", "§4.2, Table 1", "few pixels", "1.0 %",
                 Measurement("01", "01_table1", "estimate", ("median px % (ours)",), (("attack", "sparsefool"),),
                             model_column="model (ours)"),
                 claims.within_half(1.0), "paper net", "{model} here")


@pytest.fixture
def figures(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path))
    (tmp_path / "p" / "tables").mkdir(parents=True)
    return tmp_path / "p" / "tables"


def write(tables: Path, name: str, rows: list[dict]) -> None:
    pd.DataFrame(rows).to_csv(tables / f"{name}.csv", index=False)


# --- the rules on synthetic estimates --------------------------------------------------------------

@pytest.mark.parametrize("lo, hi, n, expected", [
    (96.0, 100.0, 200, claims.HOLDS_STAND_IN),   # inside the criterion
    (60.0, 85.0, 50, claims.FAILS),               # entirely below it
    (91.0, 100.0, 40, claims.INCONCLUSIVE),       # straddles 95
    (96.0, 100.0, 19, claims.INCONCLUSIVE),       # n < 20 never matches
    (None, None, 200, claims.INCONCLUSIVE),       # no interval
])
def test_judge_rules(lo, hi, n, expected):
    v = claims.judge(rate_claim(), 98.0, lo, hi, None, n)
    assert v.verdict == expected
    if expected != claims.HOLDS_STAND_IN:
        assert v.why  # every claim that does not hold says why


def test_same_setting_holds_and_failures_give_the_caveat():
    assert claims.judge(rate_claim(), 99.0, 97.0, 100.0, None, 100, same=True).verdict == claims.HOLDS
    failed = claims.judge(rate_claim(), 70.0, 60.0, 80.0, None, 100)
    assert failed.why == "a stand-in net"
    assert "n = 5 < 20" in claims.judge(rate_claim(), 100.0, 60.0, 100.0, None, 5).why


def test_upper_bound_criterion():
    c = rate_claim(low=None, high=23.0)
    assert claims.judge(c, 0.0, 0.0, 3.7, None, 100).verdict == claims.HOLDS_STAND_IN
    assert claims.judge(c, 50.0, 40.0, 60.0, None, 100).verdict == claims.FAILS
    assert claims.judge(c, 20.0, 12.0, 30.0, None, 100).verdict == claims.INCONCLUSIVE


def test_trend_rules():
    up = Claim("X-trend", "§3.3, Fig. 4", "rises", "up", Measurement("01", "01_fig4", "trend", ("lam", "pixels")),
               Criterion("tau > 0", low=0.0), "paper", "ours")
    assert claims.judge(up, 1.0, None, None, 0.003, 100).verdict == claims.HOLDS_STAND_IN
    assert claims.judge(up, -1.0, None, None, 0.003, 100).verdict == claims.FAILS
    assert claims.judge(up, 0.4, None, None, 0.3, 100).verdict == claims.INCONCLUSIVE
    assert claims.judge(up, float("nan"), None, None, float("nan"), 100).verdict == claims.INCONCLUSIVE


# --- measured from synthetic tables ------------------------------------------------------------------

def test_measure_rate_and_estimate_from_a_table(figures, monkeypatch):
    write(figures, "01_table1", [
        {"attack": "sparsefool", "model (ours)": "lenet-mnist", "n": 200, "fooling % (ours)": 100.0,
         "median px % (ours)": 1.2, "median px % (ours) lo": 1.0, "median px % (ours) hi": 1.4},
        {"attack": "jsma", "model (ours)": "lenet-mnist", "n": 50, "fooling % (ours)": 76.0,
         "median px % (ours)": 5.0, "median px % (ours) lo": 4.0, "median px % (ours) hi": 6.0},
    ])
    v = claims.measure(rate_claim(same=("lenet-mnist",)), "p")
    assert (v.verdict, v.n, v.value) == (claims.HOLDS, 200, 100.0)
    assert v.lo == pytest.approx(98.1155, abs=1e-3) and v.hi == 100.0  # Wilson 200/200
    assert v.ours == "lenet-mnist here"
    e = claims.measure(estimate_claim(), "p")
    assert (e.verdict, e.lo, e.hi) == (claims.HOLDS_STAND_IN, 1.0, 1.4)
    assert "1.2 % [1, 1.4]" == claims.ours_text(e)


def test_measure_ratio_uses_both_intervals(figures):
    write(figures, "05_robustness", [
        {"role": "standard", "n": 50, "median px % (ours)": 1.0, "median px % (ours) lo": 0.8,
         "median px % (ours) hi": 1.2},
        {"role": "linf", "n": 50, "median px % (ours)": 2.0, "median px % (ours) lo": 1.9,
         "median px % (ours) hi": 2.2},
    ])
    c = next(c for c in claims.CLAIMS if c.id == "AT-pixels")
    v = claims.measure(c, "p")
    assert v.value == pytest.approx(2.0)
    assert (v.lo, v.hi) == pytest.approx((1.9 / 1.2, 2.2 / 0.8))
    assert v.verdict == claims.HOLDS_STAND_IN  # 1.58 >= 1.5


def test_not_run_when_table_or_row_is_missing(figures):
    assert claims.measure(rate_claim(), "p").verdict == claims.NOT_RUN
    write(figures, "01_table1", [{"attack": "jsma", "model (ours)": "m", "n": 50, "fooling % (ours)": 76.0}])
    v = claims.measure(rate_claim(), "p")
    assert v.verdict == claims.NOT_RUN and "no row" in v.why


def test_transfer_asymmetry_pools_the_pairs(figures):
    nets = ["resnet20", "resnet56"]
    rate = {("resnet20", "resnet56"): 10.0, ("resnet56", "resnet20"): 40.0}
    write(figures, "03_table3_matrices", [
        {"setting": "ours (CIFAR-10)", "source": s, "target": t, "fooling %": 100.0 if s == t else rate[s, t]}
        for s in nets for t in nets])
    write(figures, "03_table3_summary", [{"setting": "ours: CIFAR-10", "n per source": 100}])
    c = next(c for c in claims.CLAIMS if c.id == "T3-cifar10-asymmetry")
    v = claims.measure(c, "p")
    assert v.value == pytest.approx(30.0)  # larger -> smaller 40 % minus smaller -> larger 10 %
    assert v.lo > 0 and v.verdict == claims.HOLDS_STAND_IN
    mean = claims.measure(next(c for c in claims.CLAIMS if c.id == "T3-cifar10-mean"), "p")
    assert mean.value == pytest.approx(25.0) and mean.n == 100


def test_fig8_gap_is_judged_on_every_pair_interval_from_the_semantics_table(figures):
    """Fig. 8's gap (same-image minus random-placement similarity) holds only when every pair of
    nets' interval clears 0; a table without the interval stays inconclusive."""
    import torch

    from sfutils.experiments import semantics

    m = torch.zeros(24, 16, 16, dtype=torch.bool)
    for i in range(24):
        m[i, 2 + i % 5, 3 + i % 7] = True
    agree = semantics.location_agreement({"lite0": m, "lite1": m.clone(), "lite2": m.roll(1, 1)}, sigma=1.0, size=16)
    c = next(c for c in claims.CLAIMS if c.id == "F8-shared-areas")
    write(figures, "04_location_agreement", agree.to_dict("records"))
    v = claims.measure(c, "p")
    assert v.n == 24 and v.lo is not None and v.value == pytest.approx(
        float((agree["same image"] - agree["random placement (baseline)"]).mean()))
    assert v.lo == pytest.approx(agree[f"{semantics.GAP_COLUMN} lo"].min()) and v.verdict == claims.HOLDS_STAND_IN
    write(figures, "04_location_agreement", agree.drop(columns=[f"{semantics.GAP_COLUMN} lo"]).to_dict("records"))
    assert claims.measure(c, "p").verdict == claims.INCONCLUSIVE


def test_transfer_trials_are_the_images_the_source_fooled(figures):
    """Table 3's diagonal is the source's own fooling rate: a source that fooled 50 of 100 images
    gives its off-diagonal pairs 50 trials each."""
    rate = {("resnet20", "resnet20"): 50.0, ("resnet56", "resnet56"): 100.0,
            ("resnet20", "resnet56"): 10.0, ("resnet56", "resnet20"): 40.0}
    write(figures, "03_table3_matrices", [{"setting": "ours (CIFAR-10)", "source": s, "target": t, "fooling %": v}
                                          for (s, t), v in rate.items()])
    write(figures, "03_table3_summary", [{"setting": "ours: CIFAR-10", "n per source": 100}])
    mean = claims.measure(next(c for c in claims.CLAIMS if c.id == "T3-cifar10-mean"), "p")
    assert mean.value == pytest.approx(100.0 * (5 + 40) / (50 + 100))


def test_trend_from_a_table(figures):
    write(figures, "01_fig4", [{"model": "lenet-mnist", "lam": lam, "n": 100, "fooling": 100.0, "pixels": px,
                                "iterations": it} for lam, px, it in
                               [(1, 11, 2.8), (2, 21, 1.9), (3, 38, 1.5), (4, 57, 1.2), (5, 82, 1.1)]])
    by_id = {v.claim.id: v for v in claims.verdicts("p", "01")}
    assert by_id["F4-pixels"].verdict == claims.HOLDS_STAND_IN
    assert by_id["F4-iterations"].verdict == claims.HOLDS_STAND_IN
    assert by_id["F4-fooling"].verdict == claims.INCONCLUSIVE  # flat at 100 %: no trend can show
    assert by_id["T1-mnist-lenet-sparsefool-fool"].verdict == claims.NOT_RUN


def test_render_verdicts_lists_every_claim_of_the_notebook(figures):
    text = claims.render_verdicts("05", "p")
    for c in claims.CLAIMS:
        if c.measurement.notebook == "05":
            assert f"**{c.id}**" in text
    assert "not run in this profile: **3**" in text


# --- the registry -----------------------------------------------------------------------------------

def test_registry_covers_the_issue_and_cites_only_the_papers_sections():
    ids = {c.id for c in claims.CLAIMS}
    for prefix in ("T1-", "T2-", "T3-", "F4-", "F6-", "F7-", "F8-", "F9-", "S22-", "AT-", "B-", "F1-", "F5a-"):
        assert any(i.startswith(prefix) for i in ids), prefix
    assert {"T1-mnist-lenet-speed-jsma", "T1-cifar10-vgg-19-speed-jsma", "T1-mnist-lenet-speed-one_pixel",
            "T3-cifar10-asymmetry", "T3-cifar10-mean", "AT-pixels"} <= ids
    for net in ("vgg-16", "resnet-101", "densenet-161", "inception-v3"):
        assert {f"T2-{net}-fool", f"T2-{net}-pixels", f"T2-{net}-random"} <= ids
    for c in claims.CLAIMS:
        for sec in re.findall(r"§(\d+(?:\.\d+)?)", c.where):
            assert sec in PAPER_SECTIONS, (c.id, c.where)
    illustrated = {c.id for c in claims.CLAIMS if c.measurement.kind == "illustration"}
    assert {"F1-examples", "F5a-examples", "F5b-examples", "F7-same-image"} <= illustrated


# --- the committed report ---------------------------------------------------------------------------

def test_committed_report_is_what_the_committed_tables_give():
    profile = paths.HEADLINE_PROFILE
    report = paths.figures_root(profile) / "report.md"
    csv = paths.tables_dir(profile) / "verdicts.csv"
    assert report.is_file() and csv.is_file(), f"run `python -m sfutils.claims --profile {profile}` and commit"
    assert report.read_text() == claims.render_report(profile)
    assert csv.read_text() == claims.verdict_rows(claims.verdicts(profile)).to_csv(index=False)


@pytest.mark.parametrize("slow_s, expected", [
    (4.0, claims.HOLDS_STAND_IN),   # 4x: 4/1.5 = 2.67 >= 2.35 clears the criterion with the tolerance
    (3.0, claims.INCONCLUSIVE),     # 3x: the band 2-4.5 straddles 2.35
    (1.0, claims.FAILS),            # 1x: even 1.5x is below 2.35
])
def test_time_ratios_get_the_timing_band_not_a_zero_width_interval(figures, slow_s, expected):
    claim = Claim("X-speed", "§4.2, Table 1", "faster", "4.7×",
                  Measurement("01", "01_table1", "ratio", (claims.TIME_COLUMN, claims.TIME_COLUMN),
                              (("attack", "jsma"),), (("attack", "sparsefool"),), unit="×"),
                  claims.at_least(2.35, "≥ 2.35×"), "paper", "ours")
    lo_hi = {c: 1.0 for c in ("s/image (ours) lo", "s/image (ours) hi")}  # per-batch times: zero width
    write(figures, "01_table1", [
        {"attack": "jsma", "n": 100, claims.TIME_COLUMN: slow_s, **lo_hi},
        {"attack": "sparsefool", "n": 100, claims.TIME_COLUMN: 1.0, **lo_hi}])
    v = claims.measure(claim, "p")
    assert v.verdict == expected
    assert (v.lo, v.hi) == pytest.approx((slow_s / claims.TIMING_TOLERANCE, slow_s * claims.TIMING_TOLERANCE))
    assert "(timing band)" in claims.ours_text(v)
    if expected != claims.HOLDS_STAND_IN:
        assert "timing band" in v.why
