"""What a reader opens: the forest plot of every verdict, the report's short tables and details,
the plain-language findings, and that the README, ``figures/README.md``, the report and every
notebook's "What we found" say what ``verdicts.csv`` says (all generated, none typed by hand)."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import math
import re
import sys
import tomllib
from pathlib import Path

import jupytext
import matplotlib
import nbformat
import pandas as pd
import pytest

from sfutils import claims, paths
from sfutils.claims import forest, report, summary
from sfutils.claims.model import FAILS, HOLDS, HOLDS_STAND_IN, INCONCLUSIVE, Verdict
from sfutils.experiments.common import P_FALLING

ROOT = paths.repo_root()
HEADLINE = paths.HEADLINE_PROFILE
MAX_LINE, MAX_COLUMNS = 250, 5
REPORTS = [paths.figures_root(HEADLINE) / "report.md", paths.figures_base() / "README.md"]
NOTEBOOKS = {p.stem[:2]: p for p in sorted((ROOT / "notebooks").glob("0[1-6]_*.py"))}


def committed_verdicts() -> pd.DataFrame:
    return pd.read_csv(paths.tables_dir(HEADLINE) / paths.VERDICTS_CSV, dtype=str, keep_default_na=False)


def registered(cid: str, **changes) -> claims.Claim:
    """The registered claim ``cid`` with ``changes`` (and no paper value in our units, unless given)."""
    base = next(c for c in claims.CLAIMS if c.id == cid)
    if hasattr(base, "target"):
        changes.setdefault("target", None)
    return dataclasses.replace(base, **changes)


def verdict(cid: str, v: str, why: str = "", value: float = 50.0, **changes) -> Verdict:
    return Verdict(registered(cid, **changes), v, value, value - 1, value + 1, n=100, ours="ours", why=why)


# --- the forest plot --------------------------------------------------------------------------------

def test_forest_plot_has_one_row_per_claim_judged_against_a_number():
    csv = committed_verdicts()
    kinds = {c.id: c for c in claims.CLAIMS}
    expected = [cid for cid, v in zip(csv["id"], csv["verdict"])
                if v not in (claims.NOT_RUN, claims.ILLUSTRATION) and "not judged" not in v
                and kinds[cid].measurement.kind not in forest.UNDRAWN_KINDS
                and kinds[cid].measurement.unit not in forest.UNDRAWN_UNITS
                and (kinds[cid].criterion.low is not None or kinds[cid].criterion.high is not None)]
    assert expected, "verdicts.csv judges no claim against a number"
    fig = forest.forest_figure(claims.verdicts(paths.figures_root(HEADLINE)), report.TITLES)
    labels = [t.get_text().removesuffix(f" {forest.BOUND_MARK}") for t in fig.axes[0].get_yticklabels()]
    assert [label for label in labels if label in kinds] == expected
    assert set(labels) - set(expected) <= {t.upper() for t in report.TITLES.values()}, "only section titles besides"
    matplotlib.pyplot.close(fig)
    for suffix in (".png", ".pdf"):
        assert (paths.figures_root(HEADLINE) / f"verdicts{suffix}").is_file(), "run `python -m sfutils.claims`"


def test_forest_plot_of_a_run_that_judged_nothing_says_so(tmp_path):
    (tmp_path / "tables").mkdir()
    written = forest.write_forest(claims.verdicts(tmp_path), report.TITLES, tmp_path / "verdicts")
    assert [p.name for p in written] == ["verdicts.png", "verdicts.pdf"] and all(p.stat().st_size for p in written)
    fig = forest.forest_figure(claims.verdicts(tmp_path), report.TITLES)
    assert "no claim was judged" in " ".join(t.get_text() for t in fig.axes[0].texts)
    matplotlib.pyplot.close(fig)


def test_a_mean_tau_is_listed_beside_the_plot_not_drawn_on_the_papers_axes():
    """A per-image mean τ judged by its interval against 0 has no paper number to take points or a ratio from."""
    tau = verdict("F6-cifar10-pixels", HOLDS_STAND_IN, value=-0.77)
    assert tau.claim.measurement.unit == "τ" and not forest.drawn(tau) and not forest.forest_rows([tau])
    assert "Kendall τ judged against 0" in report.undrawn_kind(tau)[0]


def test_a_rows_scale_puts_the_papers_value_or_the_bound_at_zero():
    rate = forest.forest_row(verdict("T1-mnist-lenet-sparsefool-fool", HOLDS, value=99.0))
    assert rate.scale == "points" and rate.value == pytest.approx(99.0 - rate.reference)
    bound = next(c for c in claims.CLAIMS if c.id == "T1-mnist-lenet-sparsefool-fool").criterion.low
    assert rate.band_lo == pytest.approx(bound - rate.reference) and rate.band_hi is None
    factor = registered("AT-only-slightly").measurement
    ratio = forest.forest_row(verdict("AT-only-slightly", FAILS, value=4.0, criterion=claims.band(1.92, 1.5),
                                      measurement=dataclasses.replace(factor, kind="ratio", unit="×")))
    assert ratio.scale == "log2" and ratio.reference == pytest.approx(1.92)  # a ÷/× band's centre: the paper's
    assert ratio.value == pytest.approx(math.log2(4.0 / 1.92))
    assert ratio.band_lo == pytest.approx(-math.log2(1.5)) and ratio.band_hi == pytest.approx(math.log2(1.5))


# --- the committed report -----------------------------------------------------------------------------

def _tables(text: str) -> list[list[str]]:
    """The header cells of every pipe table in ``text``."""
    lines = text.splitlines()
    return [[c.strip() for c in line.strip().strip("|").split(" | ")] for line, nxt in zip(lines, lines[1:])
            if line.startswith("|") and re.fullmatch(r"\|(-+\|)+", nxt.replace(" ", "").replace(":", ""))]


@pytest.mark.parametrize("path", REPORTS + [ROOT / "README.md"], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_line_is_longer_than_a_screen_outside_images_and_links(path):
    long = [(i + 1, len(line)) for i, line in enumerate(path.read_text().splitlines())
            if len(line) > MAX_LINE and not re.fullmatch(r"\s*!?\[.*\]\([^)]*\)\s*", line)]
    assert not long, f"{path.name}: lines (number, length) longer than {MAX_LINE}: {long[:5]}"


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_report_tables_are_short(path):
    text = path.read_text()
    tables = _tables(text.split("## The committed run")[0])  # the run and compute tables follow the report
    assert tables, f"{path} has no table"
    assert all(len(header) <= MAX_COLUMNS for header in tables), [h for h in tables if len(h) > MAX_COLUMNS]
    cells = [c for line in text.split("## The committed run")[0].splitlines() if line.startswith("| ")
             for c in line.strip().strip("|").split(" | ")]
    shown = [part.strip() for c in cells for part in c.split("<br>")]  # a cell's lines as a reader sees them
    assert max(len(part) for part in shown) <= summary.CELL, max(shown, key=len)
    assert not [c for c in cells if "…" in c], "a cell cut short: its text is hidden"


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_report_shows_the_forest_plot_and_links_the_glossary(path):
    text = path.read_text()
    image = re.search(r"!\[[^\]]*\]\(([^)]*verdicts\.png)\)", text)
    assert image and (path.parent / image.group(1)).resolve().is_file()
    glossary = re.search(r"\[glossary\]\(([^)]+)\)", text)
    assert glossary and (path.parent / glossary.group(1)).resolve() == (ROOT / "book" / "glossary.md").resolve()


@pytest.mark.parametrize("path", REPORTS + [ROOT / "README.md"], ids=lambda p: str(p.relative_to(ROOT)))
def test_top_of_the_report_is_what_a_reader_takes_in(path):
    """Above the sections: the picture, the rule in at most 80 words, counts and a line per section;
    no wall of claim ids (the claims the picture leaves out are counted, their list is collapsed)."""
    text = path.read_text()
    top = text.split('<a id="not-drawn">')[0].split('<a id="notebook-01">')[0]
    if path.name == "README.md" and path.parent == ROOT:
        top = text.split(report.README_BEGIN, 1)[1].split(report.README_END, 1)[0]
    assert len(report.RULES_SHORT.split()) <= 80 and " ".join(report.RULES_SHORT.split()) in " ".join(top.split())
    ids = re.findall(r"`[A-Z][A-Za-z0-9]*-[\w.-]+`", top)
    assert len(ids) <= 6, f"{path.name} names {len(ids)} claim ids at its top"
    assert "| not run |" not in top  # split: cannot be run here / still computing


def test_site_report_links_the_sites_own_glossary_and_lists_its_pages(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("course_book_build", ROOT / "book" / "build.py")
    book = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(book)
    figures = tmp_path / "figures" / "demo"
    figures.mkdir(parents=True)
    (figures / "report.md").write_text("![all](verdicts.png) [glossary](../../book/glossary.md)\n")
    monkeypatch.setattr(book, "BOOK", tmp_path / "book")
    (tmp_path / "book").mkdir()
    monkeypatch.setattr(paths, "figures_root", lambda profile: tmp_path / "figures" / profile)
    book.write_report("demo")
    text = (tmp_path / "book" / "report.md").read_text()
    assert "](report_files/verdicts.png)" in text and "[glossary](glossary.md)" in text
    toc = book.toc(["00_x"])
    for page in ("glossary", "profiles", "provenance"):
        assert f"- file: {page}\n" in toc and (ROOT / "book" / f"{page}.md").is_file()


def test_glossary_defines_every_term_the_report_uses():
    text = (ROOT / "book" / "glossary.md").read_text().lower()
    for term in ("stand-in", "profile", "wilson", "newcombe", "bootstrap", "kendall", "one-sided p", "power",
                 "queries", "fooling rate", "median perturbed pixels", "failures counted as ∞"):
        assert f"## {term}" in text or f"**{term}**" in text, f"the glossary does not define {term!r}"


# --- one story: every generated text says what verdicts.csv says ------------------------------------

def test_report_details_give_every_claims_verdict_of_verdicts_csv():
    """A claim not run is given by its status (still computing, cannot be run here), as the report counts it."""
    text = (paths.figures_root(HEADLINE) / "report.md").read_text()
    csv = committed_verdicts()
    for cid, v, status in zip(csv["id"], csv["verdict"], csv["status"]):
        shown = status or v
        assert f"`{cid}` · {shown}\n" in text, f"the report's details do not give {cid} the verdict {shown!r}"


def test_verdicts_csv_status_splits_claims_not_run_as_the_report_does():
    csv = committed_verdicts()
    not_run = csv["verdict"] == claims.NOT_RUN
    assert (csv.loc[~not_run, "status"] == "").all()
    assert set(csv.loc[not_run, "status"]) <= {summary.COMPUTING, summary.NOT_STARTED, summary.CANNOT_RUN,
                                               summary.OUR_CHOICE, summary.MISSING}
    assert list(csv.loc[not_run, "status"]) == [summary.verdict_label(r) for r in csv[not_run].to_dict("records")]


def test_front_page_embeds_the_headline_report():
    front = (paths.figures_base() / "README.md").read_text()
    root = paths.figures_root(HEADLINE)
    assert report.render_report(root, f"{HEADLINE} profile", level=2, page_dir=paths.figures_base(),
                                details=False) in front
    assert f"({HEADLINE}/report.md#notebook-01)" in front  # each section links to its claims' details


def test_readme_summary_counts_what_verdicts_csv_counts():
    readme = (ROOT / "README.md").read_text()
    block = readme.split(report.README_BEGIN, 1)[1].split(report.README_END, 1)[0]
    csv = committed_verdicts()
    flat = " ".join(block.split())
    for nb, title in report.TITLES.items():
        sub = csv[csv["notebook"].str.zfill(2) == nb]["verdict"]
        if sub.empty:
            continue
        held = int(sub.isin([HOLDS, HOLDS_STAND_IN]).sum())
        failing = int(sub.isin([FAILS, claims.FAILS_STAND_IN]).sum())
        judged = held + failing + int(sub.str.startswith(INCONCLUSIVE).sum())
        line = f"**[{title}](figures/{HEADLINE}/report.md#notebook-{nb})**: {report.holding_text(held, judged)}"
        assert line in flat
        assert (f"{failing} do" in flat.split(line, 1)[1].split("**[")[0]) == (failing > 0)
    assert f"**{len(csv)} claims**" in flat


def test_readme_quotes_no_number_outside_its_generated_block():
    """The README's words around the block are not findings: no interval, no verdict count."""
    readme = (ROOT / "README.md").read_text()
    outside = readme.split(report.README_BEGIN, 1)[0] + readme.split(report.README_END, 1)[1]
    intervals = set(re.findall(r"\[-?[\d.]+, -?[\d.]+\]", outside)) - {"[0, 1]"}  # [0, 1]: the images' range
    assert not intervals, f"intervals typed by hand in README.md: {intervals}"
    assert not re.search(r"\b(holds|does not hold|inconclusive)\b", outside), "a verdict typed by hand in README.md"


