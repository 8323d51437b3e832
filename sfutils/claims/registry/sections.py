"""Notebooks 02-06's claims: perceptibility (Figs. 1, 5-7), transferability (Table 3), semantic
information (Figs. 8-9), adversarial training (§4.2) and notebook 06's own, from :mod:`sfutils.paper`."""

from __future__ import annotations

import math
from itertools import combinations

from sfutils import paper, paths
from sfutils.claims.model import (Claim, Criterion, Measurement, Rows, above, at_least, at_most, band, below, fooling_near,
                                  within_factor)
from sfutils.claims.registry.settings import (CIFAR_JPEG, IMAGENET_JOB, IMAGENET_OURS, QUERIES, READ_FOOLING,
                                              READ_MAGNITUDE)
from sfutils.experiments.beyond import PAIRED_RATIO
from sfutils.experiments.common import P_FALLING, TAU
from sfutils.experiments.perceptibility import PAIRED_COST, PLATEAU_SLOPES

_SHOWN = Criterion("shown, not judged")


def _illustration(cid: str, where: str, claim: str, paper_value: str, notebook: str, figure: str, setting: str,
                  ours: str) -> Claim:
    return Claim(cid, where, claim, paper_value, Measurement(notebook, None, "illustration", figure=figure), _SHOWN,
                 setting, ours)


PLATEAU, COST = PLATEAU_SLOPES, PAIRED_COST  # the columns notebook 02 writes to 02_fig6_plateau


def _slope_ratio(pct: dict[int, float], low: int = 10, knee: int = 30, high: int = 255) -> float:
    """The slope ratio of 02_fig6_plateau on one of Fig. 7's images (its % at δ = 10, 30, 255)."""
    above = math.log(pct[knee] / pct[high]) / math.log(high / knee)
    return above / (math.log(pct[low] / pct[knee]) / math.log(knee / low))


