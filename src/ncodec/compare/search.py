"""Find the quality whose file fits a byte budget: a binary search over whole qualities.

File size grows with quality for every codec here (nearly always strictly), so the largest
quality whose file is not larger than the budget is found in about log2(range) encodes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SizeMatch:
    """The chosen quality, its file, and whether the budget could be met at all."""

    quality: int
    data: bytes
    fits: bool
    """False when even the lowest quality is larger than the budget (its file is kept)."""
    encodes: int


def match_size(
    encode: Callable[[int], bytes], quality_range: tuple[float, float], budget: int
) -> SizeMatch:
    """The largest whole quality in `quality_range` whose encoded size is at most `budget`."""
    low, high = math.ceil(quality_range[0]), math.floor(quality_range[1])
    cache: dict[int, bytes] = {}

    def size(quality: int) -> int:
        if quality not in cache:
            cache[quality] = encode(quality)
        return len(cache[quality])

    if size(low) > budget:
        return SizeMatch(low, cache[low], False, len(cache))
    if size(high) <= budget:
        return SizeMatch(high, cache[high], True, len(cache))
    while high - low > 1:  # invariant: size(low) <= budget < size(high)
        middle = (low + high) // 2
        if size(middle) <= budget:
            low = middle
        else:
            high = middle
    return SizeMatch(low, cache[low], True, len(cache))
