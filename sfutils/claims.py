"""The paper's claims as data, each checked against the tables a profile's notebooks wrote.

Every :class:`Claim` names where it stands in the paper (sections, figures and tables as the
paper numbers them: §§1-5, §4.1 and §4.2 only), the claim in one sentence, the paper's value,
the :class:`Measurement` that tests it (notebook, table in ``figures/<profile>/tables/``,
columns, rows) and the :class:`Criterion`, plus the paper's setting and ours. :func:`judge`
turns a claim and a profile into a :class:`Verdict`:

* *holds*: the 95 % interval of our estimate lies inside the criterion (*holds on a stand-in*
  when our model or data is not the paper's);
* *does not hold*: the interval lies outside it;
* *inconclusive*: the interval straddles it, the table gives no interval, or n < 20;
* *not run in this profile*: the table (or its row) is missing;
* *illustration*: a single-image or qualitative figure (Figs. 1, 5, 7, 9), shown but not judged.

Intervals: a rate gets the Wilson interval (:func:`sfutils.stats.rate_interval`); a median or a
mean gets the seeded bootstrap interval the experiment wrote beside it (columns
:func:`sfutils.stats.ci_columns`; a gap between columns A and B, the interval of ``A - B``, per row:
every row's interval must clear the criterion); a ratio of two such estimates the conservative interval of
:func:`sfutils.stats.ratio_bounds`; a trend Kendall's rank test (p < 0.05 in the claimed direction).
A ratio of wall times (s/image) is not a sampling estimate: images are timed per batch, so its
spread says nothing of the run-to-run variation of a shared machine. It gets the band
value / ``TIMING_TOLERANCE`` to value x ``TIMING_TOLERANCE`` instead, wide enough for the load
swings measured on the 2-core machine (benchmarks/README.md), so that a timing claim holds
only when it clears the criterion by that factor.

``python -m sfutils.claims --profile P`` writes ``figures/P/report.md`` and
``figures/P/tables/verdicts.csv``.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sfutils import paths, stats

MIN_N = 20  # fewer images than this: an illustration, never a match
TIMING_TOLERANCE = 1.5  # wall times on a shared machine vary by up to this factor between runs
TIME_COLUMN = "s/image (ours)"
HOLDS, HOLDS_STAND_IN, FAILS, INCONCLUSIVE, NOT_RUN, ILLUSTRATION = (
    "holds", "holds on a stand-in", "does not hold", "inconclusive", "not run in this profile", "illustration")
VERDICTS = (HOLDS, HOLDS_STAND_IN, FAILS, INCONCLUSIVE, NOT_RUN, ILLUSTRATION)
KINDS = ("rate", "estimate", "ratio", "min_rate", "trend", "gap", "transfer_mean", "transfer_asymmetry",
         "illustration")
Rows = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Measurement:
    """What tests a claim: ``kind`` of statistic over ``columns`` of the rows of ``table`` (written
    by ``notebook``) whose columns equal the values in ``rows``.

    Kinds: ``rate`` (a % over ``n_column`` trials: Wilson), ``estimate`` (a median or mean with its
    interval columns), ``ratio`` (columns[0] of ``rows`` / columns[1] of ``denominator_rows``),
    ``min_rate`` (the worst of several rates), ``trend`` (columns[1] against columns[0]: Kendall),
    ``gap`` (mean of columns[0] - columns[1]), ``transfer_mean`` / ``transfer_asymmetry`` (a
    Table 3 fooling matrix with ``n_source`` = (table, rows, column) giving images per source),
    ``illustration`` (``figure`` exists).
    """

    notebook: str
    table: str | None
    kind: str
    columns: tuple[str, ...] = ()
    rows: Rows = ()
    denominator_rows: Rows = ()
    n_column: str = "n"
    model_column: str | None = None
    unit: str = "%"
    n_source: tuple[str, Rows, str] | None = None
    figure: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown measurement kind {self.kind!r}; known: {', '.join(KINDS)}")


@dataclass(frozen=True)
class Criterion:
    """The interval must lie in [``low``, ``high``] (either may be open); for a trend, ``low=0``
    asks for a significant rise and ``high=0`` for a significant fall. ``text`` says it in words."""

    text: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Claim:
    """One claim of the paper and how this repository tests it."""

    id: str
    where: str
    claim: str
    paper: str
    measurement: Measurement
    criterion: Criterion
    paper_setting: str
    our_setting: str  # "{model}" is replaced by the model named in the measured row
    same_models: tuple[str, ...] = ()  # our models with which the setting is the paper's
    caveat: str = ""  # why ours may differ: the one sentence shown when the claim does not hold


@dataclass(frozen=True)
class Verdict:
    """A claim judged on one profile's tables."""

    claim: Claim
    verdict: str
    value: float | None = None
    lo: float | None = None
    hi: float | None = None
    p: float | None = None
    n: int | None = None
    ours: str = ""
    why: str = ""
    detail: dict[str, float] = field(default_factory=dict)


# --- the registry ---------------------------------------------------------------------------------

def at_least(value: float, text: str) -> Criterion:
    return Criterion(text, low=value)


def at_most(value: float, text: str) -> Criterion:
    return Criterion(text, high=value)