def perceptibility_claims() -> list[Claim]:
    """Figs. 1 and 5 (examples), Fig. 6 (the box ±δ) and Fig. 7 (the same image at three δ)."""
    f7 = "; ".join(f"{name} " + " → ".join(f"{v:g}" for v in pct.values()) + " %"
                   for name, pct in paper.FIG7_PIXELS_PCT.items())
    deltas = ", ".join(str(d) for d in paper.FIG7_PIXELS_PCT["Arabian camel"])
    factors = " and ".join(f"{v:.1f}×" for v in paper.FIG7_FACTOR_30_255.values())
    f7_values = [_slope_ratio(pct) for pct in paper.FIG7_PIXELS_PCT.values()]
    f7_slopes = " and ".join(f"{v:.2f}" for v in f7_values)
    slope_bound = round(max(f7_values) * 1.5, 2)  # 1.5 × the paper's own steeper image: Fig. 7 must pass
    f7_setting = "two ImageNet images (Fig. 7's caption names no network)"
    out = [
        _illustration("F1-examples", "§4.2, Fig. 1", "ImageNet examples at three sparsity levels: sparse noise is "
                      "barely visible, denser noise is.", "qualitative", "02", "02_fig1_imagenet_examples",
                      "ResNet-101, ImageNet", "EfficientNet-Lite stand-in, ImageNet samples"),
        _illustration("F5a-examples", "§4.2, Fig. 5a", "MNIST examples at three sparsity levels.", "qualitative", "02",
                      "02_fig5a_mnist_examples", "LeNet, MNIST", "LeNet trained here, MNIST"),
        _illustration("F5b-examples", "§4.2, Fig. 5b", "CIFAR-10 examples at three sparsity levels.", "qualitative",
                      "02", "02_fig5b_cifar10_examples", "ResNet-18, CIFAR-10", "ResNet-20 stand-in, JPEG CIFAR-10"),
        _illustration("F7-same-image", "§4.2, Fig. 7", "On one image, a smaller δ makes the noise fainter but denser.",
                      f"{f7} (δ = {deltas})", "02", "02_fig7_same_image", f7_setting,
                      "EfficientNet-Lite stand-in, one image"),
    ]
    f7_mean = sum(paper.FIG7_FACTOR_30_255.values()) / len(paper.FIG7_FACTOR_30_255)
    for dataset, ours in (("cifar10", "{model} on " + CIFAR_JPEG), ("imagenet", "{model} on ImageNet sample images")):
        out.append(Claim(
            f"F7-{dataset}-factor", "§4.2, Fig. 7", "Per image, δ = 30 perturbs several times the pixels of δ = 255 "
            f"({factors} on Fig. 7's two images).", f"{factors} (two images)",
            Measurement("02", "02_fig7_factors", "estimate", ("factor",), (("dataset", dataset), ("delta", "30.0")),
                        model_column="model", unit="×", pending=IMAGENET_JOB if dataset == "imagenet" else ""),
            band(f7_mean, 2.0, f"the paper's two images ({f7_mean:.2g}×)"), f7_setting, ours, (),
            "the paper shows two ImageNet images, not a sample; a stand-in net" + (
                " on a data set Fig. 7 does not show" if dataset == "cifar10" else ""),
            "Each image's perturbed pixels at δ = 30 over its own at δ = 255 (paired), the median over the images "
            "fooled at both, against the mean of the paper's two images within ÷/× 2 (two images fix no more than "
            "an order of magnitude). The same two images set the bound of F6-*-plateau. A stand-in magnitude: how "
            "much a box of ±30 densifies a perturbation depends on the net and the data.", "magnitude", f7_mean))
    setting = f"{paper.FIG6_MODEL}, 100 ImageNet images"
    for dataset, ours in (("cifar10", "{model} on " + CIFAR_JPEG), ("imagenet", IMAGENET_OURS)):
        rows: Rows = (("dataset", dataset),)
        at = lambda d: rows + (("delta", f"{d:.1f}"),)  # noqa: E731 - a row of the sweep at box ±d
        plateau, full = at(30.0), at(255.0)
        caveat = ("a ResNet-20 stand-in on JPEG CIFAR-10, a data set Fig. 6 does not show" if dataset == "cifar10"
                  else "an EfficientNet-Lite0 stand-in on ImageNet sample images instead of ResNet-101 on validation "
                  "images (Lite0, the net of every uncapped ImageNet sweep, plays Fig. 6's ResNet-101 here, while "
                  "Table 2 pairs ResNet-101 with Lite1); δ = 255 is Table 2's record (batched at the cap of 50, its unfooled images rerun one at a "
                  "time at 200 and 1000), δ ≤ 100 batched runs at the cap of 1000: an image's outcome and pixels do "
                  "not depend on a cap it did not reach, but its seconds do, so costs are read in queries")
        sweep = dict(model_column="model", pending=IMAGENET_JOB if dataset == "imagenet" else "")
        # Fig. 6 is ImageNet only: the CIFAR-10 rows support its sentences, beyond the paper (as §2.2's MNIST and
        # CIFAR-10 rows), so each sentence has one verdict (F6-imagenet-*).
        f6_role = "sparsefool" if dataset == "imagenet" else "beyond"
        if dataset != "imagenet":
            caveat += "; beyond the paper: Fig. 6 is ImageNet only, so this row supports its sentence (F6-imagenet-* judge it)"
        out += [
            Claim(f"F6-{dataset}-pixels", "§4.2, Fig. 6", "As the box ±δ around the image shrinks, more pixels "
                  "are perturbed.", f"falls as δ grows (plotted only, on an axis to {paper.FIG6_AXIS_MAX_PIXELS} px)",
                  Measurement("02", "02_fig6_trends", "estimate", (TAU, P_FALLING),
                              rows + (("cap", "as run"), ("measure", "pixels")), unit="τ",
                              interval="seeded bootstrap 95 % (percentile) of the mean per-image τ, resampling images",
                              **sweep),
                  below(0.0, f"{TAU}(δ, pixels) < 0 (its interval below 0)"), setting, ours, (), caveat,
                  "A direction over δ, paired: each image's Kendall τ between δ and its perturbed pixels, averaged "
                  "over the images fooled at every δ, with a bootstrap interval that resamples images; it holds when "
                  "the interval lies below 0 (falling; the one-sided Wilcoxon p is shown).", f6_role),
            Claim(f"F6-{dataset}-fooling", "§4.2, Fig. 6", "The fooling rate stays at 100 % for every δ.", "100 %",
                  Measurement("02", "02_fig6_delta_sweep", "min_rate", ("fooling",), rows, **sweep),
                  fooling_near(100.0), setting, ours, (), caveat,
                  READ_FOOLING + " The lowest rate over the δ values is judged.", f6_role, 100.0),
            Claim(f"F6-{dataset}-plateau", "§4.2, Fig. 6", f"After δ ≈ {paper.FIG6_PLATEAU_DELTA:g} the sparsity "
                  "levels seem to remain almost constant.", f"almost constant (plotted only); Fig. 7's two images: "
                  f"slope ratio {f7_slopes}",
                  Measurement("02", "02_fig6_plateau", "estimate", (PLATEAU,), rows, unit="×",
                              interval="seeded bootstrap 95 % (percentile), paired: resamples whole images (each "
                                       "image's three δ move together)",
                              beside=tuple((f"median px % at δ = {d:g} (common images)", "02_fig6_delta_sweep", at(d),
                                            "pixels_pct_common") for d in (30.0, 255.0)), **sweep),
                  below(slope_bound, f"slope ratio < {slope_bound:g} (1.5 × the steeper of Fig. 7's two images, "
                                     f"{max(f7_values):.2f}: the paper's own values pass)"), setting, ours,
                  (), caveat,
                  "\"Almost constant after δ ≈ 25\" is a flattening: per image, the log-log slope of perturbed pixels "
                  "against δ from 30 to 255 over the slope from 10 to 30 (30 is the first swept δ above 25), medians "
                  "over the images fooled at all three δ, with a bootstrap that resamples images (paired). 0 is flat "
                  "above the knee, 1 a straight line in log-log; one-sided (flatter does not refute it), below 1.5 × the "
                  f"steeper of Fig. 7's two images ({f7_slopes}), so that the paper's own images pass; the power is "
                  "computed at that image's value. \"Almost constant\" is the paper's word for a curve that still "
                  f"falls: Fig. 7's images perturb {factors} the pixels at δ = 30 as at δ = 255; our medians at "
                  "δ = 30 and 255 are shown beside the ratio so the remaining fall can be read.", f6_role,
                  max(f7_values)),
            Claim(f"F6-{dataset}-cost", "§4.2", f"From δ ≈ {paper.FIG6_PLATEAU_DELTA:g} on, a smaller box costs no more "
                  "time per image (the paper: the time \"seems to remain constant\"; judged on queries per image, "
                  "δ = 30 over δ = 255).", "\"seems to remain constant\" (no number)",
                  Measurement("02", "02_fig6_plateau", "estimate", (COST,), rows, n_column="n_cost", unit="×",
                              requires=(COST,), interval="seeded paired bootstrap 95 % (percentile): resamples the "
                                                         "images, each attacked at both δ",
                              fallback=Measurement("02", "02_fig6_delta_sweep", "ratio", ("queries", "queries"),
                                                   plateau, full, unit="×", **sweep), **sweep),
                  at_most(1.5, "≤ 1.5× (δ = 30 over δ = 255: the cost does not grow)"), setting, ours, (), caveat,
                  "\"Stays constant\" is a claim that a small box costs no more: mean queries per image at δ = 30 "
                  "over δ = 255 on the same images (paired), one-sided, at most 1.5× (cheaper does not refute it); "
                  "power at 1×. A value well below 1× means a small box is cheaper, not constant: the sentence's "
                  "point (a small box costs no more) holds, its word \"constant\" does not describe it.",
                  f6_role, 1.0),
        ]
    return out


