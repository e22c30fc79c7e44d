"""The log-spaced scale table that maps a predicted scale to the integer CDF table coding it.

A model exports its tables from this table and picks a table per symbol by comparing scales
with it, so its values must be the same on every machine, to the last bit. numpy's vectorized
`exp` and `log` may differ in the last bit between CPUs (they use the CPU's vector unit), so the
logarithms and exponentials here are correctly rounded, computed with decimal arithmetic.
"""

from __future__ import annotations

import decimal
import math
from functools import lru_cache

import numpy as np

from ncodec.errors import InputError

#: Smallest scale of the default table (CompressAI's and tensorflow-compression's).
SCALE_MIN = 0.11
#: Largest scale of the default table.
SCALE_MAX = 256.0
#: Number of scales of the default table.
SCALE_LEVELS = 64

#: Decimal digits for exp and log: far beyond double precision, so rounding to float is exact.
_DIGITS = 40


def scale_table(
    low: float = SCALE_MIN, high: float = SCALE_MAX, count: int = SCALE_LEVELS
) -> np.ndarray:
    """exp(linspace(log low, log high, count)), float64: CompressAI's default for the defaults.

    Logarithms and exponentials are correctly rounded, so the table is identical on every
    machine (and equal to the one stored in the shipped weights).
    """
    low, high = float(low), float(high)
    if not (0 < low <= high < math.inf):
        raise InputError(f"scale table needs 0 < low <= high < inf, got {low} and {high}")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise InputError(f"scale table needs a positive integer count, got {count!r}")
    return np.array(_log_spaced(low, high, int(count)))


@lru_cache(maxsize=16)
def _log_spaced(low: float, high: float, count: int) -> tuple[float, ...]:
    """The table's values (cached: decimal arithmetic is slow, and models ask for it often)."""
    context = decimal.Context(prec=_DIGITS)
    log_low = float(context.ln(decimal.Decimal(low)))
    log_high = float(context.ln(decimal.Decimal(high)))
    exponents = np.linspace(log_low, log_high, count)  # IEEE + and *: the same everywhere
    return tuple(float(context.exp(decimal.Decimal(float(e)))) for e in exponents)
