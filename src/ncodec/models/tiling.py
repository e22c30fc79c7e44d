"""Run a convolutional transform tile by tile with a halo, so memory is bounded by the tile.

The transforms are local: an output position depends only on inputs within a fixed radius. Each
output tile is computed from its input window widened by a halo at least that radius (and clipped
at the image border, where the network sees the same zero padding as on the whole image), then
cropped to the tile. The stitched result is the whole-image result: bit for bit for the integer
transforms (fixed-point synthesis, integer hyper-synthesis), up to float rounding for the float
encoder transforms. Files therefore do not depend on the tile size: no layout is stored, and a
file coded whole decodes in tiles (and vice versa) to the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from torch import Tensor


@dataclass(frozen=True)
class Tiling:
    """Output tiles of `tile` positions (per side) whose inputs carry `halo` extra positions.

    The transform maps an input of size n to `n * up // down`; `tile` must be a multiple of
    `up`, and `halo` (in input positions) a multiple of `down` so windows stay on the stride grid.
    """

    tile: int
    halo: int
    up: int = 1
    down: int = 1

    def __post_init__(self) -> None:
        if self.tile % self.up or self.halo % self.down or self.tile <= 0:
            raise ValueError(f"misaligned tiling {self}")

    def spans(self, length: int) -> Iterator[tuple[int, int, int, int]]:
        """(out_start, out_stop, in_start, in_stop) along one axis of `length` input positions."""
        out_length = length * self.up // self.down
        for start in range(0, out_length, self.tile):
            stop = min(start + self.tile, out_length)
            in_start = max(start * self.down // self.up - self.halo, 0)
            in_stop = min(-(-stop * self.down // self.up) + self.halo, length)
            yield start, stop, in_start, in_stop


Sink = Callable[[Tensor, int, int, int, int], None]
"""Receives an output tile (1, C, h, w) and its place: top, bottom, left, right."""


def run_tiled(fn: Callable[[Tensor], Tensor], x: Tensor, tiling: Tiling, sink: Sink) -> None:
    """Apply `fn` to (1, C, H, W) `x` tile by tile, handing each cropped output tile to `sink`."""
    height, width = x.shape[-2:]
    for top, bottom, in_top, in_bottom in tiling.spans(height):
        for left, right, in_left, in_right in tiling.spans(width):
            out = fn(x[..., in_top:in_bottom, in_left:in_right])
            row = top - in_top * tiling.up // tiling.down
            col = left - in_left * tiling.up // tiling.down
            tile = out[..., row : row + bottom - top, col : col + right - left]
            sink(tile, top, bottom, left, right)


def map_tiled(fn: Callable[[Tensor], Tensor], x: Tensor, tiling: Tiling) -> Tensor:
    """`fn(x)` computed tile by tile and stitched into one tensor."""
    parts: list[Tensor] = []

    def keep(tile: Tensor, top: int, bottom: int, left: int, right: int) -> None:
        if not parts:
            height, width = (n * tiling.up // tiling.down for n in x.shape[-2:])
            parts.append(tile.new_empty(*tile.shape[:-2], height, width))
        parts[0][..., top:bottom, left:right] = tile

    run_tiled(fn, x, tiling, keep)
    return parts[0]
