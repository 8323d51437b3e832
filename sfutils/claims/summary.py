"""The verdicts in words a reader can take in: a plain-language paragraph of what holds and what
does not, a short table (claim, paper, ours, n, verdict) and each claim's details, all written from
the :class:`~sfutils.claims.model.Verdict` objects and the rows of ``verdicts.csv`` (nothing typed
by hand, so the README, the report and every notebook's "What we found" say the same)."""

from __future__ import annotations

import math
import re
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sfutils.claims.model import (FAILS, FAILS_STAND_IN, HOLDS, HOLDS_STAND_IN, ILLUSTRATION, INCONCLUSIVE, MIN_N,
                                  NOT_RUN, Verdict)

CELL = 80  # the longest cell of a short table
WIDTH = 110  # prose is wrapped to this width (no Markdown line of the report is longer than 250)
SHORT_VERDICT = {HOLDS: "holds", HOLDS_STAND_IN: "holds (stand-in)", FAILS: "**does not hold**",
                 FAILS_STAND_IN: "**does not hold (stand-in)**", INCONCLUSIVE: "inconclusive", NOT_RUN: "not run",
                 ILLUSTRATION: "illustration"}
HOLDING = (HOLDS, HOLDS_STAND_IN)
FAILING = (FAILS, FAILS_STAND_IN)
# The column of verdicts.csv with our estimate; each row's real coverage is in its column "interval".
OURS = "ours [interval]"
EXAMPLES = 3  # claims named per verdict in a paragraph
PAPER_SETTING = "paper's setting"  # the column of verdicts.csv
ILLUSTRATIONS_TEXT = f"are illustrations (a figure, or fewer than {MIN_N} images): shown, not judged"


def _fmt(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:.3g}"


def interval_text(lo: float, hi: float, bounds: Sequence[float]) -> tuple[str, str]:
    """``lo`` and ``hi`` to 3 significant digits, or more (up to 6) where fewer would put an end on the
    other side of (or onto) a criterion bound, or show two different ends as one number (94.97 is not 95)."""
    def keeps_side(x: float, text: str, b: float) -> bool:
        return math.isinf(x) or (x > b) == (float(text) > b) and (x < b) == (float(text) < b)

    for digits in range(3, 7):
        texts = tuple("∞" if math.isinf(x) else f"{x:.{digits}g}" for x in (lo, hi))
        if (texts[0] != texts[1] or lo == hi) and all(keeps_side(x, t, b) for x, t in zip((lo, hi), texts)
                                                         for b in bounds):
            break
    return texts


def ours_text(v: Verdict) -> str:
    """Our estimate with its interval (or trend p-value) in words, and the values shown beside it
    (the median with failures counted as ∞; a measurement's further columns and ``beside`` values)."""
    m = v.claim.measurement
    unit = m.unit
    if v.verdict == NOT_RUN or v.value is None:
        return "see the figure" if v.verdict == ILLUSTRATION else "—"
    if math.isnan(v.value):
        return "n/a"
    if m.kind == "trend":
        p1 = v.detail.get("one-sided p", math.nan)
        return f"τ = {v.value:.2f}, one-sided p = {p1:.2g} ({int(v.detail.get('points', 0))} settings)"
    if m.kind == "pvalue":  # a test's statistic and its p-value
        return f"{unit} = {_fmt(v.value)}, p = {_fmt(v.p if v.p is not None else math.nan)}"
    suffix = {"%": " %", "×": "×", "points": " points", "cos": ""}.get(unit, f" {unit}")
    text = f"{_fmt(v.value)}{suffix}"
    if v.lo is not None and v.hi is not None:
        lo, hi = interval_text(v.lo, v.hi, [b for b in (v.claim.criterion.low, v.claim.criterion.high) if b is not None])
        text += f" [{lo}, {hi}]"
    shown = set(m.columns[1:]) | {label for label, *_ in m.beside}
    if m.fallback is not None:
        shown |= set(m.fallback.columns[1:]) | {label for label, *_ in m.fallback.beside}
    for name, value in v.detail.items():
        if "all" in name:  # the median with failures counted as ∞, beside the median over the fooled
            text += f"; with failures as ∞: {_fmt(value)}{suffix}"
        elif name in shown:
            text += f"; {name}: {_fmt(value)}"
    return text


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters (``…`` added)."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    if cut.count("(") > cut.count(")"):  # never leave a parenthesis open: cut before it
        cut = cut[: cut.rindex("(")]
    return cut.rstrip(" ,;:(") + "…"


def first_part(text: str, limit: int = 90) -> str:
    """The first '; '-separated part of ``text`` (an estimate before the values shown beside it, a
    paper's number before its note), clipped to ``limit``: a whole phrase, not one cut mid-way."""
    return clip(str(text).split("; ")[0], limit)


