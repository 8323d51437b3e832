"""Rendering the verdicts: each notebook's "What we found", the reproduction report (``report.md``
with its forest plot ``verdicts.png``, ``tables/verdicts.csv``), the front page ``figures/README.md``
(the headline report, the committed run and the attack hours held in its per-sample results) and
the README's results block; the words and short tables come from :mod:`sfutils.claims.summary`."""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sfutils import paper, paths
from sfutils.claims.forest import drawn, write_forest
from sfutils.claims.judge import RULES, measure
from sfutils.claims.measure import Tables
from sfutils.claims.model import (BASELINE_AS_PAPER, BASELINE_DIFFERS, BASELINE_UNSETTLED, BEYOND_FAILS, BEYOND_HOLDS,
                                  BEYOND_UNSETTLED, CONTEXT, FAILS, FAILS_STAND_IN, HOLDS, HOLDS_STAND_IN, ILLUSTRATION,
                                  INCONCLUSIVE, LOW_POWER, MAGNITUDE_AS_PAPER, MAGNITUDE_DIFFERS, MAGNITUDE_UNSETTLED,
                                  NOT_RUN, VERDICTS, Verdict)
from sfutils.claims.registry import CLAIMS
from sfutils.claims.summary import (OURS, clip, details_block, first_part, groups, main_reason, ours_text, plain_summary,
                                    section_table, short_claim, wrap)
from sfutils.experiments.budget import official_agreement
from sfutils.profiles import PROFILE_NAMES
from sfutils.provenance import markdown_table
from sfutils.results import stored_compute

TITLES = {"01": "Overall performance (§2.2, §3.3, §4.2: Tables 1–2, Fig. 4)",
          "02": "Perceptibility (§4.2: Figs. 1, 5, 6, 7)", "03": "Transferability (§4.2: Table 3)",
          "04": "Semantic information (§4.2: Figs. 8–9)", "05": "Adversarial training (§4.2)",
          "06": "Beyond the paper (notebook 06)"}


def verdicts(root: Path, notebook: str | None = None) -> list[Verdict]:
    """Every registered claim (of ``notebook`` only, if given) judged on the outputs under ``root``
    (a run's output folder: ``tables/`` and figures)."""
    tables = Tables(root)
    return [measure(c, tables) for c in CLAIMS if notebook is None or c.measurement.notebook == notebook]


def verdict_rows(vs: Sequence[Verdict]) -> pd.DataFrame:
    """One row per verdict: the columns of the rendered table and of ``verdicts.csv``."""
    return pd.DataFrame([{
        "id": v.claim.id, "notebook": v.claim.measurement.notebook, "where": v.claim.where, "claim": v.claim.claim,
        "paper": v.claim.paper, OURS: ours_text(v), "n": "" if v.n is None else str(v.n),
        "criterion": v.claim.criterion.text, "our setting": v.ours, "paper's setting": v.claim.paper_setting,
        "verdict": v.verdict, "why": v.why, "reading": v.claim.reading, "caveat": v.claim.caveat,
        "role": v.claim.role, "value": v.value, "lo": v.lo, "hi": v.hi, "interval": v.coverage,
        "one-sided p": v.detail.get("one-sided p"),  # a trend's or a test's, in the claimed direction
        "power": v.power,  # P(holds at our n | the paper's value): sfutils.claims.power
        "power method": v.power_method,  # how it was computed: sfutils.claims.power.method
    } for v in vs])


def _rows(vs: Sequence[Verdict]) -> list[dict]:
    return verdict_rows(vs).to_dict("records") if vs else []


def _short_table_and_details(vs: Sequence[Verdict]) -> list[str]:
    """The short table of ``vs`` and their details, collapsed below it."""
    rows = _rows(vs)
    return [section_table(rows), "", details_block(rows, f"The {len(rows)} claims in detail: the reading, the "
                                                          "setting, the criterion and why"), ""]


