"""The integer Laplace table bank: one table per (scale, mean fraction), built once at export.

Table `k * M + f` holds the discretized Laplace density of scale 2**(log2_scale_min + k / S)
centred at f / M (S scales per octave, M mean fractions), over symbols -U..U with U growing with
the scale up to `max_symbol`. A latent with quantized mean m (a multiple of 1/M) is coded as the
symbol `latent - floor(m)` under the table of its scale index and fraction `m - floor(m)`; network
parameters use the tables of fraction 0. Encoder and decoder read only these integers.
"""

from __future__ import annotations

import math

import numpy as np

from ncodec.coding import CdfTables, tables_from_cdf
from ncodec.models.overfit.config import OverfitConfig


def bank_scales(config: OverfitConfig) -> np.ndarray:
    """The K Laplace scales of the bank (float64, increasing)."""
    k = np.arange(config.scale_count, dtype=np.float64)
    return 2.0 ** (config.log2_scale_min + k / config.scales_per_octave)


def build_bank(config: OverfitConfig) -> CdfTables:
    """All K * M tables (row k * M + f), integer CDFs at the default 24-bit precision."""
    scales = np.repeat(bank_scales(config), config.mean_fractions)
    centres = np.tile(np.arange(config.mean_fractions) / config.mean_fractions, config.scale_count)
    quantile = math.log(1.0 / config.tail_mass)
    upper = np.minimum(np.ceil(scales * quantile) + 1, config.max_symbol).astype(np.int64)

    def laplace_cdf(edges: np.ndarray) -> np.ndarray:
        x = (edges - centres[:, None]) / scales[:, None]
        return np.where(x < 0, 0.5 * np.exp(np.minimum(x, 0)), 1 - 0.5 * np.exp(-np.maximum(x, 0)))

    return tables_from_cdf(laplace_cdf, -upper, upper)


def code_lengths(tables: CdfTables) -> np.ndarray:
    """Bits of every in-range symbol of every table, (T, Lmax) float64 (inf after the escape)."""
    counts = tables.counts().astype(np.float64)
    with np.errstate(divide="ignore"):
        return tables.precision - np.log2(counts)


def symbol_bits(
    lengths: np.ndarray, tables: CdfTables, symbols: np.ndarray, indexes: np.ndarray
) -> float:
    """Total bits of coding `symbols` under `indexes` (escapes: escape symbol + side channel)."""
    symbols = np.asarray(symbols, np.int64).reshape(-1)
    indexes = np.asarray(indexes, np.int64).reshape(-1)
    relative = symbols - tables.offsets[indexes]
    escape = tables.lengths[indexes] - 1
    inside = (relative >= 0) & (relative < escape)
    bits = lengths[indexes, np.where(inside, relative, escape)]
    outside = ~inside
    if outside.any():
        distance = np.where(relative < 0, -relative, relative - escape)[outside]
        bits = bits.copy()
        bits[outside] += 2 * np.log2(2 * distance + 2) + 6
    return float(bits.sum())


def symbol_bits_by_table(
    lengths: np.ndarray, tables: CdfTables, symbols: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Total bits of coding all `symbols` under each table of `rows` (one total per row)."""
    symbols = np.asarray(symbols, np.int64).reshape(1, -1)
    rows = np.asarray(rows, np.int64).reshape(-1, 1)
    relative = symbols - tables.offsets[rows]
    escape = tables.lengths[rows] - 1
    inside = (relative >= 0) & (relative < escape)
    bits = lengths[rows, np.where(inside, relative, escape)]
    distance = np.where(relative < 0, -relative, relative - escape)
    bits = bits + np.where(inside, 0.0, 2 * np.log2(2 * np.maximum(distance, 0) + 2) + 6)
    return bits.sum(axis=1)
