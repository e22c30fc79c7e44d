"""Keep freed memory in the process while the encoder trains (glibc only).

Every training iteration allocates and frees the same large activation tensors. glibc serves
blocks above its mmap threshold with fresh `mmap` pages, so each iteration pays a page fault
per 4 KiB page again; on a virtual machine that cost is a large share of an iteration. Raising
the mmap and trim thresholds for the duration of training lets the heap reuse those pages.
Elsewhere (macOS, Windows, musl) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
RETAINED = 1 << 30
"""Blocks up to this size come from the heap, and up to this much freed memory is kept."""
GLIBC_DEFAULT = 128 * 1024
"""glibc's documented default of both thresholds."""


def _mallopt() -> ctypes._CFuncPtr | None:
    """glibc's `mallopt`, or None where there is none."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_int)
    function.restype = ctypes.c_int
    return function


@contextmanager
def retained_heap() -> Iterator[None]:
    """Inside: large freed blocks stay in the heap for reuse; after: glibc's defaults again."""
    mallopt = _mallopt()
    applied = mallopt is not None and mallopt(M_MMAP_THRESHOLD, RETAINED) != 0
    if not applied or not mallopt(M_TRIM_THRESHOLD, RETAINED):
        yield
        return
    try:
        yield
    finally:
        mallopt(M_MMAP_THRESHOLD, GLIBC_DEFAULT)
        mallopt(M_TRIM_THRESHOLD, GLIBC_DEFAULT)
