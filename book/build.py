"""Build the course site (``make book``) and the student notebooks (``make student``).

``python book/build.py site`` lays out the pages the committed ``book/_config.yml`` expects, then
runs Jupyter Book 1.x (Sphinx) into ``book/_build/html``:

* the committed executed notebooks ``notebooks/NN_*.ipynb`` (never re-executed), in the course
  order of the table in ``notebooks/README.md``, copied to ``book/notebooks/`` without their
  progress-bar widgets (they need scripts from a CDN) and with the Colab/Binder badge images
  pointed at local copies, so the site works offline;
* the reproduction report ``figures/<profile>/report.md`` (written by ``python -m sfutils.claims``)
  with the figures it links, or a page saying it is not generated yet;
* the student versions (solution cells removed) as downloads (the full notebooks are not offered:
  teachers take them from the repository's ``notebooks/``);
* MathJax 3 from the npm package ``mathjax`` (``npm ci --prefix book``), copied into the built site's
  ``_static/mathjax`` after the build: Jupyter Book adds every ``.js`` file of the book's own ``_static``
  folder to every page, so MathJax must not lie there (only ``mathjax_path`` loads it);
* the API reference, generated from the ``sfutils`` docstrings by ``api.md`` (autosummary).

``python book/build.py student`` writes the student version of every notebook into ``student/``
(``--out DIR``: elsewhere), built from the notebook sources ``notebooks/NN_*.py`` (a student version
has no outputs, so it needs no execution): the cells tagged ``solution`` removed, each exercise's stub (a raw cell tagged ``stub`` in the source,
never executed there) turned into a code cell, every output cleared (a check's shows the reference
solution passing; later cells' would give away what the exercises ask the student to predict or
compute; earlier ones come from the profile the teacher ran, not the one the student sets),
papermill's ``injected-parameters`` cell removed (so the parameters cell a student edits is the one
that counts), the glossary link pointed at the glossary in the repository of ``book/_config.yml``
(a downloaded notebook has no ``../book/`` beside it), the Colab/Binder badges pointed at the
student versions (``badges.student_links``: the committed ``student/`` folder, never the full
notebooks) and the link to the notebook's page on the course site (where a student without outputs
reads the results) at ``html.baseurl`` of ``book/_config.yml`` when it is set.

On the site, each solution is hidden until clicked: code cells get the ``hide-cell`` tag (input
and output folded), markdown answers are wrapped in a folded ``dropdown`` admonition, the outputs
of check cells (run on the reference solutions) are folded too, and stubs and papermill's
``injected-parameters`` cell are dropped; the badges open the student versions. Markdown cells tagged ``for-the-curious`` (details of the
authors' code, off the learning path) are folded the same way, under their own title. ``site --out DIR`` builds into ``DIR/_build/html``
instead (the pages are still laid out in ``book/``). Everything written here is git-ignored.
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import importlib.util

import nbformat
from nbconvert.preprocessors import TagRemovePreprocessor

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
NOTEBOOKS = REPO / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"
BADGES = {  # canonical badge image -> local copy in _static (the site must not need the internet)
    "https://colab.research.google.com/assets/colab-badge.svg": "../_static/badges/colab.svg",
    "https://mybinder.org/badge_logo.svg": "../_static/badges/binder.svg",
}
SOLUTION_TAG = "solution"
GLOSSARY_FROM_NOTEBOOKS = "../book/glossary.md"  # the glossary link as notebooks/NN_*.py write it
STUB_TAG = "stub"
CHECK_TAG = "check"
INJECTED_TAG = "injected-parameters"
ANSWER_CLASS = "solution-answer"  # the CSS class of a markdown answer's dropdown on the site
CURIOUS_TAG = "for-the-curious"  # a markdown cell off the learning path: folded on the site
CURIOUS_CLASS = "for-the-curious"
SITE_FROM_NOTEBOOKS = "../book/_build/html/notebooks/"  # a notebook's site page as notebooks/NN_*.py link it
STUDENT_DIR = REPO / "student"  # the committed student versions, which the student badges open


def course_order(readme: Path = NOTEBOOKS / "README.md") -> list[str]:
    """Notebook stems in the order of the "Course order" table of ``notebooks/README.md``."""
    stems = re.findall(r"^\|\s*\d\d\s*\|\s*`(\d\d_\w+)`", readme.read_text(), flags=re.MULTILINE)
    if not stems:
        raise ValueError(f"{readme} has no course-order table rows like '| 00 | `00_name` | ...'")
    missing = [s for s in stems if not (NOTEBOOKS / f"{s}.ipynb").is_file()]
    if missing:
        raise FileNotFoundError(f"executed notebooks missing (run `make figures`): {missing}")
    return stems


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.metadata.get("tags", [])


def exercises(nb: nbformat.NotebookNode) -> list[tuple[int, int, int]]:
    """``(stub, solution, check)`` cell indices of every exercise: a stub is followed by its solution
    code cell, then (after any further solution cells) by its check cell."""
    found = []
    for i, cell in enumerate(nb.cells):
        if STUB_TAG not in _tags(cell):
            continue
        sol = next((j for j in range(i + 1, len(nb.cells)) if nb.cells[j].cell_type == "code"), None)
        check = next((j for j in range(i + 1, len(nb.cells)) if CHECK_TAG in _tags(nb.cells[j])), None)
        if sol is None or SOLUTION_TAG not in _tags(nb.cells[sol]) or check is None:
            raise ValueError(f"cell {i}: a stub must be followed by its solution code cell and a check cell")
        found.append((i, sol, check))
    return found


def _badges():  # book/badges.py (not a package): the repository's address and the badges
    spec = importlib.util.spec_from_file_location("course_book_badges", BOOK / "badges.py")
    badges = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(badges)
    return badges


def glossary_url() -> str:
    """The glossary page in the repository named by ``book/_config.yml`` (``badges.repository``)."""
    url, branch = _badges().repository()
    return f"{url}/blob/{branch}/book/glossary.md"


def site_base() -> str:
    """Where a student version links a notebook's site page: ``html.baseurl`` of ``book/_config.yml``
    when set, else the built site in a clone (:data:`SITE_FROM_NOTEBOOKS`, after ``make book``)."""
    page = _badges().site_page("STEM")
    return page.removesuffix("STEM.html") if page.startswith("http") else SITE_FROM_NOTEBOOKS


def student_version(nb: nbformat.NotebookNode, solved: bool = False) -> nbformat.NotebookNode:
    """The student version of ``nb`` (module docstring); with ``solved``, each stub holds its
    reference solution instead (what a student who solved every exercise has)."""
    nb = copy.deepcopy(nb)
    found = exercises(nb)
    for stub, sol, _ in found:
        cell = nb.cells[stub]
        code = nbformat.v4.new_code_cell(nb.cells[sol].source if solved else cell.source,
                                         metadata={"tags": [STUB_TAG]})
        nb.cells[stub] = code
    glossary, badges, site = glossary_url(), _badges(), site_base()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "markdown":
            cell.source = cell.source.replace(f"]({GLOSSARY_FROM_NOTEBOOKS}", f"]({glossary}")
            cell.source = badges.student_links(cell.source).replace(f"]({SITE_FROM_NOTEBOOKS}", f"]({site}")
    remover = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG, INJECTED_TAG}, enabled=True)
    nb, _ = remover.preprocess(nb, {})
    for i, cell in enumerate(nb.cells):  # stable ids: the same source writes the same student version
        cell["id"] = f"cell-{i:03d}"
    return nb


def write_student_versions(out: Path = STUDENT_DIR) -> list[Path]:
    """Every notebook of the course without its solution cells, as ``out/NN_*.ipynb``, from the
    notebook sources ``notebooks/NN_*.py``."""
    import jupytext

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem in course_order():
        nb = student_version(jupytext.read(NOTEBOOKS / f"{stem}.py"))
        nbformat.write(nb, out / f"{stem}.ipynb")
        written.append(out / f"{stem}.ipynb")
    return written


def hidden_answer(markdown: str, title: str = "Answer (click to show)", css: str = ANSWER_CLASS) -> str:
    """A markdown answer folded into a dropdown admonition (sphinx-togglebutton): hidden until clicked."""
    fence = ":" * max(4, 1 + max((len(m) for m in re.findall(r"^:{3,}", markdown, flags=re.MULTILINE)), default=0))
    return f"{fence}{{admonition}} {title}\n:class: dropdown {css}\n\n{markdown}\n{fence}"


def site_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The page version of an executed notebook: widget outputs dropped, badges served locally,
    stubs and papermill's injected-parameters cell dropped, solutions (code, outputs, markdown
    answers) folded until clicked."""
    nb.cells = [c for c in nb.cells if not {STUB_TAG, INJECTED_TAG} & set(_tags(c))]
    badges = _badges()
    for cell in nb.cells:
        solution = SOLUTION_TAG in _tags(cell)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if WIDGET not in o.get("data", {})]
            if solution:
                cell.metadata["tags"] = [t for t in _tags(cell) if t not in ("hide-input", "hide-output")] + ["hide-cell"]
            elif CHECK_TAG in _tags(cell):  # what the check printed for the reference solution
                cell.metadata["tags"] = _tags(cell) + ["hide-output"]
        elif cell.cell_type == "markdown":
            for remote, local in BADGES.items():
                cell.source = cell.source.replace(remote, local)
            cell.source = cell.source.replace(f"]({GLOSSARY_FROM_NOTEBOOKS}", "](../glossary.md")
            cell.source = re.sub(re.escape(f"]({SITE_FROM_NOTEBOOKS}") + r"(\w+)\.html\)", r"](\1.ipynb)",
                                 badges.student_links(cell.source))  # the page itself, on the site
            if solution:
                cell.source = hidden_answer(cell.source)
            elif CURIOUS_TAG in _tags(cell):
                cell.source = hidden_answer(cell.source, f"For the curious: {curious_title(cell.source)} (click to show)",
                                            CURIOUS_CLASS)
    return nb


