"""Quantization of points to a grid of `step_mm` millimetres, and the quality -> step mapping.

A point p becomes the integer cell round((p - origin) / step) (origin: the cloud's bounding-box
minimum), duplicates are dropped, and a cell decodes to origin + cell * step, so every
coordinate is off by at most half a step.
"""

from __future__ import annotations

import math

import numpy as np

from ncodec.errors import InputError

#: Finest octree: 21 levels, so that Morton codes of three 21-bit coordinates fit in int64.
MAX_DEPTH = 21
#: Step of quality 100 (millimetres); every 10 quality points below it double the step.
FINEST_STEP_MM = 1.0


def quality_to_step(quality: int) -> float:
    """The step (mm) of a quality 1..100: 2 ** ((100 - quality) / 10) mm (q 100: 1 mm,
    q 60: 16 mm, q 40: 64 mm, q 1: about 955 mm)."""
    return FINEST_STEP_MM * 2.0 ** ((100 - int(quality)) / 10)


def check_step(step_mm: object) -> float:
    """A step in millimetres as a positive finite float, or a one-line InputError."""
    if isinstance(step_mm, bool) or not isinstance(step_mm, int | float | np.floating):
        raise InputError(f"step_mm must be a positive number of millimetres, got {step_mm!r}")
    value = float(step_mm)
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"step_mm must be a positive number of millimetres, got {step_mm!r}")
    return value


def quantize(xyz: np.ndarray, origin: np.ndarray, step_mm: float) -> np.ndarray:
    """Integer cells (N, 3) int64 of float points, before removing duplicates."""
    step = check_step(step_mm) / 1000.0
    cells = np.rint((xyz.astype(np.float64) - np.asarray(origin, dtype=np.float64)) / step)
    top = float(cells.max()) if cells.size else 0.0
    if top >= 2**MAX_DEPTH:
        raise InputError(
            f"step_mm {step_mm:g} is too fine for this cloud's extent "
            f"(more than {MAX_DEPTH} octree levels)"
        )
    return cells.astype(np.int64)


def dequantize(cells: np.ndarray, origin: np.ndarray, step_mm: float) -> np.ndarray:
    """Float32 points (N, 3) at the cells' grid positions."""
    step = float(step_mm) / 1000.0
    return (np.asarray(origin, np.float64) + cells.astype(np.float64) * step).astype(np.float32)


def depth_for(cells: np.ndarray) -> int:
    """Octree levels needed for the cells: the bit length of the largest coordinate (>= 1)."""
    return max(1, int(cells.max()).bit_length())
