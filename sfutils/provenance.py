"""Provenance of every reported number: versions, device, profile, sample count, time and commit.

A notebook calls :func:`start_run` once; :func:`sfutils.plotting.save_figure` / ``save_table``
then record each output in ``figures/<profile>/index.json`` with the run's notebook, profile and
device, and :func:`write_index_readme` turns that index into ``figures/<profile>/README.md``: a
link to the profile's reproduction report (every claim of the paper with its verdict,
:mod:`sfutils.claims`), then every figure and table. The report replaces a bare "paper vs this
repo" list, which put unlike numbers side by side.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from sfutils import paths
from sfutils.device import default_device, describe_device
from sfutils.profiles import PROFILE_NAMES
from sfutils.progress import under_runner

_PACKAGES = ("sfutils", "torch", "torchvision", "numpy")
_current: Run | None = None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The short commit hash of the repository, or ``None`` outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], check=False, cwd=paths.repo_root(),
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def provenance(profile: str, n: int | None = None, start_time: float | None = None,
               device: torch.device | str | None = None, notebook: str | None = None) -> dict[str, Any]:
    """Everything needed to judge a number: profile, n, device, threads, versions, time, commit.

    ``start_time`` is a :func:`time.time` stamp; the wall time is measured from it to now.
    """
    info: dict[str, Any] = {
        "notebook": notebook, "profile": profile, "n": n, "device": describe_device(device),
        "threads": torch.get_num_threads(), "date": _now(),
        "wall_time_s": round(time.time() - start_time, 1) if start_time is not None else None,
        "python": platform.python_version(),
    }
    info.update({p: _version(p) for p in _PACKAGES})
    info["git_commit"] = git_commit()
    return info


def provenance_markdown(info: dict[str, Any]) -> str:
    """A two-column markdown table of a :func:`provenance` record (``None`` fields left out)."""
    rows = [(k, v) for k, v in info.items() if v is not None]
    return pd.DataFrame(rows, columns=["provenance", "value"]).to_markdown(index=False)


@dataclass
class Run:
    """One notebook execution: what :func:`start_run` recorded."""

    notebook: str
    profile: str
    start_time: float
    device: torch.device

    def provenance(self, n: int | None = None) -> dict[str, Any]:
        """:func:`provenance` of this run so far (wall time since :func:`start_run`)."""
        return provenance(self.profile, n=n, start_time=self.start_time, device=self.device, notebook=self.notebook)

    def markdown(self, n: int | None = None) -> str:
        """:func:`provenance_markdown` of this run so far."""
        return provenance_markdown(self.provenance(n))

    @property
    def output_root(self) -> Path:
        """Where this run writes its figures (:func:`output_root`): the one answer to "where do
        this run's outputs go", which its verdicts read back too."""
        return output_root(self)

    @property
    def tables(self) -> Path:
        """This run's tables folder: ``<output root>/tables``."""
        return self.output_root / "tables"


def start_run(notebook: str, profile: str, device: torch.device | str | None = None) -> Run:
    """Start recording a notebook run; later figures and tables are attributed to it."""
    global _current
    if profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
    device = torch.device(device) if device is not None else default_device()
    _current = Run(notebook=notebook, profile=profile, start_time=time.time(), device=device)
    return _current


def current_run() -> Run | None:
    """The run of the last :func:`start_run`, if any."""
    return _current


def output_root(run: Run | None = None) -> Path:
    """The figures folder of ``run``'s profile (default: the current run; see
    :func:`sfutils.paths.figures_root`).

    Outputs need a run, so that each is filed under the profile that made it. Only the runner
    (which sets ``$SFUTILS_RUNNER=1`` for its kernels) writes the folders that are committed; a
    notebook run by hand (JupyterLab, plain papermill) in any profile but ``quick`` writes to the
    git-ignored ``<figures base>/scratch/<profile>/`` instead, so it never overwrites a committed
    result.
    """
    run = run or current_run()
    if run is None:
        raise RuntimeError("no run started: call sfutils.provenance.start_run(notebook, profile) first, "
                           "so that outputs go to figures/<profile>/")
    if run.profile != "quick" and not under_runner():
        return paths.figures_base() / "scratch" / run.profile
    return paths.figures_root(run.profile)


def _index_path(root: Path | None) -> Path:
    return (root or output_root()) / "index.json"