def curious_title(markdown: str) -> str:
    """A for-the-curious cell's fold title: its opening bold words, else "details off the learning path"."""
    found = re.match(r"\s*\*\*(.+?)\.?\*\*", markdown)
    return found.group(1) if found else "details off the learning path"


def write_report(profile: str) -> str:
    """``report.md`` from ``figures/<profile>/report.md`` (with its folder's figures), or a placeholder."""
    from sfutils.paths import figures_root

    source = figures_root(profile) / "report.md"
    target = BOOK / "report.md"
    if not source.is_file():
        target.write_text(
            f"# Reproduction report\n\nNot generated yet for the profile `{profile}`: run "
            f"`python -m sfutils.claims --profile {profile}` (after `make figures`) to write "
            f"`figures/{profile}/report.md`, then `make book` again.\n")
        return "placeholder"
    shutil.copytree(source.parent, BOOK / "report_files", ignore=shutil.ignore_patterns("notebooks", "*.pdf"))
    text = source.read_text()
    text = re.sub(r"\]\((?!https?:|#|/)([^)\s]+)\)", r"](report_files/\1)", text)  # links relative to it
    text = text.replace("](report_files/../../book/", "](")  # but the site's own pages (the glossary) lie beside it
    text = re.sub(r'^<a id="([\w-]+)"></a>\n+', r"(\1)=\n", text, flags=re.MULTILINE)  # HTML anchors -> MyST labels
    target.write_text(text)
    return str(source)


