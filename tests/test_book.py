"""The course site (``make book``) built and opened in headless Chromium; the notebooks' first cells
(badges, Colab-only install) and the student versions without solutions.

The site test skips, with the reason, where jupyter-book (the ``book`` extra), Chromium (Debian
package ``chromium``) or npm is missing; ``make test`` installs all three (target ``tools``).
It writes screenshots of the index and notebook 00 to ``book/_build/screenshots/`` for review.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jupytext
import nbformat
import pytest

from sfutils import runner
from sfutils.paths import repo_root

ROOT = repo_root()
_spec = importlib.util.spec_from_file_location("course_book_build", ROOT / "book" / "build.py")
book = importlib.util.module_from_spec(_spec)  # book/build.py: the site and student builder
_spec.loader.exec_module(book)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = ROOT / "book" / "_build" / "screenshots"
# Injected into a copy of each page: once MathJax has typeset and every image has settled (lazy
# images forced to load), record the images that did not load and MathJax's output on <body>.
PROBE = """<script>
window.addEventListener("load", async () => {
  const imgs = [...document.images];
  imgs.forEach((i) => { i.loading = "eager"; });
  const settled = (i) => new Promise((done) => {
    if (i.complete) { done(); } else { i.addEventListener("load", done); i.addEventListener("error", done); }
  });
  await Promise.race([Promise.all(imgs.map(settled)), new Promise((done) => setTimeout(done, 10000))]);
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const broken = imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.getAttribute("src"));
  document.body.setAttribute("data-probe", JSON.stringify({images: imgs.length, broken,
    math: document.querySelectorAll("mjx-container").length}));
});
</script></body>"""


class _Page(HTMLParser):
    """Links, resources and the visible text (outside code, scripts and MathJax output) of a page."""

    SKIP = {"script", "style", "pre", "code", "textarea", "mjx-container", "svg"}

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.resources: list[str] = []
        self.text: list[str] = []
        self.probe: dict | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "script") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "preload"):
            self.resources.append(a["href"])
        if tag == "body" and a.get("data-probe"):
            self.probe = json.loads(a["data-probe"])
        if tag in self.SKIP:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def chromium(*args: str, timeout: int = 120) -> str:
    """Run headless Chromium (offline-friendly flags) and return its stdout."""
    profile = SCREENSHOTS.parent / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           "--window-size=1400,1000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout


def rendered(page: Path) -> _Page:
    """``page`` as Chromium leaves it after its scripts ran (a probed copy next to it)."""
    probed = page.with_name(page.stem + ".probe.html")
    probed.write_text(page.read_text().replace("</body>", PROBE, 1))
    try:
        return parse(chromium("--virtual-time-budget=20000", "--dump-dom", probed.as_uri()))
    finally:
        probed.unlink()


@pytest.fixture(scope="module")
def site() -> Path:
    """The site built by book/build.py (what `make book` runs) into book/_build/html."""
    if importlib.util.find_spec("jupyter_book") is None:
        pytest.skip("jupyter-book is not installed: pip install -e '.[book]' (make install does)")
    if CHROMIUM is None:
        pytest.skip("headless Chromium is not installed: apt-get install chromium (make test does)")
    if shutil.which("npm") is None and not (ROOT / "book" / "node_modules" / "mathjax").is_dir():
        pytest.skip("npm is missing: MathJax (npm package mathjax) cannot be installed")
    html = book.build_site(book_profile())
    assert (html / "index.html").is_file()
    return html


def book_profile() -> str:
    from sfutils.paths import HEADLINE_PROFILE

    return HEADLINE_PROFILE


def _local_target(page: Path, ref: str) -> Path | None:
    """The file a relative link/resource of ``page`` points to, or None for external/in-page ones."""
    parts = urlsplit(ref)
    if parts.scheme or ref.startswith(("#", "//")) or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


@pytest.mark.slow
def test_notebook_pages_load_with_their_images_and_rendered_math(site):
    pages = [site / "notebooks" / f"{s}.html" for s in book.course_order()]
    assert pages and all(p.is_file() for p in pages), "a notebook page is missing"
    for page in pages + [site / "intro.html", site / "report.html", site / "downloads.html"]:
        dom = rendered(page)
        assert dom.probe is not None, f"{page.name}: the page did not finish loading"
        assert dom.probe["broken"] == [], f"{page.name}: images that did not load: {dom.probe['broken']}"
        text = "".join(dom.text)
        for raw in ("\\(", "\\)", "$$", "\\["):
            assert raw not in text, f"{page.name}: raw math {raw!r} left after MathJax: ...{text[text.find(raw) - 80:][:160]}..."
        if page.parent.name == "notebooks":
            assert dom.probe["images"] > 0, f"{page.name} shows no image"
    nb00 = rendered(pages[0])
    assert nb00.probe["math"] > 10, "MathJax rendered (almost) no math on notebook 00"


@pytest.mark.slow
def test_no_link_points_to_a_missing_page_and_nothing_loads_from_the_internet(site):
    pages = sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "_static")  # theme templates
    missing, online = [], []
    for page in pages:
        parsed = parse(page.read_text())
        for ref in parsed.links + parsed.resources:
            target = _local_target(page, ref)
            if target is not None and not target.exists():
                missing.append(f"{page.relative_to(site)} -> {ref}")
        online += [f"{page.relative_to(site)}: {r}" for r in parsed.resources if urlsplit(r).scheme in ("http", "https")]
    assert len(pages) > 20 and not missing, "links to missing pages:\n" + "\n".join(missing[:20])
    for page in pages:  # MathJax loads once, through mathjax_path, not every file of its package
        scripts = [r for r in parse(page.read_text()).resources if "mathjax" in r.lower()]
        assert len(scripts) <= 1, f"{page.relative_to(site)} loads {len(scripts)} MathJax scripts: {scripts[:5]}"
    assert not online, "resources loaded from the internet:\n" + "\n".join(online[:20])
    downloads = parse((site / "downloads.html").read_text()).links
    n = len(book.course_order())
    assert sum(d.endswith(".ipynb") for d in downloads) == n, "the student notebooks only, none with solutions"
    for page in sorted((site / "notebooks").glob("*.html")):  # the badges open the student versions, never the solutions
        colab = [a for a in parse(page.read_text()).links if "colab.research.google.com/github/" in a]
        assert colab and all("/student/" in a for a in colab), f"{page.relative_to(site)}: {colab}"


# Injected into a copy of a notebook page: after load (and the toggle scripts), the solutions on the
# page (code cells tagged solution, markdown answers) and any of their text, or of the outputs of the
# check cells (run on the reference solutions), that is visible.
SOLUTION_PROBE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const shown = (e) => e.checkVisibility({contentVisibilityAuto: true, opacityProperty: true,
                                           visibilityProperty: true});
  const sols = [...document.querySelectorAll(".tag_solution, .admonition.%s")];
  const checks = [...document.querySelectorAll(".tag_check .cell_output")];
  const leaks = [...sols.flatMap((el) => [...el.querySelectorAll("pre, .cell_output, p:not(.admonition-title)")]),
                 ...checks].filter(shown).map((e) => e.textContent.trim().slice(0, 80)).filter((t) => t);
  const code = sols.filter((el) => el.classList.contains("tag_solution")).length;
  document.body.setAttribute("data-solutions", JSON.stringify({code, answers: sols.length - code, leaks}));
}, 1000));
</script></body>"""


