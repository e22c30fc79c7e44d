"""A realism head: a small residual decoder that adds detail to an MSE reconstruction, by beta.

The multi-realism idea (Agustsson et al., CVPR 2023) with the file unchanged: the base codec
decodes its MSE-optimal pixels as always, and this head, conditioned on the decoded latents and
on beta in [0, 1], predicts a residual trained adversarially. The output is
p + beta * r(p, y_hat, beta) for the decoded pixels p, so beta = 0 is exactly the base
decoder (same code path, same pixels) and beta is a decode-time choice. The head works at half
resolution (2x2 pixels per position) on the decoded pixels and a 1x1 projection of the
latents, with plain 3x3 convs and ReLUs, so its integer twin (`ncodec.models.fixed_realism`)
is exact on every machine; each layer's bias moves with beta (b + beta * c), which lets beta
switch channels on and off.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import Tensor, nn

WIDTH = 48
"""Channels of the hidden layers."""
LATENT_FEATURES = 32
"""Channels of the latents' 1x1 projection."""
HIDDEN_LAYERS = 2
"""3x3 convs between the input layer and the output layer."""
LATENT_STRIDE = 8
"""Half-resolution positions per latent (the latents are at 1/16 of the pixels)."""
OUTPUT_SCALE = 16.0
"""The integer twin runs the last layer at 16 x (exact: a power of two), for fixed-point steps
of 1/16 of the activation grid on the residual."""


def pixels_to_input(pixels: Tensor) -> Tensor:
    """(B, 3, H, W) pixels in [0, 1] -> the head's (B, 12, H/2, W/2) input, centred."""
    return F.pixel_unshuffle((pixels - 0.5) * 4.0, 2)


class BetaConv(nn.Conv2d):
    """A 3x3 conv whose bias is b + beta * c (c: `beta_bias`)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels, 3, padding=1)
        self.beta_bias = nn.Parameter(torch.zeros(out_channels))

    def forward_beta(self, x: Tensor, beta: Tensor) -> Tensor:
        """x (B, C, H, W), beta (B,)."""
        bias = self.bias.view(1, -1, 1, 1) + beta.view(-1, 1, 1, 1) * self.beta_bias.view(
            1, -1, 1, 1
        )
        return F.conv2d(x, self.weight, None, 1, 1) + bias


class RealismHead(nn.Module):
    """r(x0, y_hat, beta): the residual that the decoder adds, times beta."""

    def __init__(self, latent_channels: int, smooth: bool = False) -> None:
        super().__init__()
        self.latent_channels = latent_channels
        self.smooth: nn.Conv2d | None = None
        """Optional full-resolution 3x3 conv (RGB to RGB, no bias) on the residual after the
        depth-to-space step, so the 2x2 phases can agree (starts as the identity)."""
        if smooth:
            self.smooth = nn.Conv2d(3, 3, 3, padding=1, bias=False)
            with torch.no_grad():
                self.smooth.weight.zero_()
                self.smooth.weight[:, :, 1, 1] = torch.eye(3)
        self.project = nn.Conv2d(latent_channels, LATENT_FEATURES, 1)
        widths = [12 + LATENT_FEATURES] + [WIDTH] * (HIDDEN_LAYERS + 1)
        self.body = nn.ModuleList(BetaConv(a, b) for a, b in itertools.pairwise(widths))
        self.out = BetaConv(WIDTH, 12)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def residual(self, pixels: Tensor, y_hat: Tensor, beta: Tensor) -> Tensor:
        """The residual (B, 3, H, W) in [0, 1] units for decoded pixels (B, 3, H, W) in
        [0, 1] (H, W multiples of 16) and latents y_hat (B, M, H/16, W/16)."""
        latents = self.project(y_hat)
        latents = F.interpolate(latents, scale_factor=LATENT_STRIDE, mode="nearest")
        x = torch.cat([pixels_to_input(pixels), latents], dim=1)
        for conv in self.body:
            x = F.relu(conv.forward_beta(x, beta))
        residual = F.pixel_shuffle(self.out.forward_beta(x, beta), 2)
        return residual if self.smooth is None else self.smooth(residual)

    def forward(self, pixels: Tensor, y_hat: Tensor, beta: Tensor) -> Tensor:
        """The realism output p + beta * r for the base decoder's pixels p ((B, 3, H, W), rounded
        to 8 bits, in [0, 1]) and its latents; beta (B,)."""
        return pixels + beta.view(-1, 1, 1, 1) * self.residual(pixels, y_hat, beta)

    def decode_macs_per_pixel(self) -> float:
        """Multiply-accumulates per output pixel (all layers run at a quarter of the pixels)."""
        macs = self.project.in_channels * self.project.out_channels / LATENT_STRIDE**2
        for conv in [*self.body, self.out]:
            macs += conv.in_channels * conv.out_channels * 9
        smooth = 0.0 if self.smooth is None else 3 * 3 * 9  # full resolution
        return macs / 4.0 + smooth
