"""One-shot ANS coding of integer symbols under integer CDF tables: one chunk of an `AnsStack`.

Symbols are grouped by table and each group is coded with ONE constriction call whose
categorical model carries exactly the stored integer probabilities; values outside a table's
range are coded as the escape symbol, followed by a side channel (`ncodec.coding.escape`).

Stream layout (decoding order): group of table 0, group of table 1, ..., then for the escapes
(in grouped order) their bit lengths, low 16 payload bits, high payload bits. The bytes are the
little-endian uint32 words of constriction's `AnsCoder`.
"""

from __future__ import annotations

import numpy as np

from ncodec.coding.stream import AnsStack
from ncodec.coding.tables import CdfTables
from ncodec.errors import FormatError


def encode(symbols: np.ndarray, indexes: np.ndarray, tables: CdfTables) -> bytes:
    """Encode integer `symbols` (int32 range), symbol i under table `indexes[i]`, into bytes."""
    stack = AnsStack()
    stack.push(symbols, indexes, tables)
    return stack.to_bytes()


def decode(data: bytes, indexes: np.ndarray, tables: CdfTables) -> np.ndarray:
    """Decode bytes written by `encode` under the same indexes and tables; int32, indexes' shape.

    Raises FormatError when the data cannot be a valid stream for these indexes (wrong length,
    trailing or inconsistent words); a corruption that happens to decode cleanly yields wrong
    values, which the container's checksum catches.
    """
    stack = AnsStack.from_bytes(data)
    values = stack.pop(indexes, tables)
    if not stack.is_empty():
        raise FormatError("corrupt entropy-coded data (stream does not end where it should)")
    return values
