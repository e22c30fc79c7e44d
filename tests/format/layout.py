"""Hand-built `.ncz` bytes laid out from docs/format.md, so tests never trust the writer."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from ncodec.format import MAGIC
from ncodec.format.varint import encode_varint


def text(value: bytes) -> bytes:
    """A u8-length-prefixed string field."""
    return bytes([len(value)]) + value


def lossy_block(
    height: int = 2, width: int = 3, mode: bytes = b"RGB", quality: int = 50, appended: bytes = b""
) -> bytes:
    """lossy-image block: height varint | width varint | mode | quality u8."""
    return encode_varint(height) + encode_varint(width) + text(mode) + bytes([quality]) + appended


def lossless_block(
    height: int = 2,
    width: int = 3,
    mode: bytes = b"L",
    crc: int = 0x01020304,
    appended: bytes = b"",
) -> bytes:
    """lossless-image block: height varint | width varint | mode | pixels CRC32 u32be."""
    return (
        encode_varint(height)
        + encode_varint(width)
        + text(mode)
        + struct.pack(">I", crc)
        + appended
    )


def tensor_block(
    shape: Sequence[int] = (2, 3),
    dtype_code: int = 1,
    ndim: int | None = None,
    appended: bytes = b"",
) -> bytes:
    """integer-tensor block: ndim u8 | dims varint each | dtype code u8."""
    dims = b"".join(encode_varint(size) for size in shape)
    return bytes([len(shape) if ndim is None else ndim]) + dims + bytes([dtype_code]) + appended


def point_cloud_block(
    count: int = 5,
    bbox_min: Sequence[float] = (0.0, -1.0, 2.0),
    bbox_max: Sequence[float] = (1.0, 1.0, 2.5),
    step_mm: float = 0.25,
    flags: int = 1,
    appended: bytes = b"",
) -> bytes:
    """point-cloud block: count varint | min 3 f64le | max 3 f64le | step f64le | flags u8."""
    floats = struct.pack("<7d", *bbox_min, *bbox_max, step_mm)
    return encode_varint(count) + floats + bytes([flags]) + appended


def v2_header(
    kind: int = 1,
    block: bytes | None = None,
    model: bytes = b"m",
    weights: bytes = bytes(range(8)),
    extra: bytes = b"",
    appended: bytes = b"",
) -> bytes:
    """2.x header: kind u8 | model | weights hash | block (varint len + bytes) | extra | more."""
    block = lossy_block() if block is None else block
    return (
        bytes([kind])
        + text(model)
        + weights
        + encode_varint(len(block))
        + block
        + encode_varint(len(extra))
        + extra
        + appended
    )


def v1_header(
    model: bytes = b"m",
    weights: bytes = bytes(range(8)),
    height: int = 2,
    width: int = 3,
    mode: bytes = b"RGB",
    quality: int = 50,
    extra: bytes = b"",
    appended: bytes = b"",
) -> bytes:
    """1.x header: model | weights hash | height | width | mode | quality | extra | appended."""
    image = lossy_block(height, width, mode, quality)
    return text(model) + weights + image + encode_varint(len(extra)) + extra + appended


def raw_file(
    header: bytes, streams: Sequence[bytes] = (), version: tuple[int, int] = (2, 0)
) -> bytes:
    """A complete file with a valid checksum around arbitrary (maybe nonsensical) header bytes."""
    body = MAGIC + bytes(version) + encode_varint(len(header)) + header
    body += encode_varint(len(streams))
    for stream in streams:
        body += encode_varint(len(stream)) + stream
    return body + struct.pack(">I", zlib.crc32(body))
