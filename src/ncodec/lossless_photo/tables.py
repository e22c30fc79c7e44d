"""The stored integer tables: discretized densities on -255..255 at log-spaced scales.

Three families (logistic, Laplace, and a heavy-tailed mixture of two logistics, scales s and
4s, weights 0.8 and 0.2), each at every scale. Built once from floats when the weights file
is exported and stored in it as integers, so every machine codes with the same tables. The
encoder picks one per context by its cost.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ncodec.coding import CdfTables
from ncodec.coding.tables import tables_from_cdf
from ncodec.lossless_photo.tile import RANGE

PRECISION = 16
"""Bits of the table probabilities."""
FAMILIES = 3
"""Logistic, Laplace, heavy-tailed logistic mixture (in this order, each at every scale)."""


def _laplace(z: np.ndarray) -> np.ndarray:
    """Unit-scale Laplace CDF, each branch evaluated where it does not overflow."""
    return np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0)))


def build_tables(scales: np.ndarray) -> CdfTables:
    """FAMILIES x len(scales) tables, all on -RANGE..RANGE (the whole residual range, so the
    escape symbol is never needed)."""
    scales = np.asarray(scales, dtype=np.float64).reshape(-1)
    every = np.tile(scales, FAMILIES)[:, None]
    family = np.repeat(np.arange(FAMILIES), scales.size)[:, None]

    def cdf(x: np.ndarray) -> np.ndarray:
        """Each row's family CDF at its scale."""
        z = x / every
        heavy = 0.8 * special.expit(z) + 0.2 * special.expit(z / 4)
        return np.select([family == 0, family == 1], [special.expit(z), _laplace(z)], heavy)

    n = every.shape[0]
    return tables_from_cdf(cdf, np.full(n, -RANGE), np.full(n, RANGE), PRECISION)


def table_bits(tables: CdfTables) -> np.ndarray:
    """(tables, 2 * RANGE + 1) bits of each value -RANGE..RANGE under each table."""
    counts = np.diff(tables.cdf.astype(np.int64), axis=1)[:, : 2 * RANGE + 1]
    return tables.precision - np.log2(np.maximum(counts, 1))
