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

from sfutils.claims.judge import AGREES, CONTEXT_READ, NOT_IMPLEMENTED, RUNS_AGAINST
from sfutils.claims.model import (BASELINE_AS_PAPER, BASELINE_DIFFERS, BASELINE_UNSETTLED, BEYOND_FAILS,
                                  BEYOND_HOLDS, BEYOND_UNSETTLED, CONTEXT, FAILS, FAILS_STAND_IN, HOLDS, HOLDS_STAND_IN,
                                  ILLUSTRATION, INCONCLUSIVE, LOW_POWER, MAGNITUDE_AS_PAPER, MAGNITUDE_DIFFERS,
                                  MAGNITUDE_UNSETTLED, MIN_N, NOT_RUN, PIXELS, Verdict)

CELL = 80  # the longest cell of a short table (a claim's title and its id each on a line of their own)
TITLE = 72  # the longest short title of a claim
WIDTH = 110  # prose is wrapped to this width (no Markdown line of the report is longer than 250)
# The reasons a claim is not run (its verdict is NOT_RUN either way; its ``why`` says which).
CANNOT_RUN, COMPUTING, MISSING = "cannot be run here", "pending", "not in this run's tables"
NOT_STARTED = "not started"  # a background job has stored no image of a record the claim needs
OUR_CHOICE = "not implemented (our choice)"  # a claim this repository could run but does not
SHORT_VERDICT = {HOLDS: "holds", HOLDS_STAND_IN: "holds (stand-in)", FAILS: "**does not hold**",
                 FAILS_STAND_IN: "**does not hold (stand-in)**", INCONCLUSIVE: "inconclusive",
                 LOW_POWER: "inconclusive (low power)", ILLUSTRATION: "illustration",
                 BASELINE_AS_PAPER: "baseline: as the paper's", BASELINE_DIFFERS: "baseline: differs",
                 BASELINE_UNSETTLED: "baseline: unsettled", MAGNITUDE_AS_PAPER: "magnitude: as the paper's",
                 MAGNITUDE_DIFFERS: "magnitude: differs", MAGNITUDE_UNSETTLED: "magnitude: unsettled",
                 CONTEXT: "context", BEYOND_HOLDS: "beyond: holds", BEYOND_FAILS: "beyond: does not hold",
                 BEYOND_UNSETTLED: "beyond: inconclusive"}
HOLDING = (HOLDS, HOLDS_STAND_IN)
FAILING = (FAILS, FAILS_STAND_IN)
# The column of verdicts.csv with our estimate; each row's real coverage is in its column "interval".
OURS = "ours [interval]"
EXAMPLES = 3  # claims named per verdict in a paragraph
PAPER_SETTING = "paper's setting"  # the column of verdicts.csv