def within_half(paper: float) -> Criterion:
    """Median perturbed pixels within ±50 % of the paper's value."""
    return Criterion(f"within ±50 % of {paper:g} % ({0.5 * paper:.3g}–{1.5 * paper:.3g} %)", 0.5 * paper, 1.5 * paper)


def fooling_near(paper: float) -> Criterion:
    """A fooling rate no more than 5 points below the paper's."""
    return at_least(paper - 5.0, f"≥ {paper - 5.0:g} % (paper − 5 points)")


_CIFAR_JPEG = "JPEG CIFAR-10 (a lossy copy of the test set: ~10 accuracy points lost)"
_IMAGENET_OURS = "{model} (EfficientNet-Lite stand-in) on the 500 offline ImageNet sample images (not the validation set)"
_TABLE1 = {  # (data set, paper model): {attack: (fooling %, median perturbed pixels %, s/image)}
    ("mnist", "LeNet"): {"sparsefool": (99.93, 1.66, 0.14), "jsma": (100.0, 4.85, 0.66), "one_pixel": (95.73, 9.43, 310.2)},
    ("cifar10", "VGG-19"): {"sparsefool": (100.0, 1.07, 0.34), "jsma": (100.0, 2.25, 6.28),
                            "one_pixel": (98.12, 0.15, 102.7)},
    ("cifar10", "ResNet-18"): {"sparsefool": (100.0, 1.27, 0.69), "jsma": (100.0, 3.91, 8.73),
                               "one_pixel": (100.0, 0.2, 167.4)},
}
_ATTACK_NAMES = {"sparsefool": "SparseFool", "jsma": "JSMA", "one_pixel": "the one-pixel attack"}
_ATTACK_CAVEAT = {
    "sparsefool": "",
    "jsma": "JSMA here is this repository's untargeted version (random target, θ = +1); the quick and default "
            "profiles cap its distortion at γ = 0.1, the full and paper profiles do not (the paper's setting)",
    "one_pixel": "the one-pixel attack's evolution budget is much reduced in the quick and default profiles; the "
                 "full profile uses the paper's (population 400, 100 generations) on few images, and stops k at 100 "
                 "pixels on MNIST and 3 on CIFAR-10 (the paper grows k until success)",
}


def _ours_table1(dataset: str) -> tuple[str, tuple[str, ...], str]:
    if dataset == "mnist":
        return "{model} (LeNet trained here) on the MNIST test set", ("lenet-mnist",), ""
    return f"{{model}} on {_CIFAR_JPEG}", (), "a ResNet-20 stand-in on JPEG CIFAR-10"


def _table1_claims() -> list[Claim]:
    out = []
    for (dataset, net), attacks in _TABLE1.items():
        data_name = "MNIST" if dataset == "mnist" else "CIFAR-10"
        ours, same, stand_in = _ours_table1(dataset)
        paper_setting = f"{net}, {data_name} test set (10000 images; one-pixel on 100), GTX Titan X"
        tag = f"{dataset}-{net.lower()}"
        rows: Rows = (("dataset", dataset), ("paper model", net))
        for attack, (fool, px, _) in attacks.items():
            name, sel = _ATTACK_NAMES[attack], rows + (("attack", attack),)
            caveat = "; ".join(c for c in (_ATTACK_CAVEAT[attack], stand_in) if c)
            out.append(Claim(
                f"T1-{tag}-{attack}-fool", "§4.2, Table 1", f"{name[0].upper()}{name[1:]} fools (almost) every {data_name} image of {net}.",
                f"{fool:g} %", Measurement("01", "01_table1", "rate", ("fooling % (ours)",), sel,
                                           model_column="model (ours)"),
                fooling_near(fool), paper_setting, ours, same, caveat))
            out.append(Claim(
                f"T1-{tag}-{attack}-pixels", "§4.2, Table 1",
                f"{name[0].upper()}{name[1:]}'s median perturbation on {data_name} ({net}) changes {px:g} % of the pixels.",
                f"{px:g} %", Measurement("01", "01_table1", "estimate", ("median px % (ours)",), sel,
                                         model_column="model (ours)"),
                within_half(px), paper_setting, ours, same, caveat))
    return out


