"""The authors' official SparseFool (github.com/LTS4/SparseFool), loaded at run time for side-by-side checks.

The official code is never copied into this repository: :func:`load_official` imports its unmodified
files from a folder (``../shared/reference/LTS4-SparseFool`` by default, :func:`official_root`).
Its ``deepfool.py`` imports ``torch.autograd.gradcheck.zero_gradients``, which torch removed in
1.9; :func:`load_official` supplies an equivalent (:func:`zero_gradients`) on that module for the
duration of the import only, and keeps the official files' top-level module names (``utils``,
``deepfool``, ...) out of ``sys.modules`` afterwards. :func:`official_sparsefool` runs its
Algorithm 2 one image at a time, as the authors do, and returns what the repository's
:class:`~sfutils.attacks.AttackResult` reports per image (``tests/test_official.py``,
``benchmarks/bench_official.py``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import torch
from torch import nn

from sfutils import paths

OFFICIAL_COMMIT = "958e2bf663ea4b22ecc7a24dcf226a9fab77124f"  # the commit ../shared/reference holds
_MODULES = ("utils", "linear_solver", "deepfool", "sparsefool")  # the official files' top-level names


def official_root() -> Path:
    """Where the official code is read from: ``<repo>/../shared/reference/LTS4-SparseFool``."""
    return paths.repo_root().parent / "shared" / "reference" / "LTS4-SparseFool"


def missing_reason(root: Path | None = None) -> str | None:
    """Why the official code cannot be loaded from ``root`` (default :func:`official_root`), or ``None``."""
    root = official_root() if root is None else root
    absent = [f"{name}.py" for name in _MODULES if not (root / f"{name}.py").is_file()]
    return f"the official SparseFool is not at {root} (missing {', '.join(absent)})" if absent else None


def zero_gradients(x: torch.Tensor | Iterable[torch.Tensor]) -> None:
    """``torch.autograd.gradcheck.zero_gradients`` as torch < 1.9 defined it: detach and zero the
    ``.grad`` of a tensor, or of every tensor in an iterable."""
    if isinstance(x, torch.Tensor):
        if x.grad is not None:
            x.grad.detach_()
            x.grad.zero_()
    else:
        for elem in x:
            zero_gradients(elem)


def load_official(root: Path | None = None) -> ModuleType:
    """The official ``sparsefool`` module, imported from the unmodified files under ``root``.

    For the import only: ``root`` leads ``sys.path``, ``zero_gradients`` is set on
    ``torch.autograd.gradcheck`` (unless torch still has it), bytecode is not written next to the
    official files, and same-named modules already imported are set aside; all of it is restored
    afterwards. The returned module keeps its own references to the official ``deepfool``,
    ``linear_solver`` and ``utils``.
    """
    root = official_root() if root is None else root
    reason = missing_reason(root)
    if reason is not None:
        raise FileNotFoundError(reason)
    gradcheck = importlib.import_module("torch.autograd.gradcheck")
    shim = not hasattr(gradcheck, "zero_gradients")
    saved = {name: sys.modules.pop(name) for name in _MODULES if name in sys.modules}
    write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(root))
    if shim:
        gradcheck.zero_gradients = zero_gradients
    try:
        return importlib.import_module("sparsefool")
    finally:
        if shim:
            delattr(gradcheck, "zero_gradients")
        sys.path.remove(str(root))
        sys.dont_write_bytecode = write_bytecode
        for name in _MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


@dataclass(frozen=True)
class OfficialResult:
    """One image through the official Algorithm 2: its clean and final labels, the iterations it
    ran (``loops``), the perturbation ``r`` = fool_im - x_0 and the adversarial ``fool_im``."""

    label: int
    adv_label: int
    iterations: int
    perturbation: torch.Tensor
    adversarial: torch.Tensor

    @property
    def success(self) -> bool:
        return self.adv_label != self.label

    def perturbed_pixels(self) -> int:
        """Pixels with any channel changed (the paper's count, §4.1), as ``AttackResult`` counts them."""
        changed = self.perturbation != 0
        return int((changed.any(dim=0) if changed.dim() == 3 else changed).sum())


def official_sparsefool(module: ModuleType, model: nn.Module, x: torch.Tensor, lb: torch.Tensor, ub: torch.Tensor,
                        *, lam: float = 3.0, max_iter: int = 50, epsilon: float = 0.02) -> OfficialResult:
    """The official ``sparsefool(x_0, net, lb, ub, lambda_, max_iter, epsilon, device)`` on one image
    ``x`` (C, H, W) or (D,) in the box [``lb``, ``ub``] (same shape); the official DeepFool uses its
    defaults (10 candidates, overshoot 0.02, 50 iterations), as the repository's ``sparsefool`` does."""
    device = str(x.device.type)
    fool_im, r, pred_label, fool_label, loops = module.sparsefool(
        x.unsqueeze(0), model, lb.unsqueeze(0), ub.unsqueeze(0), lambda_=lam, max_iter=max_iter,
        epsilon=epsilon, device=device)
    return OfficialResult(label=int(pred_label), adv_label=int(fool_label), iterations=int(loops),
                          perturbation=r[0].detach(), adversarial=fool_im[0].detach())


__all__ = ["OFFICIAL_COMMIT", "OfficialResult", "load_official", "missing_reason", "official_root",
           "official_sparsefool", "zero_gradients"]