def downloads_page(stems: list[str]) -> str:
    """``downloads.md``: the student notebooks (solutions removed); the full ones are not offered here."""
    rows = "\n".join(f"| {s[:2]} | {{download}}`{s}.ipynb <student/{s}.ipynb>` |" for s in stems)
    return ("# Downloads\n\nThe student versions are the notebooks without the cells tagged "
            "`solution` (the worked answers to the exercises) and without outputs (they would give answers away, "
            "and come from the profile the teacher ran; each notebook's page on this site shows them): each "
            "exercise keeps a stub to fill in and a check cell that says whether the answer is right. "
            "`python book/build.py student` writes them into the repository's `student/` folder, which the "
            "Colab and Binder badges open. Teachers find the full notebooks, with solutions, in the "
            "repository's `notebooks/` folder.\n\n| # | student version |\n|---|---|\n" + rows + "\n")


def toc(stems: list[str]) -> str:
    """``_toc.yml``: the intro page, the notebooks in course order, then report, downloads and API."""
    chapters = "\n".join(f"      - file: notebooks/{s}" for s in stems)
    return ("format: jb-book\nroot: intro\nparts:\n  - caption: The course\n    chapters:\n" + chapters +
            "\n  - caption: Reference\n    chapters:\n      - file: report\n      - file: glossary\n"
            "      - file: profiles\n      - file: provenance\n      - file: downloads\n      - file: api\n")