def short_claim(claim: str, limit: int = 70) -> str:
    """A claim in a few words: its sentence without parentheses or the final full stop, clipped."""
    text = re.sub(r"\s*\([^()]*\)", "", claim).strip().rstrip(".")
    return clip(text, limit)


def wrap(text: str, indent: str = "") -> str:
    """``text`` wrapped to :data:`WIDTH` (Markdown reads the line breaks as spaces)."""
    return textwrap.fill(" ".join(text.split()), WIDTH, initial_indent=indent,
                         subsequent_indent=" " * len(indent), break_long_words=False, break_on_hyphens=False)


def md_table(rows: Sequence[Mapping[str, str]]) -> str:
    """A pipe table without padding (so that a line is no longer than its cells)."""
    if not rows:
        return ""
    cols = list(rows[0])
    esc = [{c: str(r[c]).replace("|", "\\|") for c in cols} for r in rows]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r[c] for c in cols) + " |" for r in esc])


def section_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The short table of some rows of ``verdicts.csv``: claim, paper, ours, n, verdict."""
    return md_table([{"claim": f"{short_claim(r['claim'], max(30, CELL - len(r['id']) - 5))} (`{r['id']}`)",
                      "paper": clip(r["paper"], 40),
                      "ours [interval]": clip(r[OURS], 60), "n": str(r["n"]),
                      "verdict": SHORT_VERDICT.get(r["verdict"], r["verdict"])} for r in rows])


def _field(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def _power(row: Mapping[str, Any]) -> str:
    """The ``power`` column in words: the chance the claim holds at our n were the paper right."""
    text = _field(row, "power")
    try:
        p = float(text)
    except ValueError:
        return text
    return f"{100 * p:.0f} % (the chance the criterion is met at our n if the true value were the paper's)"


def claim_details(row: Mapping[str, Any]) -> str:
    """One claim's paragraph: the claim, the reading (where ``verdicts.csv`` gives one), the
    setting, ours against the paper's, the criterion, the power (where given) and why."""
    items = [("The claim", f"{row['claim']} ({row['where']}; the paper: {row['paper']})"),
             ("Reading", _field(row, "reading")),
             ("Ours", f"{row[OURS]}" + (f", n = {row['n']}" if _field(row, "n") else "")
              + (f" ({_field(row, 'interval')})" if _field(row, "interval") else "")),
             ("Setting", f"ours: {row['our setting']}; the paper's: {row[PAPER_SETTING]}"),
             ("Criterion", _field(row, "criterion")), ("Power", _power(row)),
             ("Why", _field(row, "why"))]
    if _field(row, "caveat") and _field(row, "caveat") not in _field(row, "why"):
        items.append(("Caveat", _field(row, "caveat")))
    head = f"**{short_claim(row['claim'])}** · `{row['id']}` · {row['verdict']}"
    body = [wrap(f"{name}: {text}", "- ") for name, text in items if text]
    return "\n".join([head, ""] + body)


def details_block(rows: Sequence[Mapping[str, Any]], summary: str) -> str:
    """The details of ``rows`` in a collapsed ``<details>`` block titled ``summary``."""
    parts = [f"<details><summary>{summary}</summary>", ""]
    for row in rows:
        parts += [claim_details(row), ""]
    return "\n".join(parts + ["</details>"])


DATA_SETS = {"mnist": "MNIST", "cifar10": "CIFAR-10", "imagenet": "ImageNet"}


def setting_name(v: Verdict) -> str:
    """The data set a claim id names (``T3-cifar10-mean``: CIFAR-10), else the id itself."""
    tokens = v.claim.id.lower().split("-")
    return next((name for token, name in DATA_SETS.items() if token in tokens), f"`{v.claim.id}`")


def _named(vs: Sequence[Verdict], limit: int = EXAMPLES, among: Sequence[Verdict] = ()) -> str:
    """The first ``limit`` distinct claims of ``vs`` in a few words each, then how many more. A
    claim judged in several settings of ``vs`` is named once with its count; one whose words
    another claim of ``among`` shares is named with its data set (or id)."""
    def name(v: Verdict) -> str:
        text = short_claim(v.claim.claim, 90)
        shared = sum(short_claim(u.claim.claim, 90) == text for u in among) > sum(
            short_claim(u.claim.claim, 90) == text for u in vs)
        text = f"{text} (on {setting_name(v)})" if shared else text
        return f"{text}: ours {first_part(ours_text(v))}, the paper's {first_part(v.claim.paper)}"

    counted = Counter(name(v) for v in vs)
    names = [f"{n} ({k} settings)" if k > 1 else n for n, k in counted.items()]
    more = f"; and {len(names) - limit} more" if len(names) > limit else ""
    return "; ".join(names[:limit]) + more