def transfer_claims() -> list[Claim]:
    """Table 3: how far perturbations transfer, and the direction in which they transfer better."""
    off = [float(paper.TABLE3.loc[s, t]) for s in paper.TABLE3_NETS for t in paper.TABLE3_NETS if s != t]
    mean = sum(off) / len(off)
    pairs = list(combinations(paper.TABLE3_NETS, 2))  # (smaller, larger): the nets run smaller to larger
    down_mean = sum(float(paper.TABLE3.loc[large, small]) for small, large in pairs) / len(pairs)
    up_mean = sum(float(paper.TABLE3.loc[small, large]) for small, large in pairs) / len(pairs)
    out = []
    crop = ("Lite1 and Lite2 are attacked at a 224-pixel crop rather than their native 240 and 260 pixels (one crop "
            "for all three nets, so that the adversarials transfer unchanged)")
    for label, ours, caveat, direction in (
            ("CIFAR-10", "CIFAR-10 ResNet-20/32/44/56 on " + CIFAR_JPEG,
             "CIFAR-10 instead of ImageNet, and four ResNets differing only in depth (one family) instead of three "
             "different architectures; beyond the paper: Table 3 is ImageNet only, so this row supports its sentence "
             "(T3-imagenet-* judge it)", "'larger' read as deeper"),
            ("ImageNet", "EfficientNet-Lite0/1/2 (stand-ins) on the offline ImageNet sample images",
             "EfficientNet-Lite0/1/2 (one family scaled together) stand in for VGG-16, ResNet-101 and DenseNet-161, "
             f"on 100 sample images (not 4000 validation images); {crop}",
             "'larger' read as deeper; the 224-pixel crop below Lite1's and Lite2's native size is a possible "
             "cause of a reversal, not tested")):
        summary: Rows = (("setting", f"ours: {label}"),)
        # Table 3 is ImageNet: the CIFAR-10 rows support its sentences, beyond the paper (as §2.2's).
        t3_role = "sparsefool" if label == "ImageNet" else "beyond"
        setting = "VGG-16 / ResNet-101 / DenseNet-161, 4000 ImageNet validation images"
        key = label.lower().replace("-", "")
        pooled = Measurement("03", "03_table3_summary", "estimate", (POOLED,), summary, n_column="n per source",
                             requires=(POOLED,), reason="03_table3_summary has no image-level pooled mean yet "
                             "(re-run notebook 03)", interval=CLUSTER_BOOTSTRAP)  # read by -mean and -mean-size
        out += [
            Claim(f"T3-{key}-mean", "§4.2, Table 3", "SparseFool perturbations transfer only to some extent "
                  "between networks (judged as: limited; its size is T3-*-mean-size).", f"mean off-diagonal {mean:.1f} % ({min(off):g}–{max(off):g} %)",
                  pooled,
                  below(mean + 10, f"pooled off-diagonal < {mean + 10:.1f} % (limited: below the paper's mean + 10 "
                        "points)"), setting, ours, (), caveat,
                  "\"Only to some extent ... mostly network dependent\": a one-sided claim that transfer is limited. "
                  "The off-diagonal transfer rate pooled over the pairs must stay below the paper's mean plus 10 "
                  f"points ({mean + 10:.1f} %): less transfer is the claim's own direction, only a rate near 100 % "
                  "would contradict it. \"Some\" is not judged (any rate above 0 would meet it, and random noise of "
                  f"the same size already flips a few %): how much transfers is T3-{key}-mean-size. The interval "
                  "resamples whole images, since every pair reuses them.", t3_role, mean),
            Claim(f"T3-{key}-mean-size", "§4.2, Table 3", "How much SparseFool perturbations transfer between "
                  "networks: the pooled off-diagonal rate of Table 3.", f"mean off-diagonal {mean:.1f} % "
                  f"({min(off):g}–{max(off):g} %)",
                  pooled,
                  Criterion(f"within ± 10 points of {mean:.1f} % ({mean - 10:.1f}–{mean + 10:.1f} %)", mean - 10,
                            mean + 10), setting, ours, (), caveat,
                  "The pooled transfer rate beside the paper's mean off-diagonal rate, read against ± 10 points (the "
                  "paper's own cells span 8.2–28.2 %). Shown, not judged: how much transfers depends on the nets and "
                  f"the data, and the sentence's claim (limited transfer) is judged once, as T3-{key}-mean.",
                  "context", round(mean, 1)),
            Claim(f"T3-{key}-asymmetry", "§4.2, Table 3", "Perturbations transfer better from larger to smaller "
                  "networks than the reverse.", f"{down_mean:.1f} % vs {up_mean:.1f} % ({down_mean - up_mean:+.1f} "
                  "points)",
                  Measurement("03", "03_table3_summary", "estimate", ("asymmetry (pooled, points)",), summary,
                              n_column="n per source", unit="points", interval=CLUSTER_BOOTSTRAP),
                  above(0.0, "larger → smaller minus smaller → larger > 0"), setting, ours, (),
                  f"{caveat}; {direction}",
                  "A direction: the pooled transfer rate from larger to smaller nets minus the reverse (larger read "
                  "as deeper), on an interval that resamples whole images, one-sided > 0. The paper gives it \"as "
                  "expected [29]\", a property of the architectures; our nets are one family each (four ResNets "
                  "differing only in depth; EfficientNet-Lite0/1/2 scaled together), so it is judged on the stand-in "
                  "within one family, and which way that biases it is not known, as for Table 3's mean, "
                  "T2-consistent and F8-shared-areas.", t3_role,
                  down_mean - up_mean),
        ]
    return out


