"""The section notebooks: sources and executed copies agree, and each runs in the quick profile.

``notebooks/NN_*.py`` (jupytext py:percent) is the source of truth; ``NN_*.ipynb`` is its executed
copy written by ``python -m sfutils.runner`` (``make figures`` / ``make notebook NB=NN``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jupytext
import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from sfutils import paths, progress, provenance, runner
from sfutils.data import DownloadError

SOURCES = runner.notebook_sources()


def cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """Code and markdown cells (type, source), without papermill's injected parameters."""
    return [(c.cell_type, c.source.strip()) for c in nb.cells
            if c.cell_type in ("code", "markdown") and "injected-parameters" not in c.metadata.get("tags", [])]


def committed_profile_copies() -> dict[str, list[str]]:
    """The profiles whose executed copies are committed under ``figures/<profile>/notebooks/``
    (git-ignored ones, like quick's, are a machine's own), by notebook stem."""
    try:
        listed = subprocess.run(["git", "ls-files", "figures/*/notebooks/*.ipynb"], cwd=paths.repo_root(),
                                capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return {}
    found: dict[str, list[str]] = {}
    for name in listed:
        found.setdefault(Path(name).stem, []).append(Path(name).parts[1])
    return found


def executed_copies() -> list[tuple[Path, str]]:
    """Each source with the profiles of its committed executed copies (the headline's first)."""
    committed = committed_profile_copies()
    others = {stem: sorted(set(profiles) - {paths.HEADLINE_PROFILE}) for stem, profiles in committed.items()}
    return [(source, profile) for source in SOURCES for profile in [paths.HEADLINE_PROFILE, *others.get(source.stem, [])]]


@pytest.mark.parametrize("source, profile", executed_copies(), ids=lambda v: getattr(v, "stem", v))
def test_executed_notebook_matches_source(source, profile):
    """Code and prose alike: a reader of an executed copy reads what its source says now."""
    executed = paths.executed_notebook(source, profile)
    hint = f"run `make notebook NB={source.name[:2]} PROFILE={profile}` to regenerate it"
    assert executed.exists(), f"{executed.name} is missing: {hint}"
    assert cells(nbformat.read(executed, as_version=4)) == cells(jupytext.read(source)), (
        f"{executed.relative_to(paths.repo_root())} is out of date with {source.name}: {hint}")


def git_state() -> str:
    """``git status`` of the tracked files plus a digest of their unstaged and staged changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=paths.repo_root(), capture_output=True, text=True, check=True).stdout
    return git("status", "--porcelain", "--untracked-files=no") + git("diff", "--stat") + git("diff", "--cached", "--stat")


@pytest.mark.notebook
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs_in_quick_profile_without_touching_tracked_files(source, monkeypatch):
    """Each notebook runs in the quick profile through the runner, into the real (git-ignored)
    ``figures/quick/``, and leaves every tracked file as it was."""
    reason = runner.skip_reason(source)
    if reason is not None:
        pytest.skip(reason)
    monkeypatch.delenv("SFUTILS_FIGURES", raising=False)
    monkeypatch.setenv(progress.RUNNER_ENV, "1")
    figures = paths.figures_root("quick")
    output = paths.executed_notebook(source, "quick")
    before = git_state()
    failure = None
    try:
        runner.execute(source, "quick", output)
    except PapermillExecutionError as err:  # its message holds the failing cell and traceback
        if err.ename == DownloadError.__name__ and not os.environ.get("SFUTILS_MIRROR"):
            pytest.skip(f"{source.name} needs data or weights that are not here: no mirror, no cache and no "
                        f"network ({err.evalue[:200]})")
        failure = f"{source.name} failed in the quick profile:\n{err}"
    if failure:
        pytest.fail(failure, pytrace=False)
    provenance.write_index_readme(figures)
    assert git_state() == before, f"a quick-profile run of {source.name} changed tracked files"
    assert output.parent == figures / "notebooks"
    assert list(figures.glob(f"{source.stem[:2]}_*.png")), f"{source.name} wrote no figure"
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
plotting.save_figure(run, fig, "demo", caption="a line", n=2)
'''


@pytest.fixture
def src(tmp_path, monkeypatch):
    """An empty notebook-source folder for runner.main, with the variables the runner sets restored after."""
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path / "unused"))
    monkeypatch.setenv(progress.RUNNER_ENV, "")
    folder = tmp_path / "src"
    folder.mkdir()
    return folder


@pytest.mark.notebook
def test_runner_runs_skips_and_reports_failures(src, tmp_path, capsys):
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
    assert cells(nb) == cells(jupytext.read(src / "01_demo.py"))
    injected = [c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'profile = "quick"' in injected[0]
    assert "papermill" not in nb.metadata
    assert not any(k in c.metadata for c in nb.cells for k in ("papermill", "execution"))
    assert (out / "figures" / "quick" / "demo.png").exists()
    readme = (out / "figures" / "quick" / "README.md").read_text()
    assert "[png](demo.png)" in readme and "quick" in readme
    assert not (out / "02_optional.ipynb").exists() and (out / "03_broken.ipynb").exists()
    assert paths.figures_root("quick") == out.resolve() / "figures" / "quick"


@pytest.mark.notebook
def test_log_output_streams_cell_output_to_the_terminal(src, tmp_path, capsys):
    (src / "01_hello.py").write_text('# %% tags=["parameters"]\nprofile = "default"\n# %%\nimport sys\n'
                                     'print("hello from the cell")\nprint("a warning", file=sys.stderr)\n')
    args = ["--profile", "quick", "--notebooks-dir", str(src), "--output-dir", str(tmp_path / "out")]
    assert runner.main(args + ["--log-output"]) == 0
    captured = capsys.readouterr()
    assert "hello from the cell" in captured.out and "a warning" in captured.err
    assert runner.main(args) == 0
    assert "hello from the cell" not in capsys.readouterr().out


@pytest.mark.notebook
def test_progress_lines_reach_the_log_once_and_stay_out_of_the_notebook(src, tmp_path, capfd, monkeypatch):
    """progress.LogProgress writes to the kernel's inherited stderr; ipykernel would also copy it into
    the cell outputs, which --log-output then streamed a second time."""
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # ipykernel leaves descriptors alone under pytest
    (src / "01_fd.py").write_text('# %% tags=["parameters"]\nprofile = "default"\n# %%\nimport sys\n'
                                  'print("[12:00:00] exp: 1/2 samples", file=sys.__stderr__, flush=True)\n')
    out = tmp_path / "out"
    args = ["--profile", "quick", "--notebooks-dir", str(src), "--output-dir", str(out)]
    for extra in ([], ["--log-output"]):
        assert runner.main(args + extra) == 0
        assert capfd.readouterr().err.count("exp: 1/2 samples") == 1
        outputs = [o for c in nbformat.read(out / "01_fd.ipynb", as_version=4).cells for o in c.get("outputs", [])]
        assert not any("exp: 1/2" in o.get("text", "") for o in outputs)


def test_profiles_write_apart_and_hand_runs_go_to_scratch(tmp_path, monkeypatch):
    monkeypatch.setenv("SFUTILS_FIGURES", str(tmp_path))
    monkeypatch.setattr(provenance, "_current", None)
    source = paths.notebooks_root() / "01_overall_performance.py"
    assert paths.executed_notebook(source, paths.HEADLINE_PROFILE) == source.with_suffix(".ipynb")
    assert paths.executed_notebook(source, "quick") == tmp_path / "quick" / "notebooks" / f"{source.stem}.ipynb"
    with pytest.raises(RuntimeError, match="start_run"):
        provenance.output_root()
    with pytest.raises(ValueError, match="unknown profile"):
        provenance.start_run("01", "fast")
    provenance.start_run("01", "default", device="cpu")
    monkeypatch.delenv(progress.RUNNER_ENV, raising=False)
    assert provenance.output_root() == tmp_path / "scratch" / "default"  # by hand: never the committed folder
    monkeypatch.setenv(progress.RUNNER_ENV, "1")
    assert provenance.output_root() == tmp_path / "default"
    provenance.start_run("01", "quick", device="cpu")
    monkeypatch.delenv(progress.RUNNER_ENV)
    assert provenance.output_root() == tmp_path / "quick"  # git-ignored whoever runs it


SHARDED = '''\
# %% tags=["parameters"]
profile = "default"
shard = 0
num_shards = 1

# %%
import os
import pandas as pd
from sfutils import plotting, provenance
from sfutils.results import ResultStore, run_rows

run = provenance.start_run("01_sharded", profile)
store = ResultStore("01-demo", {"n": 10}, shard=shard, num_shards=num_shards)

def compute(pos):
    with open(os.environ["CALLS_LOG"], "a") as f:
        f.write(f"{shard} {pos}\\n")
    return [{"square": p * p} for p in pos]

df = run_rows(store, compute, list(range(10)), chunk_size=3, progress=False)
plotting.save_table(run, df.sort_values("id")[["id", "square"]], "01_sharded", n=len(df))
'''


@pytest.mark.notebook
def test_two_shards_then_a_merge_equal_a_single_run(tmp_path, monkeypatch):
    """The SLURM path (scripts/slurm_paper.sh) on one machine: two shard processes writing their
    own files at once, then one merge run, give the table of a single-process run and compute
    nothing twice."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "01_sharded.py").write_text(SHARDED)

    def runner_cmd(data: Path, out: Path, *extra: str) -> subprocess.Popen:
        env = {**os.environ, "SFUTILS_DATA": str(data), "CALLS_LOG": str(data / "calls.log")}
        data.mkdir(exist_ok=True)
        return subprocess.Popen([sys.executable, "-m", "sfutils.runner", "--profile", "quick", "--notebooks-dir",
                                 str(src), "--output-dir", str(out), *extra], env=env, cwd=paths.repo_root())

    shards = [runner_cmd(tmp_path / "sharded", tmp_path / f"shard{k}", "--shard", str(k), "--num-shards", "2")
              for k in range(2)]
    assert [p.wait(timeout=600) for p in shards] == [0, 0]
    assert runner_cmd(tmp_path / "sharded", tmp_path / "merged").wait(timeout=600) == 0
    assert runner_cmd(tmp_path / "single", tmp_path / "single").wait(timeout=600) == 0

    table = lambda out: (out / "figures" / "quick" / "tables" / "01_sharded.csv").read_text()  # noqa: E731
    assert table(tmp_path / "merged") == table(tmp_path / "single")
    assert len(table(tmp_path / "single").splitlines()) == 11
    calls = (tmp_path / "sharded" / "calls.log").read_text().splitlines()
    assert sorted(line.split()[0] for line in calls) == ["0", "0", "1", "1"]  # the merge computed nothing
    files = sorted(p.name for p in (tmp_path / "sharded" / "results" / "quick").glob("*.jsonl"))
    assert len(files) == 2 and all(".shard" in f for f in files)