@pytest.mark.parametrize("nb", sorted(NOTEBOOKS))
def test_what_we_found_cell_has_no_hand_written_findings(nb):
    """The heading only: the findings are what_we_found's generated output."""
    cells = jupytext.read(NOTEBOOKS[nb]).cells
    i = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## What we found" in c.source)
    assert cells[i].source.strip() == "## What we found"
    assert "what_we_found(run)" in cells[i + 1].source


@pytest.mark.parametrize("nb", sorted(NOTEBOOKS))
def test_executed_notebook_shows_the_generated_findings(nb):
    """The committed executed notebook's "What we found" is what the committed tables give (rerun
    the notebook when this fails)."""
    executed = nbformat.read(NOTEBOOKS[nb].with_suffix(".ipynb"), as_version=4)
    outputs = [o.get("data", {}).get("text/markdown", "") for c in executed.cells if c.cell_type == "code"
               and "what_we_found(run)" in c.source for o in c.outputs]
    assert outputs, f"notebook {nb} shows no What we found"
    expected = report.render_verdicts(nb, paths.figures_root(HEADLINE), f"{HEADLINE} profile")
    assert "".join(outputs[-1]) == expected
    assert expected.startswith(("Of the ", "The one claim", "None of these", "This claim"))


# --- the plain-language paragraph and the short table ------------------------------------------------

