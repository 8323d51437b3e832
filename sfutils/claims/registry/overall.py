"""Notebook 01's claims: §2.2 (l1-DeepFool), §3.3 and Fig. 4 (λ), Table 1 and Table 2 (§4.2), from
:mod:`sfutils.paper`. Each claim quotes the paper's sentence and carries its reading: the statistic,
the direction and the tolerance that sentence becomes, and why."""

from __future__ import annotations

from dataclasses import replace

from sfutils import paper
from sfutils.claims.model import (PIXELS, Claim, Criterion, Measurement, Rows, above, at_least,
                                  at_most, below, fooling_near, within_factor)
from sfutils.experiments.common import P_FALLING, P_RISING, TAU
from sfutils.experiments.overall import MEAN_MEDIAN, SPREAD
from sfutils.claims.registry.settings import (ATTACK_CAVEAT, ATTACK_NAMES, CIFAR_JPEG, IMAGENET_JOB, IMAGENET_OURS,
                                              JSMA_UNCAPPED, LITE_PAIRING, QUERIES, READ_BASELINE_FOOLING,
                                              READ_FOOLING, READ_MAGNITUDE,
                                              READ_PIXELS, join, ours_table1)

_T1 = "§4.2, Table 1"
# Our net for each of Table 1's nets (the models Table 1's runs attack; their accuracy is in the accuracy table).
_T1_MODELS = {("mnist", "LeNet"): "lenet-mnist", ("cifar10", "VGG-19"): "vgg19half-cifar10",
              ("cifar10", "ResNet-18"): "resnet20-cifar10"}
_JSMA_CAP = ("JSMA stops once it has changed γ = 14.5 % of the pixels (the original JSMA paper's cap; the paper names "
             "none): a baseline-check row showing how much the cap changes Table 1's JSMA cells")
_NOT_JUDGED = Criterion("not judged")
UNCAPPED = "fooling % at cap 50 (ours)"  # the column that marks 01_table2 as issue 33's uncapped run
_WAIT_UNCAPPED = ("01_table2 still holds the run at the authors' cap of 50 iterations; the uncapped run "
                  "(Algorithm 2 with max_iter 1000, issue 33) has not been written yet")


def _net_key(net: str) -> str:
    return net.lower()


def _table1_row(attack: str, base: Rows) -> Rows:
    """The Table 1 row a claim on ``attack`` reads: JSMA's at γ = 1 (the wall-time benchmark's protocol)."""
    return base + (("attack", JSMA_UNCAPPED if attack == "jsma" else attack),)


def _on_table1(m: Measurement, attack: str, base: Rows) -> Measurement:
    """``m`` (on :func:`_table1_row`); for JSMA, falling back to its γ = 14.5 % row where a profile
    has no γ = 1 row."""
    if attack != "jsma":
        return m
    return replace(m, fallback=replace(m, rows=base + (("attack", "jsma"),)))


def table1_claims() -> list[Claim]:
    """Each attack's fooling rate and median perturbed pixels on each Table 1 net: SparseFool's are
    the paper's claims (its share of pixels on a CIFAR-10 stand-in net is a stand-in magnitude, not a
    verdict); JSMA's and the one-pixel attack's are baseline checks (their configuration)."""
    out = []
    for (dataset, net), attacks in paper.TABLE1.items():
        data_name = "MNIST" if dataset == "mnist" else "CIFAR-10"
        ours, same, stand_in = ours_table1(dataset)
        setting = f"{net}, {data_name} test set (10000 images; one-pixel on {paper.ONE_PIXEL_SAMPLES}), {paper.DEVICE}"
        rows: Rows = (("dataset", dataset), ("paper model", net))
        acc = paper.TABLE1_ACCURACY[(dataset, net)]
        out.append(Claim(
            f"T1-{dataset}-{_net_key(net)}-accuracy", _T1, f"{net} ({data_name}): the attacked net has {acc:g} % "
            "accuracy on the test set.", f"{acc:g} %",
            Measurement("01", "accuracy", "rate", ("accuracy",), (("model", _T1_MODELS[(dataset, net)]),),
                        model_column="model"),
            Criterion(f"within ± 5 points of {acc:g} % ({acc - 5:g}–{acc + 5:g} %)", acc - 5, acc + 5),
            f"{net}, {data_name} test set", "{model}, clean accuracy on the 10000 test images" + (
                "" if dataset == "mnist" else " of " + CIFAR_JPEG), (),
            join(stand_in, "" if dataset == "mnist" else "the JPEG copy of CIFAR-10 costs pretrained nets about 10 "
                 "accuracy points"),
            "A baseline check of the net Table 1's attacks run on: its clean accuracy within ± 5 points of the "
            "paper's (two-sided; python -m sfutils.accuracy writes the table), not a claim about SparseFool.",
            "baseline", acc))
        for attack, cell in attacks.items():
            sel, caveat = _table1_row(attack, rows), join(ATTACK_CAVEAT[attack], stand_in)
            tag = f"T1-{dataset}-{_net_key(net)}-{attack}"
            role = "sparsefool" if attack == "sparsefool" else "baseline"
            who = "" if role == "sparsefool" else (" A baseline check: this is the baseline's configuration in our "
                                                    "hands, not a claim about SparseFool.")
            px_role = "magnitude" if role == "sparsefool" and not same else role
            px_reading = (READ_PIXELS + who) if px_role != "magnitude" else READ_MAGNITUDE
            out.append(Claim(
                f"{tag}-fool", _T1, f"{net} ({data_name}): {ATTACK_NAMES[attack]} fools {cell.fooling:g} % of the "
                "test images.",
                f"{cell.fooling:g} %", _on_table1(Measurement("01", "01_table1", "rate", ("fooling % (ours)",), sel,
                                                              model_column="model (ours)"), attack, rows),
                fooling_near(cell.fooling) if role == "sparsefool" else _baseline_rate(cell.fooling), setting, ours,
                same if role == "sparsefool" else (), caveat,
                (READ_BASELINE_FOOLING + who) if who else READ_FOOLING, role, cell.fooling))
            out.append(Claim(
                f"{tag}-pixels", _T1, f"{net} ({data_name}): {ATTACK_NAMES[attack]}'s median perturbation changes "
                f"{cell.pixels_pct:g} % of the pixels (median over the fooled images).",
                f"{cell.pixels_pct:g} %",
                _on_table1(Measurement("01", "01_table1", "estimate", ("median px % (ours)", "median px % all (ours)"),
                                       sel, model_column="model (ours)"), attack, rows),
                within_factor(cell.pixels_pct, dataset), setting, ours, same if role == "sparsefool" else (), caveat,
                px_reading, px_role, cell.pixels_pct))
            if attack == "sparsefool":
                out.append(Claim(
                    f"{tag}-seconds", _T1, f"{net} ({data_name}): SparseFool takes {cell.seconds:g} s per image.",
                    f"{cell.seconds:g} s ({paper.DEVICE}, one image at a time)",
                    Measurement("01", "01_table1", "estimate", ("s/image (ours)",), sel, model_column="model (ours)",
                                unit="s"), _NOT_JUDGED, setting, ours + ", batched on this CPU", (),
                    join("seconds on a shared 2-core CPU, batched, not the paper's GPU one image at a time: shown, "
                         "not judged (the wall-time claims are judged on the interleaved benchmark, "
                         "T1-*-walltime-jsma)", stand_in), role="context"))
            if attack == "jsma":
                capped = rows + (("attack", "jsma"),)
                for what, kind, cols in (("fool", "rate", ("fooling % (ours)",)),
                                         ("pixels", "estimate", ("median px % (ours)", "median px % all (ours)"))):
                    quantity = "fooling rate" if what == "fool" else "median perturbed pixels"
                    out.append(Claim(
                        f"{tag}-{what}-gamma0.145", _T1, f"Sensitivity row: JSMA's {quantity} on {net} with the "
                        "original JSMA paper's distortion cap "
                        "γ = 14.5 % (the claims above read γ = 1).",
                        f"{cell.fooling:g} %" if what == "fool" else f"{cell.pixels_pct:g} %",
                        Measurement("01", "01_table1", kind, cols, capped, model_column="model (ours)"), _NOT_JUDGED,
                        setting, ours, (), join(_JSMA_CAP, stand_in), role="context"))
    return out