MATHJAX = BOOK / "node_modules" / "mathjax" / "es5"


def install_mathjax() -> None:
    """Install MathJax 3 (npm package ``mathjax``: ``npm ci --prefix book``) where :func:`copy_mathjax`
    takes it from, and remove a copy in the book's ``_static`` left by earlier builds (Jupyter Book
    would add each of its scripts to every page)."""
    shutil.rmtree(BOOK / "_static" / "mathjax", ignore_errors=True)
    if not (MATHJAX / "tex-chtml.js").is_file():
        if shutil.which("npm") is None:
            raise FileNotFoundError("MathJax is not installed and npm is missing: install Node.js/npm")
        subprocess.run(["npm", "ci", "--prefix", str(BOOK), "--no-audit", "--no-fund"], check=True)


def copy_mathjax(html: Path) -> None:
    """Copy MathJax into the built site, where ``mathjax_path`` (``_config.yml``) points: loaded by it alone."""
    shutil.copytree(MATHJAX, html / "_static" / "mathjax", dirs_exist_ok=True)


def prepare(profile: str) -> list[str]:
    """Lay out every generated page of the site (see the module docstring); returns the notebooks."""
    for generated in ("notebooks", "student", "report_files", "api"):
        shutil.rmtree(BOOK / generated, ignore_errors=True)
    stems = course_order()
    (BOOK / "notebooks").mkdir()
    for stem in stems:
        nb = site_notebook(nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4))
        nbformat.write(nb, BOOK / "notebooks" / f"{stem}.ipynb")
    write_student_versions(BOOK / "student")
    write_report(profile)
    (BOOK / "downloads.md").write_text(downloads_page(stems))
    (BOOK / "_toc.yml").write_text(toc(stems))
    install_mathjax()
    return stems


def build_site(profile: str, out: Path = BOOK) -> Path:
    """Prepare the pages and run ``jupyter-book build`` into ``out``; returns ``out/_build/html``."""
    prepare(profile)
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "build", str(BOOK), "--builder", "html", "--keep-going", "--path-output", str(out)],
                   check=True)
    copy_mathjax(out / "_build" / "html")
    return out / "_build" / "html"


def main(argv: list[str] | None = None) -> int:
    from sfutils.paths import HEADLINE_PROFILE

    parser = argparse.ArgumentParser(prog="python book/build.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    site = sub.add_parser("site", help="build the course site into book/_build/html")
    site.add_argument("--profile", default=HEADLINE_PROFILE, help="whose reproduction report to show")
    site.add_argument("--out", type=Path, default=BOOK, help="build into OUT/_build/html (default: book/)")
    student = sub.add_parser("student", help="write the notebooks without their solution cells")
    student.add_argument("--out", type=Path, default=STUDENT_DIR, help="default: student/ (what the badges open)")
    args = parser.parse_args(argv)
    if args.command == "site":
        print(f"site: {build_site(args.profile, args.out.resolve()) / 'index.html'}")
    else:
        for path in write_student_versions(args.out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
