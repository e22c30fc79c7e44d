"""retained_heap: freed training-sized blocks stay mapped inside, and are returned after."""

from __future__ import annotations

import ctypes.util
import sys

import pytest
import torch

from ncodec.heap import retained_heap

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None,
    reason="glibc only",
)
BLOCK = 256 << 20


def _resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def _allocate_touch_free() -> int:
    """Resident bytes just after a BLOCK-sized tensor was written and freed."""
    block = torch.ones(BLOCK // 4)
    del block
    return _resident_bytes()


def test_freed_blocks_stay_resident_inside_and_are_released_after():
    baseline = _allocate_touch_free()
    with retained_heap():
        inside = _allocate_touch_free()
    assert inside - baseline > BLOCK // 2
    after = _allocate_touch_free()
    assert inside - after > BLOCK // 2


def test_nested_contexts_keep_the_heap_until_the_outermost_ends():
    baseline = _allocate_touch_free()
    with retained_heap():
        with retained_heap():
            pass
        inner_closed = _allocate_touch_free()
    assert inner_closed - baseline > BLOCK // 2