def _baseline_rate(paper_rate: float) -> Criterion:
    """A baseline's fooling rate within ± 5 points of the paper's (two-sided, capped at 100 %)."""
    lo, hi = paper_rate - 5.0, min(paper_rate + 5.0, 100.0)
    return Criterion(f"within ± 5 points of {paper_rate:g} % ({lo:g}–{hi:g} %)", lo, hi)


_PAIRED = {"median px % (ours)": "median px", QUERIES: "queries/image"}  # 01_table1_paired's quantity per column


def _ratio(dataset: str, net: str, other: str, column: str) -> Measurement:
    """The baseline's ``column`` over SparseFool's on ``net``: paired on the images both fool
    (01_table1_paired), else (a profile without that table) the ratio of Table 1's two marginal values."""
    base: Rows = (("dataset", dataset), ("paper model", net))
    marginal = _on_table1(Measurement("01", "01_table1", "ratio", (column, column), _table1_row(other, base),
                                      base + (("attack", "sparsefool"),), model_column="model (ours)", unit="×"),
                          other, base)
    return Measurement("01", "01_table1_paired", "estimate", ("ratio (paired)",),
                       _table1_row(other, base) + (("quantity", _PAIRED[column]),), n_column="n both fooled",
                       model_column="model (ours)", unit="×", requires=("ratio (paired)",),
                       interval="seeded paired bootstrap 95 % (percentile): resamples the images both attacks fool, "
                                "joined on the data-set image", fallback=marginal)