POOLED = "mean off-diagonal (pooled, %)"
CLUSTER_BOOTSTRAP = "cluster bootstrap 95 % (percentile), resampling whole images (the pairs share them)"


def semantics_claims() -> list[Claim]:
    """Fig. 8 (shared areas across networks, and how each concentrates) and Fig. 9 (CIFAR-10)."""
    setting, ours = "VGG-16 / ResNet-101 / DenseNet-161, ImageNet", "EfficientNet-Lite0/1/2 on ImageNet sample images"
    family = "the stand-ins are one family (EfficientNet-Lite0/1/2) scaled together, not three architectures"
    return [
        Claim("F8-shared-areas", "§4.2, Fig. 8", "Different networks perturb the same important areas of an image.",
              "qualitative (2 images)",
              Measurement("04", "04_location_agreement", "gap", ("same image", "different images (baseline)"),
                          n_column="n images", unit="cos"),
              above(0.0, "agreement of fooling perturbations on the same image above that on different images (> 0)"),
              setting, ours, (), family,
              "The cosine agreement of two nets' smoothed perturbation maps on the same image minus that on different "
              "images (what any two maps share), one-sided > 0 for every pair of nets. Judged on the stand-in with "
              "the caveat that our three nets are one architecture scaled (EfficientNet-Lite0/1/2), not the paper's "
              "VGG-16, ResNet-101 and DenseNet-161: within one family, and which way that biases it is not known, "
              "as for Table 3's claims and T2-consistent.", role="sparsefool"),
        Claim("F8-differs", "§4.2, Fig. 8", "The way the noise concentrates or spreads is different for each network.",
              "qualitative (2 images)",
              Measurement("04", "04_spread_test", "pvalue", ("statistic", "p"), (("test", "Friedman"),), n_column="n",
                          unit="χ²"),
              Criterion("Friedman test of the per-image spread across the nets: p < 0.05", low=0.0), setting, ours,
              (), family,
              "A heterogeneity test: each image's rms spread of perturbed pixels on every net, on the images every net "
              "fooled (paired), compared across nets by Friedman's rank test; p < 0.05 says the nets spread "
              "the noise differently. The spread also depends on how many pixels a net perturbs, so the test says "
              "that the nets differ, not why. Shown, not judged: the per-image spread grows with how many pixels "
              "a net perturbs, and the nets' densities differ, so a difference in spread is not shown to be a "
              "difference in where the noise concentrates (a comparison at a fixed pixel count is not run here).",
              role="context"),
        Claim("S42-imagenet-heads", "§4.2", "On ImageNet animal categories the perturbations concentrate around "
              "important areas (the head), with no consistent pattern of specific features (eyes, ears, nose); in "
              "many cases the noise also spreads over different parts of the image.", "qualitative",
              Measurement("04", None, "unmeasured", reason=(
                  "no head or part annotations of ImageNet animal images are available offline, so where the noise "
                  "falls relative to the head cannot be measured; notebook 04's location maps show where it falls")),
              Criterion("not judged"), "ImageNet animal categories (nets of Fig. 8)", "—"),
        _illustration("F9-semantics", "§4.2, Fig. 9", "On CIFAR-10 the noise falls on the head or on features of the "
                      "fooling class.", "qualitative", "04", "04_fig9_location_maps", "ResNet-18, CIFAR-10",
                      "ResNet-20 stand-in, JPEG CIFAR-10"),
        Claim("F9b-fooling-class", "§4.2, Fig. 9b", "In many cases the algorithm perturbs the regions of the image that "
              "correspond to important features of the fooling class (a \"bird\" fooled into a \"plane\" gets "
              "wings; \"deer\" noise resembles antlers).", "qualitative",
              Measurement("04", None, "unmeasured", reason=(
                  "no measure of 'features of the fooling class' is implemented (it would need part annotations or a "
                  "class-evidence map per fooling class); the location maps by fooling class are shown in "
                  "04_fig9_cifar10_by_fooling_class")),
              Criterion("not judged"), "ResNet-18, CIFAR-10", "—"),
    ]


