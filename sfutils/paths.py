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


def figures_root() -> Path:
    """Figures, tables and their index: ``$SFUTILS_FIGURES`` or ``<repo>/figures``."""
    env = os.environ.get("SFUTILS_FIGURES")
    return Path(env) if env else repo_root() / "figures"


def notebooks_root() -> Path:
    """The notebooks (jupytext ``NN_*.py`` sources and executed ``NN_*.ipynb``)."""
    return repo_root() / "notebooks"


def check_stem(name: str, what: str = "name") -> str:
    """``name`` if it is a plain file stem (letters, digits, '_', '.', '-'), else a ValueError."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ValueError(f"{what} must be a plain file stem (letters, digits, '_', '.', '-'), got {name!r}")
    return name
