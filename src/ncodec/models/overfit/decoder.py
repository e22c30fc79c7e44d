"""The integer decoder: quantized parameters -> entropy model and pixels, identical everywhere.

Upsampling and synthesis run on integer-valued float32 tensors whose sums stay below 2**24
(see `fixed_point`), so BLAS and convolution results are exact; the entropy model is
`arm.IntegerArm`. For speed the 1x1 synthesis layers run on bands of pixels through buffers
that stay in cache, and every rescaling is in place. Any float32 setting that could round
(reduced-precision matmul, NNPACK) is switched off while decoding.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F

from ncodec.models.image_codec import to_pixels
from ncodec.models.overfit import kernels
from ncodec.models.overfit.arm import IntegerArm, accumulator_bias
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.fixed_point import RGB, UPSAMPLED, half, rescale_
from ncodec.models.overfit.parameters import (
    SynthesisLayer,
    layer_specs,
    source_formats,
    synthesis_layers,
)
from ncodec.models.overfit.quantize import QuantizedParams
from ncodec.models.overfit.upsampling import upsample2x, upsample_grids

BAND_PIXELS = 4096
"""Pixels per band of the 1x1 synthesis layers (their activations then stay in cache)."""


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

    def _pointwise_layers(self) -> list[tuple[SynthesisLayer, torch.Tensor, torch.Tensor, int]]:
        """The leading 1x1 layers (weight, bias, shift); the rest are 3x3 residual layers."""
        layers = zip(self.layers, self.weights, self.biases, self.shifts, strict=True)
        return [entry for entry in layers if entry[0].kernel == 1]

    @staticmethod
    def _finish(
        y: torch.Tensor, layer: SynthesisLayer, shift: int, residual: torch.Tensor | None = None
    ) -> None:
        """In place: rescale an accumulator to the layer's target format (plus the residual
        input), then clamp it."""
        rescale_(y, shift)
        if residual is not None:
            y.add_(residual)
        y.clamp_(*IntegerDecoder._bounds(layer))

    def synthesize(self, grids: list[torch.Tensor]) -> torch.Tensor:
        """(1, 3, H, W) reconstruction in [0, 1] units from integer grids (h_i, w_i), finest
        first; values are exact multiples of 2**-10 (the compiled kernels where built, else the
        PyTorch reference: the same values either way)."""
        if kernels.compiled() is None:
            return self._synthesize_reference(grids)
        return torch.from_numpy(self._synthesize_compiled(grids))[None].mul_(2.0**-RGB.frac)

    def pixels(self, grids: list[torch.Tensor], height: int, width: int) -> np.ndarray:
        """The top-left height x width x 3 uint8 pixels of `synthesize(grids)`, rounded as
        `image_codec.to_pixels` rounds (by the compiled kernels where built)."""
        compiled = kernels.compiled()
        if compiled is None:
            return to_pixels(self._synthesize_reference(grids), height, width)
        x = self._synthesize_compiled(grids)
        out = np.empty((height, width, 3), dtype=np.uint8)
        compiled.rgb8(x, *x.shape[1:], 2.0**-RGB.frac, height, width, out)
        return out

    def _synthesize_compiled(self, grids: list[torch.Tensor]) -> np.ndarray:
        """(3, H, W) float32 integers in RGB format units, by the compiled kernels."""
        compiled = kernels.compiled()
        scale, limit = float(1 << UPSAMPLED.frac), float(UPSAMPLED.limit)
        stack = kernels.as_buffer(grids[-1])[None] * scale
        for grid in reversed(grids[1:-1]):
            channels, h, w = stack.shape
            up = np.empty((channels + 1, 2 * h, 2 * w), dtype=np.float32)
            np.multiply(kernels.as_buffer(grid), scale, out=up[0])
            compiled.upsample2x(stack, channels, h, w, self.taps, self.up_shift, limit, up[1:])
            stack = up
        layers = list(zip(self.layers, self.weights, self.biases, self.shifts, strict=True))
        pointwise = [
            (kernels.as_buffer(w), kernels.as_buffer(b), s, *self._bounds(layer))
            for layer, w, b, s in layers
            if layer.kernel == 1
        ]
        height, width = grids[0].shape
        x, spare = np.empty((2, 3, height, width), dtype=np.float32)
        if len(grids) == 1:
            compiled.synthesis_pointwise(stack, height * width, pointwise, x)
        else:  # the last upsampling runs inside the 1x1 layers, row by row
            channels, h, w = stack.shape
            finest = kernels.as_buffer(grids[0])
            compiled.upsampled_synthesis(
                stack, channels, h, w, finest, scale, self.taps, self.up_shift, limit, pointwise, x
            )
        for layer, weight, bias, shift in layers:
            if layer.kernel == 1:
                continue
            compiled.conv3x3(
                x,
                3,
                height,
                width,
                kernels.as_buffer(weight),
                kernels.as_buffer(bias),
                shift,
                *self._bounds(layer),
                layer.residual,
                spare,
            )
            x, spare = spare, x
        return x

    @staticmethod
    def _bounds(layer: SynthesisLayer) -> tuple[float, float]:
        """The clamp of a layer's output: [0, limit] after a ReLU, else +-limit."""
        return (0.0 if layer.relu else -float(layer.target.limit)), float(layer.target.limit)

    def _synthesize_reference(self, grids: list[torch.Tensor]) -> torch.Tensor:
        """`synthesize` in PyTorch. The 1x1 layers run on bands of BAND_PIXELS pixels through
        buffers that stay in cache; the 3x3 layers (3 channels) then run on the whole image,
        which needs no halo.
        """
        with exact_float32():
            stack = self.upsample(grids)
            channels, height, width = stack.shape
            flat = stack.view(channels, height * width)
            pointwise = self._pointwise_layers()
            rgb = stack.new_empty(3, height * width)
            buffers = [stack.new_empty(layer.cout, BAND_PIXELS) for layer, *_ in pointwise[:-1]]
            for start in range(0, height * width, BAND_PIXELS):
                stop = min(start + BAND_PIXELS, height * width)
                x = flat[:, start:stop]
                for i, (layer, weight, bias, shift) in enumerate(pointwise):
                    y = rgb[:, start:stop] if i == len(buffers) else buffers[i][:, : stop - start]
                    torch.addmm(bias[:, None], weight, x, out=y)
                    self._finish(y, layer, shift)
                    x = y
            x = rgb.view(1, 3, height, width)
            for layer, weight, bias, shift in zip(
                self.layers, self.weights, self.biases, self.shifts, strict=True
            ):
                if layer.kernel == 1:
                    continue
                y = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), weight, bias)
                self._finish(y, layer, shift, x if layer.residual else None)
                x = y
        return x.mul_(2.0**-RGB.frac)
