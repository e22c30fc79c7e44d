"""x2 upsampling of the latent grids: a learned symmetric 8-tap kernel, applied separably.

An output sample at 1/4 of an input step from its nearest input uses the 4 inputs around it with
taps (q3, q1, q0, q2) (q_d: tap at distance 0.25 + 0.5 d); the other phase uses the mirror
image. With the cubic-convolution taps this is exactly bicubic x2 (align_corners=False,
replicated borders). Grids are upsampled from the coarsest: each step upsamples the stack of
coarser grids and prepends the next finer grid, so the result has one channel per grid.
Cost: 4 MACs per output sample and axis.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

Post = Callable[[torch.Tensor], torch.Tensor]
"""What follows each filtering: a clamp (float) or a floor-shift and clamp (integer)."""


def polyphase_kernels(taps: torch.Tensor) -> torch.Tensor:
    """(B, 4) taps q0..q3 -> (B, 2, 5) kernels of the even and odd outputs over a 5-window."""
    q0, q1, q2, q3 = taps.unbind(-1)
    zero = torch.zeros_like(q0)
    even = torch.stack([q3, q1, q0, q2, zero], dim=-1)
    odd = torch.stack([zero, q2, q0, q1, q3], dim=-1)
    return torch.stack([even, odd], dim=1)


def _upsample_axis(x: torch.Tensor, kernels: torch.Tensor, post: Post, axis: int) -> torch.Tensor:
    """Double axis 2 (rows) or 3 (columns) of (B, C, h, w) with per-image kernels (B, 2, 5)."""
    batch, channels, h, w = x.shape
    pad = (0, 0, 2, 2) if axis == 2 else (2, 2, 0, 0)
    padded = F.pad(x.reshape(1, batch * channels, h, w), pad, mode="replicate")
    weight = kernels[:, None].expand(batch, channels, 2, 5).reshape(batch * channels * 2, 1, 5)
    weight = weight[..., None] if axis == 2 else weight[:, :, None]
    out = post(F.conv2d(padded, weight, groups=batch * channels))
    out = out.view(batch, channels, 2, h, w)
    if axis == 2:
        return out.permute(0, 1, 3, 2, 4).reshape(batch, channels, 2 * h, w)
    return out.permute(0, 1, 3, 4, 2).reshape(batch, channels, h, 2 * w)


def upsample2x(x: torch.Tensor, kernels: torch.Tensor, post: Post) -> torch.Tensor:
    """(B, C, h, w) -> (B, C, 2h, 2w): rows, then columns."""
    return _upsample_axis(_upsample_axis(x, kernels, post, 2), kernels, post, 3)


def transposed_kernels(taps: torch.Tensor) -> torch.Tensor:
    """(B, 4) taps -> (B, 8, 8): the 2-D kernel of x2 upsampling as a stride-2 transposed
    convolution (outer product of the 1-D kernel q3 q2 q1 q0 q0 q1 q2 q3)."""
    q0, q1, q2, q3 = taps.unbind(-1)
    line = torch.stack([q3, q2, q1, q0, q0, q1, q2, q3], dim=-1)
    return line[:, :, None] * line[:, None, :]


def upsample2x_transposed(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Same result as `upsample2x` without rounding, in one transposed convolution (training)."""
    batch, channels, h, w = x.shape
    padded = F.pad(x.reshape(1, batch * channels, h, w), (2, 2, 2, 2), mode="replicate")
    weight = kernels[:, None].expand(batch, channels, 8, 8).reshape(-1, 1, 8, 8)
    out = F.conv_transpose2d(padded, weight, stride=2, padding=7, groups=batch * channels)
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
