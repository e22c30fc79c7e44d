"""Keep freed memory in the process while a codec works (glibc only).

Coding allocates and frees large activation tensors, stage after stage (and iteration after
iteration in an encoder that optimizes). glibc serves blocks above its mmap threshold with fresh
`mmap` pages, so every such tensor pays a page fault per 4 KiB page again; on a virtual machine
that is a large share of the time. Raising the mmap and trim thresholds for the duration of the
work lets the heap reuse those pages; afterwards glibc's defaults apply again and the memory is
returned. Elsewhere (macOS, Windows, musl) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
RETAINED = 1 << 30
"""Blocks up to this size come from the heap, and up to this much freed memory is kept."""
GLIBC_DEFAULT = 128 * 1024
"""glibc's documented default of both thresholds."""


@functools.cache
def _glibc() -> tuple[ctypes._CFuncPtr, ctypes._CFuncPtr] | None:
    """glibc's `mallopt` and `malloc_trim`, or None where there are none."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
        mallopt, trim = library.mallopt, library.malloc_trim
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    return mallopt, trim


_lock = threading.Lock()
_depth = 0
"""Open `retained_heap` contexts (nested or in threads): the defaults return with the last."""


@contextmanager
def retained_heap() -> Iterator[None]:
    """Inside: large freed blocks stay in the heap for reuse; after the outermost context:
    glibc's defaults again, and the retained memory is returned to the system."""
    global _depth
    glibc = _glibc()
    if glibc is None:
        yield
        return
    mallopt, trim = glibc
    with _lock:
        if _depth == 0:
            mallopt(M_MMAP_THRESHOLD, RETAINED)
            mallopt(M_TRIM_THRESHOLD, RETAINED)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                mallopt(M_MMAP_THRESHOLD, GLIBC_DEFAULT)
                mallopt(M_TRIM_THRESHOLD, GLIBC_DEFAULT)
                trim(0)  # hand the retained memory back now
