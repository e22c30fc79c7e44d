"""The `.ncz` container: a versioned, self-describing, checksummed file of coded streams.

Byte layout (all documented in docs/format.md):

    magic b"\\x89NCZ" | major u8 | minor u8 | header_len varint | header | n_streams varint
    | (len varint, bytes) * n_streams | crc32 u32 big-endian over everything before it

Header: model (u8 len + UTF-8) | weights hash (8 bytes) | height varint | width varint
    | mode (u8 len + ASCII) | quality u8 | extra (varint len + UTF-8 JSON object, 0 = empty).
A newer *minor* version may append header fields; readers skip what they do not know.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ncodec.errors import FormatError, InputError
from ncodec.format.sniff import sniff_foreign
from ncodec.format.varint import VarintError, decode_varint, encode_varint

MAGIC = b"\x89NCZ"
FORMAT_VERSION: tuple[int, int] = (1, 0)
"""(major, minor) written by this ncodec; readers accept any minor of the same major."""

MAX_SIDE = 1 << 20
"""Largest accepted image height or width (about a million pixels per side)."""
MAX_PIXELS = 1 << 28
"""Largest accepted height*width (268 Mpixels): larger headers are nonsense, not images."""
MAX_MODEL_NAME_BYTES = 255
MAX_MODE_BYTES = 15
WEIGHTS_HASH_BYTES = 8
CHECKSUM_BYTES = 4

_PREAMBLE_BYTES = len(MAGIC) + 2
_MODE_PATTERN = re.compile(r"[A-Za-z0-9;]{1,15}")
_HASH_PATTERN = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class NczHeader:
    """Everything a decoder needs besides the coded streams: model, image geometry and quality."""

    model: str
    """Name of the model that coded the streams (e.g. 'hyperprior-mse')."""
    weights_hash: str
    """First 16 lowercase hex digits of the SHA-256 of the model's weights file."""
    height: int
    width: int
    mode: str = "RGB"
    """Pillow mode of the original input ('RGB', 'L', 'RGBA', ...), so decoding can restore it."""
    quality: int = 75
    """Quality setting 1..100 used to encode."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Small optional model-specific settings, stored as compact JSON (nothing if empty)."""
    format_version: tuple[int, int] = FORMAT_VERSION
    """Version of the file this header was read from; writing always uses FORMAT_VERSION."""


def write_ncz(header: NczHeader, streams: Sequence[bytes]) -> bytes:
    """Serialise a header and coded streams into the bytes of a complete `.ncz` file."""
    _validate_header(header, InputError, "cannot write .ncz")
    header_bytes = _encode_header(header)
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
    """Parse and verify a complete `.ncz` file; raise FormatError naming any problem."""
    data = bytes(data)
    version = _check_preamble(data)
    reader = _Reader(data, _PREAMBLE_BYTES, len(data), "truncated")
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
    header = _decode_header(header_bytes, version)
    _validate_header(header, FormatError, "invalid header")
    return header, streams


def read_header(data: bytes) -> NczHeader:
    """Verify a complete `.ncz` file and return only its header (for `ncodec info`)."""
    return read_ncz(data)[0]


def describe(
    header: NczHeader, streams: Sequence[bytes] | None = None, file_size: int | None = None
) -> dict[str, Any]:
    """Human-readable summary of a header (plus stream sizes and bits per pixel if given)."""
    info: dict[str, Any] = {
        "format": "ncz {}.{}".format(*header.format_version),
        "model": header.model,
        "weights_hash": header.weights_hash,
        "width": header.width,
        "height": header.height,
        "mode": header.mode,
        "quality": header.quality,
    }
    if header.extra:
        info["extra"] = dict(header.extra)
    if streams is not None:
        info["stream_bytes"] = [len(stream) for stream in streams]
    if file_size is not None:
        info["file_bytes"] = file_size
        info["bits_per_pixel"] = 8 * file_size / (header.width * header.height)
        if streams is not None:
            info["container_overhead_bytes"] = file_size - sum(len(s) for s in streams)
    return info


class _Reader:
    """Bounds-checked cursor over bytes; every overrun becomes a FormatError naming the field."""

    def __init__(self, data: bytes, position: int, end: int, problem: str) -> None:
        self.data = data
        self.position = position
        self.end = end
        self.problem = problem

    def remaining(self) -> int:
        """Bytes left before the end of the region."""
        return self.end - self.position

    def take(self, size: int, what: str) -> bytes:
        """Return the next `size` bytes, or fail if the region ends first."""
        if size > self.remaining():
            raise FormatError(
                f"{self.problem}: {what} needs {size} bytes at offset {self.position} "
                f"but only {self.remaining()} remain"
            )
        start = self.position
        self.position += size
        return self.data[start : self.position]

    def u8(self, what: str) -> int:
        """Read one unsigned byte."""
        return self.take(1, what)[0]

    def varint(self, what: str) -> int:
        """Read one canonical LEB128 varint."""
        try:
            value, position = decode_varint(self.data[: self.end], self.position)
        except VarintError as err:
            raise FormatError(f"{self.problem}: {what} at offset {self.position}: {err}") from None
        self.position = position
        return value


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
    if major != FORMAT_VERSION[0]:
        newer = "; upgrade ncodec" if major > FORMAT_VERSION[0] else ""
        raise FormatError(
            f"unsupported .ncz format version {major}.{minor}: "
            f"this ncodec reads version {FORMAT_VERSION[0]}.x{newer}"
        )
    return major, minor


