"""The escape side channel: values outside a table's range, coded after their escape symbols.

Each escaped value is pushed as an Elias-gamma-style code on the same ANS stack: its bit length
with a uniform model, then its low 16 payload bits and its high payload bits, uniformly. Decoding
order is: all bit lengths, all low parts, all high parts. A chunk without escapes pays nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ncodec.coding.coder_models import MODELS, UNIFORM_FAMILY

#: Escaped values are at most 2**33 away from a table's range: bit lengths are 0..33.
MAX_ESCAPE_BITS = 34
_LOW_BITS = 16
_LENGTH_MODEL = MODELS.Uniform(MAX_ESCAPE_BITS)


def push_escapes(coder: Any, relative: np.ndarray, escape: np.ndarray) -> None:
    """Push escaped values (relative to their table offset) as (bit length, low, high bits).

    `escape[i]` is the escape symbol of value i's table, so its in-range values are
    0..escape-1. The coded number is 2 * distance-to-the-range + side, plus one; its leading one
    is implied.
    """
    below = relative < 0
    distance = np.where(below, -relative - 1, relative - escape)
    code = 2 * distance + (~below) + 1  # >= 1: Elias-gamma style leading one, then payload bits
    nbits = np.floor(np.log2(code.astype(np.float64))).astype(np.int64)
    nbits -= (np.left_shift(1, nbits) > code).astype(np.int64)  # guard float rounding
    nbits += (np.left_shift(1, nbits + 1) <= code).astype(np.int64)
    payload = code - np.left_shift(1, nbits)
    low_bits = np.minimum(nbits, _LOW_BITS)
    high_bits = nbits - low_bits
    high = high_bits > 0
    if high.any():
        coder.encode_reverse(
            (payload[high] >> _LOW_BITS).astype(np.int32),
            UNIFORM_FAMILY,
            np.left_shift(1, high_bits[high]).astype(np.int32),
        )
    low = low_bits > 0
    if low.any():
        coder.encode_reverse(
            (payload[low] & ((1 << _LOW_BITS) - 1)).astype(np.int32),
            UNIFORM_FAMILY,
            np.left_shift(1, low_bits[low]).astype(np.int32),
        )
    coder.encode_reverse(nbits.astype(np.int32), _LENGTH_MODEL)


def pop_escapes(coder: Any, escape: np.ndarray) -> np.ndarray:
    """Pop the side channel written by `push_escapes`; the escaped values, table-relative int64."""
    nbits = coder.decode(_LENGTH_MODEL, escape.size).astype(np.int64)
    low_bits = np.minimum(nbits, _LOW_BITS)
    high_bits = nbits - low_bits
    payload = np.zeros(escape.size, dtype=np.int64)
    low = low_bits > 0
    if low.any():
        sizes = np.left_shift(1, low_bits[low]).astype(np.int32)
        payload[low] = coder.decode(UNIFORM_FAMILY, sizes)
    high = high_bits > 0
    if high.any():
        sizes = np.left_shift(1, high_bits[high]).astype(np.int32)
        payload[high] += coder.decode(UNIFORM_FAMILY, sizes).astype(np.int64) << _LOW_BITS
    code = np.left_shift(1, nbits) + payload - 1
    distance, above = code >> 1, (code & 1).astype(bool)
    return np.where(above, escape + distance, -1 - distance)
