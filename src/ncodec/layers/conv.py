"""Strided convolutions with 'same' padding, the building blocks of analysis and synthesis."""

from __future__ import annotations

from torch import nn


def conv(in_ch: int, out_ch: int, kernel: int = 5, stride: int = 2) -> nn.Conv2d:
    """Downsampling convolution: output size = input size / stride."""
    return nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2)


def deconv(in_ch: int, out_ch: int, kernel: int = 5, stride: int = 2) -> nn.ConvTranspose2d:
    """Upsampling transposed convolution: output size = input size * stride."""
    return nn.ConvTranspose2d(
        in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, output_padding=stride - 1
    )
