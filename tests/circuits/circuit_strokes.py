"""Synthetic 28x28 'digits' for the circuit tests (imported by their folder's test modules)."""

from __future__ import annotations

import numpy as np


def strokes(count: int, seed: int = 0, size: int = 28) -> np.ndarray:
    """`count` images of 2-3 thick bright segments on a black background, some soft edges."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    out = np.zeros((count, size, size), dtype=np.uint8)
    for n in range(count):
        ink = np.zeros((size, size))
        for _ in range(rng.integers(2, 4)):
            (y0, x0), (y1, x1) = rng.uniform(5, size - 5, (2, 2))
            t = np.clip(
                ((yy - y0) * (y1 - y0) + (xx - x0) * (x1 - x0))
                / max((y1 - y0) ** 2 + (x1 - x0) ** 2, 1e-9),
                0,
                1,
            )
            dist = np.hypot(yy - y0 - t * (y1 - y0), xx - x0 - t * (x1 - x0))
            ink = np.maximum(ink, np.clip(2.5 - dist, 0, 1))
        out[n] = np.round(255 * ink).astype(np.uint8)
    return out