def robustness_claims() -> list[Claim]:
    """§4.2 and §5 on the l∞ adversarially trained net: the robust net's accuracy (a baseline check
    of our robust stand-in), how much denser SparseFool's perturbations get on it (one claim: the
    paired ratio, with both nets' medians beside it), its cost, and whether it still fools the net
    (a claim the paper implies but does not state: beyond the paper)."""
    at = paper.AT
    setting = f"ResNet-18 vs its l∞ adversarially trained version ({at['accuracy']:g} %), CIFAR-10"
    ours = ("ResNet-20 vs the same architecture trained here with fast l∞ adversarial training "
            "(resnet20-cifar10-linf, see its model card), on " + CIFAR_JPEG)
    caveat = ("the robust stand-in is a ResNet-20 trained here with fast l∞ adversarial training (FGSM from a random "
              "start), not Madry's PGD training of a ResNet-18; its clean and PGD-20 accuracy are in "
              f"figures/{paths.HEADLINE_PROFILE}/tables/accuracy.csv (python -m sfutils.accuracy; AT-accuracy)")
    rob, std = (("role", "linf"),), (("role", "standard"),)
    ratio = paper.AT_PIXEL_RATIO
    hi = ratio * 1.5

    def paired(quantity: str, column: str) -> Measurement:
        beside = tuple((f"{name} net's {quantity} (ours)", "05_robustness", rows, column)
                       for name, rows in (("robust", rob), ("standard", std)))
        return Measurement("05", "05_robustness_paired", "estimate", ("ratio (paired)",), (("quantity", quantity),),
                           unit="×", requires=("ratio (paired)",), beside=beside,
                           interval="seeded paired bootstrap 95 % (percentile): resamples the images, each attacked "
                                    "on both nets",
                           fallback=Measurement("05", "05_robustness", "ratio", (column, column), rob, std, unit="×",
                                                beside=beside))

    return [
        Claim("AT-accuracy", "§4.2", f"The l∞ adversarially trained ResNet-18 has {at['accuracy']:g} % accuracy on the "
              "CIFAR-10 test set.", f"{at['accuracy']:g} %",
              Measurement("05", "accuracy", "rate", ("accuracy",), (("model", "resnet20-cifar10-linf"),),
                          model_column="model"),
              Criterion(f"within ± 5 points of {at['accuracy']:g} % ({at['accuracy'] - 5:g}–{at['accuracy'] + 5:g} %)",
                        at["accuracy"] - 5, at["accuracy"] + 5),
              setting, "{model}, clean accuracy on the 10000 JPEG CIFAR-10 test images", (),
              caveat + "; the JPEG copy of CIFAR-10 costs pretrained nets about 10 accuracy points",
              "A baseline check of the robust net the claims below attack: its clean accuracy within ± 5 points of "
              "the paper's robust ResNet-18 (two-sided: a much weaker or a much stronger robust net is another "
              "baseline). A baseline check: the robust net's configuration in our hands, not a claim about "
              "SparseFool.", "baseline", at["accuracy"]),
        Claim("AT-only-slightly", "§4.2, §5", "Adversarial training only slightly improves the robustness against "
              f"sparse perturbations: \"just a slight change in the sparsity\" ({at['pixels_pct']:g} % on the robust "
              f"net vs {at['standard_pixels_pct']:g} % on the standard one).", f"{ratio:.2f}× ({at['pixels_pct']:g} % / "
              f"{at['standard_pixels_pct']:g} %)", paired("median px %", "median px % (ours)"),
              at_most(round(hi, 2), f"≤ {hi:.3g}× (1.5 × the paper's {ratio:.2f}×)"), setting, ours, (),
              WEAK_ROBUST_NET + "; " + caveat,
              "The robust net's median perturbed pixels over the standard net's, on the same images (paired "
              "bootstrap by image), one-sided: \"only slightly\" bounds the gain from above, so the ratio must stay "
              f"at most 1.5 × the paper's {ratio:.2f}× (a ratio of 1, no gain at all, agrees with the sentence). Both "
              "nets' medians are shown in the why; the robust net's training is checked by AT-accuracy. " + AT_CONFOUND,
              "context", ratio),
        Claim("AT-robust-pixels", "§4.2, §5", f"SparseFool perturbs {at['pixels_pct']:g} % of the pixels of the "
              "l∞ adversarially trained net (its median).", f"{at['pixels_pct']:g} %",
              Measurement("05", "05_robustness", "estimate", ("median px % (ours)",), rob, model_column="model (ours)"),
              within_factor(at["pixels_pct"], "cifar10"), setting, ours, (), caveat,
              READ_MAGNITUDE + " Here: the robust stand-in's median, the numerator of AT-only-slightly's ratio.",
              "magnitude", at["pixels_pct"]),
        Claim("AT-cost", "§4.2", f"SparseFool is no more costly on the l∞-trained net ({at['seconds']:g} s vs "
              f"{at['standard_seconds']:g} s; judged on queries per image).",
              f"{at['seconds'] / at['standard_seconds']:.2f}× (time)", paired("queries/image", QUERIES),
              at_most(1.0, "≤ 1× (queries)"), setting, ours, (), caveat,
              "Queries per image on the robust net over the standard one, on the same images, one-sided at most 1×. "
              + AT_CONFOUND, "context", at["seconds"] / at["standard_seconds"]),
        Claim("AT-fooling", "beyond the paper (§4.2, §5 setting)", "Adversarial training does not stop SparseFool: it "
              "still fools the l∞-trained net.", "not given (the paper reports only the robust net's sparsity)",
              Measurement("05", "05_robustness", "rate", ("fooling % (ours)",), rob, model_column="model (ours)"),
              at_least(95.0, "≥ 95 %"), setting, ours, (), caveat,
              READ_FOOLING + " The paper gives no fooling rate on the robust net, so this is beyond the paper.",
              "beyond"),
    ]


