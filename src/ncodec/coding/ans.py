"""One-shot ANS coding of integer symbols under integer CDF tables: one chunk of an `AnsStack`.

Symbols are grouped by table and each group is coded with ONE constriction call whose
categorical model carries exactly the stored integer probabilities; values outside a table's
range are coded as the escape symbol, followed by a side channel (`ncodec.coding.escape`).

Stream layout (decoding order): group of table 0, group of table 1, ..., then for the escapes
(in grouped order) their bit lengths, low 16 payload bits, high payload bits. The bytes are the
little-endian uint32 words of constriction's `AnsCoder`.

Decoding is strict (`ncodec.coding.limits`): a stream too short for the requested symbols fails
before any per-symbol work, and one that runs out before its last symbols fails after popping.
The encoder refuses (InputError) the rare symbol arrays whose stream a strict decoder would
reject, so every stream `encode` returns decodes.
"""

from __future__ import annotations

import numpy as np

from ncodec.coding.chunks import TableChunk
from ncodec.coding.limits import MAX_OVERRUN_BITS, capacity_bits
from ncodec.coding.stream import AnsStack
from ncodec.coding.tables import CdfTables
from ncodec.errors import FormatError, InputError


def encode(symbols: np.ndarray, indexes: np.ndarray, tables: CdfTables) -> bytes:
    """Encode integer `symbols` (int32 range), symbol i under table `indexes[i]`, into bytes."""
    chunk = TableChunk(symbols, indexes, tables)
    stack = AnsStack()
    stack._push(chunk)
    data = stack.to_bytes()
    _check_strictly_decodable(chunk, len(data))
    return data


def decode(data: bytes, indexes: np.ndarray, tables: CdfTables) -> np.ndarray:
    """Decode bytes written by `encode` under the same indexes and tables; int32, indexes' shape.

    Raises FormatError when the data cannot be a valid stream for these indexes (too short for
    them, ending early, trailing or inconsistent words); a corruption that happens to decode
    cleanly yields wrong values, which the container's checksum catches.
    """
    stack = AnsStack.from_bytes(data, strict=True)
    values = stack.pop(indexes, tables)
    if not stack.is_empty():
        raise FormatError("corrupt entropy-coded data (stream does not end where it should)")
    return values


def _check_strictly_decodable(chunk: TableChunk, num_bytes: int) -> None:
    """InputError if a strict decoder would reject the stream of `chunk` (never in practice:
    its last symbols would have to be improbable first symbols of their tables)."""
    overrun = chunk.overrun_bits()
    if overrun > MAX_OVERRUN_BITS:
        raise InputError(
            f"cannot code these symbols: the last ones decoded are first symbols of their tables "
            f"worth {overrun:.0f} bits, which a strict decoder cannot tell from a truncated stream"
        )
    needed = chunk.needed_bits()
    if needed > capacity_bits(num_bytes):
        raise InputError(
            f"cannot code these symbols: they need at least {needed:.0f} bits but the coder "
            f"wrote {8 * num_bytes}, more than a strict decoder allows"
        )