@pytest.mark.parametrize("nb", sorted(NOTEBOOKS))
def test_what_we_found_opens_with_the_paragraph_and_lists_every_claim(nb, tmp_path):
    (tmp_path / "tables").mkdir()
    text = report.render_verdicts(nb, tmp_path, "p profile")  # nothing run: every claim is still listed
    assert text.startswith("None of these ")
    for c in claims.CLAIMS:
        if c.measurement.notebook == nb:
            assert re.search(rf"<br>\(`{re.escape(c.id)}`[;)]", text) and f"`{c.id}` · " in text

def test_plain_summary_says_what_holds_what_does_not_and_the_main_reason():
    vs = [verdict("T3-cifar10-asymmetry", HOLDS_STAND_IN),
          verdict("T3-imagenet-asymmetry", FAILS, why="the rule; caveat: x", caveat="a reason; and more"),
          verdict("T3-imagenet-mean", INCONCLUSIVE), verdict("AT-only-slightly", FAILS, caveat="a reason"),
          verdict("AT-cost", FAILS, why="another", caveat="")]
    text = " ".join(summary.plain_summary(vs).split())
    assert text.startswith("Of the 5 claims tested here, **1 holds** (on a stand-in")
    assert "**3 do not hold** and 1 is undecided" in text
    assert "ours 50 points [49, 51], the paper's 23.7 %" in text  # our value quoted, the paper's beside it
    assert "(on CIFAR-10: ours" in text and "(on ImageNet: ours" in text  # the same words, told apart by the data set
    assert "The reason that matters most (given for 2 of them): a reason." in text  # the caveat's first clause
    assert "interval: 95 %" in text  # the one statistical term, explained where it is used