def counts(vs: Sequence[Verdict]) -> dict[str, int]:
    """How many claims got each verdict (every verdict listed, zeros included)."""
    return {k: sum(v.verdict == k for v in vs) for k in VERDICTS}


# The verdicts in the groups a reader asks about first: SparseFool's claims, then the checks of our setting, then the rest.
_COUNT_GROUPS = (("SparseFool's claims", (HOLDS, HOLDS_STAND_IN, FAILS, FAILS_STAND_IN, INCONCLUSIVE, LOW_POWER)),
                 ("Checks of our setting", (BASELINE_AS_PAPER, BASELINE_DIFFERS, BASELINE_UNSETTLED, MAGNITUDE_AS_PAPER,
                                            MAGNITUDE_DIFFERS, MAGNITUDE_UNSETTLED)),
                 ("The rest", (BEYOND_HOLDS, BEYOND_FAILS, BEYOND_UNSETTLED, CONTEXT, ILLUSTRATION, NOT_RUN)))


def _counts_line(vs: Sequence[Verdict]) -> str:
    """The verdicts that occur, each with its count, in three groups (one sentence each)."""
    c = counts(vs)
    parts = []
    for title, keys in _COUNT_GROUPS:
        shown = [f"{k}: **{c[k]}**" for k in keys if c.get(k)]
        if shown:
            parts.append(f"{title} ({sum(c[k] for k in keys)}): " + " · ".join(shown))
    return ". ".join(parts)


def render_verdicts(notebook: str, root: Path, label: str = "") -> str:
    """One notebook's "What we found" on the outputs under ``root``: what was found in plain words
    (:func:`sfutils.claims.summary.plain_summary`), the counts, the short table of its claims and
    their details, then how a verdict is decided."""
    vs = verdicts(root, notebook)
    if not vs:
        return f"No claim is registered for notebook {notebook}."
    where = f" ({label})" if label else ""
    return "\n".join([plain_summary(vs), "", wrap(f"{len(vs)} claims{where}: {_counts_line(vs)}"), "",
                      *_short_table_and_details(vs),
                      "<details><summary>How a verdict is decided</summary>", "", wrap(RULES), "", "</details>"])


def tables_ref(root: Path) -> str:
    """How the report names the ``tables/`` folder of ``root``: from the repository's root when it
    lies inside it (the report is also rendered into ``figures/README.md``), else ``tables/``."""
    try:
        return f"{(root / 'tables').resolve().relative_to(paths.repo_root().resolve()).as_posix()}/"
    except ValueError:
        return "tables/"


def official_agreement_line(root: Path) -> str:
    """One sentence on ``tables/01_official_agreement.csv`` (the authors' code beside ours,
    summarised by :func:`sfutils.experiments.budget.official_agreement`), or ''."""
    path = root / "tables" / "01_official_agreement.csv"
    if not path.is_file():
        return ""
    a = official_agreement(pd.read_csv(path))
    return (f"**The authors' code beside ours** (`{tables_ref(root)}01_official_agreement.csv`: the first {a['n']} "
            "of Table 2's ImageNet sample images on the EfficientNet-Lite0 stand-in, "
            f"λ = {paper.OFFICIAL_DEMO_LAMBDA:g}, cap {paper.OFFICIAL_DEMO_MAX_ITER}, float32; ours one image at a "
            f"time, so not the batched Table 2 record): fooled/unfooled agree on {a['same_outcome']} of {a['n']} "
            f"({100 * a['same_outcome'] / a['n']:.0f} % [{a['same_outcome_lo']:.0f}, {a['same_outcome_hi']:.0f}], "
            f"Wilson 95 %; fooled by both {a['both']}, official only {a['official_only']}, ours only {a['ours_only']}, "
            f"neither {a['neither']}); where both fool, the iteration counts differ by a median of "
            f"{a['median_abs_iteration_diff']:.3g} (mean ours − official {a['mean_iteration_diff']:.3g}); "
            f"{a['same_pixel_set']} of {a['n']} have the identical pixel set; {a['seconds_official']:.3g} s vs "
            f"{a['seconds_ours']:.3g} s per image (official vs ours).")