def table1_ratio_claims() -> list[Claim]:
    """§4.2's factors between SparseFool and each baseline, for every Table 1 net: sparsity (median
    pixels) is judged; query counts against JSMA are context (a query ignores JSMA's pair search);
    against the one-pixel attack, queries are the paper's own measure of cost."""
    out = []
    baselines = "our JSMA and one-pixel attack are this repository's implementations, not the paper's"
    for dataset, net in paper.TABLE1:
        ours, _, stand_in = ours_table1(dataset)
        setting, key = f"{net}, {'MNIST' if dataset == 'mnist' else 'CIFAR-10'} test set", _net_key(net)
        for other in ("jsma", "one_pixel"):
            sparser = not (dataset == "cifar10" and other == "one_pixel")
            factor = paper.net_ratio(dataset, net, other, "pixels_pct")
            out.append(Claim(
                f"T1-{dataset}-{key}-sparsity-{other}", _T1,
                f"Median pixels of {ATTACK_NAMES[other]} over SparseFool's on {net}: "
                + ("SparseFool is sparser" if sparser else "the one-pixel attack is sparser")
                + (" (the one-pixel attack \"does not necessarily find good solutions for all the studied datasets\")."
                   if other == "one_pixel" and sparser else "."),
                f"{paper.TABLE1_TEXT[(dataset, other, 'sparsity')]} (this net, Table 1: {factor:.2g}×)",
                _ratio(dataset, net, other, "median px % (ours)"),
                above(1.0, "> 1× (SparseFool sparser)") if sparser else below(1.0, "< 1× (one-pixel sparser)"),
                setting, ours, (), join(ATTACK_CAVEAT[other], baselines, stand_in),
                "The sentence ranks the two attacks, so the statistic is the ratio of their median pixels over the "
                "fooled images, judged one-sided against 1× (the paper's factor is how far from 1 it lies, used for "
                "the power). Paired: both medians over the images both attacks fool (01_table1_paired joins the two "
                "runs on the data-set image), with a bootstrap that resamples those images; images one attack "
                "fails on are left out of both medians (their count is n both fooled beside n). Where a profile "
                "has no paired table, the ratio of Table 1's two marginal medians (≥ 90 % coverage) is read."
                + (" A JSMA stronger or denser than the paper's (compare T1-*-jsma-fool and -pixels with the "
                   "paper's cells) moves this factor with it." if other == "jsma" else ""),
                "sparsefool", factor))
            time_factor = paper.net_ratio(dataset, net, other, "seconds")
            if other == "jsma":
                out.append(Claim(
                    f"T1-{dataset}-{key}-queries-jsma", _T1, f"Queries per image of JSMA over SparseFool's on {net} "
                    "(context for the wall-time claim).",
                    f"{paper.TABLE1_TEXT[(dataset, other, 'speed')]} faster in time (this net: {time_factor:.3g}×)",
                    _ratio(dataset, net, other, QUERIES), _NOT_JUDGED, setting, ours + " (queries counted by the attacks)",
                    (), join("a query count ignores JSMA's search over pixel pairs, which grows with the input size; "
                             "the paper's claim is about time (T1-*-walltime-jsma)", ATTACK_CAVEAT[other]),
                    role="context"))
            elif dataset == "mnist":
                out.append(Claim(
                    f"T1-{dataset}-{key}-cost-one_pixel", _T1, f"SparseFool is 3 orders of magnitude faster per image "
                    f"than the one-pixel attack on {net} (judged on queries: forward and gradient passes per image).",
                    f"{paper.TABLE1_TEXT[(dataset, other, 'speed')]} (this net: {time_factor:.3g}×)",
                    _ratio(dataset, net, other, QUERIES), at_least(1000.0, "≥ 1000× fewer queries (3 orders of magnitude)"),
                    setting, ours + " (queries counted by the attacks)", (),
                    join(ATTACK_CAVEAT[other], baselines, "queries, not the paper's GPU seconds"),
                    "Both attacks spend their time in network passes, so the ratio of queries per image stands for "
                    "the ratio of times; one-sided: at least the 3 orders of magnitude the sentence says.",
                    "sparsefool", time_factor))
            else:
                out.append(Claim(
                    f"T1-cifar10-{key}-queries-one_pixel", _T1,
                    f"SparseFool needs 2 orders of magnitude fewer queries to {net} than the one-pixel attack (and "
                    "is 270× faster on CIFAR-10).",
                    f"{paper.TABLE1_TEXT[('cifar10', 'one_pixel', 'queries')]}; "
                    f"{paper.TABLE1_TEXT[('cifar10', 'one_pixel', 'speed')]} faster in time (this net: "
                    f"{time_factor:.3g}×)", _ratio(dataset, net, "one_pixel", QUERIES),
                    at_least(paper.QUERY_FACTOR_ONE_PIXEL, f"≥ {paper.QUERY_FACTOR_ONE_PIXEL:g}× fewer queries"),
                    setting, ours, (), join(ATTACK_CAVEAT["one_pixel"], baselines, stand_in),
                    "The sentences are about queries (2 orders of magnitude) and time (270×): both attacks spend their "
                    "time in network passes, so one statistic, the ratio of queries per image, judged one-sided at "
                    "least 100× (the paper's time factor on this net is used for the power; a CPU time of the "
                    "one-pixel attack's evolution would say nothing about the paper's GPU seconds).", "sparsefool",
                    time_factor))
    return out


def _bench(dataset: str, net: str) -> Rows:
    return (("dataset", dataset), ("paper model", net))


JSMA_SPEEDUP = ("the JSMA timed is this repository's attack loop scoring every pixel pair with cleverhans' saliency "
                "score (-α·β over the admissible pairs, the JSMA authors' reference implementation as cleverhans "
                "implements it); this repository's accelerated pair search returns the same adversarials faster and "
                "is shown as context (T1-*-walltime-jsma-ours)")
_WALLTIME = ("The sentence is about time: the ratio of JSMA's to SparseFool's wall time on the same images, one-sided, "
             "at least half the paper's factor for this net (wall-time factors move with hardware and "
             "implementation, so a factor 2 of tolerance). The interval is the benchmark's paired bootstrap over "
             "images (each image timed with both attacks, interleaved and repeated); the machine's load during the "
             "run is in 01_speed_bench, column 'load 1 min' (a shared 2-core CPU: a load above 2 slows both "
             "attacks, which the interleaving shares out but does not remove).")


_ALL_PAIRS = ("the factor is that of cleverhans' all-pairs scoring (the paper cites Papernot et al. [38] and names "
              "no implementation): most of it is JSMA's work outside the network passes, since JSMA makes about as "
              "many passes as SparseFool (T1-*-queries-jsma); this repository's accelerated pair search finds the "
              "identical adversarials at the smaller factor shown beside, which does not reach the criterion")
# How a stand-in's cost per network pass differs from the paper's net (a time factor is the net's as well as
# the attack's).
_NET_COST = {"VGG-19": "the VGG-19 stand-in has half the paper's channels (about a quarter of its cost per network "
                       "pass), so the factor is judged on a net the paper did not time: an estimate below the bound "
                       "says that on this half-width net JSMA's overhead over SparseFool is less than half the "
                       "paper's factor"}


def _accelerated(dataset: str, net: str) -> tuple[str, str, Rows, str]:
    """The accelerated pair search's factor on ``net``, shown beside the cleverhans factor."""
    return (f"{net}: accelerated JSMA / SparseFool", "01_speed_bench", _bench(dataset, net), "jsma-ours / sparsefool")