def _table1_ratio_claims() -> list[Claim]:
    out = []
    speed = [  # (data set, net, other attack, paper's factor, its text, criterion)
        ("mnist", "LeNet", "jsma", "4.7×", at_least(2.35, "≥ 2.35× (half the paper's 4.7×)")),
        ("cifar10", "VGG-19", "jsma", "15.5× (CIFAR-10 mean)", at_least(7.75, "≥ 7.75× (half the paper's 15.5×)")),
        ("cifar10", "ResNet-18", "jsma", "15.5× (CIFAR-10 mean)", at_least(7.75, "≥ 7.75× (half the paper's 15.5×)")),
        ("mnist", "LeNet", "one_pixel", "> 1000× (three orders of magnitude)", at_least(1000.0, "≥ 1000×")),
        ("cifar10", "VGG-19", "one_pixel", "270× (CIFAR-10 mean)", at_least(135.0, "≥ 135× (half the paper's 270×)")),
    ]
    for dataset, net, other, paper, crit in speed:
        ours, same, stand_in = _ours_table1(dataset)
        base: Rows = (("dataset", dataset), ("paper model", net))
        out.append(Claim(
            f"T1-{dataset}-{net.lower()}-speed-{other}", "§4.2, Table 1",
            f"SparseFool is much faster per image than {_ATTACK_NAMES[other]} on {net}.", paper,
            Measurement("01", "01_table1", "ratio", ("s/image (ours)", "s/image (ours)"),
                        base + (("attack", other),), base + (("attack", "sparsefool"),), model_column="model (ours)",
                        unit="×"),
            crit, f"{net}, one image at a time on a GTX Titan X",
            ours.replace("{model}", "{model}, batched on a shared CPU (s/image = batch time / size):"), same,
            "; ".join(c for c in ("times are batched CPU wall times here, not one image at a time on a GPU",
                                  _ATTACK_CAVEAT[other], stand_in) if c)))
    sparsity = [
        ("mnist", "LeNet", "jsma", "2.9× sparser", at_least(1.0, "> 1× (SparseFool sparser)")),
        ("cifar10", "VGG-19", "jsma", "2.4× sparser (CIFAR-10 mean)", at_least(1.0, "> 1× (SparseFool sparser)")),
        ("mnist", "LeNet", "one_pixel", "5.5× sparser", at_least(1.0, "> 1× (SparseFool sparser)")),
        ("cifar10", "VGG-19", "one_pixel", "less sparse (0.15 vs 1.07 %)", at_most(1.0, "< 1× (one-pixel sparser)")),
    ]
    for dataset, net, other, paper, crit in sparsity:
        ours, same, stand_in = _ours_table1(dataset)
        base = (("dataset", dataset), ("paper model", net))
        out.append(Claim(
            f"T1-{dataset}-{net.lower()}-sparsity-{other}", "§4.2, Table 1",
            f"Median pixels of {_ATTACK_NAMES[other]} over SparseFool's on {net}: "
            + ("SparseFool is sparser." if crit.low is not None else "the one-pixel attack is sparser."), paper,
            Measurement("01", "01_table1", "ratio", ("median px % (ours)", "median px % (ours)"),
                        base + (("attack", other),), base + (("attack", "sparsefool"),), model_column="model (ours)",
                        unit="×"),
            crit, f"{net}, {'MNIST' if dataset == 'mnist' else 'CIFAR-10'} test set", ours, same,
            "; ".join(c for c in (_ATTACK_CAVEAT[other], stand_in) if c)))
    return out


_TABLE2 = {"VGG-16": (0.18, 18.2), "ResNet-101": (0.23, 13.2), "DenseNet-161": (0.29, 14.5),
           "Inception-v3": (0.14, 9.6)}


def _table2_claims() -> list[Claim]:
    out = []
    for net, (px, rnd) in _TABLE2.items():
        rows: Rows = (("paper model", net),)
        setting = f"torchvision {net}, 4000 ImageNet validation images"
        caveat = ("an EfficientNet-Lite stand-in on ImageNet sample images; the quick and default profiles give "
                  "SparseFool fewer DeepFool candidate classes (quick also only 2 iterations), and the default, full "
                  "and paper profiles keep the authors' cap of 50 iterations, which leaves unfooled the images of "
                  "these nets that need more")
        key = net.lower()
        out += [
            Claim(f"T2-{key}-fool", "§4.2, Table 2", f"SparseFool fools every ImageNet image of {net}.", "100 %",
                  Measurement("01", "01_table2", "rate", ("fooling % (ours)",), rows, model_column="model (ours)"),
                  fooling_near(100.0), setting, _IMAGENET_OURS, (), caveat),
            Claim(f"T2-{key}-pixels", "§4.2, Table 2", f"SparseFool changes a median {px:g} % of {net}'s pixels.",
                  f"{px:g} %", Measurement("01", "01_table2", "estimate", ("median px % (ours)",), rows,
                                           model_column="model (ours)"),
                  within_half(px), setting, _IMAGENET_OURS, (), caveat),
            Claim(f"T2-{key}-random", "§4.2", f"Random changes of as many elements fool few images of {net}.",
                  f"{rnd:g} %", Measurement("01", "01_table2", "rate", ("random fooling % (ours)",), rows,
                                            model_column="model (ours)"),
                  at_most(rnd + 10.0, f"≤ {rnd + 10:g} % (paper + 10 points)"), setting, _IMAGENET_OURS,
                  (), caveat),
        ]
    return out


def _fig4_claims() -> list[Claim]:
    setting = "Inception-v3, 4000 ImageNet validation images"
    ours = "{model}, λ = 1 … 6 (the profile's sweep)"
    m = dict(notebook="01", table="01_fig4", kind="trend", model_column="model", unit="τ")
    return [
        Claim("F4-fooling", "§3.3, Fig. 4", "As λ grows, the fooling rate rises.", "≈ 77 % at λ = 1 → 100 %",
              Measurement(columns=("lam", "fooling"), **m), Criterion("Kendall τ > 0, p < 0.05", low=0.0),
              setting, ours, (), "the stand-in is already fooled on every image at λ = 1, a ceiling"),
        Claim("F4-pixels", "§3.3, Fig. 4", "As λ grows, the perturbations get denser (more pixels).",
              "≈ 40 → 120 px", Measurement(columns=("lam", "pixels"), **m),
              Criterion("Kendall τ > 0, p < 0.05", low=0.0), setting, ours),
        Claim("F4-iterations", "§3.3, Fig. 4", "As λ grows, SparseFool needs fewer iterations.", "≈ 14 → 4",
              Measurement(columns=("lam", "iterations"), **m), Criterion("Kendall τ < 0, p < 0.05", high=0.0),
              setting, ours, (), "iterations bottom out at one from λ = 2 on the small stand-in"),
    ]


