"""Figures, tables, the figure index / README and provenance records."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

from sfutils import claims, paths, plotting, progress, provenance


@pytest.fixture
def figures(tmp_path, monkeypatch):
    """A temporary figures root and a started run attributed to notebook 01, profile quick."""
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path))
    monkeypatch.setattr(provenance, "_current", None)
    provenance.start_run("01_overall", "quick", device="cpu")
    return tmp_path / "quick"


def test_save_figure_and_table_write_files_and_index(figures):
    plotting.set_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    plotting.save_figure(provenance.current_run(), fig, "fig_lambda", caption="Fig. 4", n=20)
    plt.close(fig)
    df = pd.DataFrame({"model": ["lenet"], "fooling %": [99.5]})
    plotting.save_table(provenance.current_run(), df, "table1", caption="Table 1", n=20)
    assert (figures / "fig_lambda.png").read_bytes().startswith(b"\x89PNG")
    assert (figures / "fig_lambda.pdf").read_bytes().startswith(b"%PDF")
    assert pd.read_csv(figures / "tables" / "table1.csv").equals(df)
    md = (figures / "tables" / "table1.md").read_text()
    assert md.startswith("Table 1") and "| lenet" in md and "99.5" in md
    index = json.loads((figures / "index.json").read_text())
    entry = index["figures"]["fig_lambda"]
    assert (entry["notebook"], entry["profile"], entry["n"], entry["caption"]) == ("01_overall", "quick", 20, "Fig. 4")
    assert entry["files"] == ["fig_lambda.png", "fig_lambda.pdf"] and entry["device"].startswith("cpu")
    assert index["tables"]["table1"]["files"] == ["tables/table1.csv", "tables/table1.md"]


def test_readme_lists_outputs(figures):
    fig = plt.figure()
    plotting.save_figure(provenance.current_run(), fig, "fig_a", caption="kept", n=5, formats=("png",))
    plotting.save_figure(provenance.current_run(), fig, "fig_gone", caption="deleted later", formats=("png",))
    plt.close(fig)
    (figures / "fig_gone.png").unlink()
    readme = provenance.write_index_readme().read_text()
    row = next(line for line in readme.splitlines() if "fig_a" in line)
    assert "[png](fig_a.png)" in row and "kept" in row and "quick" in row and "| 5 " in row
    assert "fig_gone" not in readme


def test_readme_lists_the_tables_benchmarks_write(figures):
    """A CSV in tables/ that no notebook recorded (a benchmark's, e.g. 01_speed_bench) is still listed."""
    plotting.save_table(provenance.current_run(), pd.DataFrame({"a": [1]}), "recorded", caption="by a notebook")
    for name in ("01_speed_bench.csv", paths.VERDICTS_CSV):  # the verdicts come from sfutils.claims, not a benchmark
        (figures / "tables" / name).write_text("a\n1\n")
    readme = provenance.write_index_readme().read_text()
    extra = readme.split("## Tables not written by a notebook", 1)[1]
    assert "[csv](tables/01_speed_bench.csv) `01_speed_bench`" in extra
    assert "recorded" not in extra and "verdicts" not in extra


def test_plot_examples_gray_and_color():
    for c in (1, 3):
        x = torch.rand(5, c, 8, 8)
        adv = x.clone()
        adv[:, :, 2, 3] = 1 - adv[:, :, 2, 3]
        fig = plotting.plot_examples(x, adv, [0, 1, 2, 3, 4], [1, 2, 3, 4, 5], class_names=list("abcdef"),
                                     max_examples=4)
        axes = fig.axes
        assert len(axes) == 12
        assert axes[0].get_title() == "a" and axes[8].get_title() == "b"
        assert axes[4].get_title() == "1 px (1.56%)"
        plt.close(fig)


def test_plot_examples_rejects_bad_input(figures):
    x = torch.rand(2, 3, 4, 4)
    with pytest.raises(ValueError, match="shape"):
        plotting.plot_examples(torch.rand(2, 4, 4), x[:, :1], [0, 1], [1, 0])
    with pytest.raises(ValueError, match="differ"):
        plotting.plot_examples(x, x[:, :1], [0, 1], [1, 0])
    with pytest.raises(ValueError, match="label"):
        plotting.plot_examples(x, x, [0], [1, 0])
    with pytest.raises(ValueError, match="file stem"):
        plotting.save_table(provenance.current_run(), pd.DataFrame({"a": [1]}), "../x")
    with pytest.raises(TypeError, match="DataFrame"):
        plotting.save_table(provenance.current_run(), [1, 2], "x")
    assert not figures.exists() or not any(figures.iterdir())


def test_provenance_record(figures):
    info = provenance.current_run().provenance(n=7)
    assert (info["notebook"], info["profile"], info["n"]) == ("01_overall", "quick", 7)
    assert info["torch"] == torch.__version__.split("+")[0] and info["wall_time_s"] >= 0
    assert info["device"].startswith("cpu") and info["threads"] == torch.get_num_threads()
    md = provenance.provenance_markdown(info)
    assert "| profile" in md and "quick" in md and "None" not in md


def test_notebook_runs_are_recorded_and_listed(tmp_path, monkeypatch):
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path))
    head = paths.HEADLINE_PROFILE
    provenance.record_notebook_run(head, "01_overall_performance", 125.0)
    provenance.record_notebook_run(head, "00_sparsefool_explained", 30.0)
    runs = json.loads((tmp_path / head / "runs.json").read_text())
    assert list(runs) == ["00_sparsefool_explained", "01_overall_performance"]
    assert runs["01_overall_performance"]["wall_time_min"] == 2.1
    (tmp_path / head / "README.md").write_text("# index\n")
    front = claims.write_front_readme(tmp_path).read_text()
    assert f"## The committed run ({head} profile)" in front and "01_overall_performance" in front
    assert f"- [`{head}`]({head}/README.md) (headline)" in front