def speed_bench_claims() -> list[Claim]:
    """Wall-time claims, judged only on the interleaved, repeated benchmark (``01_speed_bench``)."""
    out = []
    setting = f"wall time per image on a {paper.DEVICE}"
    for dataset, net in paper.TABLE1:
        ours, _, stand_in = ours_table1(dataset)
        factor = paper.net_ratio(dataset, net, "jsma", "seconds")
        floor = round(factor / 2, 2)
        bench = (ours + ", one image at a time on this CPU, SparseFool and both JSMAs interleaved and repeated on "
                 "the same images (benchmarks/bench_speed.py)")
        tag, paper_text = f"T1-{dataset}-{_net_key(net)}-walltime-jsma", paper.TABLE1_TEXT[(dataset, 'jsma', 'speed')]
        out.append(Claim(
            tag, _T1, f"SparseFool is much faster per image than JSMA on {net} (wall time; JSMA with cleverhans' "
            "saliency score, the JSMA authors' reference scoring).", f"{paper_text} (this net: {factor:.3g}×)",
            Measurement("01", "01_speed_bench", "estimate", ("jsma-cleverhans / sparsefool",), _bench(dataset, net),
                        model_column="model (ours)", unit="×", beside=(_accelerated(dataset, net),)),
            at_least(floor, f"≥ {floor:g}× (half the paper's factor for this net)"), setting, bench, (),
            join("CPU times, not a GPU's", JSMA_SPEEDUP, _ALL_PAIRS, ATTACK_CAVEAT["jsma-walltime"], stand_in,
                 _NET_COST.get(net, "")), _WALLTIME + " JSMA is timed with cleverhans' scoring of pixel pairs, the "
                 "JSMA authors' reference implementation and the closest to the JSMA the paper cites; the factor "
                 "depends on that scoring: against this repository's accelerated pair search (the same adversarials) "
                 "it is smaller, shown beside and as context (-ours).", "sparsefool", factor))
        out.append(Claim(
            f"{tag}-ours", _T1, f"SparseFool is faster per image than JSMA on {net} even against the faster JSMA "
            "(this repository's accelerated pair search, the same adversarials).",
            f"{paper_text} (this net: {factor:.3g}×)",
            Measurement("01", "01_speed_bench", "estimate", ("jsma-ours / sparsefool",), _bench(dataset, net),
                        model_column="model (ours)", unit="×"),
            at_least(floor, f"≥ {floor:g}× (half the paper's factor for this net, as {tag})"), setting, bench, (),
            join("not the pair scoring of cleverhans' JSMA: the pair search here scores only the search domain with "
                 "relu(α)·relu(-β), which picks the same pair as cleverhans' score (benchmarks/bench_speed.py counts "
                 "the images with identical adversarials)", ATTACK_CAVEAT["jsma-walltime"], stand_in),
            "JSMA's wall time over SparseFool's on the same images against the faster of the two JSMAs, on the "
            f"benchmark's paired interval, read against the same criterion as {tag}. Shown, not judged: a JSMA "
            "accelerated here, returning the same adversarials faster, is not the paper's baseline, and the "
            "speed-up depends on how JSMA scores pixel pairs (the verdict is on the JSMA authors' scoring, "
            f"{tag}).", "context", factor))
    out.append(Claim(
        "T1-dimension-jsma", "§4.2", "JSMA becomes much slower as the input dimension grows, while SparseFool's "
        "time stays low: the JSMA/SparseFool time factor is larger on CIFAR-10 (ResNet-18) than on MNIST.",
        f"{paper.net_ratio('mnist', 'LeNet', 'jsma', 'seconds'):.2g}× (MNIST) → "
        f"{paper.net_ratio('cifar10', 'ResNet-18', 'jsma', 'seconds'):.3g}× (CIFAR-10 ResNet-18)",
        Measurement("01", "01_speed_bench", "ratio", ("jsma-cleverhans / sparsefool",) * 2,
                    _bench("cifar10", "ResNet-18"), _bench("mnist", "LeNet"), unit="×",
                    beside=(_accelerated("mnist", "LeNet"), _accelerated("cifar10", "ResNet-18"))),
        above(1.0, "> 1× (factor grows with the dimension)"), setting,
        "LeNet (MNIST) and the ResNet-18 stand-in (JPEG CIFAR-10), benchmarked as above", (),
        join("CPU times, not a GPU's", JSMA_SPEEDUP, _ALL_PAIRS + "; the growth with the dimension is that of "
             "scoring every pixel pair: with the accelerated search the two factors shown beside need not grow",
             ATTACK_CAVEAT["jsma-walltime"]),
        "One-sided: the CIFAR-10 factor over the MNIST factor exceeds 1. MNIST and CIFAR-10 share no images, so no "
        "pairing exists: the interval combines the two factors' marginal intervals (≥ 90 %). A baseline check, not "
        "a claim about SparseFool: the growth is JSMA's, and it is the growth of cleverhans' pair scoring (the "
        "paper names no implementation). Our accelerated JSMA finds the same adversarials; its two factors are shown beside, and "
        "where the CIFAR-10 one is not above the MNIST one, JSMA slows down with the dimension only through how "
        "it scores pixel pairs. SparseFool's own scaling is S1-dimension.", "baseline",
        paper.net_ratio('cifar10', 'ResNet-18', 'jsma', 'seconds') / paper.net_ratio('mnist', 'LeNet', 'jsma', 'seconds')))
    return out


def _t2(rows: Rows, kind: str, columns: tuple[str, ...], fallback: Measurement | None = None, unit: str = "%",
        ) -> Measurement:
    return Measurement("01", "01_table2", kind, columns, rows, model_column="model (ours)", unit=unit,
                       requires=(UNCAPPED,), reason=_WAIT_UNCAPPED, fallback=fallback)


def _budget(lite: str, column: str, cap: int, kind: str = "rate") -> Measurement:
    return Measurement("01", "01_table2_iteration_budget", kind, (column,), (("model", lite), ("max_iter", str(cap))),
                       model_column="model")


LITES = ("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")


