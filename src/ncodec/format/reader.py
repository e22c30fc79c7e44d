"""A bounds-checked cursor over header bytes: every overrun is a one-line FormatError."""

from __future__ import annotations

import struct

from ncodec.errors import FormatError
from ncodec.format.varint import VarintError, decode_varint
from ncodec.format.version import is_newer_minor


class ByteReader:
    """Reads fields from `data[position:end]`; errors start with `problem` ('truncated', ...)."""

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

    def u32be(self, what: str) -> int:
        """Read a 4-byte unsigned big-endian integer."""
        return int.from_bytes(self.take(4, what), "big")

    def f64le(self, what: str) -> float:
        """Read a little-endian IEEE 754 double (any bit pattern; callers check finiteness)."""
        return struct.unpack("<d", self.take(8, what))[0]

    def varint(self, what: str) -> int:
        """Read one canonical LEB128 varint."""
        try:
            value, position = decode_varint(memoryview(self.data)[: self.end], self.position)
        except VarintError as err:
            raise FormatError(f"{self.problem}: {what} at offset {self.position}: {err}") from None
        self.position = position
        return value

    def text(self, what: str) -> str:
        """Read a u8 length, then that many bytes of strict UTF-8."""
        raw = self.take(self.u8(f"{what} length"), what)
        return decode_utf8(raw, what, self.problem)

    def finish(self, version: tuple[int, int], region: str) -> None:
        """Require the region to be used up, unless a newer minor version appended fields to it."""
        if self.remaining() and not is_newer_minor(version):
            raise FormatError(
                f"{self.problem}: {self.remaining()} unknown bytes after the last field "
                f"of a version {version[0]}.{version[1]} {region}"
            )


def decode_utf8(raw: bytes, what: str, problem: str = "invalid header") -> str:
    """Decode strict UTF-8 or fail with a FormatError naming the field."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{problem}: {what} is not valid UTF-8") from None