# Why the robust / standard pair is shown, not judged: the two nets differ in more than adversarial training.
AT_CONFOUND = ("Shown, not judged: our two nets differ in more than adversarial training, which most likely "
               "inflates the ratio, so the paper's adversarial-training conclusion is neither confirmed nor refuted "
               "here. The standard ResNet-20 was "
               "trained on real CIFAR-10 and is attacked on its JPEG copy (a shift that costs it about 10 accuracy "
               "points), while the robust one was trained on the JPEG copy itself; a matched control (the same "
               "fine-tuning recipe without the FGSM step) is not trained here. Why inflated: the shifted standard "
               "net needs fewer pixels (its median is about half the paper's ResNet-18's, "
               "T1-cifar10-resnet-18-sparsefool-pixels), while the robust net's own median matches the paper's "
               "(AT-robust-pixels).")
# Why AT-only-slightly's ratio can differ from the paper's: either net of the pair is a stand-in.
WEAK_ROBUST_NET = ("the ratio has two stand-ins: the robust net (a ResNet-20 trained here with fast l∞ adversarial "
                   "training, FGSM from a random start, not Madry's PGD; AT-robust-pixels compares its median with "
                   f"the paper's {paper.AT['pixels_pct']:g} %) and the standard net (the ResNet-20 trained on real "
                   "CIFAR-10 and attacked on its JPEG copy; T1-cifar10-resnet-18-sparsefool-pixels compares its "
                   f"median with the paper's {paper.AT['standard_pixels_pct']:g} %): where one of the two magnitudes "
                   "differs from the paper's, the ratio differs through that net, and the medians beside say which")