def _l1_deepfool_claims() -> list[Claim]:
    out = []
    for dataset, data_name, model in (("mnist", "MNIST", "LeNet"), ("cifar10", "CIFAR-10", "ResNet-20")):
        rows: Rows = (("dataset", dataset),)
        ours = "{model} on " + ("the MNIST test set" if dataset == "mnist" else _CIFAR_JPEG)
        setting = "VGG-16 on ImageNet"
        out += [
            Claim(f"S22-{dataset}-unclipped", "§2.2", "l1-DeepFool (unclipped) fools almost every image.", "≈ 100 %",
                  Measurement("01", "01_l1_deepfool", "rate", ("fooling % unclipped",), rows, model_column="model"),
                  fooling_near(100.0), setting, ours, (), f"a {model} on {data_name} instead of VGG-16 on ImageNet"),
            Claim(f"S22-{dataset}-clipped", "§2.2", "Clipped to the valid range, l1-DeepFool fools few images.", "13 %",
                  Measurement("01", "01_l1_deepfool", "rate", ("fooling % clipped",), rows, model_column="model"),
                  at_most(23.0, "≤ 23 % (paper + 10 points)"), setting, ours, (),
                  f"a {model} on {data_name}: its l1 steps leave [0, 1] less often than VGG-16's on ImageNet"),
        ]
    return out


def _perceptibility_claims() -> list[Claim]:
    out = [
        Claim("F1-examples", "§4.2, Fig. 1", "ImageNet examples at three sparsity levels: sparse noise is barely "
              "visible, denser noise is.", "qualitative", Measurement("02", None, "illustration",
                                                                      figure="02_fig1_imagenet_examples"),
              Criterion("shown, not judged"), "ResNet-101, ImageNet", "EfficientNet-Lite stand-in, ImageNet samples"),
        Claim("F5a-examples", "§4.2, Fig. 5a", "MNIST examples at three sparsity levels.", "qualitative",
              Measurement("02", None, "illustration", figure="02_fig5a_mnist_examples"),
              Criterion("shown, not judged"), "LeNet, MNIST", "LeNet trained here, MNIST"),
        Claim("F5b-examples", "§4.2, Fig. 5b", "CIFAR-10 examples at three sparsity levels.", "qualitative",
              Measurement("02", None, "illustration", figure="02_fig5b_cifar10_examples"),
              Criterion("shown, not judged"), "ResNet-18, CIFAR-10", "ResNet-20 stand-in, JPEG CIFAR-10"),
        Claim("F7-same-image", "§4.2, Fig. 7", "On one image, a smaller δ makes the noise fainter but denser.",
              "0.169 → 0.839 → 3.202 % (δ = 255, 30, 10)",
              Measurement("02", "02_fig7_same_image", "illustration", figure="02_fig7_same_image"),
              Criterion("shown, not judged"), "ResNet-101, one ImageNet image", "EfficientNet-Lite stand-in, one image"),
    ]
    for dataset, ours in (("cifar10", "{model} on " + _CIFAR_JPEG), ("imagenet", _IMAGENET_OURS)):
        rows: Rows = (("dataset", dataset),)
        out += [
            Claim(f"F6-{dataset}-pixels", "§4.2, Fig. 6", "As the box ±δ around the image shrinks, more pixels "
                  "are perturbed.", "≈ 1000 → 12000 px (δ = 255 → 10)",
                  Measurement("02", "02_fig6_delta_sweep", "trend", ("delta", "pixels_pct"), rows, model_column="model",
                              unit="τ"),
                  Criterion("Kendall τ(δ, pixels) < 0, p < 0.05", high=0.0),
                  "ResNet-101, 100 ImageNet images", ours),
            Claim(f"F6-{dataset}-fooling", "§4.2, Fig. 6", "The fooling rate stays at 100 % for every δ.", "100 %",
                  Measurement("02", "02_fig6_delta_sweep", "min_rate", ("fooling",), rows, model_column="model"),
                  fooling_near(100.0), "ResNet-101, 100 ImageNet images", ours),
        ]
    return out