def load_index(root: Path | None = None) -> dict[str, dict[str, Any]]:
    """The figure index: ``{"figures": {...}, "tables": {...}}`` keyed by name."""
    path = _index_path(root)
    index = json.loads(path.read_text()) if path.exists() else {}
    return {k: index.get(k, {}) for k in ("figures", "tables")}


def _update_index(section: str, name: str, entry: dict[str, Any], root: Path | None, run: Run | None = None) -> None:
    run = run or current_run()
    entry = {"name": name, "notebook": run.notebook if run else None, "profile": run.profile if run else None,
             "device": describe_device(run.device if run else None), "date": _now(), **entry}
    index = load_index(root)
    index[section][name] = entry
    path = _index_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def record_output(kind: str, name: str, files: list[str], caption: str = "", n: int | None = None,
                  root: Path | None = None, run: Run | None = None) -> None:
    """Record a written figure or table (``kind``) of ``run`` (default: the current run) whose
    ``files`` are relative to the figures root."""
    if kind not in ("figure", "table"):
        raise ValueError(f"kind must be 'figure' or 'table', got {kind!r}")
    _update_index(kind + "s", name, {"files": files, "caption": caption, "n": n}, root, run)


def _cell(value: Any) -> str:
    text = "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """``rows`` as a Markdown table: floats to 4 significant digits, pipes escaped, no number parsing."""
    df = pd.DataFrame([{k: _cell(v) for k, v in r.items()} for r in rows])
    return df.to_markdown(index=False, disable_numparse=True)


def write_index_readme(root: Path | None = None) -> Path:
    """Regenerate ``<figures>/<profile>/README.md`` from its index (default: the current run's
    profile); outputs whose files are gone are left out, and the CSVs in ``tables/`` that no notebook
    recorded (a benchmark's) are listed after them."""
    root = root or output_root()
    index = load_index(root)
    prov = ("notebook", "profile", "n", "device", "date")
    parts = ["# Figures and tables", "",
             ("Generated from `index.json` and `tables/` by `sfutils.provenance.write_index_readme` (`make figures`); "
              "do not edit by hand. Profiles: see `sfutils/profiles.py`."), ""]
    if (root / "report.md").is_file():  # written by sfutils.claims.write_report; not copied here
        parts += ["**[Reproduction report](report.md)**: the verdict on every claim of the paper from these tables "
                  f"(as CSV: [`tables/{paths.VERDICTS_CSV}`](tables/{paths.VERDICTS_CSV})).", ""]
    for section, title in (("figures", "Figures"), ("tables", "Tables")):
        present = [e for e in index[section].values() if all((root / f).exists() for f in e["files"])]
        if not present:
            continue
        rows = [{section[:-1]: " ".join(f"[{Path(f).suffix[1:]}]({f})" for f in e["files"]) + f" `{e['name']}`",
                 "caption": e.get("caption"), **{k: e.get(k) for k in prov}}
                for e in sorted(present, key=lambda e: (e["notebook"] or "", e["name"]))]
        parts += [f"## {title}", "", markdown_table(rows), ""]
    recorded = {Path(f).name for e in index["tables"].values() for f in e["files"]}
    unrecorded = sorted(f for f in (root / "tables").glob("*.csv") if f.name not in recorded | {paths.VERDICTS_CSV})
    if unrecorded:  # a script's, not a notebook's: benchmarks/ record their runs in benchmarks/README.md
        bench = Path(os.path.relpath(paths.repo_root() / "benchmarks" / "README.md", root)).as_posix()
        parts += ["## Tables not written by a notebook", "",
                  f"Written by a script: a benchmark, whose command, device and date are in [`benchmarks/README.md`]"
                  f"({bench}), or `python -m sfutils.accuracy` (`accuracy.csv`).", "",
                  *(f"- [csv](tables/{f.name}) `{f.stem}`" for f in unrecorded), ""]
    readme = root / "README.md"
    root.mkdir(parents=True, exist_ok=True)
    readme.write_text("\n".join(parts))
    return readme


def record_notebook_run(profile: str, notebook: str, seconds: float) -> None:
    """Record in ``figures/<profile>/runs.json`` when, where and how long ``notebook`` last ran."""
    path = paths.figures_root(profile) / "runs.json"
    runs = json.loads(path.read_text()) if path.is_file() else {}
    runs[notebook] = {"date": _now(), "wall_time_min": round(seconds / 60, 1), "device": describe_device(),
                      "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores", "git_commit": git_commit()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(sorted(runs.items())), indent=1) + "\n")
