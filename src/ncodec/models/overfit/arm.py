"""The entropy model (ARM): a small MLP from a latent's context to its Laplace mean and scale.

Float mode (training) returns means and log2-scales of every latent; integer mode (coding)
returns each latent's table index and floor(mean), computed with integer weights so encoder and
decoder agree bit for bit. Integer outputs: mean in 1/M units and log2-scale in 1/S units
(M mean fractions, S scales per octave), both rounded half up; the scale index is clamped to the
bank and the mean to +-(latent limit + 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
import torch.nn.functional as F

from ncodec.errors import FormatError
from ncodec.models.overfit import kernels
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.fixed_point import ARM_HIDDEN, LATENT, half, rescale_
from ncodec.models.overfit.geometry import (
    PASSES,
    PHASES,
    SAME_GRID_OFFSETS,
    context_columns,
    gather_context,
    phase_shape,
    phase_view,
)
from ncodec.models.overfit.laplace import laplace_bits
from ncodec.models.overfit.parameters import layer_specs

MEAN_LIMIT = LATENT.limit + 1
"""Means are clamped to +-MEAN_LIMIT."""
CHUNK_LATENTS = 4096
"""Latents per chunk of the integer ARM (its activations then stay in cache)."""


def _log2(value: int) -> int:
    """log2 of a power of two (a config that is not one is a FormatError)."""
    if value < 1 or value & (value - 1):
        raise FormatError(f"overfit config: {value} is not a power of two")
    return value.bit_length() - 1


def rate_bits(
    grids: list[torch.Tensor], params: Mapping[str, torch.Tensor], config: OverfitConfig
) -> torch.Tensor:
    """Float rate (B,) in bits of relaxed latent grids (B, h_i, w_i), finest first."""
    batch = grids[0].shape[0]
    top = ARM_HIDDEN.max_value
    pre, targets = [], []
    for g, grid in enumerate(grids):
        coarse = grids[g + 1] if g + 1 < len(grids) else None
        for p in range(PASSES):
            bias = params[f"arm.b1.{p}"] + params["arm.grid_bias"][:, g]
            context = gather_context(grid, coarse, p)
            pre.append(torch.baddbmm(bias[:, None, :], context, params[f"arm.w1.{p}"]))
            targets.append(phase_view(grid, p).reshape(batch, -1))
    # Latents along rows, features along columns: (B, N, C) @ (B, C, O) for every layer.
    hidden = F.hardtanh(torch.cat(pre, dim=1), 0.0, top)
    hidden = torch.baddbmm(params["arm.b2"][:, None, :], hidden, params["arm.w2"])
    hidden = F.hardtanh(hidden, 0.0, top)
    out = torch.baddbmm(params["arm.b3"][:, None, :], hidden, params["arm.w3"])
    mean = out[..., 0].clamp(-MEAN_LIMIT, MEAN_LIMIT)
    log2_scale = out[..., 1].clamp(config.log2_scale_min, config.log2_scale_max)
    return laplace_bits(torch.cat(targets, dim=1), mean, log2_scale).sum(dim=1)


class IntegerArm:
    """The ARM with integer weights; `tables` gives each latent's table and floor(mean)."""

    def __init__(
        self,
        config: OverfitConfig,
        ints: Mapping[str, torch.Tensor],
        exponents: Mapping[str, int],
    ) -> None:
        """Build from integer parameters (float32 integer values) and their exponents."""
        self.config = config
        self.mean_bits = _log2(config.mean_fractions)
        self.scale_bits = _log2(config.scales_per_octave)
        specs = layer_specs(config)
        self.first, self.first_bias, self.first_shift = [], [], []
        for p in range(PASSES):
            name = f"arm.w1.{p}"
            spec, exponent = specs[name], exponents[name]
            limit = spec.bias_limit()
            pass_bias = accumulator_bias(ints[f"arm.b1.{p}"], exponents[f"arm.b1.{p}"], exponent)
            grid_bias = accumulator_bias(
                ints["arm.grid_bias"], exponents["arm.grid_bias"], exponent
            )
            shift = LATENT.frac + exponent - ARM_HIDDEN.frac
            self.first.append(ints[name])
            bias = pass_bias[None] + grid_bias + half(shift)
            self.first_bias.append(bias.clamp(-limit, limit))
            self.first_shift.append(shift)
        self.w2 = ints["arm.w2"]
        self.b2 = accumulator_bias(
            ints["arm.b2"], exponents["arm.b2"], exponents["arm.w2"] + ARM_HIDDEN.frac
        )
        self.shift2 = exponents["arm.w2"]
        self.b2 = self.b2 + half(self.shift2)
        self.b2 = self.b2.clamp(-specs["arm.w2"].bias_limit(), specs["arm.w2"].bias_limit())
        self.w3 = ints["arm.w3"]
        self.b3 = accumulator_bias(
            ints["arm.b3"], exponents["arm.b3"], exponents["arm.w3"] + ARM_HIDDEN.frac
        )
        self.b3 = self.b3.clamp(-specs["arm.w3"].bias_limit(), specs["arm.w3"].bias_limit())
        out_frac = ARM_HIDDEN.frac + exponents["arm.w3"]
        self.mean_shift = out_frac - self.mean_bits
        self.scale_shift = out_frac - self.scale_bits
        self._buffers: dict[str, np.ndarray] = {}
        # The kernel rounds in int32 and accepts only these ranges (any shipped config is in
        # them); a config outside runs the reference, which gives the same result.
        self._kernel_fits = (
            min(self.mean_shift, self.scale_shift) >= 1
            and max(self.mean_shift, self.scale_shift) <= 30
            and self.mean_bits <= 16
            and MEAN_LIMIT << self.mean_bits <= 1 << 20
            and config.scale_count <= 1 << 20
            and abs(config.log2_scale_min << self.scale_bits) <= 1 << 20
        )

    def _buffer(self, name: str, tensor: torch.Tensor) -> np.ndarray:
        """A parameter as a float32 array for the compiled kernel (made once)."""
        if name not in self._buffers:
            self._buffers[name] = kernels.as_buffer(tensor)
        return self._buffers[name]

    def tables(
        self, grid: torch.Tensor, coarse: torch.Tensor | None, g: int, p: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(table index, floor(mean)) of the latents of pass p of grid g (flattened), as integer
        arrays (int32 from the kernel, int64 from the reference; the same values)."""
        compiled = kernels.compiled()
        if compiled is None or not self._kernel_fits:
            accumulators = self._accumulators_reference(grid, coarse, g, p)
            return self._indexes(accumulators[:, 0], accumulators[:, 1])
        h, w = grid.shape
        py, px = PHASES[p]
        count = math.prod(phase_shape((h, w), p))
        index, floor_mean = np.empty(count, np.int32), np.empty(count, np.int32)
        config = self.config
        rounding = (
            self.mean_shift,
            self.scale_shift,
            self.mean_bits,
            MEAN_LIMIT << self.mean_bits,
            config.log2_scale_min << self.scale_bits,
            config.scale_count,
        )
        compiled.arm_pass(
            kernels.as_buffer(grid),
            h,
            w,
            py,
            px,
            None if coarse is None else kernels.as_buffer(coarse),
            [v for offset in SAME_GRID_OFFSETS[p] for v in offset],
            self._buffer(f"w1.{p}", self.first[p]),
            self._buffer(f"b1.{p}.{g}", self.first_bias[p][g]),
            self.first_shift[p],
            self._buffer("w2", self.w2),
            self._buffer("b2", self.b2),
            self.shift2,
            self._buffer("w3", self.w3),
            self._buffer("b3", self.b3),
            float(ARM_HIDDEN.limit),
            rounding,
            index,
            floor_mean,
        )
        return index, floor_mean

    def _accumulators_reference(
        self, grid: torch.Tensor, coarse: torch.Tensor | None, g: int, p: int
    ) -> np.ndarray:
        """The output accumulators (latents, 2) in PyTorch: the pass runs in chunks of about
        CHUNK_LATENTS latents through buffers that stay in cache (gathered context, two hidden
        layers, output accumulators)."""
        columns = context_columns(grid[None], None if coarse is None else coarse[None], p)
        rows, cols = columns[0].shape[1:]
        step = max(1, CHUNK_LATENTS // max(cols, 1))
        top = ARM_HIDDEN.limit
        out = grid.new_empty(rows * cols, 2)
        context = grid.new_empty(step, cols, len(columns))
        hidden1 = grid.new_empty(step * cols, self.w2.shape[0])
        hidden2 = grid.new_empty(step * cols, self.w2.shape[1])
        for start in range(0, rows, step):
            stop = min(start + step, rows)
            n = (stop - start) * cols
            torch.stack([c[0, start:stop] for c in columns], dim=-1, out=context[: stop - start])
            flat = context[: stop - start].view(n, len(columns))
            h1 = torch.addmm(self.first_bias[p][g], flat, self.first[p], out=hidden1[:n])
            rescale_(h1, self.first_shift[p]).clamp_(0.0, top)
            h2 = torch.addmm(self.b2, h1, self.w2, out=hidden2[:n])
            rescale_(h2, self.shift2).clamp_(0.0, top)
            torch.addmm(self.b3, h2, self.w3, out=out[start * cols : stop * cols])
        return out.numpy().astype(np.int64)

    def _indexes(self, mean_acc: np.ndarray, scale_acc: np.ndarray) -> tuple[np.ndarray, ...]:
        """Round the output accumulators to a table index and floor(mean)."""
        config = self.config
        mean = _round_shift(mean_acc, self.mean_shift)
        limit = MEAN_LIMIT << self.mean_bits
        mean = np.clip(mean, -limit, limit)
        scale = _round_shift(scale_acc, self.scale_shift) - (
            config.log2_scale_min << self.scale_bits
        )
        scale = np.clip(scale, 0, config.scale_count - 1)
        fraction = mean & (config.mean_fractions - 1)
        return scale * config.mean_fractions + fraction, mean >> self.mean_bits


def _round_shift(values: np.ndarray, shift: int) -> np.ndarray:
    """round-half-up(values / 2**shift) of int64 values (a left shift when shift < 0)."""
    if shift <= 0:
        return values << -shift
    return (values + (1 << (shift - 1))) >> shift


def accumulator_bias(ints: torch.Tensor, exponent: int, accumulator_exponent: int) -> torch.Tensor:
    """Bias integers (step 2**-exponent) in accumulator units (step 2**-accumulator_exponent)."""
    if exponent > accumulator_exponent:
        raise FormatError("corrupt overfit parameters (bias finer than its accumulator)")
    return ints * float(2 ** (accumulator_exponent - exponent))
