"""The `.ncz` container: a versioned, self-describing, checksummed file of coded streams.

Byte layout (all documented in docs/format.md):

    magic b"\\x89NCZ" | major u8 | minor u8 | header_len varint | header | n_streams varint
    | (len varint, bytes) * n_streams | crc32 u32 big-endian over everything before it

The header (see header_codec.py) names the model, its weights and the payload kind with a typed
block per kind. Writers always write FORMAT_VERSION (2.0); readers also read 1.x files.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from ncodec.errors import FormatError, InputError
from ncodec.format.describe import describe
from ncodec.format.header import NczHeader, header_problem
from ncodec.format.header_codec import decode_header, encode_header
from ncodec.format.payloads import PayloadKind
from ncodec.format.reader import ByteReader
from ncodec.format.sniff import sniff_foreign
from ncodec.format.varint import encode_varint
from ncodec.format.version import FORMAT_VERSION, check_readable

MAGIC = b"\x89NCZ"
CHECKSUM_BYTES = 4
MAX_HEADER_BYTES = 1 << 16
"""Largest accepted header (64 KiB): real headers take tens of bytes plus a small extra."""

_PREAMBLE_BYTES = len(MAGIC) + 2

# Names other modules import from here (the payload types live in ncodec.format.payloads).
__all__ = ["FORMAT_VERSION", "MAGIC", "NczHeader", "PayloadKind", "describe", "read_ncz"]


def write_ncz(header: NczHeader, streams: Sequence[bytes]) -> bytes:
    """Serialise a header and coded streams into the bytes of a complete format-2.0 `.ncz` file."""
    problem = header_problem(header)
    if problem:
        raise InputError(f"cannot write .ncz: {problem}")
    header_bytes = encode_header(header)
    if len(header_bytes) > MAX_HEADER_BYTES:
        raise InputError(
            f"cannot write .ncz: header of {len(header_bytes)} bytes exceeds the "
            f"{MAX_HEADER_BYTES}-byte limit (extra is too large)"
        )
    out = bytearray(MAGIC)
    out += bytes(FORMAT_VERSION)
    out += encode_varint(len(header_bytes))
    out += header_bytes
    out += encode_varint(len(streams))
    for index, stream in enumerate(streams):
        if not isinstance(stream, (bytes, bytearray, memoryview)):
            raise InputError(
                f"cannot write .ncz: stream {index} is {type(stream).__name__}, not bytes"
            )
        out += encode_varint(len(stream))
        out += stream
    out += struct.pack(">I", zlib.crc32(out))
    return bytes(out)


def read_ncz(data: bytes) -> tuple[NczHeader, list[bytes]]:
    """Parse and verify a complete `.ncz` file (2.x or 1.x); a FormatError names any problem."""
    data = bytes(data)
    version = _check_preamble(data)
    reader = ByteReader(data, _PREAMBLE_BYTES, len(data), "truncated")
    header_len = reader.varint("header length")
    header_bytes = reader.take(header_len, "header")
    count = reader.varint("stream count")
    if count > reader.remaining():
        raise FormatError(
            f"truncated: file declares {count} streams but only {reader.remaining()} bytes remain"
        )
    streams = [
        reader.take(reader.varint(f"stream {i} length"), f"stream {i}") for i in range(count)
    ]
    end = reader.position
    if len(data) < end + CHECKSUM_BYTES:
        raise FormatError(
            f"truncated: the file ends before its {CHECKSUM_BYTES}-byte checksum "
            f"({len(data)} bytes, expected {end + CHECKSUM_BYTES})"
        )
    _verify_checksum(data, end)
    trailing = len(data) - end - CHECKSUM_BYTES
    if trailing:
        raise FormatError(
            f"trailing garbage: {trailing} unexpected byte(s) after the end of the data"
        )
    if header_len > MAX_HEADER_BYTES:
        raise FormatError(
            f"invalid header: {header_len} bytes exceeds the {MAX_HEADER_BYTES}-byte limit"
        )
    header = decode_header(header_bytes, version)
    problem = header_problem(header)
    if problem:
        raise FormatError(f"invalid header: {problem}")
    return header, streams


def read_header(data: bytes) -> NczHeader:
    """Verify a complete `.ncz` file and return only its header (for `ncodec info`)."""
    return read_ncz(data)[0]


def _check_preamble(data: bytes) -> tuple[int, int]:
    """Check magic bytes and version; return (major, minor) if this reader understands them."""
    if not data:
        raise FormatError("empty file: not an .ncz file")
    if len(data) < len(MAGIC) and MAGIC.startswith(data):
        raise FormatError(f"too short to be an .ncz file ({len(data)} bytes)")
    if not data.startswith(MAGIC):
        foreign = sniff_foreign(data)
        hint = f" (it looks like {foreign})" if foreign else ""
        raise FormatError(f"not an .ncz file: wrong magic bytes{hint}")
    if len(data) < _PREAMBLE_BYTES:
        raise FormatError(f"too short to be an .ncz file ({len(data)} bytes)")
    major, minor = data[4], data[5]
    check_readable(major, minor)
    return major, minor


def _verify_checksum(data: bytes, end: int) -> None:
    """Compare the stored CRC32 with the CRC32 of everything before it."""
    (stored,) = struct.unpack(">I", data[end : end + CHECKSUM_BYTES])
    computed = zlib.crc32(data[:end])
    if stored != computed:
        raise FormatError(
            f"corrupted: checksum mismatch (stored {stored:08x}, computed {computed:08x})"
        )
