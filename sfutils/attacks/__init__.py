"""Attacks: the paper's DeepFool and SparseFool, the baselines it compares against, and two later
additions (Sparse-RS, and a greedy refinement that is not the paper's).

Every attack has one shape, ``attack(model, x, *, ...) -> AttackResult``: a model in eval mode
mapping a batch (N, ...) of inputs in [0, 1] to logits (normalisation lives inside the model),
the batch, and keyword-only settings. ``success`` always means the label changed from the clean
label (or, for a targeted run, reached the target). Budgets mean one thing everywhere:
``max_iter`` bounds an attack's iterations, ``batch_size`` the images in one forward pass (or in
flight) and only affects memory.
"""

from sfutils.attacks.deepfool import deepfool
from sfutils.attacks.deepfool_l1 import deepfool_l1
from sfutils.attacks.jsma import jsma
from sfutils.attacks.linear_solver import linear_solver
from sfutils.attacks.one_pixel import one_pixel
from sfutils.attacks.random_sparse import channel_counts, median_channel_counts, median_counts, random_sparse
from sfutils.attacks.refine import refine_sparse
from sfutils.attacks.result import AttackResult
from sfutils.attacks.sparse_rs import sparse_rs
from sfutils.attacks.sparsefool import SparseFoolConfig, SparseFoolStep, bounds, sparsefool

# Every attack from clean inputs, by name (refine_sparse post-processes another attack's result).
ATTACKS = {"deepfool": deepfool, "deepfool_l1": deepfool_l1, "jsma": jsma, "one_pixel": one_pixel,
           "random_sparse": random_sparse, "sparse_rs": sparse_rs, "sparsefool": sparsefool}

__all__ = ["ATTACKS", "AttackResult", "SparseFoolConfig", "SparseFoolStep", "bounds", "channel_counts", "deepfool",
           "deepfool_l1", "jsma", "linear_solver", "median_channel_counts", "median_counts", "one_pixel",
           "random_sparse", "refine_sparse", "sparse_rs", "sparsefool"]