def _verify_checksum(data: bytes, end: int) -> None:
    """Compare the stored CRC32 with the CRC32 of everything before it."""
    (stored,) = struct.unpack(">I", data[end : end + CHECKSUM_BYTES])
    computed = zlib.crc32(data[:end])
    if stored != computed:
        raise FormatError(
            f"corrupted: checksum mismatch (stored {stored:08x}, computed {computed:08x})"
        )


def _encode_header(header: NczHeader) -> bytes:
    """Serialise the header fields (already validated) in layout order."""
    model = header.model.encode("utf-8")
    mode = header.mode.encode("ascii")
    extra = _encode_extra(header.extra)
    return b"".join(
        (
            bytes([len(model)]),
            model,
            bytes.fromhex(header.weights_hash),
            encode_varint(header.height),
            encode_varint(header.width),
            bytes([len(mode)]),
            mode,
            bytes([header.quality]),
            encode_varint(len(extra)),
            extra,
        )
    )


def _decode_header(data: bytes, version: tuple[int, int]) -> NczHeader:
    """Parse header fields; unknown trailing fields are allowed only from a newer minor version."""
    reader = _Reader(data, 0, len(data), "invalid header")
    model = _decode_text(reader.take(reader.u8("model name length"), "model name"), "model name")
    weights_hash = reader.take(WEIGHTS_HASH_BYTES, "weights hash").hex()
    height = reader.varint("height")
    width = reader.varint("width")
    mode = _decode_text(reader.take(reader.u8("mode length"), "mode"), "mode")
    quality = reader.u8("quality")
    extra = _decode_extra(reader.take(reader.varint("extra length"), "extra"))
    if reader.remaining() and version[1] <= FORMAT_VERSION[1]:
        raise FormatError(
            f"invalid header: {reader.remaining()} unknown bytes after the last field "
            f"of a version {version[0]}.{version[1]} header"
        )
    return NczHeader(model, weights_hash, height, width, mode, quality, extra, version)


def _decode_text(raw: bytes, what: str) -> str:
    """Decode strict UTF-8 or fail with a FormatError naming the field."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"invalid header: {what} is not valid UTF-8") from None


def _encode_extra(extra: dict[str, Any]) -> bytes:
    """Compact, deterministic JSON for the extra dict; empty dict -> zero bytes."""
    if not extra:
        return b""
    try:
        text = json.dumps(
            extra, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as err:
        raise InputError(f"cannot write .ncz: extra is not JSON-serialisable: {err}") from None
    return text.encode("utf-8")


def _decode_extra(raw: bytes) -> dict[str, Any]:
    """Parse the extra field: nothing, or a UTF-8 JSON object."""
    if not raw:
        return {}

    def _reject_constant(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    try:
        value = json.loads(_decode_text(raw, "extra"), parse_constant=_reject_constant)
    except ValueError as err:
        raise FormatError(f"invalid header: extra is not valid JSON ({err})") from None
    if not isinstance(value, dict) or not value:
        raise FormatError("invalid header: extra must be a non-empty JSON object")
    return value


def _validate_header(header: NczHeader, error: type[Exception], prefix: str) -> None:
    """Reject nonsensical fields with `error`: InputError when writing, FormatError when reading."""
    problem = _header_problem(header)
    if problem:
        raise error(f"{prefix}: {problem}")


def _header_problem(header: NczHeader) -> str | None:
    """Describe the first nonsensical header field, or return None if all are sane."""
    if not isinstance(header.model, str) or not header.model:
        return "model name is empty"
    if len(header.model.encode("utf-8")) > MAX_MODEL_NAME_BYTES:
        return f"model name is longer than {MAX_MODEL_NAME_BYTES} bytes"
    if not header.model.isprintable():
        return f"model name {header.model!r} contains control characters"
    if not isinstance(header.weights_hash, str) or not _HASH_PATTERN.fullmatch(header.weights_hash):
        return f"weights hash {header.weights_hash!r} is not 16 lowercase hex digits"
    for name, side in (("height", header.height), ("width", header.width)):
        if not isinstance(side, int) or not 1 <= side <= MAX_SIDE:
            return f"{name} {side} is outside 1..{MAX_SIDE}"
    if header.height * header.width > MAX_PIXELS:
        return f"image of {header.width}x{header.height} exceeds {MAX_PIXELS} pixels"
    if not isinstance(header.mode, str) or not _MODE_PATTERN.fullmatch(header.mode):
        return f"image mode {header.mode!r} is not a short ASCII mode name like 'RGB' or 'L'"
    if not isinstance(header.quality, int) or not 1 <= header.quality <= 100:
        return f"quality {header.quality} is outside 1..100"
    if not isinstance(header.extra, dict):
        return f"extra must be a dict, got {type(header.extra).__name__}"
    if any(not isinstance(key, str) for key in header.extra):
        return "extra keys must be strings"
    return None
