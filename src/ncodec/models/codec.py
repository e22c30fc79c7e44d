"""A trained model frozen for coding: per-quality gains, integer CDFs, integer hyper-synthesis.

`export_arrays` turns a trained module into the arrays stored beside its weights (built once, from
floats); `LearnedImageCodec` reads only those arrays to pick tables, so decoding is bit-exact.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ncodec.coding import CdfTables
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
from ncodec.models.factorized_prior import FactorizedPrior
from ncodec.models.gains import GainUnits
from ncodec.models.hyperprior import MeanScaleHyperprior
from ncodec.models.refine import (
    GainedLatents,
    LevelGains,
    RefineTrace,
    lambda_at,
    refine_latents,
)

QUALITIES = 100


def quality_levels(levels: int) -> torch.Tensor:
    """Continuous rate-level position of each quality 1..100 (1 -> lowest level, 100 -> highest)."""
    return torch.linspace(0, levels - 1, QUALITIES)


@torch.no_grad()
def _gain_arrays(gains: GainUnits, prefix: str) -> dict[str, np.ndarray]:
    gain, inverse = gains(quality_levels(gains.levels))
    return {
        f"{prefix}_gain": gain[:, :, 0, 0].float().numpy(),
        f"{prefix}_inverse_gain": inverse[:, :, 0, 0].float().numpy(),
    }


def _prefixed(prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {f"{prefix}.{k}": v for k, v in arrays.items()}


@torch.no_grad()
def export_arrays(model: torch.nn.Module) -> dict[str, np.ndarray]:
    """Everything besides the float weights that coding needs, derived from the trained model."""
    arrays: dict[str, np.ndarray] = {}
    if isinstance(model, MeanScaleHyperprior):
        arrays.update(_gain_arrays(model.y_gains, "y"))
        arrays.update(_gain_arrays(model.z_gains, "z"))
        arrays.update(_prefixed("z_tables", model.z_density.build_tables().to_arrays()))
        scales = default_scale_table()
        arrays["scale_table"] = scales
        arrays.update(_prefixed("y_tables", GaussianConditional.build_tables(scales).to_arrays()))
    elif isinstance(model, FactorizedPrior):
        arrays.update(_gain_arrays(model.y_gains, "y"))
        arrays.update(_prefixed("y_tables", model.y_density.build_tables().to_arrays()))
    else:
        raise InputError(f"cannot export {type(model).__name__}")
    return arrays


def _tables(arrays: dict[str, np.ndarray], prefix: str) -> CdfTables:
    sub = {k[len(prefix) + 1 :]: v for k, v in arrays.items() if k.startswith(prefix + ".")}
    return CdfTables.from_arrays(sub)


class LearnedImageCodec:
    """Compress and decompress uint8 RGB images with a trained model and its exported arrays."""

    def __init__(self, model: torch.nn.Module, arrays: dict[str, np.ndarray]) -> None:
        self.model = model.eval()
        self.weights_hash = ""
        """Fingerprint of the weights file this codec was loaded from (set by `ncodec.zoo`)."""
        self.arrays = arrays
        self.stride = model.stride
        try:
            self.y_tables = _tables(arrays, "y_tables")
            self.y_gain = torch.from_numpy(np.asarray(arrays["y_gain"], np.float32))
            self.y_inverse_gain = torch.from_numpy(np.asarray(arrays["y_inverse_gain"], np.float32))
            if isinstance(model, MeanScaleHyperprior):
                self.z_tables = _tables(arrays, "z_tables")
                self.z_gain = torch.from_numpy(np.asarray(arrays["z_gain"], np.float32))
                z_inverse = torch.from_numpy(np.asarray(arrays["z_inverse_gain"], np.float32))
                self.z_inverse_gain = z_inverse
                self.z_inverse_gain_fixed = fixed_point(z_inverse, GAIN_BITS)
                self.y_gain_fixed = fixed_point(self.y_gain, GAIN_BITS)
                self.scale_table = np.asarray(arrays["scale_table"], np.float64)
                self.hyper_synthesis = IntegerHyperSynthesis(model.h_s)
        except KeyError as err:
            raise FormatError(f"model weights lack coding array {err}") from err

    @property
    def streams_per_image(self) -> int:
        return 2 if isinstance(self.model, MeanScaleHyperprior) else 1

    def _pad(self, rgb: np.ndarray) -> torch.Tensor:
        x = (
            torch.from_numpy(np.array(rgb, dtype=np.uint8, copy=True))
            .permute(2, 0, 1)[None]
            .float()
            / 255.0
        )
        h, w = rgb.shape[:2]
        ph, pw = (-h) % self.stride, (-w) % self.stride
        return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x

    def _hyper_params(self, z_symbols: torch.Tensor, q: int) -> tuple[np.ndarray, torch.Tensor]:
        """Scale-table indexes and gained means (exact fixed-point values, float64) from z."""
        out = self.hyper_synthesis(z_symbols, self.z_inverse_gain_fixed[q])
        means, scales = out.chunk(2, dim=1)
        gain = self.y_gain_fixed[q]
        means_fixed = apply_gain_fixed(means, gain)
        scales_fixed = apply_gain_fixed(scales, gain)
        means = means_fixed * 2.0**-ACTIVATION_BITS
        return scale_indexes(scales_fixed, self.scale_table), means

    def compress(
        self, rgb: np.ndarray, quality: int, refine_steps: int = 0, refine_precision: str = "fp32"
    ) -> list[bytes]:
        """Coded streams of an HxWx3 uint8 image at quality 1..100."""
        return self.encode(rgb, quality, refine_steps, refine_precision)[0]

    def _level_gains(self, q: int) -> LevelGains:
        view = (1, -1, 1, 1)
        return LevelGains(
            y=self.y_gain[q].view(view),
            y_inverse=self.y_inverse_gain[q].view(view),
            z=self.z_gain[q].view(view),
            z_inverse=self.z_inverse_gain[q].view(view),
        )

    def rate_lambda(self, quality: int) -> float:
        """Lambda (loss = bpp + lambda * 255^2 * MSE) that quality 1..100 was trained for."""
        lambdas = self.model.config.lambdas
        return lambda_at(lambdas, float(quality_levels(len(lambdas))[int(quality) - 1]))

    @torch.no_grad()
    def encode(
        self, rgb: np.ndarray, quality: int, refine_steps: int = 0, refine_precision: str = "fp32"
    ) -> tuple[list[bytes], RefineTrace | None]:
        """Coded streams, and the refinement trace when `refine_steps` > 0 (encoder-only search
        for latents with lower rate + lambda * distortion; decoding is unchanged)."""
        q = int(quality) - 1
        x = self._pad(rgb)
        y = self.model.g_a(x)
        y_gain = self.y_gain[q].view(1, -1, 1, 1)
        if isinstance(self.model, FactorizedPrior):
            if refine_steps:
                raise InputError("latent refinement needs a hyperprior model")
            return [FactorizedDensity.compress(y * y_gain, self.y_tables)], None
        gains = self._level_gains(q)
        latents = GainedLatents(y * gains.y, self.model.h_a(y) * gains.z)
        trace = None
        if refine_steps:
            latents, trace = refine_latents(
                self.model,
                x,
                latents,
                gains,
                rgb.shape[:2],
                self.rate_lambda(quality),
                refine_steps,
                precision=refine_precision,
            )
        z_symbols = torch.round(latents.z)
        z_stream = FactorizedDensity.compress(z_symbols, self.z_tables)
        indexes, means = self._hyper_params(z_symbols, q)
        y_stream = GaussianConditional.compress(latents.y, means, indexes, self.y_tables)
        return [z_stream, y_stream], trace

    @torch.no_grad()
    def decompress(self, streams: list[bytes], height: int, width: int, quality: int) -> np.ndarray:
        """HxWx3 uint8 image from the coded streams."""
        if len(streams) != self.streams_per_image:
            raise FormatError(
                f"expected {self.streams_per_image} coded streams, found {len(streams)}"
            )
        q = int(quality) - 1
        m = self.y_gain.shape[1]
        y_shape = (
            1,
            m,
            -(-height // self.stride) * self.stride // 16,
            -(-width // self.stride) * self.stride // 16,
        )
        inverse = self.y_inverse_gain[q].view(1, -1, 1, 1)
        if isinstance(self.model, FactorizedPrior):
            y_hat = FactorizedDensity.decompress(streams[0], self.y_tables, y_shape) * inverse
        else:
            z_shape = (1, self.z_gain.shape[1], y_shape[2] // 4, y_shape[3] // 4)
            z_symbols = FactorizedDensity.decompress(streams[0], self.z_tables, z_shape)
            indexes, means = self._hyper_params(z_symbols, q)
            y_gained = GaussianConditional.decompress(streams[1], means, indexes, self.y_tables)
            y_hat = y_gained.float() * inverse
        x_hat = self.model.g_s(y_hat)[0, :, :height, :width]
        pixels = torch.round(x_hat.clamp(0, 1) * 255.0).to(torch.uint8)
        return pixels.permute(1, 2, 0).contiguous().numpy()
