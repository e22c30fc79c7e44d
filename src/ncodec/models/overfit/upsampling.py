"""x2 upsampling of the latent grids: a learned symmetric 8-tap kernel, applied separably.

An output sample at 1/4 of an input step from its nearest input uses the 4 inputs around it with
taps (q3, q1, q0, q2) (q_d: tap at distance 0.25 + 0.5 d); the other phase uses the mirror
image. Both phases together are one stride-2 transposed convolution with the 8-tap kernel
q3 q2 q1 q0 q0 q1 q2 q3. With the cubic-convolution taps this is exactly bicubic x2
(align_corners=False, replicated borders). Grids are upsampled from the coarsest: each step
upsamples the stack of coarser grids and prepends the next finer grid, so the result has one
channel per grid. Cost: 4 MACs per output sample and axis.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

Post = Callable[[torch.Tensor], torch.Tensor]
"""What follows each filtering: nothing (float) or an in-place rounding and clamp (integer)."""


def _upsample_axis(x: torch.Tensor, taps: tuple[float, ...], post: Post, axis: int) -> torch.Tensor:
    """Double axis 2 (rows) or 3 (columns) of (1, C, h, w): each phase is 4 scaled shifted copies
    summed in place (faster than a depthwise convolution; exact for bounded integers)."""
    q0, q1, q2, q3 = taps
    if axis == 2:
        padded = F.pad(x, (0, 0, 2, 2), mode="replicate")
        size = x.shape[2]
        shifted = [padded[:, :, i : i + size] for i in range(5)]
        out = x.new_empty(*x.shape[:3], 2, x.shape[3])
        even, odd = out[:, :, :, 0], out[:, :, :, 1]
    else:
        padded = F.pad(x, (2, 2, 0, 0), mode="replicate")
        size = x.shape[3]
        shifted = [padded[..., i : i + size] for i in range(5)]
        out = x.new_empty(*x.shape, 2)
        even, odd = out[..., 0], out[..., 1]
    torch.mul(shifted[0], q3, out=even)
    even.add_(shifted[1], alpha=q1).add_(shifted[2], alpha=q0).add_(shifted[3], alpha=q2)
    torch.mul(shifted[1], q2, out=odd)
    odd.add_(shifted[2], alpha=q0).add_(shifted[3], alpha=q1).add_(shifted[4], alpha=q3)
    if axis == 2:
        return post(out.view(x.shape[0], x.shape[1], 2 * size, x.shape[3]))
    return post(out.view(*x.shape[:3], 2 * size))


def upsample2x(x: torch.Tensor, taps: tuple[float, ...], post: Post) -> torch.Tensor:
    """(1, C, h, w) -> (1, C, 2h, 2w): rows, then columns, each followed by `post`."""
    return _upsample_axis(_upsample_axis(x, taps, post, 2), taps, post, 3)


def tap_line(taps: torch.Tensor) -> torch.Tensor:
    """(B, 4) taps -> (B, 8): the symmetric 8-tap kernel q3 q2 q1 q0 q0 q1 q2 q3."""
    q0, q1, q2, q3 = taps.unbind(-1)
    return torch.stack([q3, q2, q1, q0, q0, q1, q2, q3], dim=-1)


def transposed_kernels(taps: torch.Tensor) -> torch.Tensor:
    """(B, 4) taps -> (B, 8, 8): the separable kernel as one 2-D kernel (outer product)."""
    line = tap_line(taps)
    return line[:, :, None] * line[:, None, :]


def upsample2x_transposed(x: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
    """`upsample2x` without rounding for B images (B, C, h, w) with their own taps (B, 4), as
    two 1-D stride-2 transposed convolutions (training; autograd through both).

    Separable: 16 instead of 64 MACs per output sample, and PyTorch's backward of a 1-D
    depthwise kernel is much cheaper than that of an 8x8 one.
    """
    batch, channels, h, w = x.shape
    line = tap_line(taps)[:, None].expand(batch, channels, 8).reshape(-1, 1, 8)
    padded = F.pad(x.reshape(1, batch * channels, h, w), (2, 2, 2, 2), mode="replicate")
    groups = batch * channels
    rows = F.conv_transpose2d(padded, line[..., None], stride=(2, 1), padding=(7, 0), groups=groups)
    out = F.conv_transpose2d(rows, line[:, :, None], stride=(1, 2), padding=(0, 7), groups=groups)
    return out.view(batch, channels, 2 * h, 2 * w)


def upsample_grids(
    grids: list[torch.Tensor], step: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """(B, h_i, w_i) grids, finest first -> (B, grids, H, W) at the finest resolution, with
    `step` doing one x2 upsampling of a (B, C, h, w) stack."""
    stack = grids[-1][:, None]
    for grid in reversed(grids[:-1]):
        stack = torch.cat([grid[:, None], step(stack)], dim=1)
    return stack
