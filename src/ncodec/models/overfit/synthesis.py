"""The float synthesis the encoder trains: upsampled latents -> RGB for B images at once.

Layers come from `parameters.synthesis_layers`; activations are clamped to the ranges of the
integer decoder's formats (`decoder.IntegerDecoder` computes the same function in integers).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F

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
    x: torch.Tensor, layers: list[SynthesisLayer], params: Mapping[str, torch.Tensor]
) -> torch.Tensor:
    """Apply the synthesis to (B, grids, H, W) with per-image float parameters."""
    for layer in layers:
        conv = conv1x1 if layer.kernel == 1 else conv3x3
        y = conv(x, params[layer.weight], params[layer.bias])
        if layer.residual:
            y = y + x
        top = layer.target.max_value
        x = F.hardtanh(y, 0.0 if layer.relu else -top, top)
    return x
