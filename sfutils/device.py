"""Device detection: CUDA when present, CPU otherwise; never hard-coded."""

from __future__ import annotations

import torch


def default_device() -> torch.device:
    """The device experiments run on: the first CUDA GPU if there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def describe_device(device: torch.device | str | None = None) -> str:
    """A human-readable device name for provenance records (GPU model or CPU + threads)."""
    device = torch.device(device) if device is not None else default_device()
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"
