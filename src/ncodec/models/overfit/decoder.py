"""The integer decoder: quantized parameters -> entropy model and pixels, identical everywhere.

Upsampling and synthesis run on integer-valued float32 tensors whose sums stay below 2**24
(see `fixed_point`), so BLAS and convolution results are exact; the entropy model is
`arm.IntegerArm`. Any float32 numerics setting that could round (reduced-precision matmul) is
switched off while decoding.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from ncodec.models.overfit.arm import IntegerArm, accumulator_bias
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.fixed_point import RGB, UPSAMPLED, floor_shift, half
from ncodec.models.overfit.parameters import layer_specs, source_formats, synthesis_layers
from ncodec.models.overfit.quantize import QuantizedParams
from ncodec.models.overfit.synthesis import synthesize
from ncodec.models.overfit.upsampling import polyphase_kernels, upsample2x, upsample_grids


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
        self.kernels = polyphase_kernels(ints["up.taps"][None])
        self.up_shift = exponents["up.taps"]
        specs, sources = layer_specs(config), source_formats(config)
        self.params: dict[str, torch.Tensor] = {}
        self.exponents = {layer.weight: exponents[layer.weight] for layer in self.layers}
        for layer in self.layers:
            limit = specs[layer.weight].bias_limit()
            accumulator = sources[layer.weight].frac + exponents[layer.weight]
            bias = accumulator_bias(ints[layer.bias], exponents[layer.bias], accumulator)
            bias = bias + half(accumulator - layer.target.frac)
            self.params[layer.weight] = ints[layer.weight][None]
            self.params[layer.bias] = bias.clamp(-limit, limit)[None]

    def _upsample_post(self, t: torch.Tensor) -> torch.Tensor:
        t = floor_shift(t + half(self.up_shift), self.up_shift)
        return t.clamp_(-UPSAMPLED.limit, UPSAMPLED.limit)

    def synthesize(self, grids: list[torch.Tensor]) -> torch.Tensor:
        """(1, 3, H, W) reconstruction in [0, 1] units from integer grids (h_i, w_i), finest
        first; values are exact multiples of 2**-10."""
        with exact_float32():
            scaled = [grid[None] * float(1 << UPSAMPLED.frac) for grid in grids]
            stack = upsample_grids(
                scaled, lambda t: upsample2x(t, self.kernels, self._upsample_post)
            )
            out = synthesize(stack, self.layers, self.params, self.exponents)
        return out * 2.0**-RGB.frac
