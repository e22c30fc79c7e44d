"""The factorized prior registered as an architecture, and its frozen codec (one stream)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import Tensor, nn

from ncodec.coding.limits import min_stream_bytes, needed_bits
from ncodec.entropy import FactorizedDensity
from ncodec.format import NczHeader
from ncodec.models.coding_arrays import float_array, gain_arrays, prefixed, tables_under
from ncodec.models.factorized_prior import FactorizedPrior
from ncodec.models.fixed_synthesis import FixedPointSynthesis
from ncodec.models.hyperprior_codec import Y_DOWNSAMPLING
from ncodec.models.image_codec import (
    Coded,
    FrozenImageCodec,
    ImageArchitecture,
    Options,
    Size,
    tiled_pixels,
)
from ncodec.models.macs import count_macs
from ncodec.models.refine import MAX_REFINE_STEPS
from ncodec.models.registry import register_architecture
from ncodec.models.sga import factorized_objective, search_settings, sga_search
from ncodec.models.tiling import map_tiled
from ncodec.models.transforms import ANALYSIS_TILING, SYNTHESIS_TILING


class FrozenFactorizedPrior(FrozenImageCodec):
    """y coded with per-channel integer tables of the learned density."""

    def __init__(self, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> None:
        super().__init__(module, arrays)
        self.y_tables = tables_under(arrays, "y_tables")
        self.y_gain = float_array(arrays, "y_gain")
        self.y_inverse_gain = float_array(arrays, "y_inverse_gain")
        self._synthesis: FixedPointSynthesis | None = None

    def synthesizer(self, q: int) -> Callable[[Tensor], Tensor]:
        """The decoder's synthesis at quality index q: gained latents -> reconstruction (the
        fixed-point twin of g_s, built on first use)."""
        if self._synthesis is None:
            self._synthesis = FixedPointSynthesis(self.module.g_s, 0)
        synthesis, inverse = self._synthesis, self.y_inverse_gain[q]
        return lambda y: synthesis(y, inverse, q)

    def _y_shape(self, padded: tuple[int, int]) -> tuple[int, ...]:
        return (1, self.y_gain.shape[1], padded[0] // Y_DOWNSAMPLING, padded[1] // Y_DOWNSAMPLING)

    def max_effort(self) -> int:
        """Effort = SGA steps of an encoder-side latent search (the decoder is unchanged)."""
        return MAX_REFINE_STEPS

    def effort_options(self) -> tuple[str, ...]:
        return ("refine_precision",)

    def encode_padded(self, x: Tensor, q: int, size: Size, effort: int, options: Options) -> Coded:
        _, bf16 = search_settings(options, ("sga",))
        y = map_tiled(self.module.g_a, x, ANALYSIS_TILING) * self.y_gain[q].view(1, -1, 1, 1)
        trace = None
        if effort:
            inverse = self.y_inverse_gain[q].view(1, -1, 1, 1)
            lmbda = self.rate_lambda(q + 1)
            objective = factorized_objective(self.module, inverse, x, size, lmbda, bf16)
            (y,), trace = sga_search(self.module, (y,), objective, effort)
        del x  # the caller keeps no reference: a large image's floats are freed here
        return [FactorizedDensity.compress(y, self.y_tables)], trace

    def decode_padded(self, streams: list[bytes], padded: Size, q: int) -> Tensor:
        y = FactorizedDensity.decompress(streams[0], self.y_tables, self._y_shape(padded))
        return map_tiled(self.synthesizer(q), y, SYNTHESIS_TILING)

    def decode_pixels(
        self, streams: list[bytes], padded: Size, q: int, height: int, width: int
    ) -> np.ndarray:
        y = FactorizedDensity.decompress(streams[0], self.y_tables, self._y_shape(padded))
        return tiled_pixels(self.synthesizer(q), y, SYNTHESIS_TILING, height, width)

    def min_stream_bytes(self, header: NczHeader) -> tuple[int, ...]:
        """Fewest bytes of the y stream of the header's image: every symbol costs at least its
        channel's cheapest symbol."""
        padded = tuple(
            -(-side // self.stride) * self.stride for side in (header.height, header.width)
        )
        shape = self._y_shape(padded)
        return (
            min_stream_bytes(needed_bits(self.y_tables, np.full(shape[1], shape[2] * shape[3]))),
        )

    def decode_macs(self, header: NczHeader) -> dict[str, float]:
        """Synthesis MACs per pixel, measured on a 256x256 image."""
        synthesis = count_macs(self.module.g_s, torch.zeros(self._y_shape((256, 256))))
        return {"synthesis": synthesis / (256 * 256)}


@register_architecture
class FactorizedPriorArchitecture(ImageArchitecture):
    """Ballé et al. 2017/2018: one learned density per latent channel, no side information."""

    name = FactorizedPrior.architecture
    module_class = FactorizedPrior
    frozen_class = FrozenFactorizedPrior

    @classmethod
    @torch.no_grad()
    def export(cls, module: nn.Module) -> dict[str, np.ndarray]:
        return {
            **gain_arrays(module.y_gains, "y", tuple(module.config.lambdas)),
            **prefixed("y_tables", module.y_density.build_tables().to_arrays()),
        }
