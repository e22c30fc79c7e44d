"""The coded stream of one image: decoder parameters, then latent grids, on one ANS stack.

Decoding order (everything is entropy coded, so the file's rate counts every bit):

1. the exponent of every parameter tensor (uniform over 0..16), in `parameter_specs` order;
2. the bank scale index of every tensor (uniform over the K scales);
3. all parameter integers, tensor t under the zero-mean table of its scale index;
4. one flag per grid: all zeros (then the grid is not coded);
5. each coded grid from the coarsest to the finest, in 4 passes: the symbols
   `latent - floor(mean)` of the pass under the tables the integer ARM picks from the context;
6. a 16-bit check value: a stream cut short or damaged almost surely decodes to another one.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from ncodec.coding import AnsStack, CdfTables, DecodeOrderWriter
from ncodec.errors import FormatError
from ncodec.models.overfit.arm import IntegerArm
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.decoder import exact_float32
from ncodec.models.overfit.fixed_point import (
    BIAS_INT_LIMIT,
    LATENT,
    MAX_EXPONENT,
    WEIGHT_LIMIT,
)
from ncodec.models.overfit.geometry import PASSES, grid_shapes, phase_shape, phase_view
from ncodec.models.overfit.parameters import parameter_specs
from ncodec.models.overfit.quantize import QuantizedParams
from ncodec.models.overfit.tables import code_lengths, symbol_bits, symbol_bits_by_table

EXPONENTS = MAX_EXPONENT + 1
CHECK_SIZE = 1 << 16
CHECK_VALUE = 0x4F46


class Bank:
    """The table bank and its code lengths (for rate estimates), shared by coder and decoder."""

    def __init__(self, config: OverfitConfig, tables: CdfTables) -> None:
        if tables.num_tables != config.table_count:
            raise FormatError(
                f"overfit tables: {tables.num_tables} tables, config needs {config.table_count}"
            )
        self.config = config
        self.tables = tables
        self._lengths: np.ndarray | None = None

    @property
    def lengths(self) -> np.ndarray:
        """Bits of every symbol of every table (computed on first use: the encoder's need)."""
        if self._lengths is None:
            self._lengths = code_lengths(self.tables)
        return self._lengths

    def bits(self, symbols: np.ndarray, indexes: np.ndarray) -> float:
        """Estimated bits of coding symbols under table indexes."""
        return symbol_bits(self.lengths, self.tables, symbols, indexes)

    def parameter_scale(self, ints: np.ndarray) -> tuple[int, float]:
        """(scale index, bits) of the cheapest zero-mean table for a tensor's integers."""
        config = self.config
        rows = np.arange(config.scale_count) * config.mean_fractions
        bits = symbol_bits_by_table(self.lengths, self.tables, ints, rows)
        best = int(np.argmin(bits))
        return best, float(bits[best])


def parameter_bits(bank: Bank, quantized: QuantizedParams, module: str | None = None) -> float:
    """Bits the parameters (of one module, or all) take in the stream, header symbols included."""
    header = np.log2(EXPONENTS) + np.log2(bank.config.scale_count)
    total = 0.0
    for spec in parameter_specs(bank.config):
        if module is None or spec.module == module:
            total += header + bank.parameter_scale(_flat(quantized.ints[spec.name]))[1]
    return float(total)


def _flat(tensor: torch.Tensor) -> np.ndarray:
    return tensor.numpy().reshape(-1).astype(np.int64)


def grid_passes(
    arm: IntegerArm, grids: list[torch.Tensor], coded: list[bool]
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(symbols, table indexes) of every coded pass in decoding order, from full grids."""
    with exact_float32():
        for g in reversed(range(len(grids))):
            if not coded[g]:
                continue
            coarse = grids[g + 1] if g + 1 < len(grids) else None
            for p in range(PASSES):
                indexes, floor_mean = arm.tables(grids[g], coarse, g, p)
                values = _flat(phase_view(grids[g][None], p)[0])
                yield values - floor_mean, indexes


def latent_bits(bank: Bank, arm: IntegerArm, grids: list[torch.Tensor]) -> float:
    """Estimated bits of the latent grids (the flags included)."""
    coded = [bool(grid.any()) for grid in grids]
    bits = float(len(grids)) + np.log2(CHECK_SIZE)
    for symbols, indexes in grid_passes(arm, grids, coded):
        bits += bank.bits(symbols, indexes)
    return bits


def write_stream(bank: Bank, quantized: QuantizedParams, grids: list[torch.Tensor]) -> bytes:
    """The stream of an image: integer parameters and integer grids (h_i, w_i), finest first."""
    config = bank.config
    specs = parameter_specs(config)
    writer = DecodeOrderWriter()
    exponents = np.array([quantized.exponents[s.name] for s in specs])
    writer.write_uniform(exponents, EXPONENTS)
    flats = [_flat(quantized.ints[s.name]) for s in specs]
    scales = np.array([bank.parameter_scale(flat)[0] for flat in flats])
    writer.write_uniform(scales, config.scale_count)
    indexes = np.concatenate(
        [
            np.full(flat.size, k * config.mean_fractions)
            for flat, k in zip(flats, scales, strict=True)
        ]
    )
    writer.write(np.concatenate(flats), indexes, bank.tables)
    coded = [bool(grid.any()) for grid in grids]
    writer.write_uniform(np.array([0 if c else 1 for c in coded]), 2)
    arm = IntegerArm(config, quantized.ints, quantized.exponents)
    for symbols, table_indexes in grid_passes(arm, grids, coded):
        writer.write(symbols, table_indexes, bank.tables)
    writer.write_uniform(np.array([CHECK_VALUE]), CHECK_SIZE)
    return writer.to_bytes()


def read_parameters(bank: Bank, stack: AnsStack) -> QuantizedParams:
    """Pop the parameter part of a stream (FormatError if it cannot be one)."""
    config = bank.config
    specs = parameter_specs(config)
    exponents = stack.pop_uniform(np.full(len(specs), EXPONENTS))
    scales = stack.pop_uniform(np.full(len(specs), config.scale_count))
    sizes = [spec.size for spec in specs]
    indexes = np.repeat(scales.astype(np.int64) * config.mean_fractions, sizes)
    values = stack.pop(indexes, bank.tables)
    ints, exps = {}, {}
    start = 0
    for spec, exponent, size in zip(specs, exponents, sizes, strict=True):
        chunk = values[start : start + size]
        start += size
        limit = BIAS_INT_LIMIT if spec.is_bias else WEIGHT_LIMIT
        if chunk.size and int(np.abs(chunk.astype(np.int64)).max()) > limit:
            raise FormatError("corrupt overfit parameters (value out of range)")
        ints[spec.name] = torch.from_numpy(chunk.astype(np.float32)).reshape(spec.shape)
        exps[spec.name] = int(exponent)
    return QuantizedParams(ints, exps)


def read_stream(
    bank: Bank, data: bytes, padded: tuple[int, int]
) -> tuple[QuantizedParams, list[torch.Tensor]]:
    """Parameters and integer grids (float32, finest first) of a stream."""
    config = bank.config
    stack = AnsStack.from_bytes(data)
    quantized = read_parameters(bank, stack)
    zero = stack.pop_uniform(np.full(config.grids, 2))
    arm = IntegerArm(config, quantized.ints, quantized.exponents)
    shapes = grid_shapes(*padded, config.grids)
    grids = [torch.zeros(shape) for shape in shapes]
    with exact_float32():
        for g in reversed(range(config.grids)):
            if zero[g]:
                continue
            coarse = grids[g + 1] if g + 1 < config.grids else None
            for p in range(PASSES):
                indexes, floor_mean = arm.tables(grids[g], coarse, g, p)
                values = stack.pop(indexes, bank.tables).astype(np.int64) + floor_mean
                if values.size and int(np.abs(values).max()) > LATENT.limit:
                    raise FormatError("corrupt overfit latents (value out of range)")
                view = phase_view(grids[g][None], p)[0]
                shape = phase_shape(shapes[g], p)
                view.copy_(torch.from_numpy(values.astype(np.float32)).view(shape))
    if int(stack.pop_uniform(CHECK_SIZE, (1,))[0]) != CHECK_VALUE or not stack.is_empty():
        raise FormatError("corrupt overfit stream (check value or length does not match)")
    return quantized, grids
