"""Rendering the verdicts: each notebook's "What we found", the reproduction report (``report.md``
with its forest plot ``verdicts.png``, ``tables/verdicts.csv``), the front page ``figures/README.md``
(the headline report, the committed run and the attack hours held in its per-sample results) and
the README's results block; the words and short tables come from :mod:`sfutils.claims.summary`."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sfutils import paper, paths
from sfutils.claims.forest import UNDRAWN_UNITS, drawn, write_forest
from sfutils.claims.judge import RULES, measure
from sfutils.claims.measure import Tables
from sfutils.claims.model import FAILS_STAND_IN, HOLDS_STAND_IN, ILLUSTRATION, NOT_RUN, VERDICTS, Verdict
from sfutils.claims.registry import CLAIMS
from sfutils.claims.summary import (CANNOT_RUN, COMPUTING, MISSING, NOT_STARTED, OUR_CHOICE, OURS, against_text, and_list, differs_items, count_text, details_block, groups,
                                    main_reason, not_run_kind, number, on_stand_in, others_text, ours_text,
                                    plain_summary, section_table, title, undecided_text, whole_part, wrap)
from sfutils.experiments.budget import official_agreement
from sfutils.experiments.common import P_FALLING, P_RISING
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


def _one_sided_p(v: Verdict) -> float | None:
    """The one-sided p-value the verdict shows in the claimed direction: a rank trend's or a test's
    ("one-sided p"), or a per-image trend's Wilcoxon p in the direction its criterion asks."""
    if "one-sided p" in v.detail:
        return v.detail["one-sided p"]
    wanted = P_RISING if v.claim.criterion.low is not None else P_FALLING
    return v.detail.get(wanted)


def verdict_rows(vs: Sequence[Verdict]) -> pd.DataFrame:
    """One row per verdict: the columns of the rendered table and of ``verdicts.csv`` (``status``:
    why a claim not run is not, :func:`sfutils.claims.summary.not_run_kind`, as the report counts it)."""
    return pd.DataFrame([{
        "id": v.claim.id, "notebook": v.claim.measurement.notebook, "where": v.claim.where, "claim": v.claim.claim,
        "paper": v.claim.paper, OURS: ours_text(v), "n": "" if v.n is None else str(v.n),
        "criterion": v.claim.criterion.text, "our setting": v.ours, "paper's setting": v.claim.paper_setting,
        "verdict": v.verdict, "status": not_run_kind(v) if v.verdict == NOT_RUN else "",  # as the report splits it
        "why": v.why, "reading": v.claim.reading, "caveat": v.claim.caveat,
        "role": v.claim.role, "value": v.value, "lo": v.lo, "hi": v.hi, "interval": v.coverage,
        "one-sided p": _one_sided_p(v),  # a trend's or a test's, in the claimed direction
        "power": v.power,  # P(holds at our n | the paper's value): sfutils.claims.power
        "power method": v.power_method,  # how it was computed: sfutils.claims.power.method
    } for v in vs])


def _rows(vs: Sequence[Verdict]) -> list[dict]:
    return verdict_rows(vs).to_dict("records") if vs else []


def judged(v: Verdict) -> bool:
    """Whether ``v`` is a verdict or a check (not a context row, an illustration or a claim not run)."""
    return v.verdict not in (NOT_RUN, ILLUSTRATION) and "not judged" not in v.verdict


def _short_table_and_details(vs: Sequence[Verdict]) -> list[str]:
    """The short table of the judged claims of ``vs``, the rows not judged in a table of their own
    (collapsed), and every claim's details (collapsed)."""
    rows, shown = _rows([v for v in vs if judged(v)]), _rows([v for v in vs if not judged(v)])
    what = "The claim" if len(vs) == 1 else f"The {len(vs)} claims"
    out = [section_table(rows), ""] if rows else []
    if shown:
        out += [f"<details><summary>{count_text(len(shown), 'row', 'rows')} not judged (context, illustrations, "
                "claims not run)</summary>", "", section_table(shown), "", "</details>", ""]
    return out + [details_block(_rows(list(vs)), f"{what} in detail: the reading, the setting, the criterion and "
                                                 "why"), ""]


