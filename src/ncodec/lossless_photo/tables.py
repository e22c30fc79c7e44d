"""The stored integer tables: discretized logistic and Laplace densities on -255..255.

Built once from floats when the weights file is exported and stored in it as integers, so
every machine codes with the same tables. The encoder picks one per context by its cost.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ncodec.coding import CdfTables
from ncodec.coding.tables import tables_from_cdf
from ncodec.lossless_photo.tile import RANGE

PRECISION = 16
"""Bits of the table probabilities."""


def build_tables(scales: np.ndarray) -> CdfTables:
    """Logistic tables for `scales`, then Laplace tables for the same scales, all on
    -RANGE..RANGE (the whole residual range, so the escape symbol is never needed)."""
    scales = np.asarray(scales, dtype=np.float64).reshape(-1)
    both = np.concatenate([scales, scales])
    logistic = np.arange(both.size) < scales.size

    def cdf(x: np.ndarray) -> np.ndarray:
        """Logistic CDF on the first rows, Laplace CDF on the others."""
        z = x / both[:, None]
        laplace = np.where(
            z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0))
        )
        return np.where(logistic[:, None], special.expit(z), laplace)

    n = both.size
    return tables_from_cdf(cdf, np.full(n, -RANGE), np.full(n, RANGE), PRECISION)


def table_bits(tables: CdfTables) -> np.ndarray:
    """(tables, 2 * RANGE + 1) bits of each value -RANGE..RANGE under each table."""
    counts = np.diff(tables.cdf.astype(np.int64), axis=1)[:, : 2 * RANGE + 1]
    return tables.precision - np.log2(np.maximum(counts, 1))