def _link(target: Path, page_dir: Path) -> str:
    """``target`` relative to the folder of the page that links to it."""
    return Path(os.path.relpath(target.resolve(), page_dir.resolve())).as_posix()


def glossary_path() -> Path:
    """The course site's glossary page (the terms the report uses)."""
    return paths.repo_root() / "book" / "glossary.md"


def not_drawn(vs: Sequence[Verdict]) -> list[Verdict]:
    """The claims the forest plot leaves out: trends, illustrations and claims not run."""
    return [v for v in vs if not drawn(v)]


def render_report(root: Path, label: str, level: int = 1, page_dir: Path | None = None, details: bool = True) -> str:
    """The reproduction report of the outputs under ``root`` (``label`` names its profile): the
    forest plot of every verdict (``verdicts.png``, :mod:`sfutils.claims.forest`), what holds in
    plain words, the claims it does not draw, then per section a paragraph, a short table and each
    claim's details. Its title is a heading of ``level`` (2 to nest it in another page), the
    sections one level below; links are relative to ``page_dir`` (default ``root``), the folder of
    the page it is written into. Without ``details`` (the front page), each section keeps its short
    table and links to the claims' details in ``root``'s ``report.md``."""
    page_dir = page_dir or root
    vs = verdicts(root)
    h = "#" * level
    parts = [f"{h} Reproduction report ({label})", "",
             wrap(f"Generated by `python -m sfutils.claims` from the tables in `{tables_ref(root)}`; do not edit by "
                  f"hand. The terms (stand-in, Wilson interval, power, ...) are defined in the "
                  f"[glossary]({_link(glossary_path(), page_dir)})."), "",
             f"![Every claim judged against a number: our value and its interval against the criterion, "
             f"coloured by verdict]({_link(root / 'verdicts.png', page_dir)})", "",
             wrap(f"{len(vs)} claims: {_counts_line(vs)}"), "", wrap(HOLDS_MEANS), "", *section_lines(vs, "#"), ""]
    left_out = not_drawn(vs)
    if left_out:  # named once here; each is in its section's table below
        by_verdict: dict[str, list[str]] = {}
        for v in left_out:
            by_verdict.setdefault(v.verdict, []).append(f"`{v.claim.id}`")
        parts += [wrap("Not drawn in the picture (trends, figures shown but not judged, claims not run here; each is "
                       "in its section below): " + "; ".join(f"{k} ({len(ids)}): {', '.join(ids)}"
                                                              for k, ids in by_verdict.items()) + "."), ""]
    parts += ["<details><summary>How a verdict is decided</summary>", "", wrap(RULES), "", "</details>", ""]
    agreement = official_agreement_line(root)
    if agreement:
        parts += [wrap(agreement), ""]
    for nb, title in TITLES.items():
        sub = [v for v in vs if v.claim.measurement.notebook == nb]
        if sub:
            parts += [f'<a id="notebook-{nb}"></a>', "", f"{h}# {nb} · {title}", "", plain_summary(sub), ""]
            parts += _short_table_and_details(sub) if details else [
                section_table(_rows(sub)), "", f"Each claim in detail (the reading, the setting, the criterion and why): "
                f"[the report]({_link(root / 'report.md', page_dir)}#notebook-{nb}).", ""]
    return "\n".join(parts)