def test_short_table_has_five_columns_and_cells_a_screen_can_hold():
    rows = report.verdict_rows(claims.verdicts(paths.figures_root(HEADLINE), "01")).to_dict("records")
    table = summary.section_table(rows)
    header, rule, *body = table.splitlines()
    assert header == "| claim | paper | ours [interval] | n | verdict |" and len(body) == len(rows)
    assert all(len(part) <= summary.CELL for line in body for c in line.strip("| ").split(" | ")
               for part in c.split("<br>"))
    assert len(body) == sum(bool(re.search(rf"<br>\(`{re.escape(r['id'])}`[;)]", table)) for r in rows)  # id below title


def test_every_claim_has_a_whole_short_title():
    """A title is the claim in a few words, never cut mid-way; every short title names a claim."""
    titles = {c.id: summary.title(c.claim, c.id) for c in claims.CLAIMS}
    assert all(len(t) <= summary.TITLE and not t.endswith("…") for t in titles.values()), [
        (cid, t) for cid, t in titles.items() if len(t) > summary.TITLE]
    assert not [t for t in titles.values() if "{model}" in t or "our net:" in t]  # every model named
    assert titles["T2-vgg-16-random"].startswith("VGG-16: ")  # one sentence, told apart by its model
    assert summary.title("SparseFool fools (almost) every image.") == "SparseFool fools every image"
    assert summary.title("Values of λ close to 1 lead to sparser perturbations: as λ grows, they get denser",
                         limit=60) == "Values of λ close to 1 lead to sparser perturbations"
    unused = [p for p, _ in summary.SHORT_TITLES if not any(re.fullmatch(p + ".*", c.id) for c in claims.CLAIMS)]
    assert not unused, f"short titles that name no registered claim: {unused}"


