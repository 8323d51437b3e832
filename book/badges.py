"""The notebooks' Colab and Binder badges and their Colab install line, from one address: the
``repository`` (``url`` and ``branch``) of the course site's ``book/_config.yml``.

``python book/badges.py`` rewrites the badge lines and the install line at the top of every
notebook source ``notebooks/NN_*.py`` (run ``make figures`` or jupytext to carry them into the
executed ``.ipynb``); to point them at a fork, change ``repository.url`` in ``book/_config.yml``
and run it again. A test checks that every notebook source carries what this module generates.

Two kinds of badge, one address. The notebook sources (the teacher's notebooks) open the full
notebooks ``notebooks/NN_*.ipynb``, solutions included. Whatever a student sees (the student
versions, the course site's pages) opens the student versions instead, committed in ``student/``
on the same branch and written by ``python book/build.py student`` (:func:`student_links`): a
folder on the repository's own branch, not a separate branch or a site upload, because Colab and
Binder open files of a GitHub repository only, and a fork copies it with ``main``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
NOTEBOOKS = BOOK.parent / "notebooks"
TEACHER_FOLDER, STUDENT_FOLDER = "notebooks", "student"  # where the badges' notebooks lie in the repository
EXTRAS = "notebooks,imagenet,compare"  # what a Colab runtime installs (pyproject.toml's extras)
# Notebooks that need less: the course notebook 00 runs with the README's lab install alone.
EXTRAS_OF = {"00_sparsefool_explained": "notebooks"}
COLAB_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_IMAGE = "https://mybinder.org/badge_logo.svg"


def repository(config: Path = BOOK / "_config.yml") -> tuple[str, str]:
    """``(url, branch)`` of the ``repository`` block of the book's config (GitHub only)."""
    block = re.search(r"^repository:\s*\n((?:[ \t]+.*\n?)+)", config.read_text(), flags=re.MULTILINE)
    if block is None:
        raise ValueError(f"{config} has no repository block")
    fields = dict(re.findall(r"^\s+(\w+):\s*([^\s#]+)", block.group(1), flags=re.MULTILINE))
    url, branch = fields.get("url", ""), fields.get("branch", "main")
    if not url.startswith("https://github.com/"):
        raise ValueError(f"repository.url in {config} must be a https://github.com/OWNER/NAME address, got {url!r}")
    return url.rstrip("/"), branch


def _targets(folder: str, repo: tuple[str, str]) -> tuple[str, str]:
    """The Colab and Binder address prefixes of the notebooks in ``folder`` of ``repo``."""
    url, branch = repo
    slug = url.removeprefix("https://github.com/")
    return (f"https://colab.research.google.com/github/{slug}/blob/{branch}/{folder}/",
            f"https://mybinder.org/v2/gh/{slug}/{branch}?labpath={folder}%2F")


def badge_lines(stem: str, repo: tuple[str, str] | None = None, folder: str = TEACHER_FOLDER) -> list[str]:
    """The two badge lines (Markdown) of notebook ``stem`` in ``folder`` (the full notebooks by default)."""
    colab, binder = _targets(folder, repo or repository())
    return [f"[![Open In Colab]({COLAB_IMAGE})]({colab}{stem}.ipynb)",
            f"[![Binder]({BINDER_IMAGE})]({binder}{stem}.ipynb)"]


def student_links(markdown: str, repo: tuple[str, str] | None = None) -> str:
    """``markdown`` with its badges pointed at the student versions (:data:`STUDENT_FOLDER`) instead of
    the full notebooks: what the student versions and the course site's pages show."""
    repo = repo or repository()
    for teacher, student in zip(_targets(TEACHER_FOLDER, repo), _targets(STUDENT_FOLDER, repo)):
        markdown = markdown.replace(teacher, student)
    return markdown


def site_page(stem: str, config: Path = BOOK / "_config.yml") -> str:
    """The course site's page of notebook ``stem``, when ``html.baseurl`` in the book's config says where
    the site is published; else the page's path in the built site (``book/_build/html/...``)."""
    found = re.search(r"^\s+baseurl:\s*([^\s#]+)", config.read_text(), flags=re.MULTILINE)
    base = found.group(1).rstrip("/") if found else "book/_build/html"
    return f"{base}/notebooks/{stem}.html"


def install_line(stem: str, repo: tuple[str, str] | None = None) -> str:
    """The Colab cell's install command (Python source) of notebook ``stem``: this project with the
    extras it needs (:data:`EXTRAS_OF`, else :data:`EXTRAS`), from GitHub."""
    url, branch = repo or repository()
    return (f'    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "sfutils[{EXTRAS_OF.get(stem, EXTRAS)}] @ '
            f'git+{url}@{branch}"], check=True)')


def rewrite(source: Path, repo: tuple[str, str] | None = None) -> bool:
    """Put :func:`badge_lines` and :func:`install_line` into the notebook source ``source`` (a
    py:percent file, its badge lines and install line replaced in place); whether it changed."""
    repo = repo or repository()
    text = source.read_text()
    colab, binder = badge_lines(source.stem, repo)
    new = re.sub(r"^# \[!\[Open In Colab\].*$", lambda _: f"# {colab}", text, count=1, flags=re.MULTILINE)
    new = re.sub(r"^# \[!\[Binder\].*$", lambda _: f"# {binder}", new, count=1, flags=re.MULTILINE)
    new = re.sub(r"^    subprocess\.run\(\[sys\.executable, \"-m\", \"pip\", \"install\".*$", lambda _: install_line(source.stem, repo),
                 new, count=1, flags=re.MULTILINE)
    if new != text:
        source.write_text(new)
    return new != text


def main() -> int:
    changed = [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")) if rewrite(p)]
    print("rewrote " + ", ".join(changed) if changed else "every notebook's badges already point at "
          + repository()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