def write_report(profile: str) -> tuple[Path, Path]:
    """Write ``figures/<profile>/report.md``, ``figures/<profile>/tables/verdicts.csv`` and the
    forest plot the report shows, ``figures/<profile>/verdicts.png`` (and ``.pdf``)."""
    root = paths.figures_root(profile)
    (root / "tables").mkdir(parents=True, exist_ok=True)
    report = root / "report.md"
    report.write_text(render_report(root, f"{profile} profile"))
    csv = root / "tables" / paths.VERDICTS_CSV
    vs = verdicts(root)
    verdict_rows(vs).to_csv(csv, index=False)
    write_forest(vs, TITLES, root / "verdicts")
    return report, csv


def runs_markdown(profile: str) -> str:
    """The table of ``figures/<profile>/runs.json``: each notebook's last run (empty if none)."""
    path = paths.figures_root(profile) / "runs.json"
    if not path.is_file():
        return ""
    return markdown_table([{"notebook": nb, **run} for nb, run in json.loads(path.read_text()).items()])


def compute_markdown(root: Path) -> str:
    """The attack hours stored under ``root`` per experiment, data set and model, with the total
    (:func:`sfutils.results.stored_compute`); empty without records."""
    df = stored_compute(root) if root.is_dir() else None
    if df is None or df.empty:
        return ""
    g = df.groupby(["experiment", "dataset", "model"], sort=True)[["rows", "hours"]].sum().reset_index()
    g = g[g["hours"] > 0]  # records without timings (accuracy) are left out
    total = {"experiment": "**total**", "dataset": "", "model": "", "rows": int(g["rows"].sum()),
             "hours": f"**{g['hours'].sum():.1f}**"}
    g["hours"] = g["hours"].map(lambda h: f"{h:.2f}")
    return markdown_table(g.to_dict("records") + [total])


def write_front_readme(base: Path | None = None) -> Path:
    """Regenerate ``<figures base>/README.md``: the reproduction report of the committed headline
    profile first, then a link to each profile's own index that exists."""
    base = base or paths.figures_base()
    headline = paths.HEADLINE_PROFILE
    present = [p for p in PROFILE_NAMES if p != "quick" and (base / p / "README.md").is_file()]
    parts = ["# Results", ""]
    if (base / headline / "tables").is_dir():
        parts += [render_report(base / headline, f"{headline} profile", level=2, page_dir=base, details=False), ""]
    parts += [wrap("Generated by `python -m sfutils.claims` (`make figures`); do not edit by hand. Each run profile "
                   "writes to its own folder, so a run in one profile never overwrites another's outputs. The committed "
                   f"headline is the `{headline}` profile; quick-profile outputs are never committed (`figures/quick/` "
                   "is git-ignored)."), ""]
    parts += [f"- [`{p}`]({p}/README.md){' (headline)' if p == headline else ''}" for p in present]
    runs = runs_markdown(headline)
    if runs:
        parts += ["", f"## The committed run ({headline} profile)", "",
                  "Each notebook's last run by `make figures` (wall time includes loading data and models):", "", runs]
    compute = compute_markdown(paths.results_root() / headline)
    if compute:
        parts += ["", wrap("Attack time held in the per-sample results the figures are built from (the batched wall "
                           "time of each chunk, summed: what computing them again from scratch costs on the machine "
                           "that ran them; a notebook rerun on stored results takes only the wall time above):"), "",
                  compute]
    readme = base / "README.md"
    base.mkdir(parents=True, exist_ok=True)
    readme.write_text("\n".join(parts) + "\n")
    return readme


README_BEGIN, README_END = "<!-- results:begin (generated by python -m sfutils.claims) -->", "<!-- results:end -->"


HOLDS_MEANS = ("A claim holds when the whole range of values our images allow (its interval: 95 %, or ≥ 90 % where "
               "two intervals are combined, as column `interval` of verdicts.csv says) lies within the "
               "tolerance set around the paper's number; it does not hold when that range lies wholly outside, and "
               "it is undecided (inconclusive) when the range reaches across the tolerance.")


