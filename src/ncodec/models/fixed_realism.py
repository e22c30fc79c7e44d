"""Integer twin of a realism head: the same pixels at every beta on every machine.

Every activation is an integer with ACTIVATION_BITS fractional bits and every weight an integer
(`ncodec.entropy.integer_network.IntegerLayer`, exact sums in float64, Winograd for the 3x3
convs), so thread counts and BLAS builds cannot move a pixel. A layer's beta-dependent bias
b + beta * c is formed in float64 from the stored float32 values (two correctly rounded
operations) before it is made an integer. Large images run in bands of rows with a halo of one row
per layer (the image's own borders keep their zero padding), inputs built per band: the kept
rows are the very integers of the whole-image computation, and memory stays per band.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from ncodec.entropy.integer_network import ACTIVATION_BITS, IntegerLayer
from ncodec.models.realism_head import LATENT_STRIDE, OUTPUT_SCALE, BetaConv, RealismHead

BAND_ROWS = 96
"""Half-resolution rows per band (bounded memory on large images)."""
_ONE = 2.0**ACTIVATION_BITS


def _fixed_layer(conv: nn.Conv2d, beta: float, relu: bool, scale: float = 1.0) -> IntegerLayer:
    """The integer layer of a (beta-)conv at one beta, its outputs times `scale` (a power of
    two: exact)."""
    copy = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        padding=conv.padding,
        dtype=torch.float64,
    )
    with torch.no_grad():
        copy.weight.copy_(conv.weight.double() * scale)
        bias = conv.bias.double()
        if isinstance(conv, BetaConv):
            bias = bias + beta * conv.beta_bias.double()
        copy.bias.copy_(bias * scale)
    return IntegerLayer(copy, relu=relu)


class FixedRealismHead:
    """Decoded uint8 pixels + latents -> realism pixels, in integers."""

    def __init__(self, head: RealismHead) -> None:
        self.head = head
        self.project = _fixed_layer(head.project, 0.0, relu=False)
        self.smooth = None
        if head.smooth is not None:  # linear on the scaled residual: no bias, scale 1
            conv = nn.Conv2d(3, 3, 3, padding=1)
            with torch.no_grad():
                conv.weight.copy_(head.smooth.weight)
                conv.bias.zero_()
            self.smooth = _fixed_layer(conv, 0.0, relu=False)
        self._layers: dict[int, list[IntegerLayer]] = {}

    def layers(self, beta: float) -> list[IntegerLayer]:
        """The 3x3 layers at one beta (cached per 1/100 step)."""
        key = round(beta * 100)
        if key not in self._layers:
            body = [_fixed_layer(c, beta, relu=True) for c in self.head.body]
            out = _fixed_layer(self.head.out, beta, relu=False, scale=OUTPUT_SCALE)
            self._layers[key] = [*body, out]
        return self._layers[key]

    @torch.no_grad()
    def __call__(self, pixels: np.ndarray, y_hat: Tensor, beta: float) -> np.ndarray:
        """HxWx3 uint8 realism pixels from the base decoder's HxWx3 uint8 pixels and its latents
        y_hat (1, M, H'/16, W'/16) covering the padded image (float64, exact values). Inputs
        and activations exist one band at a time: memory is bounded by the band, not the image."""
        height, width = pixels.shape[:2]
        grid_h, grid_w = y_hat.shape[-2] * 16, y_hat.shape[-1] * 16
        padded = np.pad(pixels, ((0, grid_h - height), (0, grid_w - width), (0, 0)), "edge")
        latents = torch.round(y_hat.double() * _ONE)
        layers, smooth = self.layers(beta), self.smooth
        halo, rows = len(layers) + (smooth is not None), grid_h // 2
        out = np.empty_like(pixels)
        for top in range(0, rows, BAND_ROWS):
            bottom = min(top + BAND_ROWS, rows)
            start, stop = max(top - halo, 0), min(bottom + halo, rows)
            h = self._inputs(padded, latents, start, stop)
            for layer in layers:
                h = layer(h)
            h = torch.nn.functional.pixel_shuffle(h, 2)
            if smooth is not None:
                h = smooth(h)
            first, last = 2 * top, min(2 * bottom, height)
            if first >= last:
                break
            residual = h[0, :, 2 * (top - start) : 2 * (top - start) + last - first, :width]
            residual = residual * (1.0 / (OUTPUT_SCALE * _ONE))
            base = torch.from_numpy(pixels[first:last]).double().permute(2, 0, 1) / 255.0
            band = torch.clamp(base + beta * residual, 0.0, 1.0)
            out[first:last] = torch.round(band * 255.0).to(torch.uint8).permute(1, 2, 0).numpy()
        return out

    def _inputs(self, padded: np.ndarray, latents: Tensor, start: int, stop: int) -> Tensor:
        """The head's integer input (1, 12 + F, stop - start, W/2) for half-resolution rows
        [start, stop): the centred pixels (2x2 per position) and the projected latents."""
        image = torch.from_numpy(padded[2 * start : 2 * stop]).double().permute(2, 0, 1)[None]
        # (p / 255 - 0.5) * 4 on the activation grid, then 2x2 pixels per position.
        centred = torch.round((image / 255.0 - 0.5) * (4.0 * _ONE))
        first, last = start // LATENT_STRIDE, -(-stop // LATENT_STRIDE)
        projected = self.project(latents[:, :, first:last])  # 1x1: row by row, exact
        projected = projected.repeat_interleave(LATENT_STRIDE, 2)
        offset = start - first * LATENT_STRIDE
        projected = projected[:, :, offset : offset + stop - start]
        projected = projected.repeat_interleave(LATENT_STRIDE, 3)
        return torch.cat([torch.nn.functional.pixel_unshuffle(centred, 2), projected], dim=1)
