"""Arrays reused from one coding group to the next.

A fresh array of a few megabytes costs the operating system a page fault and the zeroing of
every page it touches, and a walk over a 14-bit scan's octree allocates hundreds of megabytes of
per-group outputs (first-layer rows, hidden activations, coder weights). A `Scratch` hands out
views of buffers that grow to the largest group and are then reused. A view is valid until the
next request of the same name.
"""

from __future__ import annotations

import math

import numpy as np

CACHE_LINE = 64


def aligned_empty(shape: tuple[int, ...], dtype: type | np.dtype) -> np.ndarray:
    """An uninitialized C-contiguous array starting on a cache line (numpy only promises 16
    bytes): the kernels read 64-float rows, and a row that starts mid-line spans 5 lines, not 4."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    raw = np.empty(nbytes + CACHE_LINE, dtype=np.uint8)
    start = -raw.ctypes.data % CACHE_LINE
    return raw[start : start + nbytes].view(dtype).reshape(shape)


class Scratch:
    """Named reusable buffers (one per name), grown on demand."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: type | np.dtype) -> np.ndarray:
        """An uninitialized C-contiguous array of `shape` and `dtype` (a view of buffer `name`)."""
        dtype = np.dtype(dtype)
        size = math.prod(shape)
        buffer = self._buffers.get(name)
        if buffer is None or buffer.dtype != dtype or buffer.size < size:
            grown = 0 if buffer is None or buffer.dtype != dtype else 2 * buffer.size
            buffer = aligned_empty((max(size, grown),), dtype)
            self._buffers[name] = buffer
        return buffer[:size].reshape(shape)
