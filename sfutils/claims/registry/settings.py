"""The setting texts the registry modules share: what "ours" is beside the paper's setting."""

from __future__ import annotations

CIFAR_JPEG = "JPEG CIFAR-10 (a lossy copy of the test set: ~10 accuracy points lost)"
IMAGENET_OURS = ("{model} (EfficientNet-Lite stand-in) on the 500 offline ImageNet sample images "
                 "(not the validation set)")
CIFAR_STAND_IN = "a stand-in net (named in our setting) on JPEG CIFAR-10"
LITE_PAIRING = ("Lite0/1/2 stand in for VGG-16/ResNet-101/DenseNet-161 in order of depth; no pixel verdict depends "
                "on that pairing (the pixel rows are shown per net; the mean over the nets is compared with the paper's)")
QUERIES = "queries/image (ours)"  # forward + gradient passes per image, from the attacks' own counters
# The readings the registry shares: how a sentence about a fooling rate or a median becomes a criterion.
READ_FOOLING = ("A fooling rate: the share of the attacked images whose label changed, judged one-sided (fooling more "
                "never refutes it) against the paper's rate less 5 points, on the Wilson interval.")
READ_BASELINE_FOOLING = ("A baseline's fooling rate: the share of the attacked images whose label changed, within ± 5 "
                         "points of the paper's, on the Wilson interval: two-sided, since a much weaker or a much "
                         "stronger baseline than the paper's is another baseline.")
READ_PIXELS = ("The median share of perturbed pixels over the fooled images (the paper's statistic, §4.1), within "
               "÷/× 1.5 of the paper's value rounded outward to whole pixels: two-sided, since both a much sparser and "
               "a much denser result would differ from the paper; relative, so that half or twice the paper's share "
               "never passes.")
READ_MAGNITUDE = ("A stand-in magnitude, not a verdict on SparseFool: the median share of perturbed pixels over the "
                  "fooled images (the paper's statistic, §4.1) on a net that is not the paper's, beside the paper's "
                  "number; \"as the paper's\" within ÷/× 1.5 rounded outward to whole pixels (a factor-of-two gap "
                  "cannot pass). How dense a net's perturbations are depends on the net, so a difference is a fact "
                  "about the stand-in; SparseFool's claims are judged on directions and within-setting ratios.")
# The background ImageNet job of issue 33: rows it has not stored yet are "not run yet", never a false reason.
IMAGENET_JOB = ("the ImageNet job of issue 33 (python -m sfutils.experiments.imagenet_uncapped, resumable) has "
                "stored no image of a record this row needs: the job grows one list of records at a time, cheapest "
                "first, and no run so far has included this record (issue 33 says what is left)")
JSMA_UNCAPPED = "jsma gamma=1"  # notebook 01's Table 1 row of JSMA at γ = 1 (no distortion cap): the one judged
ATTACK_NAMES = {"sparsefool": "SparseFool", "jsma": "JSMA", "one_pixel": "the one-pixel attack"}
_JSMA_OURS = "JSMA here is this repository's untargeted version (random target, θ = +1)"
ATTACK_CAVEAT = {
    "sparsefool": "Table 1's SparseFool runs stop at the authors' cap of 50 iterations (their README and demo; "
                  "Algorithm 2 itself has no cap, and Table 2 reads ImageNet without one): an image that reaches "
                  "the cap counts as not fooled, so the fooling rate includes cap failures; the runs are batched, and float32 round-off over a batch's composition can change an "
                  "image's path: rerun one image at a time, some images a batched run leaves unfooled at 50 are "
                  "fooled within 50 (Table 2's notes count them on ImageNet)",
    "jsma": f"{_JSMA_OURS} without a distortion cap (γ = 1), the paper's §4.1 as written and the protocol of the "
            "wall-time benchmark (T1-*-walltime-jsma), read from Table 1's γ = 1 row (where a profile has no such row, "
            "its γ = 14.5 % row, as the why says); the original JSMA paper's cap γ = 14.5 % is shown as a "
            "sensitivity row (T1-*-jsma-*-gamma0.145, context)",
    "jsma-walltime": f"{_JSMA_OURS} without a distortion cap (γ = 1), the paper's §4.1 as written and the γ of "
                     "the Table 1 JSMA cells judged here (Table 1's γ = 1 row)",
    "one_pixel": "the one-pixel attack's evolution budget, k cap and k schedule depend on the profile (Table 1's "
                 "notes; full: population 400, 100 generations, k up to every pixel along the fast schedule "
                 "1, 2, 3, 4, 6, 8, 12, ..., exact up to k = 4, above that an upper bound less than 1.5x the "
                 "smallest k); the paper grows k by one until success",
}


def ours_table1(dataset: str) -> tuple[str, tuple[str, ...], str]:
    """(our setting, models with the paper's setting, stand-in caveat) of a Table 1 data set."""
    if dataset == "mnist":
        return ("{model} (LeNet trained here: the paper's architecture, data and λ; our own training run) on the "
                "MNIST test set", ("lenet-mnist",), "")
    return f"{{model}} (stand-in) on {CIFAR_JPEG}", (), CIFAR_STAND_IN


def join(*parts: str) -> str:
    """The non-empty parts, joined by '; '."""
    return "; ".join(p for p in parts if p)
