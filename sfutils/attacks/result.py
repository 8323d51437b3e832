"""The common return type of every attack in :mod:`sfutils.attacks`."""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
from torch import nn

from sfutils import metrics


@dataclass
class AttackResult:
    """Per-sample outcome of a batched attack.

    ``adversarial`` has the shape of the input; ``label`` is the model's prediction on the clean
    input, ``adv_label`` on the adversarial; ``success`` is ``adv_label != label`` (or
    ``== target`` for targeted attacks); ``iterations`` counts the attack's outer iterations,
    ``grad_evals`` its backward passes (input gradients) and ``forward_evals`` its forward passes
    (those feeding a backward included), all per sample.
    """

    adversarial: torch.Tensor
    perturbation: torch.Tensor
    label: torch.Tensor
    adv_label: torch.Tensor
    success: torch.Tensor
    iterations: torch.Tensor
    grad_evals: torch.Tensor
    forward_evals: torch.Tensor

    @classmethod
    def from_adversarial(cls, model: nn.Module, x: torch.Tensor, adversarial: torch.Tensor, label: torch.Tensor, *,
                         iterations: torch.Tensor, grad_evals: torch.Tensor, forward_evals: torch.Tensor,
                         adv_label: torch.Tensor | None = None, target: torch.Tensor | None = None
                         ) -> "AttackResult":
        """The closing every attack shares: the result of moving clean inputs ``x`` (clean labels
        ``label``) to ``adversarial``.

        Without ``adv_label`` the adversarial is classified here, one more forward pass added to
        ``forward_evals``; pass ``adv_label`` when the attack's last pass already classified exactly
        ``adversarial``. ``success`` is ``adv_label != label``, or ``adv_label == target`` for a
        targeted attack.
        """
        if adv_label is None:
            with torch.no_grad():
                adv_label = model(adversarial).argmax(dim=1)
            forward_evals = forward_evals + 1
        success = adv_label != label if target is None else adv_label == target
        return cls(adversarial=adversarial, perturbation=adversarial - x, label=label, adv_label=adv_label,
                   success=success, iterations=iterations, grad_evals=grad_evals, forward_evals=forward_evals)

    @property
    def original(self) -> torch.Tensor:
        """The clean input, recovered as ``adversarial - perturbation``."""
        return self.adversarial - self.perturbation

    def perturbed_pixels(self) -> torch.Tensor:
        """Perturbed pixels per sample (any channel changed; coordinates for (N, d))."""
        return metrics.perturbed_pixels(self.perturbation)

    def perturbed_pixels_pct(self) -> torch.Tensor:
        """Perturbed pixels per sample as a percentage of the pixels of one input."""
        return metrics.perturbed_pixels_pct(self.perturbation)

    def fooling_rate(self) -> float:
        """Percentage of successful samples."""
        return metrics.fooling_rate(self.success)

    def median_pixels_pct(self) -> float:
        """Median perturbed-pixel percentage over the successful samples (the paper's measure)."""
        return metrics.median_of_successes(self.perturbed_pixels_pct(), self.success)

    def to(self, device: torch.device | str) -> "AttackResult":
        """A copy with every tensor moved to ``device``."""
        return AttackResult(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    @staticmethod
    def cat(results: list["AttackResult"]) -> "AttackResult":
        """Concatenate chunk results along the batch dimension."""
        return AttackResult(**{f.name: torch.cat([getattr(r, f.name) for r in results])
                               for f in fields(AttackResult)})
