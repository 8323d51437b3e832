"""The section notebooks: sources and executed copies agree, and each runs in the quick profile.

``notebooks/NN_*.py`` (jupytext py:percent) is the source of truth; ``NN_*.ipynb`` is its executed
copy written by ``python -m sfutils.runner`` (``make figures`` / ``make notebook NB=NN``).
"""

from __future__ import annotations

import textwrap

import jupytext
import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from sfutils import paths, runner

SOURCES = runner.notebook_sources()


def code_cells(nb: nbformat.NotebookNode) -> list[str]:
    """Code cell sources, without the cell papermill injects with the run's parameters."""
    return [c.source.strip() for c in nb.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_executed_notebook_matches_source(source):
    executed = source.with_suffix(".ipynb")
    hint = f"run `make notebook NB={source.name[:2]}` (or `make figures`) to regenerate it"
    assert executed.exists(), f"{executed.name} is missing: {hint}"
    assert code_cells(nbformat.read(executed, as_version=4)) == code_cells(jupytext.read(source)), (
        f"{executed.name} is out of date with {source.name}: {hint}")


@pytest.mark.notebook
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs_in_quick_profile(source, tmp_path, monkeypatch):
    reason = runner.skip_reason(source)
    if reason is not None:
        pytest.skip(reason)
    figures = tmp_path / "figures"
    monkeypatch.setenv("SFUTILS_FIGURES", str(figures))
    failure = None
    try:
        runner.execute(source, "quick", tmp_path / f"{source.stem}.ipynb")
    except PapermillExecutionError as err:  # its message holds the failing cell and traceback
        failure = f"{source.name} failed in the quick profile:\n{err}"
    if failure:
        pytest.fail(failure, pytrace=False)
    assert list(figures.glob("*.png")), f"{source.name} wrote no figure"
    for name in runner.declared_outputs(source, "FIGURES"):
        assert (figures / f"{name}.png").exists(), f"{source.name} declares figure {name!r} but did not write it"
    for name in runner.declared_outputs(source, "TABLES"):
        assert (figures / "tables" / f"{name}.csv").exists(), (
            f"{source.name} declares table {name!r} but did not write it")


DEMO = '''\
# %% [markdown]
# # Demo

# %% tags=["parameters"]
profile = "default"

# %%
import matplotlib.pyplot as plt
from sfutils import plotting, provenance

FIGURES = ["demo"]
run = provenance.start_run("01_demo", profile)
fig, ax = plt.subplots()
ax.plot([1, 2])
plotting.save_figure(fig, "demo", caption="a line", n=2)
'''


@pytest.mark.notebook
def test_runner_runs_skips_and_reports_failures(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path / "unused"))  # restored after the runner sets it
    src = tmp_path / "src"
    src.mkdir()
    (src / "01_demo.py").write_text(DEMO)
    (src / "02_optional.py").write_text(
        "# requires: surely_not_installed_xyz [compare]\n# %%\nimport surely_not_installed_xyz\n")
    (src / "03_broken.py").write_text(textwrap.dedent('''\
        # %%
        x = 1
        # %%
        raise RuntimeError("broken on purpose")
        '''))
    out = tmp_path / "out"
    assert runner.declared_outputs(src / "01_demo.py", "FIGURES") == ["demo"]
    assert runner.main(["--profile", "quick", "--notebooks-dir", str(src), "--output-dir", str(out)]) == 1
    captured = capsys.readouterr()
    assert "skipped: 02_optional needs surely_not_installed_xyz: pip install -e '.[compare]'" in captured.out
    assert "broken on purpose" in captured.err and "FAILED 03_broken.py" in captured.err
    nb = nbformat.read(out / "01_demo.ipynb", as_version=4)
    assert code_cells(nb) == code_cells(jupytext.read(src / "01_demo.py"))
    injected = [c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'profile = "quick"' in injected[0]
    assert "papermill" not in nb.metadata
    assert not any(k in c.metadata for c in nb.cells for k in ("papermill", "execution"))
    assert (out / "figures" / "demo.png").exists()
    readme = (out / "figures" / "README.md").read_text()
    assert "[png](demo.png)" in readme and "quick" in readme
    assert not (out / "02_optional.ipynb").exists() and (out / "03_broken.ipynb").exists()
    assert paths.figures_root() == out.resolve() / "figures"
