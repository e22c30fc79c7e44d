"""Vectorized ANS coding of integer symbols under integer CDF tables, using constriction.

Symbols are grouped by table index and each group is coded with ONE constriction call whose
categorical model carries exactly the stored integer probabilities. Values outside a table's
range are coded as the escape symbol, followed (on the same ANS stack) by an Elias-gamma-style
side channel: the bit length of the overflow with a uniform model, then its bits, uniformly.
A stream without escapes pays nothing for the side channel.

Stream layout (decoding order): group of table 0, group of table 1, ..., then for the escapes
(in grouped order) their bit lengths, low 16 payload bits, high payload bits. The bytes are the
little-endian uint32 words of constriction's `AnsCoder`.
"""

from __future__ import annotations

from typing import Any

import constriction
import numpy as np

from ncodec.coding.tables import MAX_PRECISION, CdfTables
from ncodec.errors import FormatError, InputError

_MODELS = constriction.stream.model
_AnsCoder = constriction.stream.stack.AnsCoder
_INT32 = np.iinfo(np.int32)
#: Fixed-point precision of constriction's default ANS coder (probabilities are k / 2**24).
_CODER_PRECISION = 24
#: Escaped values are at most 2**33 away from a table's range: bit lengths are 0..33.
_MAX_ESCAPE_BITS = 34
_LOW_BITS = 16
_ESCAPE_LENGTH_MODEL = _MODELS.Uniform(_MAX_ESCAPE_BITS)
_UNIFORM_FAMILY = _MODELS.Uniform()


def categorical_model(cdf_row: np.ndarray, precision: int) -> Any:
    """constriction model whose 24-bit fixed-point CDF is exactly `cdf_row * 2**(24-precision)`.

    constriction's fast quantization maps float weights w_i to the left cumulatives
    `floor(W_i * (2**24 - n) / sum(w)) + i` (W_i = w_0 + ... + w_{i-1}, n symbols), so that every
    symbol keeps at least one count. With the integer weights `w_i = count_i * 2**(24-precision)
    - 1` every float operation is exact, the scale is exactly 1, and the left cumulatives are
    exactly the stored ones (tests probe every boundary). It is also ~1000x faster to build than
    `perfect=True`, which yields the same model.
    """
    if not 1 <= precision <= MAX_PRECISION:
        raise FormatError(f"precision {precision} is outside 1..{MAX_PRECISION}")
    counts = np.diff(np.asarray(cdf_row, dtype=np.int64))
    weights = (counts << (_CODER_PRECISION - precision)) - 1
    return _MODELS.Categorical(weights.astype(np.float64), perfect=False)


def encode(symbols: np.ndarray, indexes: np.ndarray, tables: CdfTables) -> bytes:
    """Encode integer `symbols` (int32 range), symbol i under table `indexes[i]`, into bytes."""
    symbols = np.asarray(symbols)
    plan = _Plan(indexes, tables)
    if symbols.shape != plan.shape:
        raise InputError(f"symbols have shape {symbols.shape} but indexes {plan.shape}")
    if symbols.dtype.kind not in "iu":
        raise InputError(f"symbols must be integers, got dtype {symbols.dtype}")
    values = symbols.reshape(-1)
    if values.size and (values.min() < _INT32.min or values.max() > _INT32.max):
        raise InputError("symbols must lie in the int32 range")
    relative = values[plan.order].astype(np.int64) - plan.offsets
    escaped = (relative < 0) | (relative >= plan.escape)
    coder = _AnsCoder()
    if escaped.any():
        escape = plan.escape[escaped].astype(np.int64)
        _encode_escapes(coder, relative[escaped], escape)
        relative[escaped] = escape
    coded = relative.astype(np.int32)
    for table, start, stop in reversed(plan.groups):
        coder.encode_reverse(coded[start:stop], tables.coder_model(table))
    return coder.get_compressed().astype("<u4").tobytes()


