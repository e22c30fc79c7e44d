"""The synthesis: upsampled latents -> RGB, in float (training) or integers (decoding).

Layers come from `parameters.synthesis_layers`. In integer mode weights are integers with a
per-tensor exponent, biases are in accumulator units, and each layer's sum is floor-shifted to
its output format; in float mode the same clamps apply, so both compute the same function up to
rounding.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F

from ncodec.models.overfit.fixed_point import floor_shift
from ncodec.models.overfit.parameters import SynthesisLayer


def conv3x3(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Per-image 3x3 convolution with replicated borders: (B, C, H, W), (B, O, C, 3, 3)."""
    batch, channels, h, w = x.shape
    padded = F.pad(x.reshape(1, batch * channels, h, w), (1, 1, 1, 1), mode="replicate")
    out = F.conv2d(padded, weight.flatten(0, 1), bias.flatten(), groups=batch)
    return out.view(batch, -1, h, w)


def conv1x1(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Per-image 1x1 convolution as one batched matrix product: (B, C, H, W), (B, O, C)."""
    batch, channels, h, w = x.shape
    out = torch.baddbmm(bias[..., None], weight, x.reshape(batch, channels, h * w))
    return out.view(batch, -1, h, w)


def synthesize(
    x: torch.Tensor,
    layers: list[SynthesisLayer],
    params: Mapping[str, torch.Tensor],
    exponents: Mapping[str, int] | None = None,
) -> torch.Tensor:
    """Apply the synthesis to (B, grids, H, W); integer mode when `exponents` are given."""
    integer = exponents is not None
    for layer in layers:
        weight, bias = params[layer.weight], params[layer.bias]
        conv = conv1x1 if layer.kernel == 1 else conv3x3
        y = conv(x, weight, bias)
        if integer:
            shift = layer.source.frac + exponents[layer.weight] - layer.target.frac
            y = floor_shift(y, shift)
        if layer.residual:
            y = y + x
        if integer:
            top = layer.target.limit
            x = y.clamp_(0.0 if layer.relu else -top, top)
        else:
            top = layer.target.max_value
            x = F.hardtanh(y, 0.0 if layer.relu else -top, top)
    return x
