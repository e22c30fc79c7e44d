"""Exact 3x3 convolution of integer-valued float64 tensors by Winograd's F(4x4, 3x3).

Winograd's minimal filtering computes a 4x4 output tile from a 6x6 input tile with 36 products
per channel pair instead of 144. With integer weights g the kernel transform is kept integer by
using 24*G instead of G, so every value (transformed input, products, their channel sums, the
output transform) is an integer, and the result is exactly 576 times the direct convolution.
Float64 represents integers below 2**53 exactly, so as long as `output_bound` stays below that,
every partial sum is exact whatever the summation order, BLAS kernel, CPU or thread count: the
result is the same on every machine, and equal to the direct convolution's.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor

INPUT_TRANSFORM = torch.tensor(
    [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ],
    dtype=torch.float64,
)
"""B^T: 6x6 input tile -> transformed tile (points 0, +-1, +-2, infinity)."""
KERNEL_TRANSFORM = torch.tensor(
    [[6, 0, 0], [-4, -4, -4], [-4, 4, -4], [1, 2, 4], [1, -2, 4], [0, 0, 24]],
    dtype=torch.float64,
)
"""24 * G: 3x3 kernel -> 6x6 transformed kernel, integer."""
OUTPUT_TRANSFORM = torch.tensor(
    [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
    dtype=torch.float64,
)
"""A^T: 6x6 product tile -> 4x4 output tile."""
SCALE = 576
"""The transformed result is SCALE (= 24**2) times the direct convolution."""
EXACT_LIMIT = 2.0**53
"""Integers of magnitude up to this are exact in float64."""
TILES_PER_BAND = 192
"""Output tiles computed per matrix product: keeps the intermediates in cache-friendly sizes."""

_INPUT_2D = torch.kron(INPUT_TRANSFORM, INPUT_TRANSFORM)
_OUTPUT_2D = torch.kron(OUTPUT_TRANSFORM, OUTPUT_TRANSFORM)


def winograd_kernel(kernel: Tensor) -> Tensor:
    """(O, C, 3, 3) integer weights -> (36, O, C) integer transformed weights (float64)."""
    outputs, channels = kernel.shape[:2]
    rows = kernel.double().permute(2, 0, 1, 3).reshape(3, -1)  # (i, O * C * j)
    u = (KERNEL_TRANSFORM @ rows).view(6 * outputs * channels, 3) @ KERNEL_TRANSFORM.T
    return u.view(6, outputs * channels, 6).transpose(1, 2).reshape(36, outputs, channels)


def output_bound(transformed: Tensor, input_limit: float) -> float:
    """Largest magnitude any partial sum can reach for inputs with |x| <= input_limit.

    Bounds each transformed input by the row norms of B^T, each channel sum by the weights'
    l1 norms, and the output transform by |A^T|; the direct sums are far smaller than this.
    """
    row = INPUT_TRANSFORM.abs().sum(1)
    v_limit = (row[:, None] * row[None, :]).reshape(36, 1) * input_limit
    m_limit = transformed.abs().sum(2) * v_limit  # (36, O)
    a = OUTPUT_TRANSFORM.abs()
    y = torch.einsum("ix,jy,xyo->ijo", a, a, m_limit.view(6, 6, -1))
    return float(y.max()) if y.numel() else 0.0


def conv3x3_bands(x: Tensor, transformed: Tensor) -> Iterator[tuple[int, Tensor]]:
    """SCALE times the 'same' (zero-padded) 3x3 correlation of x (C, H, W), as (first row,
    (O, rows, W) band) pairs from top to bottom, so callers can finish each band while it is hot.

    x must hold integers and `output_bound(transformed, max|x|)` must be below EXACT_LIMIT.
    """
    channels, height, width = x.shape
    outputs = transformed.shape[1]
    rows, cols = -(-height // 4), -(-width // 4)
    padded = F.pad(x, (1, 4 * cols + 1 - width, 1, 4 * rows + 1 - height))
    band = max(1, TILES_PER_BAND // cols)
    for top in range(0, rows, band):
        n = min(band, rows - top)
        tiles = padded[:, 4 * top : 4 * (top + n) + 2].unfold(1, 6, 4).unfold(2, 6, 4)
        tiles = tiles.permute(3, 4, 0, 1, 2).reshape(36, channels * n * cols)
        v = (_INPUT_2D @ tiles).view(36, channels, n * cols)
        m = torch.bmm(transformed, v).view(36, outputs * n * cols)
        y = (_OUTPUT_2D @ m).view(4, 4, outputs, n, cols)
        y = y.permute(2, 3, 0, 4, 1).reshape(outputs, 4 * n, 4 * cols)
        yield 4 * top, y[:, : min(4 * n, height - 4 * top), :width]


def conv3x3(x: Tensor, transformed: Tensor) -> Tensor:
    """`conv3x3_bands` stitched into one (O, H, W) tensor."""
    out = x.new_empty(transformed.shape[1], *x.shape[1:])
    for top, band in conv3x3_bands(x, transformed):
        out[:, top : top + band.shape[1]] = band
    return out
