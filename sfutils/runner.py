"""Execute the section notebooks: ``python -m sfutils.runner --profile quick|default|paper``.

The source of truth of each notebook is ``notebooks/NN_*.py`` (jupytext py:percent). In order of
NN, each is converted with jupytext, executed by papermill with ``profile`` injected after its
cell tagged ``parameters`` (kernel ``python3``, cwd ``notebooks/``), written without volatile metadata (timings) as ``NN_*.ipynb`` next to its
source for the headline profile (``paths.HEADLINE_PROFILE``), into ``figures/<profile>/notebooks/``
for any other (or into ``--output-dir``); figures and tables go to ``figures/<profile>/``, and
finally ``figures/<profile>/README.md`` and ``figures/README.md`` are regenerated. Profiles never
overwrite each other's outputs.

Scaling out (``scripts/slurm_paper.sh``): ``--shard K --num-shards N --output-dir DIR`` computes
every N-th sample from K on, appending per-sample results to its own shard file in
``data/results/<profile>/``; a final run without ``--shard`` computes nothing that a shard stored
and builds every figure from all shards together.

Conventions a notebook source may use:

* ``# requires: adv_lib, foo [compare]`` - modules it imports that are optional, and the extra
  that installs them; when one is missing the notebook is skipped with a message, not failed.
* ``FIGURES = [...]`` / ``TABLES = [...]`` - names it passes to ``save_figure`` / ``save_table``
  (checked by ``tests/test_notebooks.py``).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import papermill

from sfutils import claims, paths, provenance
from sfutils.profiles import PROFILE_NAMES, notebook_key
from sfutils.progress import RUNNER_ENV

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
_REQUIRES = re.compile(r"^#\s*requires:\s*(?P<modules>[\w., ]+?)\s*(?:\[(?P<extra>[\w-]+)\])?\s*$", re.MULTILINE)
_VOLATILE = ("papermill", "execution")


def notebook_sources(root: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """The ``NN_*.py`` notebook sources in order, restricted to the numbers in ``only`` if given."""
    sources = sorted((root or paths.notebooks_root()).glob("[0-9][0-9]_*.py"))
    if only is None:
        return sources
    keys = {notebook_key(o) for o in only}
    unknown = keys - {notebook_key(s.name) for s in sources}
    if unknown:
        raise ValueError(f"no notebook numbered {sorted(unknown)}; have {[s.name for s in sources]}")
    return [s for s in sources if notebook_key(s.name) in keys]


def skip_reason(source: Path) -> str | None:
    """Why ``source`` cannot run here (a missing optional module), or ``None`` if it can."""
    for m in _REQUIRES.finditer(source.read_text()):
        missing = [mod.strip() for mod in m["modules"].split(",")
                   if mod.strip() and importlib.util.find_spec(mod.strip()) is None]
        if missing:
            hint = f"pip install -e '.[{m['extra']}]'" if m["extra"] else f"pip install {' '.join(missing)}"
            return f"{source.stem} needs {', '.join(missing)}: {hint}"
    return None


def declared_outputs(source: Path, variable: str) -> list[str]:
    """The literal list assigned to a module-level ``variable`` (e.g. ``FIGURES``), or ``[]``."""
    for node in ast.parse(source.read_text(), filename=str(source)).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets):
            value = ast.literal_eval(node.value)
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{source.name}: {variable} must be a literal list of names")
            return list(value)
    return []


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop volatile metadata (papermill timings, execution timestamps, empty tags) in place."""
    for key in _VOLATILE:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in _VOLATILE:
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    return nb


# ipykernel copies file-descriptor output into the cell outputs and echoes it too; off, it is echoed only
KERNEL_FD_CAPTURE_OFF = "--IPKernelApp.capture_fd_output=False"