def test_a_title_naming_the_papers_net_names_ours_beside_it():
    row = {"id": "T2-vgg-16-fool", "claim": "VGG-16: SparseFool fools 100 % of the ImageNet images.",
           "our setting": "efficientnet-lite0, ImageNet sample images"}
    assert summary.title(row["claim"], row["id"], ours=row["our setting"]).startswith("VGG-16 (ours: Lite0): ")
    lenet = ("LeNet: SparseFool fools 99.93 % of the test images.", "T1-mnist-lenet-sparsefool-fool")
    assert summary.title(*lenet, ours="lenet-mnist (LeNet trained here)") == summary.title(*lenet)  # the paper's net
    long_title = {"id": "T1-cifar10-vgg-19-sparsefool-seconds", "our setting": "vgg19half-cifar10, wall time",
                  "claim": "VGG-19: SparseFool takes 0.34 seconds per image on the CIFAR-10 test images."}
    cell = summary.section_table([{**long_title, "paper": "0.34 s", summary.OURS: "1 s", "n": "100",
                                   "verdict": HOLDS, "why": ""}])
    assert "(`T1-cifar10-vgg-19-sparsefool-seconds`; ours: half-width VGG-19)" in cell  # no room in the title
    assert all(len(part) <= summary.CELL for part in cell.splitlines()[2].split(" | ")[0].split("<br>"))


def test_each_value_beside_ours_is_labelled_by_its_own_column():
    """A p-value by its column and rounded ("one-sided Wilcoxon p (falling) < 0.001"), never "with failures as ∞"."""
    trend = dataclasses.replace(verdict("F6-cifar10-pixels", HOLDS_STAND_IN, value=-0.77),
                                detail={P_FALLING: 4.31e-34})
    text = summary.ours_text(trend)
    assert f"{P_FALLING} < 0.001" in text and "with failures" not in text and "0.0000" not in text
    median = dataclasses.replace(verdict("T1-mnist-lenet-sparsefool-pixels", HOLDS, value=1.4),
                                 detail={"median px % all (ours)": 1.53})
    assert "with failures as ∞: 1.53 %" in summary.ours_text(median)


def test_whole_part_drops_notes_never_words():
    assert summary.whole_part("> 1000× (3 orders of magnitude) (this net: 2.22e+03×)") == \
        "> 1000× (3 orders of magnitude)"
    assert summary.whole_part("0.18 % (VGG-16); 0.14–0.29 % over the paper's four nets") == "0.18 % (VGG-16)"
    assert summary.tidy("this net: 2.22e+03×") == "this net: 2 220×"
    assert summary.whole_part("2.4× (a mean; the cells give 2.1×) (this net: 2.1×)", 80) == \
        "2.4× (a mean; the cells give 2.1×) (this net: 2.1×)"  # a "; " inside a note is the note's


