"""The mean-scale hyperprior registered as an architecture, and its frozen codec.

Coding path: z is coded with integer tables of the factorized density; an integer (fixed-point)
hyper-synthesis turns the decoded z into scale-table indexes and means that encoder and decoder
compute bit for bit; y is coded as round(y - means) under the chosen Gaussian tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ncodec.coding.limits import min_stream_bytes, needed_bits, needed_bits_any
from ncodec.entropy import FactorizedDensity, GaussianConditional, default_scale_table
from ncodec.entropy.integer_network import (
    ACTIVATION_BITS,
    GAIN_BITS,
    IntegerHyperSynthesis,
    apply_gain_fixed,
    fixed_point,
    scale_indexes,
)
from ncodec.errors import FormatError, InputError
from ncodec.format import NczHeader
from ncodec.models import bits_back, realism
from ncodec.models.coding_arrays import float_array, gain_arrays, prefixed, tables_under
from ncodec.models.fixed_synthesis import FixedPointSynthesis
from ncodec.models.hyperprior import MeanScaleHyperprior
from ncodec.models.image_codec import (
    Coded,
    FrozenImageCodec,
    ImageArchitecture,
    Options,
    Size,
    tiled_pixels,
)
from ncodec.models.macs import count_macs
from ncodec.models.protocol import Encoded
from ncodec.models.refine import MAX_REFINE_STEPS, GainedLatents, LevelGains, refine_latents
from ncodec.models.registry import register_architecture
from ncodec.models.sga import REFINE_METHODS, hyperprior_objective, search_settings, sga_search
from ncodec.models.tiling import map_tiled, run_tiled
from ncodec.models.transforms import (
    ANALYSIS_TILING,
    HYPER_SYNTHESIS_TILING,
    SYNTHESIS_TILING,
)

Y_DOWNSAMPLING = 16
"""g_a halves the resolution four times."""
Z_DOWNSAMPLING = 4
"""h_a halves y's resolution twice more."""