def number(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, never in exponent notation (6050, not 6.05e+03),
    thousands grouped by a space (6 050, 10 000), trailing zeros dropped, a minus sign (−3.67); ∞ for
    an infinite value."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    rounded = float(f"{x:.{digits}g}")
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", " ").replace("-", "−")



def how_many(k: int, total: int) -> str:
    """``k`` of ``total`` in words for a clause like "(... on a stand-in)": "both", "all", "" (the
    one of one) or "3"."""
    return "both" if k == total == 2 else "all" if k == total > 2 else "" if k == total == 1 else str(k)


_SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?e[+-]?\d+(?![\w.])")


def tidy(text: str) -> str:
    """``text`` with any number in exponent notation written out (2.22e+03: 2 220), as :func:`number`
    writes ours: the registry's words are shown as they are otherwise."""
    return _SCIENTIFIC.sub(lambda m: number(float(m.group())), str(text))


def on_stand_in(k: int, total: int, note: str = "") -> str:
    """" (35 on a stand-in)", " (both on a stand-in)", " (on a stand-in)" for one of one, followed by
    ``note``; '' when ``k`` is 0."""
    who = how_many(k, total)
    return f" ({who + ' ' if who else ''}on a stand-in{note})" if k else ""


def p_text(p: float) -> str:
    """A p-value's relation and value: "= 0.037" (2 significant digits), "< 0.001" or "= n/a"."""
    return "= n/a" if math.isnan(p) else "< 0.001" if p < 0.001 else f"= {number(p, 2)}"


def interval_text(lo: float, hi: float, bounds: Sequence[float]) -> tuple[str, str]:
    """``lo`` and ``hi`` to 3 significant digits, or more (up to 5) where fewer would put an end on the
    other side of (or onto) a criterion bound, or show two different ends as one number (94.97 is not 95).
    An end that lies exactly on a bound (a median on the pixel grid) is shown at 3 digits, as the bound is."""
    def keeps_side(x: float, digits: int, b: float) -> bool:
        if math.isinf(x) or x == b:
            return True
        r = float(f"{x:.{digits}g}")
        return (x > b) == (r > b) and (x < b) == (r < b)

    def end(x: float, other: float) -> str:
        for digits in range(3, 6):
            text = number(x, digits)
            if (text != number(other, digits) or lo == hi) and all(keeps_side(x, digits, b) for b in bounds):
                break
        return text

    texts = (end(lo, hi), end(hi, lo))
    return texts


def _pixels(v: Verdict) -> str:
    """A share of pixels of a data set as whole pixels ("in pixels: 2 [1, 3] of 1 024"), or ''."""
    m = v.claim.measurement
    total = next((PIXELS[t] for t in v.claim.id.lower().split("-") if t in PIXELS), None)
    if total is None or not m.columns or "px %" not in m.columns[0] or v.value is None or math.isnan(v.value):
        return ""
    def px(x: float) -> str:
        return number(x * total / 100.0, 3 if x * total / 100.0 >= 10 else 2)
    text = f"in pixels: {px(v.value)}"
    if v.lo is not None and v.hi is not None:
        text += f" [{px(v.lo)}, {px(v.hi)}]"
    return f"{text} of {number(total, 6)}"


def ours_text(v: Verdict) -> str:
    """Our estimate with its interval (or trend p-value) in words, and the values shown beside it
    (the median with failures counted as ∞; a share of pixels in whole pixels; a measurement's further
    columns and ``beside`` values)."""
    unfinished = v.verdict == NOT_RUN and not_run_kind(v) == COMPUTING  # its value so far, marked as such
    if (v.verdict == NOT_RUN and not unfinished) or v.value is None:
        return "see the figure" if v.verdict == ILLUSTRATION else "—"
    if unfinished:
        return f"so far (not judged): {_estimate_text(v)}"
    return _estimate_text(v)


def _estimate_text(v: Verdict) -> str:
    """:func:`ours_text` of a verdict with a value."""
    m = v.claim.measurement
    unit = m.unit
    if math.isnan(v.value):
        return "n/a"
    if m.kind == "trend":
        p1 = v.detail.get("one-sided p", math.nan)
        return f"τ = {number(v.value, 2)}, one-sided p {p_text(p1)} ({int(v.detail.get('points', 0))} settings)"
    if m.kind == "pvalue":  # a test's statistic and its p-value
        return f"{unit} = {number(v.value)}, p {p_text(v.p if v.p is not None else math.nan)}"
    suffix = {"%": " %", "×": "×", "points": " points", "cos": "", "τ": ""}.get(unit, f" {unit}")
    text = f"{'τ = ' if unit == 'τ' else ''}{number(v.value)}{suffix}"
    if v.lo is not None and v.hi is not None:
        lo, hi = interval_text(v.lo, v.hi, [b for b in (v.claim.criterion.low, v.claim.criterion.high) if b is not None])
        text += f" [{lo}, {hi}]"
    pixels = _pixels(v)
    if pixels:
        text += f"; {pixels}"
    shown = set(m.columns[1:]) | {label for label, *_ in m.beside}
    if m.fallback is not None:
        shown |= set(m.fallback.columns[1:]) | {label for label, *_ in m.fallback.beside}
    for name, value in v.detail.items():
        if is_with_failures(name):  # the median with failures counted as ∞, beside the median over the fooled
            text += f"; with failures as ∞: {number(value)}{suffix}"
        elif name in shown:  # each by its column's name; a p-value as "one-sided p (falling) < 0.001"
            text += f"; {name} {p_text(value)}" if is_p_value(name) else f"; {name}: {number(value)}"
    return text


def is_with_failures(column: str) -> bool:
    """Whether ``column`` is a median over every image with the failures counted as ∞ (the
    experiments name it with the word "all": ``median px % all (ours)``)."""
    return re.search(r"\ball\b", column) is not None


def is_p_value(column: str) -> bool:
    """Whether ``column`` holds a p-value (its name has the word "p": ``one-sided p (falling)``,
    ``McNemar one-sided p (worst case)``)."""
    return re.search(r"(?<![\w-])p(?![\w-])", column) is not None


def _first_part(text: str) -> str:
    """``text`` up to its first "; " outside parentheses (one inside a note belongs to the note)."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and text.startswith("; ", i):
            return text[:i]
    return text


def whole_part(text: str, limit: int = 40) -> str:
    """The first '; '-separated part of ``text`` (an estimate before the values shown beside it, a
    paper's number before its note), shortened to ``limit`` by dropping its parenthesised notes (the
    trailing ones first): always a whole phrase, never cut mid-way (the full text is in the claim's details)."""
    part = " ".join(_first_part(tidy(text)).split())
    while len(part) > limit and part.endswith(")") and "(" in part:
        depth, i = 0, len(part) - 1
        for i in range(len(part) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(part[i], 0)
            if depth == 0:
                break
        part = part[:i].rstrip()
    while len(part) > limit and re.search(r"\s*\([^()]*\)", part):  # then the notes inside it
        part = re.sub(r"\s*\([^()]*\)", "", part, count=1)
    return part


# Claims whose sentence has no whole short form of at most TITLE characters (a clause before ": "):
# a title in a few words, by claim id (a regular expression). The paper's numbers are never typed
# here: the table gives them beside the title, and the claim's details quote the whole sentence;
# "{model}" is the paper's model the id names (MODEL_NAMES).
SHORT_TITLES = (
    (r"S22-.*-clipped", "Clipping l1-DeepFool's adversarial images to the valid range fools few"),
    (r"S22-imagenet-l2-clipping", "Clipping l2 and l∞ perturbations afterwards has a minor impact"),
    (r"S22-linf-clipping", "Clipping l∞ perturbations afterwards has a minor impact"),
    (r"S22-clip-inside", "Clipping inside the iterations does not improve the results"),
    (r"S33-one-step", "The algorithm often needs more than one linearization step"),
    (r"S31-", "SparseFool's adversarial images stay valid without clipping"),
    (r"S42-imagenet-heads", "On ImageNet, the noise concentrates around important areas"),
    (r"T1-.*-jsma-fool-gamma", "Sensitivity, {model}: JSMA's fooling rate at the JSMA paper's cap"),
    (r"T1-.*-jsma-pixels-gamma", "Sensitivity, {model}: JSMA's median pixels at the JSMA paper's cap"),
    (r"T1-.*-queries-one_pixel", "{model}: SparseFool needs far fewer queries than the one-pixel attack"),
    (r"T1-.*-cost-one_pixel", "{model}: SparseFool far cheaper than the one-pixel attack (in queries)"),
    (r"T1-.*-accuracy", "{model}: clean accuracy of the attacked net"),
    (r"T2-.*-accuracy", "{model}: clean accuracy of the attacked net"),
    (r"T2-.*-random-rate", "{model}: the random baseline's own fooling rate"),
    (r"T3-.*-mean-size", "How much transfers between networks (pooled rate)"),
    (r"T1-.*-walltime-jsma-ours", "{model}: SparseFool faster than JSMA, even an accelerated one"),
    (r"T1-.*-walltime-jsma", "{model}: SparseFool is much faster per image than JSMA"),
    (r"T1-dimension-jsma", "JSMA becomes much slower as the input dimension grows"),
    (r"T2-.*-fool-cap50", "Sensitivity, {model}: fooled within 50 iterations (batched)"),
    (r"T2-.*-random", "{model}: random changes of as many elements fool far fewer images"),
    (r"T2-mean-pixels", "SparseFool's mean share of perturbed pixels over the ImageNet nets"),
    (r"T3-.*-asymmetry", "Perturbations transfer better from larger to smaller networks"),
    (r"F8-differs", "Each network concentrates or spreads the noise differently"),
    (r"F9-semantics", "On CIFAR-10 the noise falls on the head or the fooling class's features"),
    (r"F9b-fooling-class", "The noise often falls on features of the fooling class"),
    (r"AT-only-slightly", "Adversarial training only slightly improves the robustness"),
    (r"AT-accuracy", "Clean accuracy of the l∞ adversarially trained ResNet-18"),
    (r"AT-robust-pixels", "SparseFool's median pixels on the l∞ adversarially trained net"),
    (r"B-.*-success", "Under one harness for every attack, SparseFool still fools most images"),
    (r"B-.*-vs-sigma-zero", "SparseFool needs at most twice the pixels of σ-zero"),
)
# The paper's model a claim id names ("{model}" in a short title).
MODEL_NAMES = {"lenet": "LeNet", "vgg-19": "VGG-19", "resnet-18": "ResNet-18", "vgg-16": "VGG-16",
               "resnet-101": "ResNet-101", "densenet-161": "DenseNet-161", "inception-v3": "Inception-v3"}
# The net we ran, in a word or two, by the words our setting (``Verdict.ours``, the column "our setting" of
# verdicts.csv) opens with: a title that names the paper's net names ours beside it ("VGG-16 (ours: Lite0)").
OUR_NETS = ((r"efficientnet-lite(\d)", r"Lite\1"), (r"EfficientNet-Lite0/1/2", "Lite0/1/2"),
            (r"our model \(EfficientNet-Lite", "EfficientNet-Lite"),
            (r"resnet20-cifar10|ResNet-20(?![/\d])", "ResNet-20"),
            (r"vgg19half-cifar10|VGG-19 \(half width\)", "half-width VGG-19"), (r"lenet-mnist|LeNet", "LeNet"))
# A phrase a short title says in fewer words (the number it drops is the table's paper column).
_SHORTER = ((re.compile(r"median perturbation changes [\d.]+ % of the pixels"), "median perturbed pixels"),)


def our_net(ours: str) -> str:
    """The net we ran, in a word or two (:data:`OUR_NETS`), from our setting's opening words; '' when
    they name none."""
    for pattern, name in OUR_NETS:
        found = re.match(pattern, ours.strip())
        if found:
            return found.expand(name)
    return ""


def ours_note(text: str, ours: str) -> tuple[str, str] | None:
    """(the paper's net ``text`` names first, the net we ran) where they differ, else None."""
    net = our_net(ours)
    named = sorted((text.find(name), name) for name in MODEL_NAMES.values() if name in text)
    return (named[0][1], net) if net and named and named[0][1] != net else None


def title(claim: str, cid: str = "", limit: int = TITLE, ours: str = "") -> str:
    """A claim in a few words, always whole: the title :data:`SHORT_TITLES` gives ``cid``, else its
    sentence without parentheses or the final full stop, else (too long) its clause before the last
    ": " or "; " that fits ``limit``, else the whole sentence (never cut mid-way). Given ``ours`` (our
    setting), a paper's net the title names is followed by the net we ran ("VGG-16 (ours: Lite0)")
    where the title stays within :data:`CELL` characters."""
    text = _title(claim, cid, limit)
    note = ours_note(text, ours)
    if note is None:
        return text
    named = text.replace(note[0], f"{note[0]} (ours: {note[1]})", 1)
    return named if len(named) <= CELL else text


def _title(claim: str, cid: str, limit: int) -> str:
    for pattern, short in SHORT_TITLES:
        if cid and re.fullmatch(pattern + r".*", cid):
            model = next((name for key, name in MODEL_NAMES.items() if f"-{key}-" in f"-{cid.lower()}-"), "our net")
            return short.replace("{model}", model)
    text = re.sub(r"\s*\([^()]*\)", "", claim).strip().rstrip(".")
    for pattern, shorter in _SHORTER:
        text = pattern.sub(shorter, text)
    if len(text) <= limit:
        return text
    heads = [text[:m.start()] for m in re.finditer(r": |; ", text)]
    heads = [h for h in heads if 25 <= len(h) <= limit]
    return heads[-1] if heads else text


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


def not_run_kind(v: Verdict | Mapping[str, Any]) -> str:
    """Why a claim is not run: :data:`COMPUTING` when a background job has not finished its data
    (its ``why`` starts with "not run yet"), :data:`NOT_STARTED` when that job has stored no image of a
    record the claim needs (its ``why`` starts with "not started"), :data:`CANNOT_RUN` when this repository cannot run it
    (its ``why`` starts with "cannot be run here") or its figure was not made, :data:`OUR_CHOICE` when
    it could but does not (its ``why`` starts with :data:`sfutils.claims.judge.NOT_IMPLEMENTED`), else
    :data:`MISSING` (its table or row is not among this run's outputs)."""
    why = v.why if isinstance(v, Verdict) else str(v.get("why") or "")
    return (COMPUTING if why.startswith("not run yet") else NOT_STARTED if why.startswith("not started") else
            CANNOT_RUN if why.startswith("cannot be run here") or why.startswith("figure ") else
            OUR_CHOICE if why.startswith(NOT_IMPLEMENTED) else MISSING)


def verdict_label(v: Verdict | Mapping[str, Any]) -> str:
    """A verdict in the words a reader sees in counts and tables: a claim not run is "cannot be run
    here" or "still computing" (:func:`not_run_kind`), every other verdict as it is."""
    verdict = v.verdict if isinstance(v, Verdict) else v["verdict"]
    return not_run_kind(v) if verdict == NOT_RUN else verdict


def _claim_cell(row: Mapping[str, Any]) -> str:
    """A short table's claim cell: its title naming the net we ran (:func:`title`), its id below (with
    the net we ran where the title had no room for it)."""
    ours = str(row.get("our setting") or "")
    text, plain = title(row["claim"], row["id"], ours=ours), title(row["claim"], row["id"])
    note = ours_note(plain, ours) if text == plain else None
    return f"{text}<br>(`{row['id']}`{f'; ours: {note[1]}' if note else ''})"


def section_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The short table of some rows of ``verdicts.csv``: claim (a whole title, its id below), the
    paper's number, ours with its interval, n and the verdict; every cell whole (the notes and the
    values shown beside ours are in the claim's details)."""
    return md_table([{"claim": _claim_cell(r),
                      "paper": whole_part(r["paper"]), "ours [interval]": whole_part(r[OURS], 50),
                      "n": number(float(r["n"]), 6) if str(r["n"]).strip() else "",
                      "verdict": SHORT_VERDICT.get(verdict_label(r), verdict_label(r))} for r in rows])


def _field(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def _power(row: Mapping[str, Any]) -> str:
    """The ``power`` column in words: the chance the claim holds at our n were the paper right, and how
    it was computed (``power method``, :func:`sfutils.claims.power.method`)."""
    text = _field(row, "power")
    try:
        p = float(text)
    except ValueError:
        return text
    how = _field(row, "power method")
    return (f"{100 * p:.0f} % (the chance the criterion is met at our n if the true value were the paper's"
            + (f"; {how}" if how else "") + ")")


def claim_details(row: Mapping[str, Any]) -> str:
    """One claim's paragraph: the claim, the reading (where ``verdicts.csv`` gives one), the
    setting, ours against the paper's, the criterion, the power (where given) and why."""
    n = _field(row, "n")
    items = [("The claim", f"{row['claim']} ({row['where']}; the paper: {row['paper']})"),
             ("Reading", _field(row, "reading")),
             ("Ours", "" if _field(row, OURS) in ("", "—") else f"{row[OURS]}"
              + (f", n = {number(float(n), 6)}" if n else "")
              + (f" ({_field(row, 'interval')})" if _field(row, "interval") else "")),
             ("Setting", f"ours: {row['our setting']}; the paper's: {row[PAPER_SETTING]}"),
             ("Criterion", _field(row, "criterion")), ("Power", _power(row)),
             ("Why", _field(row, "why"))]
    if _field(row, "caveat") and _field(row, "caveat") not in _field(row, "why"):
        items.append(("Caveat", _field(row, "caveat")))
    named = title(row["claim"], row["id"], ours=str(row.get("our setting") or ""))
    head = f"**{named}** · `{row['id']}` · {verdict_label(row)}"
    body = [wrap(f"{name}: {tidy(text)}", "- ") for name, text in items if text]
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
    """The first ``limit`` distinct claims of ``vs`` in a few words each, with our value and the
    paper's, then how many more; one whose words another claim of ``among`` (default ``vs``) shares is
    named with its data set (or id)."""
    def words(u: Verdict) -> str:
        return title(u.claim.claim, u.claim.id, ours=u.ours)

    def name(v: Verdict) -> str:
        text = words(v)
        shared = sum(words(u) == text for u in (among or vs)) > 1
        values = f"ours {whole_part(ours_text(v), 90)}" + (
            "" if v.claim.role == "beyond" else f", the paper's {whole_part(v.claim.paper, 90)}")  # no number there
        return f"{text} (on {setting_name(v)}: {values})" if shared else f"{text} ({values})"

    counted = Counter(name(v) for v in vs)
    names = [f"{n} ({k} settings)" if k > 1 else n for n, k in counted.items()]
    more = f"; and {len(names) - limit} more" if len(names) > limit else ""
    return "; ".join(names[:limit]) + more


def reason(v: Verdict) -> str:
    """Why ``v`` came out as it did, in one clause: the first clause of the claim's caveat (how our
    setting differs from the paper's), else of the verdict's own reason (up to the first ". " or "; "
    outside parentheses)."""
    text = v.claim.caveat or v.why
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch in ".;" and text[i + 1:i + 2] == " " and i and re.match(r"[a-z0-9)'’%]", text[i - 1]):
            return text[:i].strip()
    return text.strip()


def main_reason(fails: Sequence[Verdict]) -> tuple[str, int] | None:
    """The reason (:func:`reason`) given most often for the claims that do not hold (the first in
    the paper's order on a tie), and for how many."""
    reasons = Counter(reason(v) for v in fails if reason(v))
    if not reasons:
        return None
    top = max(reasons.values())
    return next(reason(v) for v in fails if reasons.get(reason(v)) == top), top


def count_text(k: int, one: str, many: str, zero: str = "") -> str:
    """``k`` things in words: "1 claim", "3 claims", or ``zero`` (e.g. "none") for 0."""
    return zero if k == 0 and zero else f"{k} {one if k == 1 else many}"


def undecided_text(k: int) -> str:
    """``k`` undecided claims in words."""
    return "none is undecided" if k == 0 else f"{k} {'is' if k == 1 else 'are'} undecided"


_NOT_RUN_KEYS = {CANNOT_RUN: "cannot_run", OUR_CHOICE: "not_implemented", COMPUTING: "computing",
                 NOT_STARTED: "not_started", MISSING: "missing"}


def groups(vs: Sequence[Verdict]) -> dict[str, list[Verdict]]:
    """``vs`` by what their verdict says of the paper's claim: ``holding``, ``fails``, ``undecided``
    (every kind of inconclusive), ``shown`` (illustrations), ``cannot_run``, ``not_implemented``,
    ``computing``, ``not_started`` and ``missing`` (not run: :func:`not_run_kind`) and ``other`` (verdicts that are not
    about SparseFool's claims: baseline checks, context, claims beyond the paper)."""
    keys = ("holding", "fails", "undecided", "shown", "cannot_run", "not_implemented", "computing", "not_started",
            "missing", "other")
    out: dict[str, list[Verdict]] = {k: [] for k in keys}
    for v in vs:
        key = ("holding" if v.verdict in HOLDING else "fails" if v.verdict in FAILING
               else "undecided" if v.verdict.startswith(INCONCLUSIVE) else "shown" if v.verdict == ILLUSTRATION
               else _NOT_RUN_KEYS[not_run_kind(v)] if v.verdict == NOT_RUN
               else "other")
        out[key].append(v)
    return out


# The verdicts that are not about SparseFool's claims, by kind (the verdict's words before ": "),
# counted in prose as (singular, plural); the words after ": " say how each came out.
_OTHER_KINDS = (("baseline check", "baseline check", "baseline checks"),
                ("stand-in magnitude", "stand-in magnitude", "stand-in magnitudes"),
                ("beyond the paper", "claim beyond the paper", "claims beyond the paper"),
                ("context", "context row (not judged)", "context rows (not judged)"))
_OUTCOME_VERBS = {"differs from the paper's": ("differs", "differ"), "differs": ("differs", "differ"),
                  "holds": ("holds", "hold"), "does not hold": ("does not hold", "do not hold")}


def others_text(vs: Sequence[Verdict]) -> str:
    """The verdicts of ``vs`` that are not about SparseFool's claims, counted by kind and outcome:
    "15 baseline checks (10 as the paper's, 2 differ, 3 unsettled) and 21 context rows (not judged)"
    ('' when there are none)."""
    parts = []
    for kind, one, many in _OTHER_KINDS:
        sub = [v.verdict for v in vs if v.verdict.startswith(kind)]
        if not sub:
            continue
        outcomes = Counter(v.split(": ", 1)[1] for v in sub if ": " in v)
        how = [f"{how_many(k, len(sub))} {_OUTCOME_VERBS.get(o, (o, o))[k != 1]}".strip() for o, k in outcomes.items()]
        parts.append(count_text(len(sub), one, many) + (f" ({', '.join(how)})" if how else ""))
    return and_list(parts)


def and_list(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    parts = [p for p in parts if p]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


HOLDS_PLAIN = ("A claim holds when the whole range of values our images allow (its interval: 95 %, or ≥ 90 % where "
               "two intervals are combined) lies within the tolerance set around the paper's number.")


# What an illustration is (judge.RULES says the same): shown, never judged.
ILLUSTRATED = f"a figure, fewer than {MIN_N} images, or a number our setting cannot test: the reason is given"


def unjudged_text(g: Mapping[str, Sequence[Verdict]]) -> str:
    """The claims of groups ``g`` that are not judged (illustrations, claims not run) in words, or ''."""
    kinds = (("shown", f"is an illustration ({ILLUSTRATED})", f"are illustrations ({ILLUSTRATED})"),
             ("cannot_run", "cannot be run here", "cannot be run here"),
             ("not_implemented", "is not implemented here (our choice)", "are not implemented here (our choice)"),
             ("computing", "is pending (the ImageNet job has computed part of it)",
              "are pending (the ImageNet job has computed part of them)"),
             ("not_started", f"is {NOT_STARTED} (the ImageNet job has stored none of a record it needs)",
              f"are {NOT_STARTED} (the ImageNet job has stored none of a record they need)"),
             ("missing", "is not in this run's tables", "are not in this run's tables"))
    return and_list([count_text(len(g[key]), one, many) for key, one, many in kinds if g[key]])


SHOWN_NOT_JUDGED = "Shown, not judged: "  # a context row's reading gives its reason after these words


def context_reason(v: Verdict) -> str:
    """Why a context row is not judged, in one clause: its reading's words after
    :data:`SHOWN_NOT_JUDGED` up to the first full stop, colon or semicolon, without parenthesised
    notes (the claim's details give them), else :func:`reason`."""
    at = v.claim.reading.find(SHOWN_NOT_JUDGED)
    if at < 0:
        return reason(v)
    text = v.claim.reading[at + len(SHOWN_NOT_JUDGED):]
    while re.search(r" \([^()]*\)", text):
        text = re.sub(r" \([^()]*\)", "", text)
    end = re.search(r"(?<=[a-z0-9)'’%\]\"])(\.|:|;) ", text)
    return text[:end.start()] if end else text.rstrip(".")


def against_text(vs: Sequence[Verdict]) -> str:
    """The context rows of ``vs`` that, read against the paper's criterion anyway, run against the
    paper, named with our value, the paper's and why they are context; with how many agree ('' when
    none runs against it). Not judging a row must not hide what it measured."""
    context = [v for v in vs if v.verdict == CONTEXT]
    against = [v for v in context if RUNS_AGAINST in v.why]
    if not against:
        return ""
    agree = sum(AGREES in v.why for v in context)
    compared = sum(any(read in v.why for read in CONTEXT_READ.values()) for v in context)
    reasons: dict[str, list[Verdict]] = {}  # rows that share a reason are named together, in order
    for v in against:
        reasons.setdefault(context_reason(v), []).append(v)
    named = "; ".join(f"{no_interval(_named(group, limit=len(group), among=vs))}, context because {why}"
                      for why, group in reasons.items())
    return (f"Of the {count_text(len(context), 'context row', 'context rows')}, {compared} "
            f"{'has' if compared == 1 else 'have'} a criterion; read against it anyway, {agree} "
            f"{'agrees' if agree == 1 else 'agree'} with the paper and {len(against)} "
            f"{'runs' if len(against) == 1 else 'run'} against it: {named}.")


def differs_items(vs: Sequence[Verdict]) -> list[str]:
    """The checks of our setting among ``vs`` (baseline checks, stand-in magnitudes) that differ from
    the paper's, one short item each: "title: ours X, the paper's Y" (what a reader must know before
    reading SparseFool's verdicts on these stand-ins)."""
    return [f"{title(v.claim.claim, v.claim.id, ours=v.ours)}: ours {no_interval(whole_part(ours_text(v), 40))}, "
            f"the paper's {whole_part(v.claim.paper, 40)}" for v in vs
            if v.verdict.startswith(("baseline check", "stand-in magnitude")) and "differs" in v.verdict]


def no_interval(text: str) -> str:
    """``text`` without its bracketed intervals ("0.684 % [0.684, 0.684]" -> "0.684 %"): plain words for a
    headline, the tables keep the intervals."""
    return re.sub(r" \[[^\]]*\]", "", text)


def differs_text(vs: Sequence[Verdict]) -> str:
    """:func:`differs_items` in one sentence ('' when none differs)."""
    items = differs_items(vs)
    return f"Where our setting differs from the paper's: {'; '.join(items)}." if items else ""


def beyond_text(vs: Sequence[Verdict]) -> str:
    """What the claims beyond the paper among ``vs`` found, named with their values ('' if none)."""
    found = [(words, [v for v in vs if v.verdict == verdict]) for words, verdict in
             (("holds", BEYOND_HOLDS), ("does not hold", BEYOND_FAILS), ("is undecided", BEYOND_UNSETTLED))]
    return " ".join(f"Beyond the paper, what {words}: {_named(sub, among=vs)}." for words, sub in found if sub)


def plain_summary(vs: Sequence[Verdict], explain: bool = True) -> str:
    """What these verdicts say, for a student who knows the paper but not statistics: how many
    hold, which do (those measured on the most images first) and which do not (in the paper's
    order), and the reason given most often for those that do not (:func:`main_reason`); with
    ``explain``, what "holds" means (the report says it once, at its top)."""
    g = groups(vs)
    holding, fails, undecided = g["holding"], g["fails"], g["undecided"]
    tested = len(holding) + len(fails) + len(undecided)
    unjudged = unjudged_text(g)
    others = others_text(g["other"])
    if not tested:
        one = len(vs) == 1
        text = [f"{'This claim is not' if one else f'None of these {len(vs)} claims is'} a verdict on the paper's "
                "claims about SparseFool."]
        if others:
            text.append(f"It is a {others[2:]}." if one else f"They are {others}.")
        if unjudged:
            text.append(f"Of them, {unjudged}." if not others else f"Besides, {unjudged}.")
        text.append(differs_text(vs))
        text.append(beyond_text(g["other"]))
        text.append(against_text(vs))
        return wrap(" ".join(t for t in text if t))
    stand_in = sum(v.verdict == HOLDS_STAND_IN for v in holding)
    fails_stand_in = sum(v.verdict == FAILS_STAND_IN for v in fails)
    n_fail = len(fails)
    if tested == 1:  # "The one claim tested here **holds** (on a stand-in, ...)."
        text = ["The one claim tested here " + (
            "**holds**" + on_stand_in(stand_in, 1, ", a model or data set that is not the paper's") if holding
            else "**does not hold**" + on_stand_in(fails_stand_in, 1, ": a fact about the stand-in") if fails
            else "is undecided") + "."]
    else:
        text = [f"Of the {count_text(tested, 'claim', 'claims')} tested here, "
                + (f"**{how_many(len(holding), tested)} "
                   f"hold{'s' if len(holding) == 1 else ''}**" if holding else "**none holds**")
                + on_stand_in(stand_in, len(holding), ", a model or data set that is not the paper's")
                + (f", **{n_fail} {'does' if n_fail == 1 else 'do'} not hold**" if n_fail else ", none fails")
                + on_stand_in(fails_stand_in, n_fail, ": a fact about the stand-in")
                + f" and {undecided_text(len(undecided))}."]
    if unjudged:
        text.append(f"Besides, {unjudged}.")
    if explain:
        text.append(HOLDS_PLAIN)
    if holding:
        best_measured = sorted(holding, key=lambda v: -(v.n or 0))  # the findings on the most images first
        text.append(f"What holds: {_named(best_measured, among=vs)}.")
    if fails:
        text.append(f"What does not: {_named(fails, among=vs)}.")
        reason = main_reason(fails)
        if reason:
            why, count = reason
            text.append(f"The reason that matters most{f' (given for {count} of them)' if count > 1 else ''}: {why}.")
    if others:
        text.append(f"Not verdicts on the paper's claims about SparseFool: {others}.")
        text.append(differs_text(vs))
        text.append(beyond_text(g["other"]))
        text.append(against_text(vs))
    if undecided:
        text.append("Undecided means the range reaches across the tolerance: more images, or a sharper "
                    "measurement, would settle it (where the power is low, even the paper's value would often "
                    "leave it undecided at our n).")
    return wrap(" ".join(t for t in text if t))
