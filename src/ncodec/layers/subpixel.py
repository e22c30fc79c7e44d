"""A stride-2 5x5 transposed convolution as a 3x3 convolution to 4x the channels + a shuffle.

Output pixel (2i + a, 2j + b) of `deconv` (padding 2, output padding 1) only sees input pixels
i-1..i+1, j-1..j+1, through the taps of phase (a, b); stacking the four phases as output channels
gives one ordinary 3x3 convolution on the low-resolution input, then a pixel shuffle.
"""

from __future__ import annotations

import torch
from torch import nn


def is_subpixel_deconv(layer: nn.Module) -> bool:
    """Whether `layer` is a 5x5 stride-2 transposed conv with padding 2, output padding 1."""
    return (
        isinstance(layer, nn.ConvTranspose2d)
        and layer.kernel_size == (5, 5)
        and layer.stride == (2, 2)
        and layer.padding == (2, 2)
        and layer.output_padding == (1, 1)
        and layer.groups == 1
        and layer.dilation == (1, 1)
    )


def subpixel_kernel(layer: nn.ConvTranspose2d) -> torch.Tensor:
    """(4 * out, in, 3, 3) correlation kernel of a 5x5 stride-2 `deconv`, phase-major (a, b)."""
    if not is_subpixel_deconv(layer):
        raise TypeError(f"expected a 5x5 stride-2 deconv with padding 2, got {layer}")
    return subpixel_weight(layer.weight.detach())


def subpixel_weight(weight: torch.Tensor) -> torch.Tensor:
    """`subpixel_kernel` of a (in, out, 5, 5) transposed-conv weight tensor."""
    cin, cout = weight.shape[:2]
    kernel = weight.new_zeros(2, 2, cout, cin, 3, 3)
    for a in range(2):
        for b in range(2):
            for i in range(3):
                for j in range(3):
                    ty, tx = a + 4 - 2 * i, b + 4 - 2 * j
                    if ty < 5 and tx < 5:
                        kernel[a, b, :, :, i, j] = weight[:, :, ty, tx].T
    return kernel.reshape(4 * cout, cin, 3, 3)


def shuffle_phases(y: torch.Tensor) -> torch.Tensor:
    """(4 * C, H, W) phase-major -> (C, 2H, 2W)."""
    channels, height, width = y.shape[0] // 4, y.shape[1], y.shape[2]
    y = y.view(2, 2, channels, height, width).permute(2, 3, 0, 4, 1)
    return y.reshape(channels, 2 * height, 2 * width)