class FrozenHyperprior(FrozenImageCodec):
    """Two streams per image: z (factorized tables), then y (Gaussian tables from integer h_s)."""

    stream_count = 2

    def __init__(self, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> None:
        super().__init__(module, arrays)
        self.y_tables = tables_under(arrays, "y_tables")
        self.z_tables = tables_under(arrays, "z_tables")
        self.y_gain = float_array(arrays, "y_gain")
        self.y_inverse_gain = float_array(arrays, "y_inverse_gain")
        self.z_gain = float_array(arrays, "z_gain")
        self.z_inverse_gain = float_array(arrays, "z_inverse_gain")
        self.z_inverse_gain_fixed = fixed_point(self.z_inverse_gain, GAIN_BITS)
        self.y_gain_fixed = fixed_point(self.y_gain, GAIN_BITS)
        if "scale_table" not in arrays:
            raise FormatError("model weights lack coding array 'scale_table'")
        self.scale_table = np.asarray(arrays["scale_table"], np.float64)
        self.hyper_synthesis = IntegerHyperSynthesis(module.h_s)
        self._synthesis: FixedPointSynthesis | None = None

    @property
    def synthesis(self) -> FixedPointSynthesis:
        """The fixed-point twin of g_s that decodes (built on first use)."""
        if self._synthesis is None:
            self._synthesis = FixedPointSynthesis(self.module.g_s, ACTIVATION_BITS)
        return self._synthesis

    def max_effort(self) -> int:
        """Effort = encoder-side latent search steps (SGA, or Adam refinement if asked); the
        decoder is unchanged."""
        return MAX_REFINE_STEPS

    def effort_options(self) -> tuple[str, ...]:
        return ("refine_precision", "refine_method", bits_back.EXTRA_KEY, *self.decode_options())

    def decode_options(self) -> tuple[str, ...]:
        """'realism' (beta) where a realism head is installed for these weights."""
        return (realism.EXTRA_KEY,) if realism.has_head(self) else ()

    def with_decode_options(self, header: NczHeader, options: Mapping[str, Any]) -> NczHeader:
        if realism.EXTRA_KEY not in options:
            return header
        beta = realism.check_beta(options[realism.EXTRA_KEY])
        if beta and bits_back.EXTRA_KEY in header.extra:
            raise InputError("bits-back files decode without the realism head")
        return dataclasses.replace(header, extra=self._realism_extra(header.extra, beta))

    def _realism_extra(self, extra: Mapping[str, Any], beta: float) -> dict[str, Any]:
        """`extra` with the realism default set to beta (removed for beta = 0)."""
        out = {k: v for k, v in extra.items() if k != realism.EXTRA_KEY}
        if beta > 0:
            out.update(realism.realism_extra(beta, realism.head_of(self)))
        return out

    def compress(
        self, data: Any, quality: int, effort: int = 0, options: Mapping[str, Any] | None = None
    ) -> Encoded:
        """As every image codec; with option bits_back=True the file is bits-back coded (one
        stream, marked in the header's extra)."""
        options = dict(options or {})
        beta = options.pop(realism.EXTRA_KEY, None)
        wanted = bits_back.check_options(options, effort)
        if beta is not None:
            beta = realism.check_beta(beta)
            if wanted:
                raise InputError("a realism default and bits-back coding do not combine")
        encoded = super().compress(data, quality, effort, options)
        if wanted:
            encoded = dataclasses.replace(
                encoded, extra=bits_back.BitsBackHyperprior.of(self).extra()
            )
        if beta:
            encoded = dataclasses.replace(encoded, extra=self._realism_extra(encoded.extra, beta))
        return encoded

    def decompress(self, streams: Sequence[bytes], header: NczHeader) -> np.ndarray:
        if bits_back.EXTRA_KEY not in header.extra:
            beta = realism.file_beta(header.extra)
            if beta == 0:
                return super().decompress(streams, header)
            return self._realism_decompress(streams, header, beta)
        coder, _ = self._bits_back_coder(header)
        if len(streams) != 1:
            raise FormatError(f"expected 1 coded stream, found {len(streams)}")
        padded = self._padded(header.height, header.width)
        (y_gained,) = bits_back.decode_chain(
            coder, streams[0], [(padded, header.quality - 1)], stop_after=1
        )
        return tiled_pixels(
            self.synthesizer(header.quality - 1),
            y_gained,
            SYNTHESIS_TILING,
            header.height,
            header.width,
        )

    def _realism_decompress(
        self, streams: Sequence[bytes], header: NczHeader, beta: float
    ) -> np.ndarray:
        """The base decoder's pixels, then the realism head at beta (> 0) on them and the
        decoded latents."""
        head = realism.head_of(self)
        realism.file_beta(header.extra, head)  # the file's head must be the installed one
        pixels, y_hat = self.realism_inputs(streams, header)
        return head.fixed(pixels, y_hat, beta)

    def realism_inputs(
        self, streams: Sequence[bytes], header: NczHeader
    ) -> tuple[np.ndarray, Tensor]:
        """What a realism head reads: the plain decoder's HxWx3 uint8 pixels and the decoded
        latents y_hat (float64, before the synthesis)."""
        if len(streams) != self.stream_count:
            raise FormatError(f"expected {self.stream_count} coded streams, found {len(streams)}")
        q = header.quality - 1
        y_gained = self._gained_latents(list(streams), self._padded(header.height, header.width), q)
        pixels = tiled_pixels(
            self.synthesizer(q), y_gained, SYNTHESIS_TILING, header.height, header.width
        )
        return pixels, y_gained * self.y_inverse_gain[q].double().view(1, -1, 1, 1)

    def _bits_back_coder(self, header: NczHeader) -> tuple[Any, list[tuple[int, int, str, int]]]:
        """The bits-back coder a header asks for, and its chained images; FormatError if the
        header names other bits-back data than this model's."""
        value = header.extra[bits_back.EXTRA_KEY]
        chain = bits_back.chain_entries(value)
        coder = bits_back.BitsBackHyperprior.of(self)
        if value["q"] != coder.companion.digest:
            raise FormatError(
                f"file needs bits-back data {value['q']}, this model has {coder.companion.digest}"
            )
        return coder, chain

    def _padded(self, height: int, width: int) -> Size:
        return (-(-height // self.stride) * self.stride, -(-width // self.stride) * self.stride)

    def _hyper_params(self, z_symbols: torch.Tensor, q: int) -> tuple[np.ndarray, torch.Tensor]:
        """Scale-table indexes and gained means (exact fixed-point values, float64) from z,
        computed in tiles (exact, so the same as at once)."""
        height, width = z_symbols.shape[-2:]
        shape = (1, self.y_gain.shape[1], height * Z_DOWNSAMPLING, width * Z_DOWNSAMPLING)
        indexes = np.empty(shape, dtype=np.int32)
        means = torch.empty(shape, dtype=torch.float64)
        gain = self.y_gain_fixed[q]

        def place(out: Tensor, top: int, bottom: int, left: int, right: int) -> None:
            tile_means, tile_scales = out.chunk(2, dim=1)
            gained = apply_gain_fixed(tile_means, gain) * 2.0**-ACTIVATION_BITS
            means[..., top:bottom, left:right] = gained
            tile_indexes = scale_indexes(apply_gain_fixed(tile_scales, gain), self.scale_table)
            indexes[..., top:bottom, left:right] = tile_indexes

        inverse = self.z_inverse_gain_fixed[q]
        synthesis = self.hyper_synthesis
        run_tiled(lambda z: synthesis(z, inverse), z_symbols, HYPER_SYNTHESIS_TILING, place)
        return indexes, means

    def _level_gains(self, q: int) -> LevelGains:
        view = (1, -1, 1, 1)
        return LevelGains(
            y=self.y_gain[q].view(view),
            y_inverse=self.y_inverse_gain[q].view(view),
            z=self.z_gain[q].view(view),
            z_inverse=self.z_inverse_gain[q].view(view),
        )

    def encode_padded(self, x: Tensor, q: int, size: Size, effort: int, options: Options) -> Coded:
        method, bf16 = search_settings(options, REFINE_METHODS)
        if options.get(bits_back.EXTRA_KEY):
            coder = bits_back.BitsBackHyperprior.of(self)
            return [bits_back.encode_chain(coder, [(x, q)])], None
        model = self.module
        y = map_tiled(model.g_a, x, ANALYSIS_TILING)
        gains = self._level_gains(q)
        latents = GainedLatents(y * gains.y, model.h_a(y) * gains.z)
        del y
        trace = None
        if effort and method == "adam":
            lmbda = self.rate_lambda(q + 1)
            precision = "bf16" if bf16 else "fp32"
            latents, trace = refine_latents(
                model, x, latents, gains, size, lmbda, effort, precision=precision
            )
        elif effort:
            objective = hyperprior_objective(model, gains, x, size, self.rate_lambda(q + 1), bf16)
            (y, z), trace = sga_search(model, (latents.y, latents.z), objective, effort)
            latents = GainedLatents(y, z)
        del x  # the caller keeps no reference: a large image's floats are freed here
        z_symbols = torch.round(latents.z)
        z_stream = FactorizedDensity.compress(z_symbols, self.z_tables)
        indexes, means = self._hyper_params(z_symbols, q)
        y_stream = GaussianConditional.compress(latents.y, means, indexes, self.y_tables)
        return [z_stream, y_stream], trace

    def latent_shapes(self, padded: tuple[int, int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Shapes of y and z for a padded image size."""
        y_shape = (
            1,
            self.y_gain.shape[1],
            padded[0] // Y_DOWNSAMPLING,
            padded[1] // Y_DOWNSAMPLING,
        )
        z_shape = (
            1,
            self.z_gain.shape[1],
            y_shape[2] // Z_DOWNSAMPLING,
            y_shape[3] // Z_DOWNSAMPLING,
        )
        return y_shape, z_shape

    def _gained_latents(self, streams: list[bytes], padded: Size, q: int) -> Tensor:
        """Decoded y * gain (float64, exact fixed-point values)."""
        _, z_shape = self.latent_shapes(padded)
        z_symbols = FactorizedDensity.decompress(streams[0], self.z_tables, z_shape)
        indexes, means = self._hyper_params(z_symbols, q)
        return GaussianConditional.decompress(streams[1], means, indexes, self.y_tables)

    def synthesizer(self, q: int) -> Callable[[Tensor], Tensor]:
        """The decoder's synthesis at quality index q: gained latents -> reconstruction."""
        synthesis, inverse = self.synthesis, self.y_inverse_gain[q]
        return lambda y: synthesis(y, inverse, q)

    def decode_padded(self, streams: list[bytes], padded: Size, q: int) -> Tensor:
        y_gained = self._gained_latents(streams, padded, q)
        return map_tiled(self.synthesizer(q), y_gained, SYNTHESIS_TILING)

    def decode_pixels(
        self, streams: list[bytes], padded: Size, q: int, height: int, width: int
    ) -> np.ndarray:
        y_gained = self._gained_latents(streams, padded, q)
        return tiled_pixels(self.synthesizer(q), y_gained, SYNTHESIS_TILING, height, width)

    def min_stream_bytes(self, header: NczHeader) -> tuple[int, ...]:
        """Fewest bytes of the z and y streams of the header's image, from the stored tables:
        every z symbol costs at least its channel's cheapest symbol, every y symbol the cheapest
        of all y tables. A bits-back file has one stream holding every chained image."""
        if bits_back.EXTRA_KEY in header.extra:
            coder, chain = self._bits_back_coder(header)
            sizes = [self._padded(header.height, header.width)]
            sizes += [self._padded(h, w) for h, w, _, _ in chain]
            return (bits_back.min_chain_bytes(coder, sizes),)
        padded = tuple(
            -(-side // self.stride) * self.stride for side in (header.height, header.width)
        )
        y_shape, z_shape = self.latent_shapes(padded)
        z_bits = needed_bits(self.z_tables, np.full(z_shape[1], z_shape[2] * z_shape[3]))
        y_bits = needed_bits_any(self.y_tables, int(np.prod(y_shape)))
        return (min_stream_bytes(z_bits), min_stream_bytes(y_bits))

    def decode_macs(self, header: NczHeader) -> dict[str, float]:
        """Synthesis and (integer) hyper-synthesis MACs per pixel, measured on a 256x256 image,
        and the realism head's when the header asks for it."""
        y_shape, z_shape = self.latent_shapes((256, 256))
        pixels = 256 * 256
        synthesis = count_macs(self.module.g_s, torch.zeros(y_shape))
        hyper = count_macs(self.module.h_s, torch.zeros(z_shape))
        macs = {"synthesis": synthesis / pixels, "hyper_synthesis": hyper / pixels}
        if realism.file_beta(header.extra) > 0:
            macs["realism_head"] = realism.head_of(self).module.decode_macs_per_pixel()
        return macs


@register_architecture
class MeanScaleHyperpriorArchitecture(ImageArchitecture):
    """Minnen et al. 2018 without context: factorized z, Gaussian y from an integer h_s."""

    name = MeanScaleHyperprior.architecture
    module_class = MeanScaleHyperprior
    frozen_class = FrozenHyperprior

    @classmethod
    @torch.no_grad()
    def export(cls, module: nn.Module) -> dict[str, np.ndarray]:
        lambdas = tuple(module.config.lambdas)
        arrays = {
            **gain_arrays(module.y_gains, "y", lambdas),
            **gain_arrays(module.z_gains, "z", lambdas),
            **prefixed("z_tables", module.z_density.build_tables().to_arrays()),
        }
        scales = default_scale_table()
        arrays["scale_table"] = scales
        arrays.update(prefixed("y_tables", GaussianConditional.build_tables(scales).to_arrays()))
        return arrays