def test_title_above_adds_a_band_without_overlap_or_gap():
    x = torch.rand(4, 3, 8, 8)
    fig = plotting.plot_examples(x, x.clone(), [0] * 4, [1] * 4, max_examples=4)
    for ax in fig.axes[:4]:
        ax.set_title("net\n" + ax.get_title())
    fig.tight_layout()
    before_in = [ax.get_position().height * fig.get_size_inches()[1] for ax in fig.axes]
    plotting.title_above(fig, "line one\nline two")
    after_in = [ax.get_position().height * fig.get_size_inches()[1] for ax in fig.axes]
    assert after_in == pytest.approx(before_in)  # the axes keep their size
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    tops = max(ax.title.get_window_extent(renderer).y1 for ax in fig.axes)
    assert title.y0 > tops  # no overlap with the column titles
    assert title.y0 - tops < 0.5 * fig.dpi  # and no large gap (< half an inch)
    plt.close(fig)


def test_progress_bars_are_off_in_a_notebook_run_by_the_runner(monkeypatch):
    """papermill saves a tqdm widget without its state (frozen at 0 % in the executed notebook)."""
    monkeypatch.delenv(progress.RUNNER_ENV, raising=False)
    assert not progress.progress_bar(range(3), desc="x").disable
    assert progress.progress_bar(range(3), desc="x", disable=True).disable
    monkeypatch.setenv(progress.RUNNER_ENV, "1")
    bar = progress.progress_bar(range(3), desc="x")
    assert bar.disable and list(bar) == [0, 1, 2]


def test_comparison_bars_put_ours_beside_the_paper_and_label_missing_bars():
    df = pd.DataFrame({"fooling % (ours)": [100.0, 0.0], "fooling % (paper)": [99.9, 100.0],
                       "median px % (ours)": [1.4, float("nan")], "median px % (paper)": [1.66, 4.85]})
    fig = plotting.comparison_bars(df, pd.Series(["sparsefool", "jsma"]),
                                   [("fooling %", "fooling rate (%)", False), ("median px %", "px %", True)], "t")
    ax0, ax1 = fig.axes[:2]
    assert len(ax0.patches) == 4 and ax1.get_xscale() == "log"
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert {"0 (none fooled)", "n/a (none fooled)"} <= texts
    plt.close(fig)


def test_comparison_bars_draw_our_interval_as_a_whisker_where_the_table_has_one():
    df = pd.DataFrame({"fooling % (ours)": [90.0, 50.0], "fooling % (ours) lo": [80.0, float("nan")],
                       "fooling % (ours) hi": [95.0, float("nan")], "fooling % (paper)": [99.0, 99.0]})
    fig = plotting.comparison_bars(df, pd.Series(["a", "b"]), [("fooling %", "fooling rate (%)", False)], "t")
    segments = [seg for c in fig.axes[0].collections for seg in c.get_segments()]
    spans = sorted((float(s[:, 0].min()), float(s[:, 0].max())) for s in segments if len(s) and np.isfinite(s).all())
    assert spans == [(80.0, 95.0)]  # row a's interval; row b has none written
    plt.close(fig)
