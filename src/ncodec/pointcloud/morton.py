"""Morton (z-order) codes of integer 3-D cells: x in bit 0, y in bit 1, z in bit 2 of each triple.

Sorting cells by Morton code groups every octree node's children together, so each level of the
octree is a run-length view of the level below (no per-node Python loop).
"""

from __future__ import annotations

import numpy as np

from ncodec.pointcloud.quantize import MAX_DEPTH


def encode(cells: np.ndarray) -> np.ndarray:
    """Morton codes (N,) int64 of non-negative cells (N, 3) below 2**21."""
    cells = cells.astype(np.int64)
    codes = np.zeros(cells.shape[0], dtype=np.int64)
    for bit in range(MAX_DEPTH):
        for axis in range(3):
            codes |= ((cells[:, axis] >> bit) & 1) << (3 * bit + axis)
    return codes


def decode(codes: np.ndarray) -> np.ndarray:
    """Cells (N, 3) int64 of Morton codes."""
    codes = codes.astype(np.int64)
    cells = np.zeros((codes.shape[0], 3), dtype=np.int64)
    for bit in range(MAX_DEPTH):
        for axis in range(3):
            cells[:, axis] |= ((codes >> (3 * bit + axis)) & 1) << bit
    return cells