def execute(source: Path, profile: str, output: Path, log_output: bool = False,
            progress: bool = False, shard: int = 0, num_shards: int = 1) -> nbformat.NotebookNode:
    """Execute notebook ``source`` under ``profile`` into ``output`` (cleaned even when it fails).

    Raises papermill's ``PapermillExecutionError`` (failing cell and traceback in its message).
    """
    if profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    nb = jupytext.read(source)
    nb.metadata["kernelspec"] = KERNELSPEC
    try:
        parameters = {"profile": profile, **({"shard": shard, "num_shards": num_shards} if num_shards > 1 else {})}
        # cell output straight to this process's streams (papermill's log_output goes through an
        # unconfigured logger, which drops the INFO level stdout is logged at)
        streams = {"stdout_file": sys.stdout, "stderr_file": sys.stderr} if log_output else {}
        # what the kernel writes to its inherited file descriptors (the progress lines of
        # sfutils.progress.LogProgress) reaches this process's stderr once, and stays out of the notebook
        papermill.execute_notebook(nb, output, parameters=parameters, cwd=source.parent, progress_bar=progress,
                                   extra_arguments=[KERNEL_FD_CAPTURE_OFF], **streams)
    finally:
        if output.exists():
            nbformat.write(clean(nbformat.read(output, as_version=4)), output)
    return nbformat.read(output, as_version=4)


def main(argv: list[str] | None = None) -> int:
    """Run the notebooks; the exit status is 1 if any failed (skipped ones do not count)."""
    parser = argparse.ArgumentParser(prog="python -m sfutils.runner",
                                     description="Execute the section notebooks under a run profile.")
    parser.add_argument("--profile", choices=PROFILE_NAMES, default="default")
    parser.add_argument("--only", nargs="+", metavar="NN", help="notebook numbers to run, e.g. 01 02")
    parser.add_argument("--output-dir", type=Path,
                        help="write executed notebooks here and figures to OUTPUT_DIR/figures/PROFILE")
    parser.add_argument("--notebooks-dir", type=Path, help="where the NN_*.py sources are (default notebooks/)")
    parser.add_argument("--log-output", action="store_true",
                        help="stream cell output to the terminal (progress lines with the time left are shown anyway)")
    parser.add_argument("--shard", type=int, default=0, help="compute only this shard of the samples (0-based)")
    parser.add_argument("--num-shards", type=int, default=1,
                        help="split the samples into this many shards (one process each, e.g. a SLURM array); "
                             "a shard run needs --output-dir, and a final run without --shard merges them")
    args = parser.parse_args(argv)
    if not 0 <= args.shard < args.num_shards:
        parser.error(f"--shard must lie in [0, --num-shards), got {args.shard} of {args.num_shards}")
    if args.num_shards > 1 and args.output_dir is None:
        parser.error("a shard run writes partial figures: give it its own --output-dir (the merge run writes figures/)")
    os.environ[RUNNER_ENV] = "1"  # the kernels inherit it: write figures/<profile>/
    if args.output_dir is not None:
        os.environ["SFUTILS_FIGURES"] = str((args.output_dir / "figures").resolve())
    try:
        sources = notebook_sources(args.notebooks_dir, only=args.only)
    except ValueError as err:
        parser.error(str(err))
    status = {}
    for source in sources:
        reason = skip_reason(source)
        if reason is not None:
            status[source.stem] = f"skipped ({reason})"
            print(f"skipped: {reason}", flush=True)
            continue
        output = (args.output_dir / f"{source.stem}.ipynb" if args.output_dir is not None
                  else paths.executed_notebook(source, args.profile))
        print(f"running {source.name} (profile {args.profile}) -> {output}", flush=True)
        start = time.time()
        try:
            execute(source, args.profile, output, log_output=args.log_output, progress=True,
                    shard=args.shard, num_shards=args.num_shards)
            status[source.stem] = f"ok ({time.time() - start:.0f} s)"
            if args.output_dir is None:
                provenance.record_notebook_run(args.profile, source.stem, time.time() - start)
        except Exception as err:  # report every notebook, then fail
            status[source.stem] = "FAILED"
            print(f"FAILED {source.name}:\n{err}", file=sys.stderr, flush=True)
    if args.output_dir is None:  # the verdicts of this profile's tables (figures/<profile>/report.md)
        claims.write_report(args.profile)
    readme = provenance.write_index_readme(paths.figures_root(args.profile))
    if args.profile != "quick":  # figures/README.md is committed: quick runs never touch it
        claims.write_front_readme()
    if args.output_dir is None and args.profile == paths.HEADLINE_PROFILE:  # README.md's results block
        claims.update_readme(paths.repo_root() / "README.md", args.profile)
    print(f"\n{readme} regenerated")
    for name, state in status.items():
        print(f"  {name}: {state}")
    return 1 if "FAILED" in status.values() else 0


if __name__ == "__main__":
    sys.exit(main())
