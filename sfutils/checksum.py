"""SHA-256 verified checkpoint loading: a corrupt or swapped file fails loudly, never half-loads."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

import torch


class ChecksumError(ValueError):
    """A file's SHA-256 differs from the expected one (corrupt, truncated or the wrong file)."""


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """The hex SHA-256 digest of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify_sha256(path: str | Path, expected: str) -> None:
    """Raise :class:`ChecksumError` unless ``path`` hashes to ``expected`` (full digest or a prefix
    of at least 8 hex digits, the torch.hub file-name convention)."""
    if len(expected) < 8:
        raise ValueError(f"expected SHA-256 must have at least 8 hex digits, got {expected!r}")
    actual = sha256_file(path)
    if not actual.startswith(expected.lower()):
        raise ChecksumError(
            f"SHA-256 mismatch for {path}: expected {expected}, got {actual}. The file is corrupt or "
            "not the expected checkpoint; delete it and fetch/train it again."
        )


def load_checkpoint(path: str | Path, sha256: str | None) -> Any:
    """Verify ``path`` against ``sha256`` (when given) and load it with ``weights_only=True`` on CPU."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if sha256 is not None:
        verify_sha256(path, sha256)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as err:
        raise ChecksumError(f"cannot load checkpoint {path} with weights_only=True: {err}") from err
