"""Rendering the verdicts: each notebook's "What we found" table, the reproduction report
(``report.md``, ``tables/verdicts.csv``) and the front page ``figures/README.md`` (the headline
report, the committed run and the attack hours held in its per-sample results)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sfutils import paper, paths
from sfutils.claims.judge import RULES, measure
from sfutils.claims.measure import Tables
from sfutils.claims.model import ILLUSTRATION, NOT_RUN, VERDICTS, Verdict
from sfutils.claims.registry import CLAIMS
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


def _fmt(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:.3g}"


def ours_text(v: Verdict) -> str:
    """Our estimate with its 95 % interval (or trend p-value) in words."""
    unit = v.claim.measurement.unit
    if v.verdict == NOT_RUN or v.value is None:
        return "see the figure" if v.verdict == ILLUSTRATION else "—"
    if math.isnan(v.value):
        return "n/a"
    if v.claim.measurement.kind == "trend":
        p1 = v.detail.get("one-sided p", math.nan)
        return f"τ = {v.value:.2f}, one-sided p = {p1:.2g} ({int(v.detail.get('points', 0))} settings)"
    suffix = {"%": " %", "×": "×", "points": " points", "cos": ""}.get(unit, f" {unit}")
    text = f"{_fmt(v.value)}{suffix}"
    if v.lo is not None and v.hi is not None:
        text += f" [{_fmt(v.lo)}, {_fmt(v.hi)}]"
    for name, value in v.detail.items():
        if "all" in name:  # the median with failures counted as ∞, beside the median over the fooled
            text += f"; with failures as ∞: {_fmt(value)}{suffix}"
    return text


def verdict_rows(vs: Sequence[Verdict]) -> pd.DataFrame:
    """One row per verdict: the columns of the rendered table and of ``verdicts.csv``."""
    return pd.DataFrame([{
        "id": v.claim.id, "notebook": v.claim.measurement.notebook, "where": v.claim.where, "claim": v.claim.claim,
        "paper": v.claim.paper, "ours (95 % interval)": ours_text(v), "n": "" if v.n is None else str(v.n),
        "criterion": v.claim.criterion.text, "our setting": v.ours, "paper's setting": v.claim.paper_setting,
        "verdict": v.verdict, "why": v.why, "reading": v.claim.reading, "caveat": v.claim.caveat,
        "role": v.claim.role, "value": v.value, "lo": v.lo, "hi": v.hi, "interval": v.coverage,
        "one-sided p": v.detail.get("one-sided p"),  # a trend's or a test's, in the claimed direction
        "power": v.power,  # P(holds at our n | the paper's value): sfutils.claims.power
    } for v in vs])


def _markdown(vs: Sequence[Verdict]) -> str:
    df = verdict_rows(vs)
    df["claim"] = "**" + df["id"] + "** (" + df["where"] + ") " + df["claim"]
    df["setting: ours / paper's"] = df["our setting"] + " / " + df["paper's setting"]
    shown = df[["claim", "paper", "ours (95 % interval)", "n", "criterion", "setting: ours / paper's", "verdict",
                "why"]]
    shown = shown.map(lambda s: str(s).replace("|", "\\|").replace("\n", " "))
    return shown.to_markdown(index=False, disable_numparse=True)


def counts(vs: Sequence[Verdict]) -> dict[str, int]:
    """How many claims got each verdict (every verdict listed, zeros included)."""
    return {k: sum(v.verdict == k for v in vs) for k in VERDICTS}


def _counts_line(vs: Sequence[Verdict]) -> str:
    return " · ".join(f"{k}: **{n}**" for k, n in counts(vs).items())


def render_verdicts(notebook: str, root: Path, label: str = "") -> str:
    """The Markdown verdict table of one notebook's claims on the outputs under ``root``."""
    vs = verdicts(root, notebook)
    if not vs:
        return f"No claim is registered for notebook {notebook}."
    where = f" ({label})" if label else ""
    return "\n".join([f"{len(vs)} claims{where}: {_counts_line(vs)}", "", _markdown(vs), "", RULES])


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


def render_report(root: Path, label: str, level: int = 1) -> str:
    """The reproduction report of the outputs under ``root`` (``label`` names its profile); its
    title is a heading of ``level`` (2 to nest it in another page), the notebooks' one level below."""
    vs = verdicts(root)
    h = "#" * level
    parts = [f"{h} Reproduction report ({label})", "",
             f"Generated by `python -m sfutils.claims` from the tables in `{tables_ref(root)}`; do not edit by hand.",
             "",
             f"{len(vs)} claims: {_counts_line(vs)}", "", RULES, ""]
    agreement = official_agreement_line(root)
    if agreement:
        parts += [agreement, ""]
    for nb, title in TITLES.items():
        sub = [v for v in vs if v.claim.measurement.notebook == nb]
        if sub:
            parts += [f"{h}# {nb} · {title}", "", _markdown(sub), ""]
    return "\n".join(parts)


