"""The notebooks' front door (sfutils.notebook): one setup call, and verdicts judged on the tables
this very run wrote, whether the runner ran it or a user ran it by hand."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from sfutils import paths, plotting, progress
from sfutils.notebook import setup, what_we_found


def robustness_table(n: int) -> pd.DataFrame:
    return pd.DataFrame([{"role": "linf", "model (ours)": "resnet20-cifar10-linf", "n": n, "fooling % (ours)": 100.0}])


@pytest.mark.parametrize("under_runner", [False, True])
def test_a_run_reports_on_its_own_tables(tmp_path, monkeypatch, under_runner):
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path))
    monkeypatch.setenv(progress.RUNNER_ENV, "1" if under_runner else "0")
    # the committed folder of the profile holds other numbers than this run will write
    committed = paths.tables_dir("default")
    committed.mkdir(parents=True)
    robustness_table(7).to_csv(committed / "05_robustness.csv", index=False)
    run, settings = setup("05", "default", device="cpu", seed=3)
    assert settings.seed == 3 and run.notebook == "05" and run.profile == "default"
    assert (run.output_root == paths.figures_root("default")) is under_runner
    assert run.tables == run.output_root / "tables"
    plotting.save_table(run, robustness_table(321), "05_robustness", caption="test", n=321)
    text = what_we_found(run).data
    assert "| 321 |" in text and "| 7 |" not in text  # this run's n, not the committed table's
    assert ("hand run" in text) is (not under_runner)


def test_setup_shows_warnings_once_without_machine_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path))
    setup("05", "quick", device="cpu")
    text = warnings.formatwarning("lossy mirror", UserWarning, str(tmp_path / "sfutils" / "data.py"), 348)
    assert text == "UserWarning: lossy mirror\n" and str(tmp_path) not in text