def counts(vs: Sequence[Verdict]) -> dict[str, int]:
    """How many claims got each verdict (every verdict listed, zeros included)."""
    return {k: sum(v.verdict == k for v in vs) for k in VERDICTS}


def _sparsefool_counts(vs: Sequence[Verdict]) -> str:
    """SparseFool's claims of ``vs`` in words: "37 hold (35 on a stand-in), 2 do not hold (both on a
    stand-in) and 3 are undecided"."""
    g = groups(vs)
    holding, fails = g["holding"], g["fails"]
    parts = []
    if holding:
        k = sum(v.verdict == HOLDS_STAND_IN for v in holding)
        parts.append(f"{len(holding)} hold{'s' if len(holding) == 1 else ''}"
                     + on_stand_in(k, len(holding)))
    if fails:
        k = sum(v.verdict == FAILS_STAND_IN for v in fails)
        parts.append(f"{len(fails)} {'does' if len(fails) == 1 else 'do'} not hold"
                     + on_stand_in(k, len(fails)))
    if g["undecided"]:
        parts.append(undecided_text(len(g["undecided"])))
    return and_list(parts)


def unjudged_counts(vs: Sequence[Verdict]) -> str:
    """The claims of ``vs`` that are neither judged nor checked, counted by kind ('' if none)."""
    g = groups(vs)
    kinds = ((sum("not judged" in v.verdict for v in g["other"]), "context row", "context rows"),
             (len(g["shown"]), "illustration", "illustrations"),
             (len(g["cannot_run"]), f"claim that {CANNOT_RUN}", f"claims that {CANNOT_RUN}"),
             (len(g["not_implemented"]), "claim not implemented here (our choice)",
              "claims not implemented here (our choice)"),
             (len(g["computing"]), f"claim {COMPUTING} (the ImageNet job has computed part of it)",
              f"claims {COMPUTING} (the ImageNet job has computed part of them)"),
             (len(g["not_started"]), f"claim {NOT_STARTED} (a record it needs has no image yet)",
              f"claims {NOT_STARTED} (a record they need has no image yet)"),
             (len(g["missing"]), f"claim {MISSING}", f"claims {MISSING}"))
    return and_list([count_text(k, one, many) for k, one, many in kinds if k])


def counts_lines(vs: Sequence[Verdict]) -> list[str]:
    """The verdicts of ``vs`` counted in four bullets a reader takes in at a glance: SparseFool's
    claims, the checks of our setting, the claims beyond the paper, and what is not judged; then the
    context rows that run against the paper when read against its criterion anyway (:func:`against_text`)."""
    g = groups(vs)
    sparsefool = g["holding"] + g["fails"] + g["undecided"]
    checks = [v for v in g["other"] if v.verdict.startswith(("baseline check", "stand-in magnitude"))]
    beyond = [v for v in g["other"] if v.verdict.startswith("beyond the paper")]
    unjudged = len(vs) - len(sparsefool) - len(checks) - len(beyond)
    lines = [(f"SparseFool's claims ({len(sparsefool)})", _sparsefool_counts(sparsefool)),
             (f"Checks of our setting ({len(checks)})", others_text(checks)),
             (f"Beyond the paper ({len(beyond)})", others_text(beyond).split(" (", 1)[-1].rstrip(")")),
             (f"Not judged ({unjudged})", unjudged_counts(vs))]
    differ = differs_items(vs)
    notes = ([wrap("**Where our setting differs from the paper's** (checks of the stand-ins, not verdicts on "
                   "SparseFool):", "- ")] + [wrap(item + ".", "  - ") for item in differ] if differ else [])
    against = against_text(vs)
    return ([wrap(f"**{head}**: {text}.", "- ") for head, text in lines if text] + notes
            + ([wrap(against, "- ")] if against else []))