def table2_claims() -> list[Claim]:
    """Table 2 and §4.2's text on it, all read from one uncapped run per net (Algorithm 2 has no cap;
    max_iter 1000, an image that reaches it counts as a failure): fooling, sparsity against the
    paper's range, the random baseline at the uncapped medians; the authors' cap of 50 is a
    sensitivity row (context)."""
    out = []
    lo_px, hi_px = float(paper.TABLE2["pixels_pct"].min()), float(paper.TABLE2["pixels_pct"].max())
    caveat = ("an EfficientNet-Lite stand-in on ImageNet sample images (not the validation set); λ = 3, the "
              "authors' demo's (the paper states none for ImageNet)")
    for (net, p), lite in zip(paper.TABLE2.iterrows(), LITES + ("",)):
        rows: Rows = (("paper model", str(net)),)
        setting = f"torchvision {net}, 4000 ImageNet validation images (λ not stated; the official demo's is 3)"
        key, our = str(net).lower(), IMAGENET_OURS + f"; {LITE_PAIRING}"
        gap = p["fooling"] - p["random_fooling"]
        no_stand_in = Measurement("01", None, "unmeasured", reason=(
            f"{net} has no stand-in: this repository runs three EfficientNet-Lite nets, paired with the paper's "
            "first three nets"))
        if lite:
            acc = float(p["accuracy"])
            out.append(Claim(
                f"T2-{key}-accuracy", "§4.2, Table 2", f"{net} has {acc:g} % accuracy (the paper's, on the "
                "ImageNet validation set; ours on 500 sample images, as the attacks feed them).", f"{acc:g} %",
                Measurement("01", "01_table2", "rate", ("acc % (ours)",), (("model (ours)", lite),),
                            model_column="model (ours)", n_column="acc n (ours)", requires=("acc n (ours)",),
                            reason="01_table2 has no accuracy count yet (re-run notebook 01)",
                            beside=(("accuracy % at the net's native input size", "accuracy", (("model", lite),),
                                     "accuracy"),)),
                Criterion(f"within ± 5 points of {acc:g} % ({acc - 5:g}–{acc + 5:g} %)", acc - 5, acc + 5),
                f"torchvision {net}, ImageNet validation set", "{model}, top-1 accuracy on the 500 ImageNet sample "
                "images of the offline mirror at the 224-pixel centre crop Table 2's attacks feed every net", (),
                join("an EfficientNet-Lite stand-in", "500 sample images (one per even class), not the 50 000 validation images: an "
                     "easier set than the validation set, on which the publisher reports the accuracy shown in "
                     "accuracy.csv, column reference_accuracy", "read at the 224 crop the attacks use (Lite1's and "
                     "Lite2's native sizes are 240 and 260; the accuracy there is shown beside)"),
                "A baseline check of the net Table 2's attacks run on: its clean accuracy within ± 5 points of the "
                "paper's net (two-sided; python -m sfutils.accuracy writes the table), not a claim about SparseFool.",
                "baseline", acc))
        fool_fb = _budget(lite, "fooling_rate", 1000) if lite else None
        px_fb = _budget(lite, "median_px_fooled", 1000, "estimate") if lite else None
        out += [
            Claim(f"T2-{key}-fool", "§4.2, Table 2", f"SparseFool fools {p['fooling']:g} % of the ImageNet images of "
                  f"{net}.",
                  f"{p['fooling']:g} %", _t2(rows, "rate", ("fooling % (ours)",), fool_fb) if lite else no_stand_in,
                  fooling_near(100.0), setting, our, (), caveat,
                  READ_FOOLING + " Read from the uncapped run (Algorithm 2 as written has no cap), the same run as "
                  "the pixels.", "sparsefool", float(p["fooling"])),
            Claim(f"T2-{key}-pixels", "§4.2, Table 2", f"SparseFool's median share of perturbed pixels on {net} "
                  "(shown per net; the paper's average over its nets is judged as T2-mean-pixels).",
                  f"{p['pixels_pct']:g} % ({net}); {lo_px:g}–{hi_px:g} % over the paper's four nets",
                  _t2(rows, "estimate", ("median px % (ours)", "median px % all (ours)"), px_fb) if lite
                  else no_stand_in, _NOT_JUDGED,
                  setting, our, (), caveat, "Shown per stand-in net, read from the uncapped run (the same run as the "
                  "fooling rate); the share over the nets is T2-mean-pixels' (one claim, not one per net).",
                  "context", float(p["pixels_pct"])),
            Claim(f"T2-{key}-random", "§4.2", f"Random changes of as many elements fool far fewer images of {net} than "
                  "SparseFool.", f"{gap:g} points ({p['fooling']:g} − {p['random_fooling']:g} %)",
                  _t2(rows, "rate_gap", ("fooling % (ours)", "random fooling % (ours)"), unit="points") if lite else no_stand_in,
                  at_least(gap / 2, f"≥ {gap / 2:g} points (half the paper's gap)"), setting, our, (), caveat,
                  "\"Far below\": SparseFool's fooling rate minus the random baseline's, on the same images, at the "
                  "uncapped per-channel medians; one-sided (a larger gap does not refute it), at least half the "
                  "paper's gap (the paper's gap less 10 points would have power near 0.5 at n = 100).", "sparsefool",
                  float(gap)),
        ]
        if lite:
            rnd = float(p["random_fooling"])
            out.append(Claim(
                f"T2-{key}-random-rate", "§4.2, Table 2", f"The random baseline fools {rnd:g} % of {net}'s images "
                "(its own rate, beside SparseFool's).", f"{rnd:g} %",
                Measurement("01", "01_table2", "rate", ("random fooling % (ours)",), rows, model_column="model (ours)"),
                Criterion(f"within ± 10 points of {rnd:g} % ({rnd - 10:g}–{rnd + 10:g} %)", rnd - 10, rnd + 10),
                setting, our, (), join(caveat, "on these stand-ins SparseFool's perturbations sit almost wholly in "
                                       "one colour channel (its per-channel median counts, column channel_counts of "
                                       "the records), so this baseline changes nearly only that channel: a weaker "
                                       "noise than one spread over three channels, a likely cause of a lower rate "
                                       "(why SparseFool prefers one channel on these nets is not yet explained)"),
                "A baseline check of the random baseline: its own fooling rate within ± 10 "
                "points of the paper's (two-sided; at n = 100 a Wilson interval near 15 % spans about ± 7 points, so "
                "± 5 could not be met), not a claim about SparseFool. It changes as many elements per colour "
                "channel as SparseFool's median, set to 0 or 1; T2-*-random judges SparseFool's gap to it.",
                "baseline", rnd))
            out.append(Claim(
                f"T2-{key}-fool-cap50", "§4.2, Table 2", f"Sensitivity: SparseFool's fooling rate on {net} with the "
                f"iterations capped at {paper.OFFICIAL_DEMO_MAX_ITER}, the cap of the authors' README and demo (their "
                "sparsefool() function defaults to 20; the paper's Algorithm 2 has none), read from the batched run.",
                f"{p['fooling']:g} % (no cap stated)", _t2(rows, "rate", (UNCAPPED,), _budget(lite, "fooling_rate", 50)),
                fooling_near(p["fooling"]), setting, our, (),
                join(caveat, "read from the batched run: float32 round-off over a batch's composition changes some "
                     "images' paths, and rerun one image at a time some images this run leaves unfooled at 50 are "
                     "fooled within 50 (Table 2's notes count them)"),
                "The fooling rate at the cap of 50, read from the same records as T2-*-fool, against T2-*-fool's "
                "criterion. Shown, not judged: the paper's Algorithm 2 has no cap, so a cap of 50 is a setting of the "
                "authors' code, and T2-*-fool judges the paper's protocol.", role="context"))
    return out + table2_text_claims()