@pytest.mark.slow
def test_no_solution_text_is_visible_on_load(site):
    page = site / "notebooks" / f"{book.course_order()[0]}.html"
    probed = page.with_name(page.stem + ".solutions.html")
    probed.write_text(page.read_text().replace("</body>", SOLUTION_PROBE % book.ANSWER_CLASS, 1))
    try:
        dom = chromium("--virtual-time-budget=20000", "--dump-dom", probed.as_uri())
    finally:
        probed.unlink()
    found = re.search(r'data-solutions="([^"]*)"', dom)
    assert found, "the solution probe did not run"
    report = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert report["code"] >= 4 and report["answers"] >= 1, f"too few solutions on the page: {report}"
    assert report["leaks"] == [], f"solution text visible before any click: {report['leaks'][:5]}"


@pytest.mark.slow
def test_no_page_serves_the_full_notebook_a_student_could_download(site):
    """The full notebooks hold the solutions: no page links a source download (teacher round 3)."""
    for page in sorted((site / "notebooks").glob("*.html")):
        text = page.read_text()
        assert "_sources/" not in text and "Download source file" not in text, page.name


@pytest.mark.slow
def test_screenshots_of_the_index_and_notebook_00(site):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    first = book.course_order()[0]
    for name, page in [("index", site / "intro.html"), (first, site / "notebooks" / f"{first}.html")]:
        shot = SCREENSHOTS / f"{name}.png"
        shot.unlink(missing_ok=True)
        chromium("--virtual-time-budget=20000", f"--screenshot={shot}", page.as_uri())
        assert shot.is_file() and shot.stat().st_size > 20_000, f"{shot} was not written"


