"""High-level Python API: compress an RGB image to `.ncz` bytes and back, like a classical codec."""

from __future__ import annotations

import numpy as np


def list_models() -> list[str]:
    """Names of the installed models (from `weights/`)."""
    raise NotImplementedError


def default_model() -> str:
    """Name of the model used when none is given."""
    raise NotImplementedError


def quality_ladder(model: str | None = None) -> list[int]:
    """Qualities (1..100) that sweep the model's documented rate range, for R-D curves."""
    raise NotImplementedError


def compress_image(image: np.ndarray, model: str | None = None, quality: int = 75) -> bytes:
    """Encode an HxWx3 uint8 RGB image into the bytes of a complete `.ncz` file."""
    raise NotImplementedError


def decompress_image(data: bytes) -> np.ndarray:
    """Decode the bytes of a `.ncz` file into an HxWx3 uint8 RGB image."""
    raise NotImplementedError
