"""Run profiles: how much work each notebook does under ``quick`` / ``default`` / ``paper``.

* ``quick``   - tiny counts for CI: every notebook together within ~10 min on 2 CPU cores.
* ``default`` - an honest reduced scale for a CPU machine: all notebooks within ~30 min.
* ``full``    - the paper's counts where a 2-core CPU affords them, statistically meaningful counts
  elsewhere (:data:`FULL_PROFILE_COUNTS` gives each count and its reason); hours on 2 cores,
  resumable from the per-sample results.
* ``paper``   - the paper's counts (§4.1: 10k MNIST / CIFAR-10 test images, 4000 ImageNet
  validation images, torchvision ImageNet networks); needs a GPU and the full data sets.

Notebooks read their settings with ``P = get_profile("01", profile)``; each notebook's author owns
its entry below.
"""

from __future__ import annotations

import copy
import re
from types import SimpleNamespace
from typing import Any

PROFILE_NAMES = ("quick", "default", "full", "paper")

# Settings shared by every notebook under a profile (a notebook's own entry may override them).
_COMMON: dict[str, dict[str, Any]] = {
    "quick": {"seed": 0, "chunk_size": 16},
    "default": {"seed": 0, "chunk_size": 64},
    "full": {"seed": 0, "chunk_size": 256},
    "paper": {"seed": 0, "chunk_size": 64},
}

# Why the ``full`` profile runs the counts it runs: the paper's counts where a 2-core CPU affords
# them, statistically meaningful counts (n >= 20, most in the hundreds) elsewhere. Costs were
# measured on 2 CPU cores (torch 2.14.1); README.md and figures/README.md render this table.
FULL_PROFILE_COUNTS: list[tuple[str, str, str]] = [
    ("Table 1, SparseFool", "all 10 000 MNIST and 10 000 CIFAR-10 test images per net",
     "the paper's count; LeNet ≈ 0.011 s/image, ResNet-20 ≈ 0.10 s/image batched (benchmarks/README.md, "
     "a quiet machine; the full run's batched times vary with the load)"),
    ("Table 1, JSMA", "1000 MNIST, 200 CIFAR-10 images; random target, the original JSMA paper's distortion cap "
     "(gamma = 0.145), and without a cap (gamma = 1) as a sensitivity row",
     "untargeted as in §4.1; the paper names no cap, and its 95.73 % on MNIST points to the original's; "
     "≈ 0.06 s/MNIST, 0.6 s/CIFAR-10 image (benchmarks/jsma.md)"),
    ("Table 1, one-pixel", "100 MNIST and 100 CIFAR-10 images per net; population 400, 100 generations per k, "
     "k grows until success along the fast schedule 1, 2, 3, 4, 6, 8, 12, ... up to every pixel (784 / 1024)",
     "Su et al.'s DE budget and the paper's protocol (k grows until success, §4.1), but for k above 4 "
     "an upper bound within 1.5x of the smallest k DE finds (`one_pixel`'s docstring; benchmarks/one_pixel.md "
     "checks it on 20 LeNet and 5 ResNet-20 seeded images at a reduced DE budget: it holds on every image "
     "both schedules fool, and DE being a random search, the fast schedule misses one the exact one fools); hours "
     "on 2 cores (measured: LeNet 87 min and ResNet-20 65 min for 100 images; VGG-19-half, where a few images "
     "need 24 to 63 pixels, 12 to 51 min per chunk of 10 images, 5.1 h for its 100), so a background job "
     "computes it (python -m sfutils.experiments.overall --profile full, resumable) and Table 1 reports the "
     "images stored so far"),
    ("Table 2", "SparseFool (λ = 3, 10 candidates) on 100 images for each of EfficientNet-Lite0/1/2, all at "
     "one 224 crop (the paper's nets' input size), with no cap an image reaches: the authors' cap of 50, "
     "then the unfooled images rerun at 200 and 1000 (all 300 fooled by 1000)",
     "≈ 15 s/image on Lite0 at the cap of 50 (2 threads, through fast_eval; 18.9 s on 1 thread in "
     "benchmarks/imagenet.md), a median of 35 s and at most 7 min uncapped; stand-ins for the torchvision "
     "nets, on the 500-image ImageNet sample; Table 3 and Fig. 8 reuse these uncapped adversarials"),
    ("Table 3", "Lite0/1/2 transfer of Table 2's adversarials (100 images), plus CIFAR-10 ResNet-20…56 on 500 images",
     "ImageNet: forward passes only"),
    ("Fig. 4", "λ = 1…6 on Table 2's 100 ImageNet images (Lite0), max_iter 1000 (a failure if reached); "
     "λ = 3 is Table 2's record",
     "a background job (python -m sfutils.experiments.imagenet_uncapped --profile full, resumable, chunks of 10 "
     "images for every setting in turn) computes it; hours on 2 cores (λ near 1 costliest), so the notebook "
     "reports the images stored so far, each row with its n"),
    ("Fig. 6", "δ sweep on 200 CIFAR-10 images (cap 50) and on Table 2's 100 ImageNet images (Lite0, λ = 3, "
     "δ = 255, 100, 50, 30, 20, 10, 5, max_iter 1000; δ = 255 is Table 2's record)",
     "ImageNet: the same background job as Fig. 4"),
    ("§2.2 on ImageNet", "l1-DeepFool and l2 DeepFool on Table 2's 100 Lite0 images (max_iter 1000), each run once "
     "and its adversarial then clipped to [0, 1]",
     "the same background job: l2 ≈ 3 s/image; l1-DeepFool moves one coordinate per iteration, hundreds "
     "of iterations per image (≈ 40 s/image quiet, far more on a loaded CPU), so it runs last"),
    ("Fig. 8", "location agreement on the images of Table 2's 100 that both nets of a pair fool (n per pair "
     "in tables/04_location_agreement.csv), with the different-image baseline", "Table 2's adversarials, reused; the verdict needs every pair's "
     "interval to clear 0 (its interval runs from the lowest pair's bound to the highest's)"),
    ("Fig. 9", "1000 CIFAR-10 images", "≈ 2 min"),
    ("§2.2", "l1-DeepFool on 1000 MNIST and 200 CIFAR-10 images (ImageNet: the row above)", "minutes"),
    ("§4.2 adversarial training", "500 CIFAR-10 images per net", "the robust net needs fewer iterations and queries"),
    ("notebook 06", "500 MNIST and 200 CIFAR-10 images at the default profile's attack budgets",
     "30 min measured (one thread, beside another job); JSMA, Brendel-Bethge and torchattacks' SparseFool "
     "(≈ 3 s per MNIST image) are skipped where slow"),
]