def test_numbers_are_rounded_to_what_a_reader_needs():
    assert [summary.number(x) for x in (6053.2, 0.0976562, 99.96, 10000.0, -3.6667, math.inf)] == [
        "6 050", "0.0977", "100", "10 000", "−3.67", "∞"]
    bounds = [0.09765625, 0.29296875]  # a median on CIFAR-10's pixel grid, on the criterion's bound
    assert summary.interval_text(0.09765625, 0.29296875, bounds) == ("0.0977", "0.293")
    assert summary.p_text(0.00002) == "< 0.001" and summary.p_text(0.0372) == "= 0.037"


def test_counts_say_none_and_one_in_plain_words():
    vs = [verdict("T3-cifar10-mean", HOLDS_STAND_IN), verdict("F4-fooling", claims.NOT_RUN, why="not run yet: x"),
          verdict("S22-linf-clipping", claims.NOT_RUN, why="cannot be run here: y"),
          verdict("F1-examples", claims.ILLUSTRATION)]
    text = " ".join(summary.plain_summary(vs).split())
    assert text.startswith("The one claim tested here **holds** (on a stand-in, a model or data set that is not")
    assert "1 is an illustration (a figure, fewer than 20 images, or a number our setting cannot test" in text
    assert "1 cannot be run here" in text and "1 is pending" in text
    assert not re.search(r"\b0 (claims|hold|are|do)\b|\b1 are\b", text)
    two = " ".join(summary.plain_summary(vs + [verdict("T3-imagenet-mean", HOLDS_STAND_IN)]).split())
    assert two.startswith("Of the 2 claims tested here, **both hold** (both on a stand-in")
    assert "none fails and none is undecided" in two
    only_context = [verdict("B-lenet-mnist-success", claims.CONTEXT)]
    assert " ".join(summary.plain_summary(only_context).split()) == (
        "This claim is not a verdict on the paper's claims about SparseFool. It is a context row (not judged).")
    lines = " ".join(report.counts_lines(vs))
    assert "1 claim that cannot be run here" in lines and "1 claim pending" in lines


def test_not_run_is_split_by_its_reason():
    assert summary.verdict_label({"verdict": claims.NOT_RUN, "why": "not run yet: the job"}) == summary.COMPUTING
    assert summary.verdict_label({"verdict": claims.NOT_RUN, "why": "not started: the job"}) == summary.NOT_STARTED
    assert summary.verdict_label({"verdict": claims.NOT_RUN, "why": "cannot be run here: no net"}) == summary.CANNOT_RUN
    assert summary.verdict_label({"verdict": claims.NOT_RUN, "why": "not implemented here (our choice): x"}) == \
        summary.OUR_CHOICE
    assert summary.verdict_label({"verdict": claims.NOT_RUN, "why": "no row model = x"}) == summary.MISSING
    assert summary.verdict_label({"verdict": HOLDS, "why": ""}) == HOLDS


# --- the small things ---------------------------------------------------------------------------------