def test_course_order_follows_the_notebooks_readme():
    order = book.course_order()
    assert order == [s.stem for s in runner.notebook_sources()]
    toc = book.toc(order)
    assert [line.split("notebooks/")[1] for line in toc.splitlines() if "notebooks/" in line] == order


@pytest.mark.parametrize("source", runner.notebook_sources(), ids=lambda p: p.stem)
def test_notebook_starts_with_badges_and_a_colab_only_install_cell(source, monkeypatch):
    cells = jupytext.read(source).cells
    assert cells[0].cell_type == "markdown"
    assert "colab.research.google.com/github/" in cells[0].source and f"{source.stem}.ipynb" in cells[0].source
    assert "mybinder.org/v2/gh/" in cells[0].source
    install = cells[1]
    assert install.cell_type == "code" and "google.colab" in install.source
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(install.source, f"{source.name}:install", "exec"), {})
    assert calls == [], "the install cell ran something outside Colab"
    monkeypatch.setitem(sys.modules, "google.colab", object())
    exec(compile(install.source, f"{source.name}:install", "exec"), {})
    assert len(calls) == 1 and "pip" in calls[0][0] and any("sfutils[" in arg for arg in calls[0][0])


def test_the_committed_student_versions_are_what_make_student_writes(tmp_path):
    """The student badges open ``student/NN_*.ipynb`` in the repository: they must exist and be current
    (after editing a notebook source, run ``python book/build.py student`` and commit ``student/``)."""
    for path in book.write_student_versions(tmp_path):
        committed = book.STUDENT_DIR / path.name
        assert committed.is_file(), f"student/{path.name} missing: run `python book/build.py student`"
        assert committed.read_text() == path.read_text(), f"student/{path.name} is stale: run `python book/build.py student`"


def test_site_and_student_badges_follow_the_books_address(tmp_path):
    badges = book._badges()
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/fork/course\n  branch: dev\n")
    fork = badges.repository(config)
    teacher = "\n".join(badges.badge_lines("00_x", fork))
    assert "blob/dev/notebooks/00_x.ipynb" in teacher and "labpath=notebooks%2F00_x.ipynb" in teacher
    student = badges.student_links(teacher, fork)
    assert student == "\n".join(badges.badge_lines("00_x", fork, folder=badges.STUDENT_FOLDER))
    assert "github/fork/course/blob/dev/student/00_x.ipynb" in student and "fork/course/dev?labpath=student%2F00_x" in student
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("\n".join(badges.badge_lines("00_x")))])
    assert "/student/00_x.ipynb" in book.site_notebook(nb).cells[0].source
    assert badges.site_page("00_x", config) == "book/_build/html/notebooks/00_x.html"
    config.write_text(config.read_text() + "html:\n  baseurl: https://fork.github.io/course/\n")
    assert badges.site_page("00_x", config) == "https://fork.github.io/course/notebooks/00_x.html"


def test_student_versions_drop_exactly_the_solution_cells(tmp_path):
    written = book.write_student_versions(tmp_path)
    assert [p.stem for p in written] == book.course_order()
    badges = book._badges()
    for path in written:
        full = jupytext.read(ROOT / "notebooks" / f"{path.stem}.py")
        student = nbformat.read(path, as_version=4)
        dropped = {book.SOLUTION_TAG, book.INJECTED_TAG}
        kept = [badges.student_links(c.source.replace(f"]({book.GLOSSARY_FROM_NOTEBOOKS}", f"]({book.glossary_url()}")
                                     .replace(f"]({book.SITE_FROM_NOTEBOOKS}", f"]({book.site_base()}"))
                if c.cell_type == "markdown" else c.source
                for c in full.cells if not dropped & set(c.metadata.get("tags", []))]
        assert [c.source for c in student.cells] == kept
        assert all(c.cell_type == "code" for c in student.cells if book.STUB_TAG in c.metadata.get("tags", []))
        assert not any(c.get("outputs") for c in student.cells), \
            f"{path.name}: a cell keeps its output (from the teacher's profile; after an exercise it may give an answer away)"
        text = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
        assert book.GLOSSARY_FROM_NOTEBOOKS not in text, f"{path.name}: a glossary link breaks once downloaded"
        colab, binder = badges.badge_lines(path.stem, folder=badges.STUDENT_FOLDER)
        assert student.cells[0].source.splitlines()[:2] == [colab, binder], f"{path.name}: badges open the full notebook"
        assert "/notebooks/" not in student.cells[0].source and "labpath=notebooks" not in student.cells[0].source
    assert book.glossary_url().startswith("https://github.com/") and book.glossary_url().endswith("/book/glossary.md")
    full00 = jupytext.read(ROOT / "notebooks" / f"{written[0].stem}.py").cells
    solutions = [c for c in full00 if book.SOLUTION_TAG in c.metadata.get("tags", [])]
    student00 = nbformat.read(written[0], as_version=4).cells
    injected = [c for c in full00 if book.INJECTED_TAG in c.metadata.get("tags", [])]
    assert len(solutions) >= 4 and len(student00) == len(full00) - len(solutions) - len(injected)
    assert any(re.search(r"\*\*Exercise \d", c.source) for c in student00)