def decode(data: bytes, indexes: np.ndarray, tables: CdfTables) -> np.ndarray:
    """Decode bytes written by `encode` under the same indexes and tables; int32, indexes' shape.

    Raises FormatError when the data cannot be a valid stream for these indexes (wrong length,
    trailing or inconsistent words); a corruption that happens to decode cleanly yields wrong
    values, which the container's checksum catches.
    """
    plan = _Plan(indexes, tables)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"entropy-coded data must be bytes, got {type(data).__name__}")
    raw = bytes(data)
    if len(raw) % 4:
        raise FormatError(f"entropy-coded data has {len(raw)} bytes, not a multiple of 4")
    words = np.frombuffer(raw, dtype="<u4").astype(np.uint32)
    try:
        coder = _AnsCoder(words)
        grouped = np.empty(plan.size, dtype=np.int32)
        for table, start, stop in plan.groups:
            grouped[start:stop] = coder.decode(tables.coder_model(table), stop - start)
        escaped = grouped == plan.escape
        grouped += plan.offsets  # cannot overflow: validated tables keep in-range values in int32
        if escaped.any():
            relative = _decode_escapes(coder, plan.escape[escaped].astype(np.int64))
            outliers = relative + plan.offsets[escaped]
            if outliers.min() < _INT32.min or outliers.max() > _INT32.max:
                raise FormatError("corrupt entropy-coded data (escaped value outside int32)")
            grouped[escaped] = outliers
        values = np.empty(plan.size, dtype=np.int32)
        values[plan.order] = grouped
        clean = coder.is_empty()
    except FormatError:
        raise
    except BaseException as err:  # constriction reports Rust panics as a BaseException
        if isinstance(err, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        raise FormatError(f"corrupt entropy-coded data ({err})") from None
    if not clean:
        raise FormatError("corrupt entropy-coded data (stream does not end where it should)")
    return values.reshape(plan.shape)


class _Plan:
    """The grouping of elements by table (stable sort), shared by encoder and decoder.

    `order` lists element positions grouped by table; `offsets` and `escape` hold each grouped
    element's table offset and escape symbol.
    """

    def __init__(self, indexes: np.ndarray, tables: CdfTables) -> None:
        """Check the indexes and sort element positions by table with a stable radix sort."""
        if not isinstance(tables, CdfTables):
            raise InputError(f"tables must be CdfTables, got {type(tables).__name__}")
        indexes = np.asarray(indexes)
        if indexes.dtype.kind not in "iu":
            raise InputError(f"indexes must be integers, got dtype {indexes.dtype}")
        flat = indexes.reshape(-1)
        num_tables = tables.num_tables
        if flat.size and (flat.min() < 0 or flat.max() >= num_tables):
            raise InputError(f"indexes must lie in 0..{num_tables - 1}")
        self.shape = indexes.shape
        self.size = flat.size
        narrow = np.uint8 if num_tables <= 256 else np.uint16 if num_tables <= 65536 else np.int64
        flat = flat.astype(narrow)
        self.order = np.argsort(flat, kind="stable")
        counts = np.bincount(flat, minlength=num_tables)
        stops = np.cumsum(counts)
        self.groups = [
            (int(t), int(stops[t] - counts[t]), int(stops[t])) for t in np.flatnonzero(counts)
        ]
        # Table facts per element, in grouped (sorted) order: runs of constants, cheap to build.
        self.offsets = np.repeat(tables.offsets, counts)
        self.escape = np.repeat(tables.lengths - 1, counts)


def _encode_escapes(coder: Any, relative: np.ndarray, escape: np.ndarray) -> None:
    """Push escaped values (relative to their table offset) as (bit length, low, high bits).

    The coded number is 2 * distance-to-the-range + side, plus one; its leading one is implied.
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
            _UNIFORM_FAMILY,
            np.left_shift(1, high_bits[high]).astype(np.int32),
        )
    low = low_bits > 0
    if low.any():
        coder.encode_reverse(
            (payload[low] & ((1 << _LOW_BITS) - 1)).astype(np.int32),
            _UNIFORM_FAMILY,
            np.left_shift(1, low_bits[low]).astype(np.int32),
        )
    coder.encode_reverse(nbits.astype(np.int32), _ESCAPE_LENGTH_MODEL)


def _decode_escapes(coder: Any, escape: np.ndarray) -> np.ndarray:
    """Pop the side channel written by `_encode_escapes`; the escaped values, table-relative."""
    nbits = coder.decode(_ESCAPE_LENGTH_MODEL, escape.size).astype(np.int64)
    low_bits = np.minimum(nbits, _LOW_BITS)
    high_bits = nbits - low_bits
    payload = np.zeros(escape.size, dtype=np.int64)
    low = low_bits > 0
    if low.any():
        sizes = np.left_shift(1, low_bits[low]).astype(np.int32)
        payload[low] = coder.decode(_UNIFORM_FAMILY, sizes)
    high = high_bits > 0
    if high.any():
        sizes = np.left_shift(1, high_bits[high]).astype(np.int32)
        payload[high] += coder.decode(_UNIFORM_FAMILY, sizes).astype(np.int64) << _LOW_BITS
    code = np.left_shift(1, nbits) + payload - 1
    distance, above = code >> 1, (code & 1).astype(bool)
    return np.where(above, escape + distance, -1 - distance)