def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_stats_imports_only_core_dependencies():
    """``pip install sfutils`` without extras can ``import sfutils.stats`` (every interval and test)."""
    core = {re.split(r"[<>=\[ ;]", d, maxsplit=1)[0].lower()
            for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    third_party = _top_level_imports(ROOT / "sfutils" / "stats.py") - set(sys.stdlib_module_names) - {"sfutils"}
    assert third_party <= core, f"sfutils.stats needs {third_party - core}, not a core dependency"


def test_store_migration_is_not_in_the_package():
    assert not (ROOT / "sfutils" / "store_migration.py").exists()
    assert (ROOT / "scripts" / "store_migration.py").is_file()


def _badges():
    spec = importlib.util.spec_from_file_location("book_badges", ROOT / "book" / "badges.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("source", sorted((ROOT / "notebooks").glob("0[0-9]_*.py")), ids=lambda p: p.stem)
def test_badges_and_colab_install_come_from_the_books_one_address(source):
    badges = _badges()
    url, _ = badges.repository()
    text = source.read_text()
    for line in badges.badge_lines(source.stem):
        assert f"# {line}\n" in text, f"run `python book/badges.py` ({source.name})"
    assert badges.install_line(source.stem) + "\n" in text
    assert ("sfutils[notebooks] @" in text) == (source.stem == "00_sparsefool_explained")  # 00: the lab install
    slug = url.removeprefix("https://github.com/")
    assert text.count(slug) == 3, "the repository's address appears only in the badges and the install line"


def test_badges_follow_a_fork(tmp_path):
    badges = _badges()
    config = tmp_path / "_config.yml"
    config.write_text("title: x\nrepository:\n  url: https://github.com/someone/fork   # a fork\n  branch: dev\n")
    repo = badges.repository(config)
    assert repo == ("https://github.com/someone/fork", "dev")
    source = tmp_path / "03_x.py"
    source.write_text("# [![Open In Colab](a)](b)\n# [![Binder](c)](d)\nif x:\n"
                      '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "old"], check=True)\n')
    assert badges.rewrite(source, repo)
    text = source.read_text()
    assert "colab.research.google.com/github/someone/fork/blob/dev/notebooks/03_x.ipynb" in text
    assert "mybinder.org/v2/gh/someone/fork/dev?labpath=notebooks%2F03_x.ipynb" in text
    assert "git+https://github.com/someone/fork@dev" in text
    assert not badges.rewrite(source, repo)


def test_a_context_row_says_how_it_reads_against_the_paper_and_the_headline_names_those_against():
    """Not judging a row must not hide what it measured (issue 32): a context row's why says what the
    paper's criterion alone would give, and the headline names the rows that run against the paper."""
    from sfutils.claims.measure import Estimate
    at = registered("AT-only-slightly")
    high = at.criterion.high
    against = claims.judge(at, Estimate(high * 2, 100, high * 1.5, high * 2.5))
    agrees = claims.judge(registered("AT-cost"), Estimate(0.3, 100, 0.2, 0.4))
    assert against.verdict == agrees.verdict == claims.CONTEXT
    assert "runs against the paper" in against.why and "agrees with the paper" in agrees.why
    shown = claims.judge(registered("T2-vgg-16-pixels"), Estimate(0.49, 100, 0.4, 0.6))  # no criterion: not compared
    assert "no criterion: not compared" in shown.why and "agrees" not in shown.why
    text = summary.against_text([against, agrees, shown])
    assert text.startswith("Of the 3 context rows, 2 have a criterion; read against it anyway, 1 agrees with the "
                           "paper and 1 runs against it")
    assert "our two nets differ in more than adversarial training" in text
    assert summary.against_text([agrees]) == ""
    assert any(line.startswith("- Of the 2 context rows") for line in report.counts_lines([against, agrees]))


def test_an_unfinished_row_shows_its_value_so_far_and_a_row_not_started_shows_none():
    pending = verdict("S22-imagenet-l2-clipping", claims.NOT_RUN, why="not run yet: the run is not finished (n = 60 "
                      "of the 100 images planned); its value so far is shown, not judged")
    assert summary.ours_text(pending).startswith("so far (not judged): 50")
    assert summary.verdict_label(pending) == summary.COMPUTING
    not_started = verdict("S22-imagenet-unclipped", claims.NOT_RUN, why="not started: the ImageNet job")
    assert summary.ours_text(not_started) == "—" and summary.verdict_label(not_started) == summary.NOT_STARTED


def test_forest_kinds_of_row_differ_in_colour_and_marker():
    kinds = ["baseline check: as the paper's", "stand-in magnitude: as the paper's", "beyond the paper: holds"]
    assert len({forest.colour(k) for k in kinds}) == 3 and len({forest.marker(k) for k in kinds}) == 3
    assert forest.marker(HOLDS) == "o" and forest.colour("baseline check: differs from the paper's") != \
        forest.colour(kinds[0])