def _transfer_claims() -> list[Claim]:
    out = []
    for label, ours, caveat in (
            ("CIFAR-10", "CIFAR-10 ResNet-20/32/44/56 on " + _CIFAR_JPEG,
             "the stand-in nets are one family of ResNets differing only in depth"),
            ("ImageNet", "the profile's ImageNet nets on the offline ImageNet sample images",
             "the stand-in nets are one family, EfficientNet-Lite0/1/2, scaled together in width and depth "
             "(and fed one 224 crop in the full profile), not three different architectures")):
        rows: Rows = (("setting", f"ours ({label})"),)
        n_source = ("03_table3_summary", (("setting", f"ours: {label}"),), "n per source")
        setting = "VGG-16 / ResNet-101 / DenseNet-161, 4000 ImageNet validation images"
        key = label.lower().replace("-", "")
        out += [
            Claim(f"T3-{key}-mean", "§4.2, Table 3", "SparseFool perturbations transfer only to some extent "
                  "between networks.", "mean off-diagonal 17.0 % (8.2–28.2 %)",
                  Measurement("03", "03_table3_matrices", "transfer_mean", ("fooling %",), rows, n_source=n_source),
                  Criterion("within ±10 points of 17.0 % (7.0–27.0 %)", 7.0, 27.0), setting, ours),
            Claim(f"T3-{key}-asymmetry", "§4.2, Table 3", "Perturbations transfer better from larger to smaller "
                  "networks than the reverse.", "23.7 % vs 10.4 % (+13.3 points)",
                  Measurement("03", "03_table3_matrices", "transfer_asymmetry", ("fooling %",), rows,
                              unit="points", n_source=n_source),
                  Criterion("larger → smaller minus smaller → larger > 0", low=0.0), setting, ours, (),
                  caveat),
        ]
    return out


def _semantics_claims() -> list[Claim]:
    return [
        Claim("F8-shared-areas", "§4.2, Fig. 8", "Different networks perturb the same important areas of an image.",
              "qualitative (2 images)",
              Measurement("04", "04_location_agreement", "gap", ("same image", "random placement (baseline)"),
                          n_column="n images", unit="cos"),
              Criterion("agreement on the same image above random placement (> 0)", low=0.0),
              "VGG-16 / ResNet-101 / DenseNet-161, ImageNet", "EfficientNet-Lite0/1/2 on ImageNet sample images"),
        Claim("F9-semantics", "§4.2, Fig. 9", "On CIFAR-10 the noise falls on the head or on features of the fooling "
              "class.", "qualitative", Measurement("04", None, "illustration", figure="04_fig9_location_maps"),
              Criterion("shown, not judged"), "ResNet-18, CIFAR-10", "ResNet-20 stand-in, JPEG CIFAR-10"),
    ]


def _robustness_claims() -> list[Claim]:
    setting = "ResNet-18 vs its l∞ adversarially trained version (82.17 %), CIFAR-10"
    ours = ("ResNet-20 vs the same architecture trained here with fast l∞ adversarial training "
            "(resnet20-cifar10-linf, see its model card), on " + _CIFAR_JPEG)
    caveat = ("the robust stand-in is a ResNet-20 trained with fast adversarial training (FGSM from a random start), "
              "not Madry's PGD training of a ResNet-18; its PGD-20 accuracy is in tables/accuracy.csv")
    rob, std = (("role", "linf"),), (("role", "standard"),)
    return [
        Claim("AT-pixels", "§4.2", "The l∞-trained net needs more perturbed pixels (2.44 % vs 1.27 %).", "1.92×",
              Measurement("05", "05_robustness", "ratio", ("median px % (ours)", "median px % (ours)"), rob, std,
                          unit="×"),
              at_least(1.5, "≥ 1.5×"), setting, ours, (), caveat),
        Claim("AT-time", "§4.2", "SparseFool is no slower on the l∞-trained net (0.3 s vs 0.69 s).", "0.43×",
              Measurement("05", "05_robustness", "ratio", ("s/image (ours)", "s/image (ours)"), rob, std, unit="×"),
              at_most(1.0, "≤ 1×"), setting, ours, (), caveat),
        Claim("AT-fooling", "§4.2, §5", "Adversarial training does not stop SparseFool: it still fools the l∞-trained "
              "net.", "not given (implied ≈ 100 %)",
              Measurement("05", "05_robustness", "rate", ("fooling % (ours)",), rob, model_column="model (ours)"),
              fooling_near(100.0), setting, ours, (), caveat),
    ]


def _beyond_claims() -> list[Claim]:
    out = []
    for model, lam, ours in (("lenet-mnist", 1, "LeNet trained here, MNIST"),
                             ("resnet20-cifar10", 3, "ResNet-20 stand-in on " + _CIFAR_JPEG)):
        sf: Rows = (("model", model), ("attack", f"SparseFool λ={lam}"))
        out += [
            Claim(f"B-{model}-success", "beyond the paper (§4.2 setting)", f"Under one harness for every attack "
                  f"(failures = L0 ∞, clipped, re-checked), SparseFool λ={lam} still fools (almost) every image.",
                  "99.93–100 % (Table 1)",
                  Measurement("06", "06_comparison", "rate", ("success %",), sf, n_column="attacked",
                              model_column="model"),
                  fooling_near(100.0), "Table 1's setting", ours, ("lenet-mnist",)),
            Claim(f"B-{model}-vs-sigma-zero", "beyond the paper", f"SparseFool λ={lam} needs at most twice the "
                  "pixels of σ-zero (ICLR 2025), the strongest newer sparse attack run here.", "not in the paper",
                  Measurement("06", "06_comparison", "ratio", ("median px", "median px"), sf,
                              (("model", model), ("attack", "σ-zero")), n_column="attacked", unit="×"),
                  at_most(2.0, "≤ 2×"), "not in the paper", ours, (),
                  "newer minimum-norm attacks optimise L0 for many steps; SparseFool solves a linearised l1 problem"),
        ]
    return out


