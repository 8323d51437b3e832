"""Where the project keeps its data, results and figures (overridable by environment variables).

Notebooks run with ``cwd=notebooks/``, so every default is anchored at the repository root found
from this package's location (an editable install), falling back to the working directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def repo_root() -> Path:
    """The repository root: the package's parent when it holds ``pyproject.toml``, else the cwd."""
    return _PACKAGE_PARENT if (_PACKAGE_PARENT / "pyproject.toml").is_file() else Path.cwd()


def data_root() -> Path:
    """Cached data sets, checkpoints and results: ``$SFUTILS_DATA`` or ``<repo>/data``."""
    env = os.environ.get("SFUTILS_DATA")
    return Path(env) if env else repo_root() / "data"


def results_root() -> Path:
    """Per-sample attack results (JSON lines): ``<data root>/results``."""
    return data_root() / "results"


# The profile whose outputs are committed and linked from README.md: its executed notebooks sit
# next to their sources in notebooks/, every other profile's in figures/<profile>/notebooks/.
HEADLINE_PROFILE = "full"


def figures_base() -> Path:
    """Where every profile's outputs live: ``$SFUTILS_FIGURES`` or ``<repo>/figures``."""
    env = os.environ.get("SFUTILS_FIGURES")
    return Path(env) if env else repo_root() / "figures"


def figures_root(profile: str) -> Path:
    """Figures and ``index.json`` of one run profile: ``<figures base>/<profile>``. Profiles never
    share a folder, so a run in one profile cannot overwrite another's outputs."""
    return figures_base() / check_stem(profile, "profile")


def tables_dir(profile: str) -> Path:
    """The CSV/Markdown tables of one run profile: ``<figures base>/<profile>/tables``."""
    return figures_root(profile) / "tables"


VERDICTS_CSV = "verdicts.csv"  # in a profile's tables/: every claim's verdict, written by sfutils.claims


def executed_notebook(source: Path, profile: str) -> Path:
    """Where the runner writes the executed copy of notebook ``source`` run in ``profile``: next to
    the source for :data:`HEADLINE_PROFILE`, else ``<figures base>/<profile>/notebooks/``."""
    folder = source.parent if profile == HEADLINE_PROFILE else figures_root(profile) / "notebooks"
    return folder / f"{source.stem}.ipynb"


def notebooks_root() -> Path:
    """The notebooks (jupytext ``NN_*.py`` sources and executed ``NN_*.ipynb``)."""
    return repo_root() / "notebooks"


def check_stem(name: str, what: str = "name") -> str:
    """``name`` if it is a plain file stem (letters, digits, '_', '.', '-'), else a ValueError."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ValueError(f"{what} must be a plain file stem (letters, digits, '_', '.', '-'), got {name!r}")
    return name