# notebook number -> profile -> settings. Each notebook's author owns its entry.
_PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    # 00: SparseFool explained on a 2-D toy classifier (course notebook).
    # n_toy: moons the MLP trains on; n_attack: toy test points attacked; n_mnist: MNIST test images.
    "00": {
        "quick": {"n_toy": 600, "n_attack": 100, "n_mnist": 10},
        "default": {"n_toy": 600, "n_attack": 400, "n_mnist": 100},
        "full": {"n_toy": 600, "n_attack": 1000, "n_mnist": 1000},
        "paper": {"n_toy": 600, "n_attack": 1000, "n_mnist": 1000},
    },
    # 01: overall performance: Table 1, Table 2, Fig. 4 (lambda sweep), §2.2 l1-DeepFool.
    # SparseFool counts n_mnist/n_cifar/n_imagenet; [ours, paper's row] model pairs; the one-pixel
    # attack grows k up to max_k (the paper: until success) with DE popsize/max_iter (paper 400/100).
    # imagenet_crop: Table 2 feeds every net this centre crop (None: each net its own input size);
    # in full, 224 for all three Lite nets, so notebooks 03 (Table 3) and 04 (Fig. 8) reuse its records.
    "01": {
        "quick": {
            "n_mnist": 10, "n_cifar": 2, "n_imagenet": 1, "n_jsma": {"mnist": 3, "cifar10": 1},
            "jsma": {"theta": 1.0, "gamma": 0.1}, "jsma_sensitivity": None,
            "n_one_pixel": {"mnist": 2, "cifar10": 1}, "one_pixel_compute": True,
            "one_pixel": {"mnist": {"popsize": 20, "max_iter": 5, "max_k": 2},
                          "cifar10": {"popsize": 20, "max_iter": 5, "max_k": 1}},
            "n_accuracy": {"mnist": 500, "cifar10": 100, "imagenet": 4},
            "mnist_models": [["lenet-mnist", "LeNet"]], "cifar_models": [["resnet20-cifar10", "ResNet-18"]],
            "imagenet_models": [["efficientnet-lite0", "VGG-16"]], "imagenet_crop": None,
            "imagenet_sparsefool": {"num_candidates": 2, "max_iter": 2},
            "table2_budget": {"caps": [4], "compute": True},
            "sweep": {"dataset": "mnist", "model": "lenet-mnist", "n": 10, "lams": [1, 3, 6]},
            "l1_deepfool": [["mnist", "lenet-mnist", 10]], "imagenet_clipping": None,
        },
        "default": {
            "n_mnist": 200, "n_cifar": 40, "n_imagenet": 2, "n_jsma": {"mnist": 50, "cifar10": 6},
            "jsma": {"theta": 1.0, "gamma": 0.1}, "jsma_sensitivity": None,
            "n_one_pixel": {"mnist": 6, "cifar10": 4}, "one_pixel_compute": True,
            "one_pixel": {"mnist": {"popsize": 50, "max_iter": 10, "max_k": 10},
                          "cifar10": {"popsize": 100, "max_iter": 20, "max_k": 3}},
            "n_accuracy": {"mnist": 10_000, "cifar10": 1000, "imagenet": 100},
            "mnist_models": [["lenet-mnist", "LeNet"]],
            "cifar_models": [["vgg19half-cifar10", "VGG-19"], ["resnet20-cifar10", "ResNet-18"]],
            "imagenet_models": [["efficientnet-lite0", "VGG-16"]], "imagenet_crop": None,
            "imagenet_sparsefool": {"num_candidates": 4},
            "table2_budget": {"caps": [], "compute": False},
            "sweep": {"dataset": "mnist", "model": "lenet-mnist", "n": 100, "lams": [1, 2, 3, 4, 5, 6]},
            "l1_deepfool": [["mnist", "lenet-mnist", 100], ["cifar10", "resnet20-cifar10", 16]],
            "imagenet_clipping": None,
        },
        "full": {
            "n_mnist": 10_000, "n_cifar": 10_000, "n_imagenet": 100, "n_jsma": {"mnist": 1000, "cifar10": 200},
            "jsma": {"theta": 1.0, "gamma": 0.145}, "jsma_sensitivity": {"theta": 1.0, "gamma": 1.0},
            "n_one_pixel": {"mnist": 100, "cifar10": 100},
            "one_pixel": {"mnist": {"popsize": 400, "max_iter": 100, "max_k": 784, "schedule": "fast"},
                          "cifar10": {"popsize": 400, "max_iter": 100, "max_k": 1024, "schedule": "fast"}},
            # hours on 2 cores: a background job computes it (python -m sfutils.experiments.overall
            # --profile full), and the notebook reports the images stored so far
            "one_pixel_compute": False,
            "n_accuracy": {"mnist": 10_000, "cifar10": 10_000, "imagenet": 500},
            "mnist_models": [["lenet-mnist", "LeNet"]],
            "cifar_models": [["vgg19half-cifar10", "VGG-19"], ["resnet20-cifar10", "ResNet-18"]],
            "imagenet_models": [["efficientnet-lite0", "VGG-16"], ["efficientnet-lite1", "ResNet-101"],
                                ["efficientnet-lite2", "DenseNet-161"]], "imagenet_crop": 224,
            "imagenet_sparsefool": {},
            # Table 2's unfooled images rerun at larger caps, one at a time: hours, so a background job
            # computes them (python -m sfutils.experiments.budget) and the notebook reports what is stored.
            "table2_budget": {"caps": [200, 1000], "compute": False},
            # Fig. 4 on Table 2's 100 images (n_imagenet, imagenet_crop) of the sweep's net, uncapped
            # (max_iter 1000, a failure if reached): hours, so a background job computes it with Fig. 6's
            # ImageNet deltas and §2.2 on ImageNet (python -m sfutils.experiments.imagenet_uncapped).
            # The pilot (10 images per setting, on a shared CPU): lambda 6 70 s/image, lambda 5 15 s/image,
            # l1-DeepFool over 45 min for 10 images; Table 2's lambda 3 a median of 35 s: n = 100 for all
            # projects well over 10 h. lambda 1 and 2 are NOT stopped at 50 (the fallback): the
            # sample's image order follows the class index, so the first 50 are not a random half; every
            # setting grows to the same 100 images, costliest last (sfutils.experiments.imagenet_uncapped).
            "sweep": {"dataset": "imagenet", "model": "efficientnet-lite0", "n": 100, "lams": [1, 2, 3, 4, 5, 6],
                      "max_iter": 1000, "compute": False},
            "l1_deepfool": [["mnist", "lenet-mnist", 1000], ["cifar10", "resnet20-cifar10", 200]],
            # §2.2 on Table 2's ImageNet images: l1 and l2 DeepFool, unclipped and clipped (the same job)
            "imagenet_clipping": {"model": "efficientnet-lite0", "norms": ["l1", "l2"]},
        },
        "paper": {
            "n_mnist": 10_000, "n_cifar": 10_000, "n_imagenet": 4000, "n_jsma": {"mnist": 10_000, "cifar10": 10_000},
            "jsma": {"theta": 1.0, "gamma": 0.145}, "jsma_sensitivity": {"theta": 1.0, "gamma": 1.0},
            "n_one_pixel": {"mnist": 100, "cifar10": 100},
            "one_pixel": {"mnist": {"popsize": 400, "max_iter": 100, "max_k": 784},
                          "cifar10": {"popsize": 400, "max_iter": 100, "max_k": 1024}},
            "one_pixel_compute": True,
            "n_accuracy": {"mnist": 10_000, "cifar10": 10_000, "imagenet": 4000},
            "mnist_models": [["lenet-mnist", "LeNet"]],
            "cifar_models": [["vgg19-cifar10", "VGG-19"], ["resnet18-cifar10", "ResNet-18"]],
            "imagenet_models": [["vgg16", "VGG-16"], ["resnet101", "ResNet-101"], ["densenet161", "DenseNet-161"],
                                ["inception-v3", "Inception-v3"]], "imagenet_crop": None,
            "imagenet_sparsefool": {},
            "table2_budget": {"caps": [200, 1000], "compute": True},
            "sweep": {"dataset": "imagenet", "model": "inception-v3", "n": 4000, "lams": [1, 2, 3, 4, 5, 6],
                      "max_iter": 1000},
            "l1_deepfool": [],
            "imagenet_clipping": {"model": "vgg16", "norms": ["l1", "l2"]},
        },
    },
    # 02: perceptibility: Figs. 1, 5, 6, 7 (the box [x - delta, x + delta]). imagenet_uncapped: ImageNet's
    # rows are notebook 01's image set, uncapped (sfutils.experiments.imagenet_uncapped; n_imagenet unused).
    "02": {
        "quick": {"n_mnist": 10, "n_cifar": 6, "n_imagenet": 1, "per_level": 1, "fig7": "cifar10", "imagenet_uncapped": False,
                  "models": {"mnist": "lenet-mnist", "cifar10": "resnet20-cifar10", "imagenet": "efficientnet-lite0"},
                  "lam": {"mnist": 1.0, "cifar10": 3.0, "imagenet": 3.0},
                  "deltas": {"mnist": [255], "cifar10": [255, 30, 10], "imagenet": [10]}},
        "default": {"n_mnist": 30, "n_cifar": 30, "n_imagenet": 2, "per_level": 2, "fig7": "imagenet",
                    "imagenet_uncapped": False,
                    "models": {"mnist": "lenet-mnist", "cifar10": "resnet20-cifar10", "imagenet": "efficientnet-lite0"},
                    "lam": {"mnist": 1.0, "cifar10": 3.0, "imagenet": 3.0},
                    "deltas": {"mnist": [255], "cifar10": [255, 100, 50, 30, 20, 10], "imagenet": [255, 30, 10]}},
        # ImageNet: notebook 01's image set (Table 2's 100 images), uncapped; the background job of
        # sfutils.experiments.imagenet_uncapped computes it (delta = 5 samples the curve's steep end).
        "full": {"n_mnist": 200, "n_cifar": 200, "n_imagenet": 100, "per_level": 2, "fig7": "imagenet",
                 "imagenet_uncapped": True,
                 "models": {"mnist": "lenet-mnist", "cifar10": "resnet20-cifar10", "imagenet": "efficientnet-lite0"},
                 "lam": {"mnist": 1.0, "cifar10": 3.0, "imagenet": 3.0},
                 "deltas": {"mnist": [255], "cifar10": [255, 100, 50, 30, 20, 10],
                            "imagenet": [255, 100, 50, 30, 20, 10, 5]}},
        "paper": {"n_mnist": 100, "n_cifar": 100, "n_imagenet": 100, "per_level": 2, "fig7": "imagenet",
                  "imagenet_uncapped": False,
                  "models": {"mnist": "lenet-mnist", "cifar10": "resnet18-cifar10", "imagenet": "resnet101"},
                  "lam": {"mnist": 1.0, "cifar10": 3.0, "imagenet": 3.0},
                  "deltas": {"mnist": [255], "cifar10": [255, 100, 50, 30, 20, 10],
                             "imagenet": [255, 200, 150, 100, 50, 30, 20, 10]}},
    },
    # 03: transferability: Table 3.
    # Model lists: every net is a source and a target; ImageNet nets share one input size: ``crop``, or
    # with None each net's own (the torchvision nets of the paper profile all take 224). The sources'
    # records are notebook 01's (Table 2) when n, seed and crop match (full: 100 images at 224).
    "03": {
        # quick and default skip ImageNet (n_imagenet=0): one EfficientNet-Lite attack takes ~20 s per image
        # on a quiet 2-core CPU (over 10 min under load); the full and paper profiles run it.
        "quick": {"n_imagenet": 0, "n_cifar": 3, "imagenet_models": ["efficientnet-lite0", "efficientnet-lite1"],
                  "cifar_models": ["resnet20-cifar10", "resnet32-cifar10"], "crop": 224},
        "default": {"n_imagenet": 0, "n_cifar": 12,
                    "imagenet_models": ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"],
                    "cifar_models": ["resnet20-cifar10", "resnet32-cifar10", "resnet44-cifar10", "resnet56-cifar10"],
                    "crop": 224},
        "full": {"n_imagenet": 100, "n_cifar": 500,
                 "imagenet_models": ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"],
                 "cifar_models": ["resnet20-cifar10", "resnet32-cifar10", "resnet44-cifar10", "resnet56-cifar10"],
                 "crop": 224},
        "paper": {"n_imagenet": 4000, "n_cifar": 1000, "imagenet_models": ["vgg16", "resnet101", "densenet161"],
                  "cifar_models": ["resnet20-cifar10", "resnet32-cifar10", "resnet44-cifar10", "resnet56-cifar10"],
                  "crop": None},
    },
    # 04: semantics: Figs. 8-9. Fig. 8 attacks ``networks`` on ``n_images`` images at ``crop`` (ImageNet;
    # None: each net's own size); in full the records of Table 2 (notebook 01), reused.
    "04": {
        "quick": {"n_cifar": 10, "n_images": 2, "n_show": 2, "lam": 3.0, "per_class": 3, "sigma": 2.0,
                  "sigma_maps": 1.0, "cifar_model": "resnet20-cifar10", "networks_dataset": "cifar10", "crop": None,
                  "networks": ["resnet20-cifar10", "resnet32-cifar10"]},
        "default": {"n_cifar": 200, "n_images": 1, "n_show": 1, "lam": 3.0, "per_class": 6, "sigma": 8.0,
                    "sigma_maps": 1.0, "cifar_model": "resnet20-cifar10", "networks_dataset": "imagenet", "crop": None,
                    "networks": ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"]},
        "full": {"n_cifar": 1000, "n_images": 100, "n_show": 4, "lam": 3.0, "per_class": 8, "sigma": 8.0,
                 "sigma_maps": 1.0, "cifar_model": "resnet20-cifar10", "networks_dataset": "imagenet", "crop": 224,
                 "networks": ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"]},
        "paper": {"n_cifar": 10_000, "n_images": 100, "n_show": 4, "lam": 3.0, "per_class": 8, "sigma": 8.0,
                  "sigma_maps": 1.0, "cifar_model": "resnet18-cifar10", "networks_dataset": "imagenet", "crop": None,
                  "networks": ["vgg16", "resnet101", "densenet161"]},
    },
    # 05: adversarial training (§4.2, last paragraph).
    "05": {
        "quick": {"n_cifar": 3, "n_accuracy": 200, "n_examples": 2},
        "default": {"n_cifar": 50, "n_accuracy": 2000, "n_examples": 4},
        "full": {"n_cifar": 500, "n_accuracy": 10_000, "n_examples": 4},
        "paper": {"n_cifar": 10_000, "n_accuracy": 10_000, "n_examples": 4},
    },
    # 06: beyond the paper: modern sparse attacks side by side (needs the ``compare`` extra).
    # Budgets: SparseFool's lambda sweep, steps/queries of each compared attack, Sparse-RS pixel budgets;
    # skip: attacks left out to keep a CPU profile's time (torchattacks' SparseFool ~3 s per MNIST and ~60 s
    # per CIFAR-10 image here; Brendel-Bethge needs a ~2-3 min numba compile first; JSMA on CIFAR-10,
    # ~0.6 s per image since its pair search was sped up, is Table 1's in notebook 01).
    "06": {
        "quick": {"n_mnist": 8, "n_cifar": 4, "lams": [1, 3], "sigma_zero_steps": 20,
                  "fmn_steps": 20, "vfga_max_iter": 60, "bb_steps": 5, "ead_steps": 10, "ead_search_steps": 1,
                  "ta_steps": 3, "rs_ks": [10], "rs_queries": 50, "k_max": 100, "k_report": 10, "chunk_size": 32,
                  "skip": {"mnist": ["brendel-bethge-l0"],
                           "cifar10": ["jsma", "brendel-bethge-l0", "torchattacks-sparsefool"]}},
        "default": {"n_mnist": 100, "n_cifar": 30, "lams": [1, 2, 3], "sigma_zero_steps": 100,
                    "fmn_steps": 100, "vfga_max_iter": 300, "bb_steps": 50, "ead_steps": 50, "ead_search_steps": 3,
                    "ta_steps": 10, "rs_ks": [5, 10, 20], "rs_queries": 300, "k_max": 100, "k_report": 10,
                    "chunk_size": 50, "skip": {"cifar10": ["jsma", "brendel-bethge-l0", "torchattacks-sparsefool"]}},
        # full: the default budgets on 5x (MNIST) / ~7x (CIFAR-10) the images, so that notebook 06 fits its
        # ~45 min share of the 6 h full run (it took 30); torchattacks' SparseFool (~3 s per MNIST image)
        # stays in default.
        "full": {"n_mnist": 500, "n_cifar": 200, "lams": [1, 2, 3], "sigma_zero_steps": 100,
                 "fmn_steps": 100, "vfga_max_iter": 300, "bb_steps": 50, "ead_steps": 50, "ead_search_steps": 3,
                 "ta_steps": 10, "rs_ks": [5, 10, 20], "rs_queries": 300, "k_max": 100, "k_report": 10,
                 "chunk_size": 100, "skip": {"mnist": ["torchattacks-sparsefool"],
                                             "cifar10": ["jsma", "brendel-bethge-l0", "torchattacks-sparsefool"]}},
        "paper": {"n_mnist": 10_000, "n_cifar": 10_000, "lams": [1, 2, 3],
                  "sigma_zero_steps": 1000, "fmn_steps": 1000, "vfga_max_iter": 3072, "bb_steps": 1000,
                  "ead_steps": 1000, "ead_search_steps": 9, "ta_steps": 50, "rs_ks": [5, 10, 20, 50],
                  "rs_queries": 10_000, "k_max": 100, "k_report": 10, "chunk_size": 256, "skip": {}},
    },
}


def notebook_key(notebook: str) -> str:
    """The two-digit number of a notebook given as ``"01"``, ``"01_table1"`` or a file name."""
    m = re.match(r"(\d\d)(?:_|\.|$)", str(notebook).rsplit("/", 1)[-1])
    if m is None:
        raise ValueError(f"notebook must start with a two-digit number like '01' or '01_table1', got {notebook!r}")
    return m.group(1)


def get_profile(notebook: str, profile: str, **overrides: Any) -> SimpleNamespace:
    """The settings of ``notebook`` under ``profile``, with ``overrides`` of existing keys applied;
    an override of ``None`` keeps the profile's value (a notebook passes its parameter cell as is).

    The namespace also carries ``notebook`` (two digits) and ``profile`` (its name).
    """
    if profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
    key = notebook_key(notebook)
    if key not in _PROFILES:
        raise ValueError(f"no profiles for notebook {key!r}; known notebooks: {', '.join(sorted(_PROFILES))}")
    settings = copy.deepcopy({**_COMMON[profile], **_PROFILES[key][profile]})
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown} for notebook {key}; known: {sorted(settings)}")
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return SimpleNamespace(notebook=key, profile=profile, **settings)