def write_report(profile: str) -> tuple[Path, Path]:
    """Write ``figures/<profile>/report.md`` and ``figures/<profile>/tables/verdicts.csv``."""
    root = paths.figures_root(profile)
    (root / "tables").mkdir(parents=True, exist_ok=True)
    report = root / "report.md"
    report.write_text(render_report(root, f"{profile} profile"))
    csv = root / "tables" / paths.VERDICTS_CSV
    verdict_rows(verdicts(root)).to_csv(csv, index=False)
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
        parts += [render_report(base / headline, f"{headline} profile", level=2), ""]
    parts += [("Generated by `python -m sfutils.claims` (`make figures`); do not edit by hand. Each run profile writes "
               "to its own folder, so a run in one profile never overwrites another's outputs. The committed headline "
               f"is the `{headline}` profile; quick-profile outputs are never committed (`figures/quick/` is "
               "git-ignored)."), ""]
    parts += [f"- [`{p}`]({p}/README.md){' (headline)' if p == headline else ''}" for p in present]
    runs = runs_markdown(headline)
    if runs:
        parts += ["", f"## The committed run ({headline} profile)", "",
                  "Each notebook's last run by `make figures` (wall time includes loading data and models):", "", runs]
    compute = compute_markdown(paths.results_root() / headline)
    if compute:
        parts += ["", "Attack time held in the per-sample results the figures are built from (the batched wall "
                  "time of each chunk, summed: what computing them again from scratch costs on the machine "
                  "that ran them; a notebook rerun on stored results takes only the wall time above):", "", compute]
    readme = base / "README.md"
    base.mkdir(parents=True, exist_ok=True)
    readme.write_text("\n".join(parts) + "\n")
    return readme


# The claims the README's summary shows, in the paper's order (the full list is in the report).
HEADLINE_CLAIMS = (
    "T1-mnist-lenet-sparsefool-fool", "T1-mnist-lenet-sparsefool-pixels", "T1-cifar10-vgg-19-sparsefool-pixels",
    "T1-cifar10-resnet-18-sparsefool-pixels", "T1-mnist-lenet-sparsity-jsma", "T1-mnist-lenet-walltime-jsma",
    "T1-cifar10-resnet-18-walltime-jsma", "T1-cifar10-vgg-19-one_pixel-fool", "T1-cifar10-resnet-18-one_pixel-fool",
    "T1-cifar10-resnet-18-queries-one_pixel", "T2-vgg-16-fool", "T2-vgg-16-fool-cap1000", "T2-vgg-16-random",
    "F4-fooling", "F4-pixels", "F6-cifar10-pixels", "F6-imagenet-fooling", "T3-cifar10-mean", "T3-cifar10-asymmetry",
    "T3-imagenet-asymmetry", "F8-shared-areas", "AT-pixels", "AT-fooling")
README_BEGIN, README_END = "<!-- results:begin (generated by python -m sfutils.claims) -->", "<!-- results:end -->"


def readme_results(profile: str) -> str:
    """The README's results block: the verdict counts, where and when the run was made, its attack
    hours, and the headline claims' rows, all from ``profile``'s committed outputs."""
    root, label = paths.figures_root(profile), f"{profile} profile"
    vs = {v.claim.id: v for v in verdicts(root)}
    runs_path = root / "runs.json"
    runs = json.loads(runs_path.read_text()) if runs_path.is_file() else {}
    dates = sorted({r["date"][:10] for r in runs.values()})
    machines = sorted({f"{r['machine']}, {r['device']}" for r in runs.values()})
    compute = stored_compute(paths.results_root() / profile) if (paths.results_root() / profile).is_dir() else None
    hours = float(compute["hours"].sum()) if compute is not None and not compute.empty else math.nan
    rows = [{"claim": f"**{cid}** {vs[cid].claim.claim}", "paper": vs[cid].claim.paper, "ours (95 % interval)":
             ours_text(vs[cid]), "n": "" if vs[cid].n is None else str(vs[cid].n), "our net and data": vs[cid].ours,
             "verdict": vs[cid].verdict} for cid in HEADLINE_CLAIMS if cid in vs]
    table = pd.DataFrame(rows).map(lambda s: str(s).replace("|", "\\|")).to_markdown(index=False,
                                                                                     disable_numparse=True)
    return "\n".join([
        README_BEGIN, "",
        f"**{len(vs)} claims** ({label}; notebooks last run {', '.join(dates) or '—'} on "
        f"{'; '.join(machines) or '—'}; attack time held in the per-sample results: {hours:.1f} h): "
        f"{_counts_line(list(vs.values()))}.", "",
        "The headline claims (every claim, its criterion, setting and the reason for each verdict: "
        "[`figures/README.md`](figures/README.md)):", "", table, "", README_END])


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