def table2_text_claims() -> list[Claim]:
    """§4.2's sentences on Table 2: the mean sparsity and time, consistency among architectures, and
    the cost's growth with the input dimension."""
    setting, rows = "VGG-16 / ResNet-101 / DenseNet-161 / Inception-v3, ImageNet validation", ()
    lo_px, hi_px = float(paper.TABLE2["pixels_pct"].min()), float(paper.TABLE2["pixels_pct"].max())
    spread = hi_px / lo_px
    dim = PIXELS["imagenet"] / PIXELS["cifar10"]
    caveat = ("the EfficientNet-Lite stand-ins are one family scaled together, not four architectures: which way that "
              "biases their agreement is not known")
    mean_caveat = ("EfficientNet-Lite0/1/2 stand-ins on 100 ImageNet sample images, not VGG-16 / ResNet-101 / "
                   "DenseNet-161 / Inception-v3 on 4000 validation images; λ = 3, the authors' demo's")
    return [
        Claim("T2-mean-pixels", "§4.2", "SparseFool perturbs on average 0.21 % of the pixels over the ImageNet nets.",
              f"{paper.TABLE2_MEAN_PIXELS_PCT:g} %",
              Measurement("01", "01_table2_spread", "estimate", (MEAN_MEDIAN,),
                          interval="seeded paired bootstrap 95 % (percentile): resamples the images, each attacked on "
                                   "every net",
                          fallback=Measurement("01", "01_table2", "mean_estimate", ("median px % (ours)",), rows,
                                               requires=(UNCAPPED,), reason=_WAIT_UNCAPPED)),
              within_factor(paper.TABLE2_MEAN_PIXELS_PCT, "imagenet"), setting,
              "the mean over the EfficientNet-Lite stand-ins' uncapped medians", (), mean_caveat,
              READ_MAGNITUDE + " Here: the mean over the nets of their median perturbed pixels (the paper's "
              "\"on average\"), against 0.21 %.", "magnitude", paper.TABLE2_MEAN_PIXELS_PCT),
        Claim("T2-consistent", "§4.2", "SparseFool is consistent among architectures: the nets' median sparsity "
              "differs little.", f"{lo_px:g}–{hi_px:g} % ({spread:.2g}× largest/smallest)",
              Measurement("01", "01_table2_spread", "estimate", (SPREAD,), unit="×",
                          interval="seeded paired bootstrap 95 % (percentile): resamples the images, each attacked on "
                                   "every net",
                          fallback=Measurement("01", "01_table2", "spread", ("median px % (ours)",), rows, unit="×",
                                               requires=(UNCAPPED,), reason=_WAIT_UNCAPPED)),
              at_most(round(1.5 * spread, 2), f"≤ {1.5 * spread:.3g}× (1.5 × the paper's own spread, {spread:.2g}×)"),
              setting, "largest over smallest uncapped median of the EfficientNet-Lite stand-ins", (), caveat,
              "\"Consistent\": the largest over the smallest median; one-sided (more agreement does not refute it), "
              "at most 1.5 × the paper's own spread over its four nets (a bound at the paper's spread itself could "
              "not be met with any power if the truth were the paper's). The nets ran on the same images, so the "
              "interval is a paired bootstrap: each resample of the images gives every net's median and their "
              "largest over smallest. Judged on the stand-in with the caveat that our three nets are one architecture "
              "(EfficientNet-Lite) scaled, where the paper's four nets are four designs: within one family, and "
              "which way that biases it is not known, as for Table 3's and Fig. 8's claims about architectures.",
              "sparsefool", spread),
        Claim("T2-time", "§4.2, Table 2", "SparseFool takes 5–10 s per ImageNet image, 7 s on average.",
              f"{paper.TABLE2_MEAN_SECONDS:g} s", Measurement("01", None, "unmeasured", reason=(
                  "the paper's times are on a GTX TITAN X GPU; a wall time on this 2-core CPU says nothing about "
                  "them (Table 2 shows ours, not judged)")), _NOT_JUDGED, setting, "—"),
        Claim("S1-dimension", "§1 (contributions), §4.2", "SparseFool scales efficiently to high dimensional data: "
              f"its cost grows far less than the input (ImageNet's 224 × 224 is {dim:.0f}× CIFAR-10's 32 × 32).",
              "no number given",
              Measurement("01", "01_table2", "ratio", (QUERIES, QUERIES), (("paper model", "VGG-16"),),
                          (("dataset", "cifar10"), ("paper model", "ResNet-18"), ("attack", "sparsefool")),
                          model_column="model (ours)", unit="×", requires=(UNCAPPED,), reason=_WAIT_UNCAPPED,
                          denominator_table="01_table1"),
              below(dim, f"< {dim:.0f}× (queries grow less than the pixels)"), "ImageNet and CIFAR-10 nets",
              "queries per image on the uncapped Lite0 run over those on the ResNet-20 stand-in (Table 1)", (),
              "two different nets (a ResNet-20 on JPEG CIFAR-10, EfficientNet-Lite0 on ImageNet samples)",
              "\"Scales efficiently\" (and \"its time complexity remains at very low levels\"): queries per image "
              "(network passes) on ImageNet over CIFAR-10, one-sided below the ratio of the input dimensions. The two "
              "data sets share no images, so no pairing exists: the interval combines two marginal ones (≥ 90 %).",
              "sparsefool"),
    ]


RISING = ("fooling", "pixels", "one_step")  # Fig. 4's measures that rise with λ
DROP = "fooling drop (points)"  # unclipped minus clipped on the same images, with a paired bootstrap interval


def _drop(rows: Rows, pending: str = "") -> Measurement:
    """The fooling drop from clipping, paired: the table's per-image bootstrap where notebook 01 wrote it,
    else Newcombe's paired interval from the two rates at the least favourable pairing."""
    return Measurement("01", "01_l1_deepfool", "estimate", (DROP, "fooling % clipped"), rows, model_column="model",
                       unit="points", interval="seeded bootstrap 95 % (percentile), paired: resamples the images, "
                                             "each with its unclipped and clipped outcome",
                       requires=(DROP,), reason=f"01_l1_deepfool has no {DROP!r} column yet", pending=pending,
                       fallback=Measurement("01", "01_l1_deepfool", "paired_drop",
                                            ("fooling % unclipped", "fooling % clipped"), rows, unit="points",
                                            model_column="model", pending=pending))