def section_lines(vs: Sequence[Verdict], prefix: str) -> list[str]:
    """:func:`section_line` for each notebook's claims, linking to ``<prefix>notebook-NN`` (the
    anchor of its section in the report)."""
    return [section_line([v for v in vs if v.claim.measurement.notebook == nb], title, f"{prefix}notebook-{nb}")
            for nb, title in TITLES.items() if any(v.claim.measurement.notebook == nb for v in vs)]


def section_line(vs: Sequence[Verdict], title: str, link: str) -> str:
    """One section's verdicts in a bullet: how many hold, which do not, and the reason given most
    often, its title linking to ``link``."""
    g = groups(vs)
    fails, holding, undecided = g["fails"], len(g["holding"]), len(g["undecided"])
    judged = g["holding"] + fails + g["undecided"]
    text = (f"**[{title}]({link})**: holding {holding} of {len(judged)}, not holding {len(fails)}, undecided "
            f"{undecided}.")

    if fails:
        text += " Not holding: " + "; ".join(f"{short_claim(v.claim.claim, 60)} (`{v.claim.id}`: {first_part(ours_text(v))}"
                                              f" against the paper's {first_part(v.claim.paper)})" for v in fails[:3])
        text += f" and {len(fails) - 3} more." if len(fails) > 3 else "."
        reason = main_reason(fails)
        if reason:
            text += f" The reason given{f' for {reason[1]} of them' if reason[1] > 1 else ''}: {clip(reason[0], 280)}."
    if g["other"]:
        text += " Not about the paper's claims: " + ", ".join(
            f"{k} {v}" for v, k in Counter(v.verdict for v in g["other"]).items()) + "."
    return wrap(text, "- ")


def readme_results(profile: str) -> str:
    """The README's results block: the forest plot of every verdict, the counts with where and when
    the run was made and its attack hours, and a line per section on what holds and what does not,
    linking to the report, all from ``profile``'s committed outputs."""
    root, label = paths.figures_root(profile), f"{profile} profile"
    vs = verdicts(root)
    runs_path = root / "runs.json"
    runs = json.loads(runs_path.read_text()) if runs_path.is_file() else {}
    dates = sorted({r["date"][:10] for r in runs.values()})
    machines = sorted({f"{r['machine']}, {r['device']}" for r in runs.values()})
    compute = stored_compute(paths.results_root() / profile) if (paths.results_root() / profile).is_dir() else None
    hours = float(compute["hours"].sum()) if compute is not None and not compute.empty else math.nan
    report = f"figures/{profile}/report.md"
    return "\n".join([
        README_BEGIN, "",
        f"![Every claim judged against a number: our value and its interval against the criterion, coloured by "
        f"verdict](figures/{profile}/verdicts.png)", "",
        wrap(f"**{len(vs)} claims** ({label}; notebooks last run {', '.join(dates) or '—'} on "
             f"{'; '.join(machines) or '—'}; attack time held in the per-sample results: {hours:.1f} h): "
             f"{_counts_line(vs)}."), "",
        wrap(HOLDS_MEANS), "", *section_lines(vs, f"{report}#"), "",
        wrap(f"Every claim, with the paper's sentence, our reading, the setting, the criterion and the reason for its "
             f"verdict: [the reproduction report]({report}) (also on the front page of "
             "[`figures/`](figures/README.md)); the terms are defined in the [glossary](book/glossary.md)."),
        "", README_END])


def update_readme(readme: Path, profile: str) -> bool:
    """Replace the results block of ``readme`` (between :data:`README_BEGIN` and :data:`README_END`)
    with :func:`readme_results`; whether the file changed."""
    text = readme.read_text()
    if README_BEGIN not in text or README_END not in text:
        raise ValueError(f"{readme} has no results block ({README_BEGIN} ... {README_END})")
    head, rest = text.split(README_BEGIN, 1)
    new = head + readme_results(profile) + rest.split(README_END, 1)[1]
    if new != text:
        readme.write_text(new)
    return new != text
