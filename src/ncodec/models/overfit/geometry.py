"""Where latents live and in which order they are decoded: grids, passes and contexts.

Grid i (i = 0 finest) has shape (H / 2**i, W / 2**i) for an image padded to a multiple of
2**(grids - 1). Grids are decoded from the coarsest to the finest, each in four passes over the
phases of a 2x2 pattern: (0, 0), (1, 1), (0, 1), (1, 0). A latent's context is made of the
latents of its own grid decoded in earlier passes (none, the 4 diagonal, the 4 direct, or all 8
neighbours) plus the 3x3 latents of the coarser grid around its parent (zeros for the coarsest
grid); positions outside a grid read as zero. Each pass therefore decodes all its latents at
once, so the decoder needs 4 passes per grid, never a loop per latent.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

PHASES = ((0, 0), (1, 1), (0, 1), (1, 0))
"""(row, column) parity of the latents decoded in each pass, in decoding order."""
SAME_GRID_OFFSETS = (
    (),
    ((-1, -1), (-1, 1), (1, -1), (1, 1)),
    ((-1, 0), (0, -1), (0, 1), (1, 0)),
    ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)),
)
"""Neighbours (dy, dx) of the same grid that earlier passes decoded, per pass."""
COARSE_OFFSETS = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
"""Neighbours (dy, dx) of the parent (y // 2, x // 2) in the coarser grid."""
PASSES = len(PHASES)


def context_size(pass_index: int) -> int:
    """Number of context values of a latent decoded in pass `pass_index`."""
    return len(SAME_GRID_OFFSETS[pass_index]) + len(COARSE_OFFSETS)


def grid_shapes(height: int, width: int, grids: int) -> list[tuple[int, int]]:
    """(h, w) of every grid of a padded image, finest first."""
    stride = 1 << (grids - 1)
    if height % stride or width % stride:
        raise ValueError(f"image size {height}x{width} is not a multiple of {stride}")
    return [(height >> i, width >> i) for i in range(grids)]


def phase_shape(shape: tuple[int, int], pass_index: int) -> tuple[int, int]:
    """(rows, columns) of the latents of a grid decoded in one pass."""
    py, px = PHASES[pass_index]
    return (shape[0] - py + 1) // 2, (shape[1] - px + 1) // 2


def phase_view(grid: torch.Tensor, pass_index: int) -> torch.Tensor:
    """The latents of (B, h, w) `grid` decoded in one pass: a strided (B, h', w') view."""
    py, px = PHASES[pass_index]
    return grid[:, py::2, px::2]


def context_columns(
    grid: torch.Tensor, coarse: torch.Tensor | None, pass_index: int
) -> list[torch.Tensor]:
    """The context of every latent of one pass as C strided (B, h', w') views, in context order.

    `grid` needs valid values only where earlier passes decoded; `coarse` is the coarser grid
    (B, h / 2, w / 2), or None for the coarsest grid (its context values are zeros).
    """
    batch, h, w = grid.shape
    rows, cols = phase_shape((h, w), pass_index)
    py, px = PHASES[pass_index]
    columns = []
    if SAME_GRID_OFFSETS[pass_index]:
        padded = F.pad(grid, (1, 1, 1, 1))
        for dy, dx in SAME_GRID_OFFSETS[pass_index]:
            top, left = 1 + py + dy, 1 + px + dx
            columns.append(padded[:, top : top + 2 * rows - 1 : 2, left : left + 2 * cols - 1 : 2])
    if coarse is None:
        zeros = grid.new_zeros(batch, rows, cols)
        columns.extend(zeros for _ in COARSE_OFFSETS)
    else:
        padded = F.pad(coarse, (1, 1, 1, 1))
        for dy, dx in COARSE_OFFSETS:
            columns.append(padded[:, 1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + cols])
    return columns


def gather_context(
    grid: torch.Tensor, coarse: torch.Tensor | None, pass_index: int
) -> torch.Tensor:
    """Context of every latent of one pass: (B, h' * w', C) from (B, h, w) grids (see
    `context_columns`)."""
    columns = context_columns(grid, coarse, pass_index)
    batch, rows, cols = columns[0].shape
    return torch.stack(columns, dim=-1).reshape(batch, rows * cols, len(columns))