def registry() -> tuple[Claim, ...]:
    """Every registered claim, in the order of the paper (then notebook 06's own)."""
    claims = (_l1_deepfool_claims() + _fig4_claims() + _table1_claims() + _table1_ratio_claims() + _table2_claims()
              + _perceptibility_claims() + _transfer_claims() + _semantics_claims() + _robustness_claims()
              + _beyond_claims())
    ids = [c.id for c in claims]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"duplicate claim ids: {sorted(dup)}")
    return tuple(claims)


CLAIMS: tuple[Claim, ...] = registry()


# --- measuring ------------------------------------------------------------------------------------

class _NotRun(Exception):
    """The table or the row a claim needs is not in this profile's outputs."""


def _select(df: pd.DataFrame, rows: Rows, table: str) -> pd.DataFrame:
    sel = df
    for col, value in rows:
        if col not in sel.columns:
            raise _NotRun(f"table {table} has no column {col!r}")
        sel = sel[sel[col].astype(str) == value]
    if sel.empty:
        raise _NotRun(f"no row {', '.join(f'{c} = {v}' for c, v in rows)} in {table}")
    return sel


def _read(tables: Path, name: str) -> pd.DataFrame:
    path = tables / f"{name}.csv"
    if not path.is_file():
        raise _NotRun(f"{name} was not written in this profile")
    return pd.read_csv(path)


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _one(sel: pd.DataFrame, table: str) -> pd.Series:
    if len(sel) != 1:
        raise ValueError(f"{table}: the claim's row filter matches {len(sel)} rows, not one")
    return sel.iloc[0]


def _interval(row: pd.Series, column: str) -> tuple[float, float] | None:
    lo_col, hi_col = stats.ci_columns(column)
    if lo_col in row.index and hi_col in row.index:
        lo, hi = _num(row[lo_col]), _num(row[hi_col])
        if not (math.isnan(lo) or math.isnan(hi)):
            return lo, hi
    return None


def _depth(name: str) -> int:
    """The size rank of a net from its name's first number (ResNet-20 < ResNet-56, VGG-16 < ResNet-101,
    EfficientNet-Lite0 < Lite2): the order §4.2 calls smaller and larger."""
    found = re.search(r"\d+", name)
    if not found:
        raise ValueError(f"no size in the network name {name!r}")
    return int(found.group())


def _transfer_counts(sel: pd.DataFrame, n: int) -> dict[str, tuple[int, int]]:
    """Pooled (fooled, trials) of the off-diagonal pairs: all, larger → smaller, smaller → larger; a
    pair's trials are the images its source fooled (its diagonal rate × n)."""
    rate = {(r["source"], r["target"]): _num(r["fooling %"]) for _, r in sel.iterrows()}
    out = {"all": [0, 0], "down": [0, 0], "up": [0, 0]}
    for (s, t), value in rate.items():
        if s == t or math.isnan(value):
            continue
        trials = int(round(rate.get((s, s), 100.0) / 100.0 * n))
        fooled = int(round(value / 100.0 * trials))
        keys = ["all"] + ([] if _depth(s) == _depth(t) else ["down" if _depth(s) > _depth(t) else "up"])
        for k in keys:
            out[k][0] += fooled
            out[k][1] += trials
    return {k: (a, b) for k, (a, b) in out.items()}


def _figure_exists(profile: str, figure: str) -> bool:
    return any((paths.figures_root(profile) / f"{figure}.{ext}").is_file() for ext in ("png", "pdf"))