def render_verdicts(notebook: str, root: Path, label: str = "") -> str:
    """One notebook's "What we found" on the outputs under ``root``: what was found in plain words
    (:func:`sfutils.claims.summary.plain_summary`), the short table of its claims and their details,
    then how a verdict is decided."""
    vs = verdicts(root, notebook)
    if not vs:
        return f"No claim is registered for notebook {notebook}."
    where = f" ({label})" if label else ""
    lead = f"The {count_text(len(vs), 'claim', 'claims')} of this notebook{where}, in the paper's order:"
    return "\n".join([plain_summary(vs), "", wrap(lead), "",
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
            f"{number(a['median_abs_iteration_diff'])} (mean ours − official {number(a['mean_iteration_diff'])}); "
            f"{a['same_pixel_set']} of {a['n']} have the identical pixel set; {number(a['seconds_official'])} s vs "
            f"{number(a['seconds_ours'])} s per image (official vs ours).")


def _link(target: Path, page_dir: Path) -> str:
    """``target`` relative to the folder of the page that links to it."""
    return Path(os.path.relpath(target.resolve(), page_dir.resolve())).as_posix()


def glossary_path() -> Path:
    """The course site's glossary page (the terms the report uses)."""
    return paths.repo_root() / "book" / "glossary.md"


def not_drawn(vs: Sequence[Verdict]) -> list[Verdict]:
    """The claims the forest plot leaves out: trends, illustrations and claims not run."""
    return [v for v in vs if not drawn(v)]


def undrawn_kind(v: Verdict) -> tuple[str, str]:
    """Why the forest plot leaves ``v`` out, in a few words (singular, plural)."""
    if v.verdict == ILLUSTRATION:
        return "illustration", "illustrations"
    if v.verdict == NOT_RUN:
        return {CANNOT_RUN: ("claim that cannot be run here", "claims that cannot be run here"),
                OUR_CHOICE: ("claim not implemented here (our choice)", "claims not implemented here (our choice)"),
                COMPUTING: ("claim pending (the ImageNet job has computed part of it)",
                            "claims pending (the ImageNet job has computed part of them)"),
                NOT_STARTED: ("claim not started (a record it needs has no image yet)",
                              "claims not started (a record they need has no image yet)"),
                MISSING: ("claim not in this run's tables", "claims not in this run's tables")}[not_run_kind(v)]
    if "not judged" in v.verdict:
        return "context row (shown, not judged)", "context rows (shown, not judged)"
    if v.claim.measurement.kind in ("trend", "pvalue"):
        return ("trend or test (judged by a p-value, not an interval)",
                "trends and tests (judged by a p-value, not an interval)")
    if v.claim.measurement.unit in UNDRAWN_UNITS:
        return ("per-image trend (a mean Kendall τ judged against 0: no paper number to draw it from)",
                "per-image trends (a mean Kendall τ judged against 0: no paper number to draw them from)")
    return "claim without a numeric bound", "claims without a numeric bound"


def undrawn_by_kind(vs: Sequence[Verdict]) -> dict[tuple[str, str], list[Verdict]]:
    """:func:`not_drawn` of ``vs`` by :func:`undrawn_kind`, in the order the kinds first occur."""
    out: dict[tuple[str, str], list[Verdict]] = {}
    for v in not_drawn(vs):
        out.setdefault(undrawn_kind(v), []).append(v)
    return out


def undrawn_line(vs: Sequence[Verdict], link: str) -> str:
    """One sentence: how many claims the picture leaves out, by kind, linking to their list."""
    by_kind = undrawn_by_kind(vs)
    if not by_kind:
        return ""
    k = sum(len(x) for x in by_kind.values())
    kinds = and_list([count_text(len(x), *kind) for kind, x in by_kind.items()])
    return wrap(f"The picture leaves out {count_text(k, 'claim', 'claims')}, each in its section's table: {kinds} "
                f"([the list]({link})).")


def undrawn_list(vs: Sequence[Verdict]) -> list[str]:
    """The claims the picture leaves out, by kind, in a collapsed block (anchor ``not-drawn``)."""
    by_kind = undrawn_by_kind(vs)
    if not by_kind:
        return []
    lines = ['<a id="not-drawn"></a>', "", "<details><summary>The claims the picture leaves out, by kind</summary>", ""]
    for (_, kind), x in by_kind.items():
        lines.append(wrap(f"{kind[0].upper()}{kind[1:]} ({len(x)}): " + "; ".join(
            f"{title(v.claim.claim, v.claim.id, ours=v.ours)} (`{v.claim.id}`)" for v in x) + ".", "- "))
    return lines + ["", "</details>", ""]


# At most ~80 words: how a claim is judged, for a reader who meets the report for the first time;
# the full rules (judge.RULES) follow in a collapsed block.
RULES_SHORT = ("**How a claim is judged.** We compare the range of values our images allow (its interval, 95 % "
               "unless the details say otherwise) with a tolerance around the paper's number. A claim *holds* when "
               "the whole range lies inside, *does not hold* when it lies wholly outside, and is *inconclusive* when "
               "it reaches across. *On a stand-in*: our model or data is not the paper's. Baseline checks, stand-in "
               "magnitudes and context rows are not verdicts on SparseFool.")


def rules_block() -> list[str]:
    """The full rules (:data:`sfutils.claims.judge.RULES`) in a collapsed block (anchor ``rules``)."""
    return ['<a id="rules"></a>', "", "<details><summary>How a verdict is decided: the full rules</summary>", "",
            wrap(RULES), "", "</details>", ""]


def render_report(root: Path, label: str, level: int = 1, page_dir: Path | None = None, details: bool = True) -> str:
    """The reproduction report of the outputs under ``root`` (``label`` names its profile): the
    forest plot of every verdict (``verdicts.png``, :mod:`sfutils.claims.forest`), how a claim is
    judged in a few words, the counts, a line per section, what the picture leaves out, then per
    section a paragraph, a short table and each claim's details. Its title is a heading of ``level``
    (2 to nest it in another page), the sections one level below; links are relative to ``page_dir``
    (default ``root``), the folder of the page it is written into. Without ``details`` (the front
    page), each section keeps its short table and links to the claims' details in ``root``'s
    ``report.md``."""
    page_dir = page_dir or root
    vs = verdicts(root)
    h = "#" * level
    report_link = "" if details else _link(root / "report.md", page_dir)
    parts = [f"{h} Reproduction report ({label})", "",
             wrap(f"Generated by `python -m sfutils.claims` from the tables in `{tables_ref(root)}`; do not edit by "
                  f"hand. The terms (stand-in, Wilson interval, power, ...) are defined in the "
                  f"[glossary]({_link(glossary_path(), page_dir)})."), "",
             f"![Every claim judged against a number: our value and its interval against the criterion, "
             f"coloured by verdict]({_link(root / 'verdicts.png', page_dir)})", "",
             wrap(f"{RULES_SHORT} [The full rules]({report_link}#rules)."), "",
             f"**{count_text(len(vs), 'claim', 'claims')}:**", "", *counts_lines(vs), "",
             *section_lines(vs, f"{report_link}#"), ""]
    undrawn = undrawn_line(vs, f"{report_link}#not-drawn")
    if undrawn:
        parts += [undrawn, ""]
    if details:
        parts += undrawn_list(vs) + rules_block()
    agreement = official_agreement_line(root)
    if agreement:
        parts += [wrap(agreement), ""]
    for nb, heading in TITLES.items():
        sub = [v for v in vs if v.claim.measurement.notebook == nb]
        if sub:
            parts += [f'<a id="notebook-{nb}"></a>', "", f"{h}# {nb} · {heading}", "",
                      plain_summary(sub, explain=False), ""]
            shown = [v for v in sub if not judged(v)]
            parts += _short_table_and_details(sub) if details else [
                section_table(_rows([v for v in sub if judged(v)])), "",
                "Each claim in detail (the reading, the setting, the criterion and why)"
                + (f", and the {count_text(len(shown), 'row', 'rows')} not judged here (context, illustrations, "
                   "claims not run)" if shown else "") + f": [the report]({report_link}#notebook-{nb}).", ""]
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


def section_lines(vs: Sequence[Verdict], prefix: str, brief: bool = False) -> list[str]:
    """:func:`section_line` for each notebook's claims, linking to ``<prefix>notebook-NN`` (the
    anchor of its section in the report)."""
    return [section_line([v for v in vs if v.claim.measurement.notebook == nb], heading, f"{prefix}notebook-{nb}",
                         brief) for nb, heading in TITLES.items() if any(v.claim.measurement.notebook == nb for v in vs)]


def holding_text(held: int, judged: int) -> str:
    """How many of a section's judged claims hold: "27 of 30 hold", "1 of 2 holds", or that none was
    judged."""
    if not judged:
        return "no claim of the paper about SparseFool is judged here"
    return f"{held} of {judged} hold{'s' if held == 1 else ''}"


BRIEF_REASON = 160  # the longest reason a brief section line quotes (a longer one is linked)


def section_line(vs: Sequence[Verdict], heading: str, link: str, brief: bool = False) -> str:
    """One section's verdicts in a bullet: how many hold, which do not (with our value against the
    paper's) and the reason given most often, and what else the section holds, its title linking to
    ``link``; ``brief`` (the README) links a long reason and names the rest only where nothing is judged."""
    g = groups(vs)
    fails = g["fails"]
    judged = g["holding"] + fails + g["undecided"]
    text = f"**[{heading}]({link})**: {holding_text(len(g['holding']), len(judged))}"
    rest = [count_text(len(fails), "does not hold", "do not hold") if fails else "",
            undecided_text(len(g["undecided"])) if g["undecided"] else ""]
    text += (", " + and_list(rest) if any(rest) else "") + "."
    if fails:
        text += " Not holding: " + "; ".join(f"{title(v.claim.claim, v.claim.id, ours=v.ours)} (`{v.claim.id}`: ours "
                                              f"{whole_part(ours_text(v), 90)}, the paper's {whole_part(v.claim.paper, 90)})"
                                              for v in fails[:3])
        text += f" and {len(fails) - 3} more." if len(fails) > 3 else "."
        reason = main_reason(fails)
        if reason and (not brief or len(reason[0]) <= BRIEF_REASON):
            text += f" The reason given{f' for {reason[1]} of them' if reason[1] > 1 else ''}: {reason[0]}."
        elif reason:
            text += f" Why: [in the report]({link})."
    others = others_text(g["other"])
    unjudged = and_list([count_text(len(g["shown"]), "illustration", "illustrations") if g["shown"] else "",
                         f"{len(g['cannot_run'])} {CANNOT_RUN}" if g["cannot_run"] else "",
                         f"{len(g['not_implemented'])} {OUR_CHOICE}" if g["not_implemented"] else "",
                         f"{len(g['computing'])} {COMPUTING}" if g["computing"] else "",
                         f"{len(g['not_started'])} {NOT_STARTED}" if g["not_started"] else "",
                         f"{len(g['missing'])} {MISSING}" if g["missing"] else ""])
    if brief and not judged and others:
        text = f"{text[:-1]}; the section has {others}."
    elif (others or unjudged) and not brief:
        text += " Also: " + "; ".join(t for t in (others, unjudged) if t) + "."
    return wrap(text, "- ")


def readme_results(profile: str) -> str:
    """The README's results block: the forest plot of every verdict, how a claim is judged in a few
    words, the counts with where and when the run was made and its attack hours, and a line per
    section on what holds and what does not, linking to the report, all from ``profile``'s committed
    outputs."""
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
        wrap(f"{RULES_SHORT} [The full rules]({report}#rules)."), "",
        wrap(f"**{count_text(len(vs), 'claim', 'claims')}** ({label}; notebooks last run {', '.join(dates) or '—'} on "
             f"{'; '.join(machines) or '—'}; attack time held in the per-sample results: {hours:.1f} h):"), "",
        *counts_lines(vs), "",
        wrap(f"The picture draws every claim judged against a number; the others (trends, illustrations, context "
             f"rows, claims not run) are [listed in the report]({report}#not-drawn)."), "",
        *section_lines(vs, f"{report}#", brief=True), "",
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