def validity_claims() -> list[Claim]:
    """§1 and §3.1: SparseFool's adversarial images are valid without clipping after the attack."""
    out = []
    for model, lam, ours in (("lenet-mnist", 1, "LeNet trained here, MNIST"),
                             ("resnet20-cifar10", 3, "ResNet-20 stand-in on " + CIFAR_JPEG),
                             ("vgg19half-cifar10", 3, "VGG-19 (half width) stand-in on " + CIFAR_JPEG)):
        out.append(Claim(
            f"S31-{model}-valid", "§2.2, §3.1", "SparseFool natively takes into account the validity of the generated "
            "adversarial images: they stay in the valid range without clipping afterwards.", "valid by construction",
            Measurement("06", "06_comparison", "rate", ("out of [0,1] %",), (("model", model),
                                                                              ("attack", f"SparseFool λ={lam}")),
                        n_column="attacked", model_column="model"),
            at_most(5.0, "adversarials out of [0, 1] ≤ 5 % (Wilson)"), "the paper's nets", ours,
            ("lenet-mnist",), "" if model == "lenet-mnist" else "a stand-in net",
            "The share of SparseFool's adversarial images with a value outside [0, 1] before any clipping (notebook "
            "06 checks every adversarial). Shown as context, not judged: Algorithm 2 clips each iterate to the "
            "valid range, so the images are valid by construction and this share can differ from 0 only through a "
            "bug (tests/test_sparsefool.py and tests/test_properties.py check the clipping).", "context", 0.0))
    return out