def l1_deepfool_claims() -> list[Claim]:
    """§2.2: l1-DeepFool fools almost always, with few pixels, until its result is clipped; clipping
    l2 DeepFool barely matters. MNIST and CIFAR-10 stand in; ImageNet rows come from issue 33."""
    out = []
    f = paper.L1_DEEPFOOL
    drop = f["fooling"] - f["fooling_clipped"]
    for dataset, data_name, model, side in (("mnist", "MNIST", "LeNet", 28), ("cifar10", "CIFAR-10", "ResNet-20", 32),
                                            ("imagenet", "ImageNet", "EfficientNet-Lite0", 224)):
        rows: Rows = (("dataset", dataset),) + ((("attack", "l1-DeepFool"),) if dataset == "imagenet" else ())
        ours = ("{model} on " + {"mnist": "the MNIST test set", "cifar10": CIFAR_JPEG,
                                 "imagenet": "ImageNet sample images (EfficientNet-Lite stand-in)"}[dataset])
        setting = "VGG-16 on ImageNet"
        caveat = f"a {model} on {data_name} instead of VGG-16 on ImageNet"
        m = dict(model_column="model", pending=IMAGENET_JOB if dataset == "imagenet" else "")
        # The paper ran §2.2 on ImageNet only: one judged claim per fact there; MNIST and CIFAR-10 are the
        # same fact on data sets the paper did not use (beyond the paper, never counted as its claims).
        role = "sparsefool" if dataset == "imagenet" else "beyond"
        elsewhere = "" if dataset == "imagenet" else (f" On {data_name}, a data set §2.2 does not use: beyond the "
                                                      "paper, not one of its claims (S22-imagenet-* are).")
        out.append(Claim(
            f"S22-{dataset}-unclipped", "§2.2", "l1-DeepFool (unclipped) achieves almost 100 % of fooling rate.",
            "≈ 100 %", Measurement("01", "01_l1_deepfool", "rate", ("fooling % unclipped",), rows, **m),
            fooling_near(f["fooling"]), setting, ours, (), caveat, READ_FOOLING + elsewhere, role, f["fooling"]))
        if dataset == "imagenet":
            band = within_factor(f["mean_pixels_pct"], "imagenet")  # the reading quotes the criterion's own band
            lo, hi = band.low, band.high
            out.append(Claim(
                "S22-imagenet-sparsity", "§2.2", "Unclipped, l1-DeepFool perturbs only 0.037 % of the pixels on "
                "average.", f"{f['mean_pixels_pct']:g} %",
                Measurement("01", "01_l1_deepfool", "estimate", ("mean px % unclipped",), rows, **m),
                band, setting, ours, (), caveat,
                "A stand-in magnitude, not a verdict on SparseFool: the mean share of perturbed pixels over the "
                "images (the paper's \"on average\") on a net that is not the paper's, beside the paper's number; "
                "\"as the paper's\" within ÷/× 1.5 rounded outward to whole pixels (a factor-of-two gap cannot "
                f"pass), a fact about the stand-in either way. Here: against 0.037 % ({lo:.3g}–{hi:.3g} %: "
                f"{lo * PIXELS['imagenet'] / 100:.0f}–{hi * PIXELS['imagenet'] / 100:.0f} pixels of 224 × 224).",
                "magnitude", f["mean_pixels_pct"]))
        else:
            out.append(Claim(
                f"S22-{dataset}-sparsity", "§2.2", "Unclipped, l1-DeepFool perturbs only 0.037 % of the pixels on "
                "average.", f"{f['mean_pixels_pct']:g} %",
                Measurement("01", "01_l1_deepfool", "estimate", ("mean px % unclipped",), rows, **m,
                            reason=f"not judged on {data_name}: 0.037 % of its {side} × {side} pixels is "
                                   f"{f['mean_pixels_pct'] * side * side / 100:.2f} of one pixel, which no attack can "
                                   "meet; only ImageNet (S22-imagenet-sparsity) makes the number comparable"),
                _NOT_JUDGED, setting, ours, (), caveat, role="shown"))
        out.append(Claim(
            f"S22-{dataset}-clipped", "§2.2", "Clipping the pixel values of l1-DeepFool's adversarial images to the "
            "valid range results in a fooling rate of merely 13 %.", f"{f['fooling']:g} → {f['fooling_clipped']:g} % "
            f"({drop:g} points lost)",
            _drop(rows, IMAGENET_JOB if dataset == "imagenet" else ""),
            at_least(drop / 2, f"drop ≥ {drop / 2:g} points (half the paper's {drop:g}; paired interval)"), setting,
            ours, (),
            caveat + ("" if dataset == "imagenet" else f"; 13 % is ImageNet's: how many of {data_name}'s l1 steps "
                      "leave the valid range depends on the data set, so the drop is judged and the clipped rate "
                      "shown beside it"),
            "\"Merely 13 %\": clipping destroys most of l1-DeepFool's success, so the fooling rate unclipped minus "
            f"clipped, on the same images (paired), one-sided, at least half the paper's {drop:g}-point drop "
            f"({drop / 2:g} points: a drop that leaves most images fooled is not \"merely\"); the clipped rate is "
            "shown beside the drop." + elsewhere, role, drop))
    l2_rows: Rows = (("dataset", "imagenet"), ("attack", "DeepFool (l2)"))
    out += [
        Claim("S22-imagenet-l2-clipping", "§2.2", "For l2 and l∞ perturbations, clipping the invalid values after the "
              "computation of such adversarial images has a minor impact.", "minor impact (no number given)",
              _drop(l2_rows),
              at_most(10.0, "drop ≤ 10 points (paired interval)"), "ImageNet, l2 DeepFool (no net named)",
              "{model} on ImageNet sample images (EfficientNet-Lite stand-in)", (),
              "l2 DeepFool only (the paper also names l∞); one EfficientNet-Lite stand-in",
              "\"Minor impact\": the fooling rate unclipped minus clipped on the same images; one-sided, the paired "
              "interval's upper end at most 10 points.", "sparsefool"),
        Claim("S22-linf-clipping", "§2.2", "For l∞ perturbations, clipping the invalid values after the computation "
              "of such adversarial images has a minor impact.", "minor impact (no number given)",
              Measurement("01", None, "unmeasured", reason=(
                  "not implemented here (our choice, not a limit of this machine): this repository implements "
                  "DeepFool for l2 and l1 only, so the l∞ half of the sentence is not tested "
                  "(S22-imagenet-l2-clipping judges its l2 half)")),
              _NOT_JUDGED, "ImageNet, l∞ DeepFool (no net named)", "—"),
        Claim("S22-clip-inside", "§2.2", "Incorporating the clipping operator inside the iterative procedure of "
              "the algorithm does not improve the results.", "no improvement (no number given)",
              Measurement("01", None, "unmeasured", reason=(
                  "not implemented here (our choice, not a limit of this machine): this repository's l1-DeepFool "
                  "clips only its final result, as §2.2's first experiment; the clip-inside variant, the paper's "
                  "reason for SparseFool's box-constrained LinearSolver, is not implemented, and the paper gives no "
                  "number for it")),
              _NOT_JUDGED, "VGG-16 on ImageNet", "—"),
    ]
    return out