def test_site_pages_drop_stubs_and_the_injected_parameters_and_fold_solutions():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("profile = 'quick'", metadata={"tags": [book.INJECTED_TAG]}),
        nbformat.v4.new_raw_cell("# def f(): raise NotImplementedError", metadata={"tags": [book.STUB_TAG]}),
        nbformat.v4.new_code_cell("def f(): return 1", metadata={"tags": [book.SOLUTION_TAG]}),
        nbformat.v4.new_markdown_cell("*Answer.* 1", metadata={"tags": [book.SOLUTION_TAG]}),
        nbformat.v4.new_code_cell("check(f)", metadata={"tags": [book.CHECK_TAG]}),
    ])
    nb.cells.append(nbformat.v4.new_markdown_cell("The authors' code adds beta.", metadata={"tags": [book.CURIOUS_TAG]}))
    page = book.site_notebook(nb)
    assert [c.source for c in page.cells][0] == "def f(): return 1"
    assert len(page.cells) == 4 and "hide-cell" in page.cells[0].metadata["tags"]
    assert book.ANSWER_CLASS in page.cells[1].source and "hide-output" in page.cells[2].metadata["tags"]
    assert page.cells[3].source.startswith("::::{admonition} For the curious") and ":class: dropdown" in page.cells[3].source


def test_mathjax_is_copied_into_the_built_site_not_into_the_books_static_folder(tmp_path, monkeypatch):
    """Jupyter Book adds every .js file of book/_static to every page: MathJax must not lie there."""
    package = tmp_path / "node_modules" / "mathjax" / "es5"
    (package / "output").mkdir(parents=True)
    (package / "tex-chtml.js").write_text("// mathjax")
    (package / "output" / "chtml.js").write_text("// a component")
    (tmp_path / "_static" / "mathjax").mkdir(parents=True)  # left by an earlier build
    monkeypatch.setattr(book, "BOOK", tmp_path)
    monkeypatch.setattr(book, "MATHJAX", package)
    book.install_mathjax()
    assert not (tmp_path / "_static" / "mathjax").exists()
    book.copy_mathjax(tmp_path / "html")
    assert (tmp_path / "html" / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (tmp_path / "html" / "_static" / "mathjax" / "output" / "chtml.js").is_file()


def test_report_page_from_the_profile_report_or_a_placeholder(tmp_path, monkeypatch):
    import sfutils.paths

    figures = tmp_path / "figures" / "demo"
    (figures / "tables").mkdir(parents=True)
    monkeypatch.setattr(book, "BOOK", tmp_path / "book")
    (tmp_path / "book").mkdir()
    monkeypatch.setattr(sfutils.paths, "figures_root", lambda profile: tmp_path / "figures" / profile)
    assert book.write_report("demo") == "placeholder"
    assert "Not generated yet" in (tmp_path / "book" / "report.md").read_text()
    (figures / "tables" / "verdicts.csv").write_text("claim,verdict\n")
    (figures / "report.md").write_text("# Report\n[verdicts](tables/verdicts.csv), [paper](https://arxiv.org/abs/1811.02248), [top](#report)\n"
                                       "[01](#notebook-01)\n\n<a id=\"notebook-01\"></a>\n\n## 01 · Overall\n")
    assert book.write_report("demo") == str(figures / "report.md")
    text = (tmp_path / "book" / "report.md").read_text()
    assert "](report_files/tables/verdicts.csv)" in text and "](https://arxiv.org/abs/1811.02248)" in text and "](#report)" in text
    assert "(notebook-01)=\n## 01 · Overall" in text and "<a id=" not in text, "an HTML anchor is a MyST label on the site"
    assert (tmp_path / "book" / "report_files" / "tables" / "verdicts.csv").is_file()
