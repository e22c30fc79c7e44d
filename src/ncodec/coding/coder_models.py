"""The constriction models the ANS coder codes with, and the coder's fixed-point precision.

Kept apart from the tables and the stack so that both can build models without importing each
other.
"""

from __future__ import annotations

from typing import Any

import constriction
import numpy as np

from ncodec.errors import FormatError

#: Fixed-point precision of constriction's default ANS coder (probabilities are k / 2**24).
CODER_PRECISION = 24
#: Largest table precision the coder supports: tables are scaled up to the coder's precision.
MAX_PRECISION = CODER_PRECISION
#: Largest alphabet of a uniform model (constriction's limit at 24-bit precision).
MAX_UNIFORM_SIZE = 1 << CODER_PRECISION

MODELS = constriction.stream.model
#: Uniform family over 0..size-1 with a per-symbol int32 size.
UNIFORM_FAMILY = MODELS.Uniform()


def categorical_model(cdf_row: np.ndarray, precision: int) -> Any:
    """constriction model whose 24-bit fixed-point CDF is exactly `cdf_row * 2**(24-precision)`.

    constriction's fast quantization maps float weights w_i to the left cumulatives
    `floor(W_i * (2**24 - n) / sum(w)) + i` (W_i = w_0 + ... + w_{i-1}, n symbols), so that every
    symbol keeps at least one count. With the integer weights `w_i = count_i * 2**(24-precision)
    - 1` every float operation is exact, the scale is exactly 1, and the left cumulatives are
    exactly the stored ones (tests probe every boundary). It is also far faster to build than
    `perfect=True`, which yields the same model.
    """
    if not 1 <= precision <= MAX_PRECISION:
        raise FormatError(f"precision {precision} is outside 1..{MAX_PRECISION}")
    counts = np.diff(np.asarray(cdf_row, dtype=np.int64))
    weights = (counts << (CODER_PRECISION - precision)) - 1
    return MODELS.Categorical(weights.astype(np.float64), perfect=False)