def reason(v: Verdict) -> str:
    """Why ``v`` came out as it did, in one clause: the first clause of the claim's caveat (how our
    setting differs from the paper's), else of the verdict's own reason."""
    text = v.claim.caveat or v.why
    return re.split(r"(?<=[a-z0-9)'’])[.;] ", text)[0].strip() if text else ""


def main_reason(fails: Sequence[Verdict]) -> tuple[str, int] | None:
    """The reason (:func:`reason`) given most often for the claims that do not hold (the first in
    the paper's order on a tie), and for how many."""
    reasons = Counter(reason(v) for v in fails if reason(v))
    if not reasons:
        return None
    top = max(reasons.values())
    return clip(next(reason(v) for v in fails if reasons.get(reason(v)) == top), 240), top


def undecided_text(k: int) -> str:
    """``k`` undecided claims in words."""
    return "none is undecided" if k == 0 else f"{k} {'is' if k == 1 else 'are'} undecided"


def groups(vs: Sequence[Verdict]) -> dict[str, list[Verdict]]:
    """``vs`` by what their verdict says of the paper's claim: ``holding``, ``fails``, ``undecided``
    (every kind of inconclusive), ``shown`` (illustrations), ``not_run`` and ``other`` (verdicts that
    are not about SparseFool's claims: baseline checks, context, claims beyond the paper)."""
    out: dict[str, list[Verdict]] = {k: [] for k in ("holding", "fails", "undecided", "shown", "not_run", "other")}
    for v in vs:
        key = ("holding" if v.verdict in HOLDING else "fails" if v.verdict in FAILING
               else "undecided" if v.verdict.startswith(INCONCLUSIVE) else "shown" if v.verdict == ILLUSTRATION
               else "not_run" if v.verdict == NOT_RUN else "other")
        out[key].append(v)
    return out


def plain_summary(vs: Sequence[Verdict]) -> str:
    """What these verdicts say, for a student who knows the paper but not statistics: how many
    hold, which do (those measured on the most images first) and which do not (in the paper's
    order), and the reason given most often for those that do not (:func:`main_reason`)."""
    g = groups(vs)
    holding, fails, undecided = g["holding"], g["fails"], g["undecided"]
    tested = len(holding) + len(fails) + len(undecided)
    shown, not_run = len(g["shown"]), len(g["not_run"])
    if not tested and not g["other"]:
        return wrap(f"None of these {len(vs)} claims could be tested in this run"
                    + (f" ({shown} {ILLUSTRATIONS_TEXT})." if shown else "."))
    stand_in = sum(v.verdict == HOLDS_STAND_IN for v in holding)
    fails_stand_in = sum(v.verdict == FAILS_STAND_IN for v in fails)
    text = [f"Of the {tested} claims tested here, **{len(holding)} hold{'s' if len(holding) == 1 else ''}**"
            + (f" ({stand_in} of them on a stand-in, a model or data set that is not the paper's)" if stand_in else "")
            + f", **{len(fails)} {'does' if len(fails) == 1 else 'do'} not hold**"
            + (f" ({fails_stand_in} of them on a stand-in: a fact about the stand-in)" if fails_stand_in else "")
            + f" and {undecided_text(len(undecided))}."]
    extra = [f"{shown} {ILLUSTRATIONS_TEXT}" if shown else "",
             f"{not_run} claims could not be run here" if not_run else ""]
    if any(extra):
        text[0] = text[0][:-1] + "; " + " and ".join(e for e in extra if e) + "."
    text.append("A claim holds when the whole range of values our images allow (its interval: 95 %, or ≥ 90 % where two "
                "intervals are combined) lies "
                "within the tolerance set around the paper's number.")
    if holding:
        best_measured = sorted(holding, key=lambda v: -(v.n or 0))  # the findings on the most images first
        text.append(f"What holds: {_named(best_measured, among=vs)}.")
    if fails:
        text.append(f"What does not: {_named(fails, among=vs)}.")
        reason = main_reason(fails)
        if reason:
            why, count = reason
            text.append(f"The reason that matters most{f' (given for {count} of them)' if count > 1 else ''}: {why}.")
    if g["other"]:
        others = Counter(v.verdict for v in g["other"])
        text.append("Not verdicts on the paper's claims about SparseFool: "
                    + "; ".join(f"{k} {verdict}" for verdict, k in others.items()) + ".")
    if undecided:
        text.append("Undecided means the range reaches across the tolerance: more images, or a sharper "
                    "measurement, would settle it (where the power is low, even the paper's value would often "
                    "leave it undecided at our n).")
    return wrap(" ".join(text))
