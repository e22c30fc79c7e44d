"""The integer decoder: quantized parameters -> entropy model and pixels, identical everywhere.

Upsampling and synthesis run on integer-valued float32 tensors whose sums stay below 2**24
(see `fixed_point`), so BLAS and convolution results are exact; the entropy model is
`arm.IntegerArm`. For speed the synthesis runs on bands of rows (with a 2-row halo for its two
3x3 layers, so the result equals a whole-image pass) and rescales in place, which keeps its
activations in cache. Any float32 setting that could round (reduced-precision matmul, NNPACK)
is switched off while decoding.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F

from ncodec.models.overfit.arm import IntegerArm, accumulator_bias
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.fixed_point import RGB, UPSAMPLED, half, rescale_
from ncodec.models.overfit.parameters import layer_specs, source_formats, synthesis_layers
from ncodec.models.overfit.quantize import QuantizedParams
from ncodec.models.overfit.upsampling import upsample2x, upsample_grids

BAND_ROWS = 16
"""Rows of output per synthesis band."""
HALO = 2
"""Extra rows above and below a band: one per 3x3 layer."""


@contextmanager
def exact_float32() -> Iterator[None]:
    """Full-precision float32 matmul and no NNPACK (whose fast algorithms round) inside."""
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    try:
        with torch.backends.nnpack.flags(enabled=False), torch.no_grad():
            yield
    finally:
        torch.set_float32_matmul_precision(previous)


class IntegerDecoder:
    """Entropy model plus integer upsampling and synthesis of one image's parameters."""

    def __init__(self, config: OverfitConfig, quantized: QuantizedParams) -> None:
        self.config = config
        ints, exponents = quantized.ints, quantized.exponents
        self.arm = IntegerArm(config, ints, exponents)
        self.layers = synthesis_layers(config)
        self.taps = tuple(float(v) for v in ints["up.taps"])
        self.up_shift = exponents["up.taps"]
        specs, sources = layer_specs(config), source_formats(config)
        self.weights: list[torch.Tensor] = []
        self.biases: list[torch.Tensor] = []
        self.shifts: list[int] = []
        for layer in self.layers:
            limit = specs[layer.weight].bias_limit()
            accumulator = sources[layer.weight].frac + exponents[layer.weight]
            shift = accumulator - layer.target.frac
            bias = accumulator_bias(ints[layer.bias], exponents[layer.bias], accumulator)
            self.biases.append((bias + half(shift)).clamp(-limit, limit))
            self.weights.append(ints[layer.weight])
            self.shifts.append(shift)

    def _upsample_post(self, t: torch.Tensor) -> torch.Tensor:
        t.add_(half(self.up_shift))
        return rescale_(t, self.up_shift).clamp_(-UPSAMPLED.limit, UPSAMPLED.limit)

    def upsample(self, grids: list[torch.Tensor]) -> torch.Tensor:
        """(grids, H, W) integer upsampled latents (UPSAMPLED format) of grids (h_i, w_i)."""
        scaled = [grid[None] * float(1 << UPSAMPLED.frac) for grid in grids]
        step = lambda t: upsample2x(t, self.taps, self._upsample_post)  # noqa: E731
        return upsample_grids(scaled, step)[0]

    def _synthesize_band(self, x: torch.Tensor) -> torch.Tensor:
        """(C, R, W) input rows -> (3, R, W) RGB integers (rows near a cut edge are wrong)."""
        for layer, weight, bias, shift in zip(
            self.layers, self.weights, self.biases, self.shifts, strict=True
        ):
            channels, rows, cols = x.shape
            if layer.kernel == 1:
                flat = x.reshape(channels, rows * cols)
                y = torch.addmm(bias[:, None], weight, flat).view(-1, rows, cols)
            else:
                padded = F.pad(x[None], (1, 1, 1, 1), mode="replicate")
                y = F.conv2d(padded, weight, bias)[0]
            rescale_(y, shift)
            if layer.residual:
                y.add_(x)
            y.clamp_(0.0 if layer.relu else -layer.target.limit, layer.target.limit)
            x = y
        return x

    def synthesize(self, grids: list[torch.Tensor]) -> torch.Tensor:
        """(1, 3, H, W) reconstruction in [0, 1] units from integer grids (h_i, w_i), finest
        first; values are exact multiples of 2**-10."""
        with exact_float32():
            stack = self.upsample(grids)
            height = stack.shape[1]
            out = stack.new_empty(3, height, stack.shape[2])
            for top in range(0, height, BAND_ROWS):
                bottom = min(top + BAND_ROWS, height)
                start, stop = max(top - HALO, 0), min(bottom + HALO, height)
                band = self._synthesize_band(stack[:, start:stop].contiguous())
                out[:, top:bottom] = band[:, top - start : bottom - start]
        return out[None].mul_(2.0**-RGB.frac)
