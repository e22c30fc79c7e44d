"""The multiscale polyphase geometry: levels, phases, and which neighbours a pass may read.

Level k of a tile is its pixels at rows and columns multiple of 2**k. A level is coded as its
phase (0, 0) (= level k + 1, coded first), then the phases of `PHASES` in order, each channel
after the other. A pass predicting phase P, channel c reads every channel at offsets that fall
on earlier phases, and the earlier channels at offsets on phase P itself. Borders are mirrored
without repeating the edge, which keeps the parity of an offset (and so its phase).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

PHASES: tuple[tuple[int, int], ...] = ((1, 1), (0, 1), (1, 0))
"""(row, column) parities of the phases predicted at each level, in coding order."""
BASE_PIXELS = 16
"""The recursion stops at a level of at most this many pixels (coded uniformly, 8 bits each)."""
GROUPS = 2
"""Predictor sets per tile: level 0, level 1, and one shared by all smaller levels."""


@dataclass(frozen=True)
class Step:
    """One vectorized pass: a level, a phase of PHASES (index) and a channel."""

    level: int
    phase: int
    channel: int

    @property
    def group(self) -> int:
        """Which predictor set codes this pass."""
        return min(self.level, GROUPS - 1)


def level_shapes(height: int, width: int) -> list[tuple[int, int]]:
    """Shapes of levels 0..K; level K (the base) has at most BASE_PIXELS pixels."""
    shapes = [(height, width)]
    while shapes[-1][0] * shapes[-1][1] > BASE_PIXELS:
        h, w = shapes[-1]
        shapes.append(((h + 1) // 2, (w + 1) // 2))
    return shapes


def steps(levels: int, channels: int) -> list[Step]:
    """The passes in decoding order, from the level above the base down to level 0."""
    return [
        Step(level, phase, channel)
        for level in range(levels - 2, -1, -1)
        for phase in range(len(PHASES))
        for channel in range(channels)
    ]


@lru_cache(maxsize=64)
def offsets(
    radius: int, phase: int, channel: int, channels: int
) -> tuple[tuple[int, int, int], ...]:
    """(dy, dx, channel) of every sample a pass may read within `radius` (row-major order)."""
    py, px = PHASES[phase]
    known = {(0, 0), *PHASES[:phase]}
    found = []
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            parity = ((py + dy) % 2, (px + dx) % 2)
            if parity in known:
                found += [(dy, dx, c) for c in range(channels)]
            elif parity == (py, px):
                found += [(dy, dx, c) for c in range(channel)]
    return tuple(found)


def nearest(phase: int) -> tuple[tuple[int, int], ...]:
    """The four closest known neighbours of a phase (same channel): its activity context."""
    if PHASES[phase] == (1, 1):
        return ((-1, -1), (-1, 1), (1, -1), (1, 1))
    return ((-1, 0), (1, 0), (0, -1), (0, 1))


def mirror(n: int, radius: int) -> np.ndarray:
    """Indexes -radius..n+radius-1 mirrored into 0..n-1 without repeating the edge."""
    index = np.arange(-radius, n + radius)
    if n == 1:
        return np.zeros_like(index)
    period = 2 * (n - 1)
    index = np.mod(index, period)
    return np.where(index >= n, period - index, index)


def padded(canvas: np.ndarray, radius: int) -> np.ndarray:
    """The canvas (H, W, C) mirrored by `radius` on every side."""
    h, w = canvas.shape[:2]
    return canvas[mirror(h, radius)][:, mirror(w, radius)]


def phase_shape(shape: tuple[int, int], parity: tuple[int, int]) -> tuple[int, int]:
    """How many pixels of a level of `shape` have the given (row, column) parity."""
    return (shape[0] - parity[0] + 1) // 2, (shape[1] - parity[1] + 1) // 2


def sample(
    pad: np.ndarray,
    radius: int,
    parity: tuple[int, int],
    dy: int,
    dx: int,
    c: int,
    shape: tuple[int, int],
) -> np.ndarray:
    """Channel c of the padded canvas at offset (dy, dx) from every pixel of a phase."""
    ny, nx = shape
    y0, x0 = radius + parity[0] + dy, radius + parity[1] + dx
    return pad[y0 : y0 + 2 * ny - 1 : 2, x0 : x0 + 2 * nx - 1 : 2, c]