def fig4_claims() -> list[Claim]:
    """Fig. 4 and §3.3's text on λ: fooling, density, iterations, cost and one-step solutions, all read
    at one cap (the authors' demo cap of 50: Fig. 4's fooling curve falls below 100 %, which only a
    cap can do) and each measured within each image, across the λ (paired)."""
    setting, ours = "Inception-v3, 4000 ImageNet validation images", "{model}, λ = 1 … 6 (the profile's sweep)"
    f, fooling_axis = paper.FIG4_CURVE_READINGS, paper.FIG4_FOOLING_AXIS
    up, down = above(0.0, f"{TAU} > 0 (its interval above 0)"), below(0.0, f"{TAU} < 0 (its interval below 0)")
    axes = "~{} → ~{} (plotted only: the curve read off the plot)"
    trend = (f"A direction over λ, paired: each image's Kendall τ between λ and its value, averaged over the images "
             "({TAU}), with a bootstrap interval that resamples images; the direction holds when the interval "
             "lies on the claimed side of 0 (the one-sided Wilcoxon p is shown). Everything is read at the "
             "authors' demo cap of 50 iterations, the cap under which Fig. 4's fooling curve can fall below "
             "100 %; no number is printed for Fig. 4.").replace("{TAU}", TAU)
    caveat = "an EfficientNet-Lite0 stand-in on ImageNet sample images instead of Inception-v3 on 4000 validation images"

    def per_image(measure: str) -> Measurement:
        return Measurement("01", "01_fig4_trends", "estimate", (TAU, P_RISING if measure in RISING else P_FALLING),
                           (("cap", "50"), ("measure", measure)), model_column="model", unit="τ",
                           interval="seeded bootstrap 95 % (percentile) of the mean per-image τ, resampling images",
                           pending=IMAGENET_JOB + "; a trend needs every λ, and 01_fig4 shows how far each λ is")

    return [
        Claim("F4-fooling", "§3.3, Fig. 4", "Values of λ close to 1 lead to lower fooling rate: as λ grows, the "
              "fooling rate rises.", axes.format(f"{f['fooling'][0]:g} %", f"{f['fooling'][1]:g} %")
              + f" on an axis of {fooling_axis[0]:g}–{fooling_axis[1]:g} %",
              per_image("fooling"), up, setting, ours, (), caveat,
              trend + " Per image the value is 1 if fooled within 50 iterations, else 0."),
        Claim("F4-pixels", "§3.3, Fig. 4", "Values of λ close to 1 lead to sparser perturbations: as λ grows, the "
              "perturbations get denser.", axes.format(f"{f['pixels'][0]:g}", f"{f['pixels'][1]:g} px"),
              per_image("pixels"), up, setting, ours, (), caveat,
              trend + " Over the images fooled within 50 iterations at every λ (a failure has no pixel count), so "
              "the trend is not which images are fooled."),
        Claim("F4-iterations", "§3.3, Fig. 4", "Higher values of λ lead to fast convergence: as λ grows, SparseFool "
              "needs fewer iterations.", axes.format(f"{f['iterations'][0]:g}", f"{f['iterations'][1]:g}"),
              per_image("iterations"), down, setting, ours, (), caveat,
              trend + " Over the images fooled within 50 iterations at every λ."),
        Claim("F4-cost", "§3.3", "Values of λ close to 1 increase the complexity: the cost falls as λ grows "
              "(queries per image).", "qualitative", per_image("queries"), down, setting,
              ours, (), caveat, trend + " Over the images fooled within 50 iterations at every λ (the queries of "
              "a failure past the cap are not recorded). A sentence of its own, not F4-iterations': queries count "
              "every forward and gradient pass, and an iteration's inner DeepFool loop takes a varying number."),
        Claim("F4-one-step", "§3.3", "Higher values of λ lead to fast convergence, even one-step solutions: the share "
              "of images fooled in one iteration rises with λ.", "qualitative",
              per_image("one_step"), up, setting, ours, (), caveat,
              trend + " Per image the value is 1 if fooled in one iteration, else 0."),
        Claim("S33-one-step", "§3.3", "Although we expected to have a one-step solution, in many cases the algorithm "
              "does not converge (one linearization step does not suffice).", "\"in many cases\" (no number)",
              Measurement("01", "01_fig4", "rate", ("one_step",), (("lam", "3.0"),), model_column="model"),
              at_most(50.0, "images fooled in one step ≤ 50 % (a second step needed at least as often)"),
              setting, "{model}, λ = 3", (), caveat,
              "\"In many cases\" one step does not suffice: the share of images fooled in one linearization step at "
              "λ = 3 is at most half (one-sided). A sentence of its own, not F4-one-step's (which asks whether "
              "one-step solutions grow more common as λ grows).", "sparsefool"),
    ]