def measure(claim: Claim, profile: str) -> Verdict:
    """The claim's estimate, interval, p-value and n on ``profile``'s tables, judged (see :func:`judge`)."""
    m = claim.measurement
    tables = paths.tables_dir(profile)
    try:
        if m.kind == "illustration":
            if m.figure and not _figure_exists(profile, m.figure):
                raise _NotRun(f"figure {m.figure} was not made in this profile")
            return Verdict(claim, ILLUSTRATION, ours=claim.our_setting.replace("{model}", "our model"),
                           why="a single-image or qualitative figure: shown, not judged")
        df = _read(tables, m.table or "")
        sel = _select(df, m.rows, m.table or "")
        value = lo = hi = p = None
        detail: dict[str, float] = {}
        if m.kind == "rate":
            row = _one(sel, m.table or "")
            n, value = int(row[m.n_column]), _num(row[m.columns[0]])
            lo, hi = stats.rate_interval(value, n) if not math.isnan(value) else (None, None)
        elif m.kind == "estimate":
            row = _one(sel, m.table or "")
            n, value = int(row[m.n_column]), _num(row[m.columns[0]])
            lo, hi = _interval(row, m.columns[0]) or (None, None)
        elif m.kind == "ratio":
            num_row = _one(sel, m.table or "")
            row = _one(_select(df, m.denominator_rows, m.table or ""), m.table or "")
            a, b = _num(num_row[m.columns[0]]), _num(row[m.columns[1]])
            value = a / b if b > 0 else math.nan
            n = min(int(num_row[m.n_column]), int(row[m.n_column]))
            if m.columns[0] == TIME_COLUMN:
                lo, hi = value / TIMING_TOLERANCE, value * TIMING_TOLERANCE
                detail["timing tolerance"] = TIMING_TOLERANCE
            else:
                ia, ib = _interval(num_row, m.columns[0]), _interval(row, m.columns[1])
                lo, hi = stats.ratio_bounds(ia, ib) if ia and ib else (None, None)
            row = num_row
        elif m.kind == "min_rate":
            bounds = [(stats.rate_interval(_num(r[m.columns[0]]), int(r[m.n_column])), r) for _, r in sel.iterrows()]
            (lo, hi), row = min(bounds, key=lambda b: b[0][0])
            n, value = int(row[m.n_column]), _num(row[m.columns[0]])
        elif m.kind == "trend":
            row = sel.iloc[0]
            t = stats.trend(sel[m.columns[0]].astype(float), sel[m.columns[1]].astype(float))
            n, value, p = int(sel[m.n_column].min()), t.tau, t.p
            detail["points"] = t.points
        elif m.kind == "gap":  # every row's interval must clear the criterion: lo/hi are the extremes
            row = sel.iloc[0]
            n, value = int(sel[m.n_column].min()), float((sel[m.columns[0]] - sel[m.columns[1]]).mean())
            lo_col, hi_col = stats.ci_columns(f"{m.columns[0]} - {m.columns[1]}")
            if {lo_col, hi_col} <= set(sel.columns):
                lo, hi = float(sel[lo_col].min()), float(sel[hi_col].max())
        else:  # transfer_mean, transfer_asymmetry
            row = sel.iloc[0]
            table, rows, column = m.n_source  # type: ignore[misc]
            n = int(_one(_select(_read(tables, table), rows, table), table)[column])
            counts = _transfer_counts(sel, n)
            if m.kind == "transfer_mean":
                k, trials = counts["all"]
                value = 100.0 * k / trials
                lo, hi = stats.rate_interval(value, trials)
            else:
                (k1, n1), (k2, n2) = counts["down"], counts["up"]
                value = 100.0 * (k1 / n1 - k2 / n2)
                lo, hi = (100.0 * v for v in stats.newcombe_difference(k1, n1, k2, n2))
                detail.update({"larger → smaller %": 100.0 * k1 / n1, "smaller → larger %": 100.0 * k2 / n2})
    except _NotRun as err:
        return Verdict(claim, NOT_RUN, ours=claim.our_setting.replace("{model}", "our model"), why=str(err))
    model = str(row[m.model_column]) if m.model_column and m.model_column in row.index else None
    ours = claim.our_setting.replace("{model}", model or "our model")
    return judge(claim, value, lo, hi, p, n, ours, same=model in claim.same_models, detail=detail)


def judge(claim: Claim, value: float | None, lo: float | None, hi: float | None, p: float | None, n: int,
          ours: str = "", same: bool = False, detail: dict[str, float] | None = None) -> Verdict:
    """The verdict on an estimate (``value``, 95 % interval ``lo``–``hi`` or trend p-value ``p``, ``n``
    images) under the claim's criterion; see the module docstring for the rules."""
    c, kind = claim.criterion, claim.measurement.kind
    out = dict(value=value, lo=lo, hi=hi, p=p, n=n, ours=ours, detail=detail or {})

    def verdict(v: str, why: str = "") -> Verdict:
        if v == HOLDS and not same:
            v = HOLDS_STAND_IN
        return Verdict(claim, v, why=why, **out)

    if value is None or math.isnan(value):
        if kind == "trend":
            return verdict(INCONCLUSIVE, "the measure is the same at every setting, so no trend can show"
                           + (f": {claim.caveat}" if claim.caveat else ""))
        return verdict(INCONCLUSIVE, "no value: nothing was fooled, so there is no median")
    if n < MIN_N:
        return verdict(INCONCLUSIVE, f"n = {n} < {MIN_N} images: an illustration, not a result")
    if kind == "trend":
        want = 1 if c.low is not None else -1
        got = stats.Trend(value, p if p is not None else math.nan, 0).direction()
        if got == want:
            return verdict(HOLDS)
        if got == -want:
            return verdict(FAILS, claim.caveat or "the trend runs the other way")
        return verdict(INCONCLUSIVE, f"no significant trend (Kendall p = {p:.2g})"
                       + (f": {claim.caveat}" if claim.caveat else ""))
    if lo is None or hi is None:
        return verdict(INCONCLUSIVE, "the table gives no 95 % interval for this estimate (re-run notebook "
                       f"{claim.measurement.notebook} to write it)")
    band = (f"the timing band (÷/× {out['detail']['timing tolerance']:g}, wall times are not a sample)"
            if "timing tolerance" in out["detail"] else "the 95 % interval")
    inside = (c.low is None or lo >= c.low) and (c.high is None or hi <= c.high)
    outside = (c.low is not None and hi < c.low) or (c.high is not None and lo > c.high)
    if inside:
        return verdict(HOLDS)
    if outside:
        return verdict(FAILS, claim.caveat or f"{band} lies outside the criterion")
    return verdict(INCONCLUSIVE, f"{band} straddles the criterion ({c.text})")


