"""Attacks: the paper's DeepFool and SparseFool, and the baselines it compares against.

Every attack takes a model in eval mode mapping a batch (N, ...) of inputs in [0, 1] to logits
(normalisation lives inside the model) and returns an :class:`AttackResult`.
"""

from sfutils.attacks.deepfool import deepfool
from sfutils.attacks.deepfool_l1 import deepfool_l1
from sfutils.attacks.jsma import jsma
from sfutils.attacks.linear_solver import linear_solver
from sfutils.attacks.one_pixel import one_pixel
from sfutils.attacks.random_sparse import median_channel_counts, random_sparse
from sfutils.attacks.result import AttackResult
from sfutils.attacks.sparsefool import bounds, sparsefool

__all__ = ["AttackResult", "bounds", "deepfool", "deepfool_l1", "jsma", "linear_solver", "median_channel_counts",
           "one_pixel", "random_sparse", "sparsefool"]
