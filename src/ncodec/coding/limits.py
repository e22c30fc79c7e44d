"""How much a coded stream can hold: the rules that keep a decoder from inventing symbols.

constriction's ANS coder starts from an empty state, and popping from an empty coder returns
each model's first symbol (left cumulative 0) at no cost, for ever: without limits, a stream
of a few bytes decodes to any number of symbols. A decoder therefore enforces two rules, which
every stream an encoder writes satisfies unless the symbols it codes first (the last ones
decoded) are improbable under its own model:

- **capacity** (checked before a pop, from the symbol counts per table): symbols whose
  cheapest possible costs add up to more than `capacity_bits(stream bytes)` cannot be in the
  stream. ANS writes within 2**-8 of the information content (floor losses at 24-bit
  precision), apart from a few words of state at the start of encoding; `SLACK_BITS` covers
  those and the overrun allowance below.
- **overrun** (checked after a pop): table-coded symbols popped after the data ran out carry at
  most `MAX_OVERRUN_BITS` of information. Once the coder is empty only first symbols come out,
  so these are exactly the trailing run of first symbols of a stream that ends empty. A header
  that announces more symbols than the stream holds ends in such a run, many bits long.

Escape side-channel and uniform symbols are not counted as overrun: an encoder legitimately
codes runs of zero payload bits first (values just outside a table's range).
"""

from __future__ import annotations

import math

import numpy as np

from ncodec.coding.tables import CdfTables
from ncodec.errors import FormatError

CAPACITY_FACTOR = 1.0 + 2.0**-7
"""Bits of information per stream bit that the capacity rule allows (ANS loses at most 2**-8)."""
SLACK_BITS = 256
"""Bits allowed beyond the stream's own: the coder's initial state plus the overrun allowance."""
MAX_OVERRUN_BITS = 64
"""Most information (bits) that table-coded symbols popped from an empty coder may carry."""
WORD_BYTES = 4
"""Streams are whole 32-bit words."""


def capacity_bits(num_bytes: int) -> float:
    """Most bits of (cheapest) symbol costs a stream of `num_bytes` bytes can hold."""
    return 8 * num_bytes * CAPACITY_FACTOR + SLACK_BITS


def needed_bits(tables: CdfTables, per_table: np.ndarray) -> float:
    """Fewest bits that `per_table[t]` symbols of each table t cost together."""
    counts = np.asarray(per_table, dtype=np.float64).reshape(-1)
    return float(counts @ tables.cheapest_bits)


def needed_bits_any(tables: CdfTables, count: int) -> float:
    """Fewest bits that `count` symbols cost if each may use the cheapest of the tables."""
    return float(count) * float(tables.cheapest_bits.min())


def min_stream_bytes(bits: float) -> int:
    """Shortest stream (whole words) whose capacity reaches `bits`; 0 if the slack covers it."""
    if bits <= SLACK_BITS:
        return 0
    words = math.ceil((bits - SLACK_BITS) / (8 * WORD_BYTES * CAPACITY_FACTOR) - 1e-9)
    return max(words, 0) * WORD_BYTES


def check_capacity(num_bytes: int, bits: float, count: int) -> None:
    """FormatError if `count` symbols needing at least `bits` bits cannot fit in `num_bytes`."""
    if bits > capacity_bits(num_bytes):
        raise FormatError(
            f"corrupt entropy-coded data ({num_bytes} bytes cannot hold {count} symbols, "
            f"which need at least {math.ceil(bits / 8)} bytes)"
        )


def groups_bits(tables: CdfTables, groups: list[tuple[int, int, int]]) -> float:
    """Fewest bits the symbols of (table, start, stop) runs cost together."""
    if not groups:
        return 0.0
    sizes = np.array([stop - start for _, start, stop in groups], dtype=np.float64)
    return float(sizes @ tables.cheapest_bits[[table for table, _, _ in groups]])


def trailing_first_symbols(grouped: np.ndarray, groups: list[tuple[int, int, int]]) -> np.ndarray:
    """Per group, how many of its last elements belong to the trailing run of first symbols
    (coder symbol 0) of `grouped` (coder symbols in decoding order, groups as (table, start,
    stop) runs)."""
    nonzero = np.flatnonzero(grouped)
    run_start = int(nonzero[-1]) + 1 if nonzero.size else 0
    return np.array(
        [max(0, stop - max(start, run_start)) for _, start, stop in groups], dtype=np.int64
    )


def overrun_bits(tables: CdfTables, groups: list[tuple[int, int, int]], run: np.ndarray) -> float:
    """Information of the first symbols popped after the data ran out (`run` per group)."""
    if not groups or not run.any():
        return 0.0
    firsts = tables.first_symbol_bits[[table for table, _, _ in groups]]
    return float(run @ firsts)
