"""Unsigned LEB128 varints: small integers (lengths, sizes) in one or two bytes instead of four."""

from __future__ import annotations

MAX_VARINT_BYTES = 9
"""Longest accepted encoding (63 bits): anything longer is corruption, not a real size."""


class VarintError(ValueError):
    """A varint runs past the end of the data, is over-long, or is not in canonical form."""


def encode_varint(value: int) -> bytes:
    """Encode a non-negative integer as little-endian base-128 groups, high bit = 'more follows'."""
    if value < 0:
        raise ValueError(f"varint must be non-negative, got {value}")
    out = bytearray()
    while True:
        group = value & 0x7F
        value >>= 7
        if value:
            out.append(group | 0x80)
        else:
            out.append(group)
            return bytes(out)


def decode_varint(data: bytes, offset: int) -> tuple[int, int]:
    """Decode one varint at `offset`; return (value, offset just after it).

    Only the canonical (shortest) encoding is accepted, so every value has exactly one byte form.
    """
    value = 0
    for index in range(MAX_VARINT_BYTES):
        position = offset + index
        if position >= len(data):
            raise VarintError("varint runs past the end of the data")
        byte = data[position]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if byte == 0 and index > 0:
                raise VarintError("varint is not in canonical (shortest) form")
            return value, position + 1
    raise VarintError(f"varint longer than {MAX_VARINT_BYTES} bytes")