def verdicts(profile: str, notebook: str | None = None) -> list[Verdict]:
    """Every registered claim (of ``notebook`` only, if given) judged on ``profile``'s tables."""
    return [measure(c, profile) for c in CLAIMS if notebook is None or c.measurement.notebook == notebook]


# --- rendering ------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    if math.isinf(x):
        return "∞"
    return f"{x:.3g}"


def ours_text(v: Verdict) -> str:
    """Our estimate with its 95 % interval (or trend p-value) in words."""
    unit = v.claim.measurement.unit
    if v.verdict in (NOT_RUN, ILLUSTRATION) or v.value is None:
        return "see the figure" if v.verdict == ILLUSTRATION else "—"
    if math.isnan(v.value):
        return "n/a"
    if v.claim.measurement.kind == "trend":
        return f"τ = {v.value:.2f}, p = {v.p:.2g} ({int(v.detail.get('points', 0))} settings)"
    suffix = {"%": " %", "×": "×", "points": " points", "cos": ""}.get(unit, f" {unit}")
    text = f"{_fmt(v.value)}{suffix}"
    if v.lo is not None and v.hi is not None:
        text += f" [{_fmt(v.lo)}, {_fmt(v.hi)}]" + (" (timing band)" if "timing tolerance" in v.detail else "")
    if v.detail and v.claim.measurement.kind == "transfer_asymmetry":
        text += " (" + " vs ".join(f"{_fmt(x)} %" for x in v.detail.values()) + ")"
    return text


def verdict_rows(vs: Sequence[Verdict]) -> pd.DataFrame:
    """One row per verdict: the columns of the rendered table and of ``verdicts.csv``."""
    return pd.DataFrame([{
        "id": v.claim.id, "notebook": v.claim.measurement.notebook, "where": v.claim.where, "claim": v.claim.claim,
        "paper": v.claim.paper, "ours (95 % interval)": ours_text(v), "n": "" if v.n is None else str(v.n),
        "criterion": v.claim.criterion.text, "our setting": v.ours, "paper's setting": v.claim.paper_setting,
        "verdict": v.verdict, "why": v.why,
        "value": v.value, "lo": v.lo, "hi": v.hi, "p": v.p,
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


def render_verdicts(notebook: str, profile: str) -> str:
    """The Markdown verdict table of one notebook's claims on ``profile``'s tables."""
    vs = verdicts(profile, notebook)
    if not vs:
        return f"No claim is registered for notebook {notebook}."
    return "\n".join([f"{len(vs)} claims ({profile} profile): {_counts_line(vs)}", "", _markdown(vs), "",
                      _RULES])


_RULES = ("*holds*: the 95 % interval (Wilson for rates, seeded bootstrap for medians and means, the "
          "conservative interval of two such intervals for ratios; for ratios of wall times, which are not a sample, "
          f"a ÷/× {TIMING_TOLERANCE:g} timing band) lies inside the criterion; a trend holds "
          "when Kendall's rank test gives p < 0.05 in the claimed direction. *does not hold*: the interval lies "
          "outside. *inconclusive*: it straddles the criterion, the table gives no interval, or n < 20. "
          "*holds on a stand-in*: holds, but our model or data is not the paper's. Registry: `sfutils/claims.py`.")


def render_report(profile: str, level: int = 1) -> str:
    """The full reproduction report of ``profile``: counts, then each notebook's verdict table; its
    title is a heading of ``level`` (2 to nest it in another page), the notebooks' one level below."""
    vs = verdicts(profile)
    h = "#" * level
    parts = [f"{h} Reproduction report ({profile} profile)", "",
             "Generated by `python -m sfutils.claims --profile " + profile + "` from the tables in `tables/`; "
             "do not edit by hand.", "", f"{len(vs)} claims: {_counts_line(vs)}", "", _RULES, ""]
    titles = {"01": "Overall performance (§2.2, §3.3, §4.2: Tables 1–2, Fig. 4)",
              "02": "Perceptibility (§4.2: Figs. 1, 5, 6, 7)", "03": "Transferability (§4.2: Table 3)",
              "04": "Semantic information (§4.2: Figs. 8–9)", "05": "Adversarial training (§4.2)",
              "06": "Beyond the paper (notebook 06)"}
    for nb, title in titles.items():
        sub = [v for v in vs if v.claim.measurement.notebook == nb]
        if sub:
            parts += [f"{h}# {nb} · {title}", "", _markdown(sub), ""]
    return "\n".join(parts)


def write_report(profile: str) -> tuple[Path, Path]:
    """Write ``figures/<profile>/report.md`` and ``figures/<profile>/tables/verdicts.csv``."""
    root, tables = paths.figures_root(profile), paths.tables_dir(profile)
    tables.mkdir(parents=True, exist_ok=True)
    report = root / "report.md"
    report.write_text(render_report(profile))
    csv = tables / "verdicts.csv"
    verdict_rows(verdicts(profile)).to_csv(csv, index=False)
    return report, csv


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=paths.HEADLINE_PROFILE)
    args = parser.parse_args(argv)
    for path in write_report(args.profile):
        print(f"wrote {path}")
    if args.profile == paths.HEADLINE_PROFILE:  # figures/README.md opens with the headline's report
        from sfutils.provenance import write_front_readme

        print(f"wrote {write_front_readme()}")


if __name__ == "__main__":
    main()
