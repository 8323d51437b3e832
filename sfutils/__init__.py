"""sfutils: a reference reproduction of SparseFool (Modas et al., CVPR 2019).

Sub-modules: ``attacks`` (DeepFool, SparseFool and the paper's baselines), ``data``,
``models``, ``metrics``, ``results`` (resumable per-sample store), ``plotting``.
"""

from sfutils.device import default_device

__version__ = "0.1.0"
__all__ = ["default_device", "__version__"]
