"""Coding overhead: real stream size vs the ideal -log2 P under the discretized continuous model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from ncodec.coding import encode, gaussian_tables, laplace_tables

NUM_SYMBOLS = 1_000_000
SCALES = np.exp(np.linspace(np.log(0.5), np.log(50.0), 48))  # log-uniform 0.5 .. 50


def _gaussian_pmf(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """P(round(N(0, s^2)) = x), computed on the lower tail for accuracy."""
    a = -np.abs(x)
    return special.ndtr((a + 0.5) / s) - special.ndtr((a - 0.5) / s)


def _laplace_pmf(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """P(round(Laplace(0, s)) = x)."""
    a = np.abs(x).astype(np.float64)
    upper = np.where(a == 0, 1 - np.exp(-0.5 / s), 0.5 * np.exp(-(a - 0.5) / s))
    return upper - np.where(a == 0, 0.0, 0.5 * np.exp(-(a + 0.5) / s))


@pytest.mark.parametrize("family", ["gaussian", "laplace"])
def test_real_size_within_half_a_percent_of_ideal(family: str, record_property) -> None:
    rng = np.random.default_rng(2024)
    indexes = rng.integers(0, SCALES.size, NUM_SYMBOLS)
    scales = SCALES[indexes]
    if family == "gaussian":
        tables = gaussian_tables(SCALES)
        symbols = np.rint(rng.normal(size=NUM_SYMBOLS) * scales).astype(np.int64)
        pmf = _gaussian_pmf(symbols, scales)
    else:
        tables = laplace_tables(SCALES)
        symbols = np.rint(rng.laplace(size=NUM_SYMBOLS) * scales).astype(np.int64)
        pmf = _laplace_pmf(symbols, scales)
    ideal_bits = float(-np.log2(pmf).sum())
    real_bits = 8 * len(encode(symbols, indexes, tables))
    overhead = real_bits / ideal_bits - 1
    record_property(f"{family}_overhead_percent", 100 * overhead)
    print(
        f"{family}: {NUM_SYMBOLS} symbols, ideal {ideal_bits:.0f} bits, real {real_bits} bits, "
        f"overhead {100 * overhead:+.4f} %"
    )
    assert real_bits <= ideal_bits * 1.005 + 4 * 32
    assert real_bits >= ideal_bits * 0.99  # sanity: an entropy coder cannot beat the model by much