def beyond_claims() -> list[Claim]:
    """Notebook 06's own claims (not the paper's): one harness for every sparse attack."""
    out = []
    for model, lam, ours in (("lenet-mnist", 1, "LeNet trained here, MNIST"),
                             ("resnet20-cifar10", 3, "ResNet-20 stand-in on " + CIFAR_JPEG)):
        sf: Rows = (("model", model), ("attack", f"SparseFool λ={lam}"))
        out += [
            Claim(f"B-{model}-success", "beyond the paper (§4.2 setting)", f"Under one harness for every attack "
                  f"(failures = L0 ∞, clipped, re-checked), SparseFool λ={lam} still fools at least 95 % of the images "
                  f"({model}).",
                  "99.93–100 % (Table 1)",
                  Measurement("06", "06_comparison", "rate", ("success %",), sf, n_column="attacked",
                              model_column="model"),
                  fooling_near(100.0), "Table 1's setting", ours, (), "",
                  "Shown as context, not judged: the same fooling rate is judged on Table 1's runs "
                  f"(T1-*-sparsefool-fool); this row is notebook 06's harness on {model}.", "context"),
            Claim(f"B-{model}-vs-sigma-zero", "beyond the paper", f"SparseFool λ={lam} needs at most twice the "
                  "pixels of σ-zero (ICLR 2025), the strongest newer sparse attack run here.", "not in the paper",
                  Measurement("06", "06_comparison", "estimate", (PAIRED_RATIO,), (("model", model),
                                                                                    ("attack", "σ-zero")),
                              n_column="attacked", unit="×", requires=(PAIRED_RATIO,),
                              interval="seeded paired bootstrap 95 % (percentile): resamples the images, each "
                                       "attacked by both",
                              fallback=Measurement("06", "06_comparison", "ratio", ("median px", "median px"), sf,
                                                   (("model", model), ("attack", "σ-zero")), n_column="attacked",
                                                   unit="×")),
                  at_most(2.0, "≤ 2×"), "not in the paper", ours, (),
                  "newer minimum-norm attacks optimise L0 for many steps; SparseFool solves a linearised l1 problem",
                  "SparseFool's median pixels over σ-zero's on the same images (failures counted as ∞), one-sided "
                  "at most 2×, with a paired bootstrap interval that resamples the images.", "beyond"),
        ]
    return out
