"""Mutations of `.ncz` files that keep the CRC valid, so they reach the header fields and streams.

Used by the atheris targets (with libFuzzer's byte mutations mixed in) and by the replay test
(with `random.Random`): pure Python, no fuzzing engine needed. A file is split leniently into
(version, header bytes, streams); structured mutations edit a field or a stream and reassemble
it with a fresh CRC, byte mutations are followed by a CRC fix-up.
"""

from __future__ import annotations

import random
import shlex
import struct
import sys
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from ncodec.format.varint import VarintError, decode_varint, encode_varint

MAGIC = b"\x89NCZ"
INTERESTING_SIDES = (0, 1, 2, 15, 16, 17, 63, 64, 65, 127, 128, 129, 194, 255, 256, 4096, 65535)
INTERESTING_SIDES += (1 << 14, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 1 << 28)
INTERESTING_BYTES = (0, 1, 2, 3, 4, 5, 50, 51, 99, 100, 101, 127, 128, 254, 255)


@dataclass(frozen=True)
class Parts:
    """A leniently split file: version bytes, header bytes, streams (the CRC is recomputed)."""

    version: bytes
    header: bytes
    streams: tuple[bytes, ...]

    def to_bytes(self) -> bytes:
        """Reassemble with a correct CRC32."""
        out = bytearray(MAGIC + self.version)
        out += encode_varint(len(self.header)) + self.header
        out += encode_varint(len(self.streams))
        for stream in self.streams:
            out += encode_varint(len(stream)) + stream
        return bytes(out + struct.pack(">I", zlib.crc32(out)))


@dataclass(frozen=True)
class ImageFields:
    """The fields of a 2.x image header (kind 1 or 2), kept as raw values (may be invalid)."""

    kind: int
    model: bytes
    weights_hash: bytes
    height: int
    width: int
    mode: bytes
    tail: bytes
    """Quality byte (kind 1) or pixel CRC32 (kind 2), plus anything appended to the block."""
    extra: bytes

    def to_bytes(self) -> bytes:
        block = encode_varint(self.height) + encode_varint(self.width)
        block += bytes([len(self.mode) & 0xFF]) + self.mode + self.tail
        return b"".join(
            (
                bytes([self.kind & 0xFF, len(self.model) & 0xFF]),
                self.model,
                self.weights_hash,
                encode_varint(len(block)),
                block,
                encode_varint(len(self.extra)),
                self.extra,
            )
        )


def split(data: bytes) -> Parts | None:
    """The parts of a file whose layout (not checksum, not fields) is sound, else None."""
    if len(data) < 10 or not data.startswith(MAGIC):
        return None
    try:
        size, pos = decode_varint(data, 6)
        header = data[pos : pos + size]
        pos += size
        count, pos = decode_varint(data, pos)
        if count > 64:
            return None
        streams = []
        for _ in range(count):
            length, pos = decode_varint(data, pos)
            streams.append(data[pos : pos + length])
            pos += length
    except VarintError:
        return None
    if pos + 4 != len(data) or len(header) != size:
        return None
    return Parts(data[4:6], header, tuple(streams))


def image_fields(header: bytes) -> ImageFields | None:
    """The fields of a 2.x image header, or None if it is not one."""
    try:
        kind = header[0]
        if kind not in (1, 2):
            return None
        n = header[1]
        model = header[2 : 2 + n]
        pos = 2 + n
        weights_hash = header[pos : pos + 8]
        size, pos = decode_varint(header, pos + 8)
        block = header[pos : pos + size]
        extra_size, end = decode_varint(header, pos + size)
        extra = header[end : end + extra_size]
        height, at = decode_varint(block, 0)
        width, at = decode_varint(block, at)
        mode_size = block[at]
        mode = block[at + 1 : at + 1 + mode_size]
        tail = block[at + 1 + mode_size :]
    except (IndexError, VarintError):
        return None
    if len(weights_hash) != 8:
        return None
    return ImageFields(kind, model, weights_hash, height, width, mode, tail, extra)


def engine_argv() -> list[str]:
    """sys.argv for libFuzzer, whose first word re-runs this script through this Python (as
    -merge and -fork do through a shell)."""
    script = shlex.quote(str(Path(sys.argv[0]).resolve()))
    return [f"{shlex.quote(sys.executable)} {script}", *sys.argv[1:]]


def fix_crc(data: bytes) -> bytes:
    """Replace the last four bytes by the CRC32 of everything before them."""
    if len(data) < 4:
        return data
    return data[:-4] + struct.pack(">I", zlib.crc32(data[:-4]))


class Mutator:
    """Structured, CRC-keeping mutations; `models` maps model names to their weights hashes."""

    def __init__(self, rng: random.Random, models: dict[str, bytes] | None = None) -> None:
        self.rng = rng
        self.models = dict(models or {})

    def mutate(self, data: bytes, others: list[bytes] | None = None) -> bytes:
        """One mutated file (structured if the layout is sound, else bytes + CRC fix-up)."""
        parts = split(data)
        if parts is None or self.rng.random() < 0.15:
            return fix_crc(self.flip_bytes(data))
        if self.rng.random() < 0.5:
            fields = image_fields(parts.header)
            if fields is not None:
                return replace(parts, header=self.mutate_fields(fields).to_bytes()).to_bytes()
        return self.mutate_streams(parts, others or []).to_bytes()

    def mutate_fields(self, fields: ImageFields) -> ImageFields:
        """Change one image header field to a boundary value or a neighbour."""
        rng = self.rng
        choice = rng.randrange(8)
        if choice == 0:
            return replace(fields, height=self._side(fields.height))
        if choice == 1:
            return replace(fields, width=self._side(fields.width))
        if choice == 2 and fields.tail:
            quality = rng.choice([*INTERESTING_BYTES, fields.tail[0] ^ 1, rng.randrange(256)])
            return replace(fields, tail=bytes([quality]) + fields.tail[1:])
        if choice == 3 and self.models:
            name = rng.choice(sorted(self.models))
            return replace(fields, model=name.encode(), weights_hash=self.models[name])
        if choice == 4:
            modes = [b"RGB", b"L", b"RGBA", b"I;16", b"1", b"P", b"", b"x" * 16, b"\xff"]
            return replace(fields, mode=rng.choice(modes))
        if choice == 5:
            extras = [b"", b"{}", b'{"a":1}', b"[1]", b'{"a":NaN}', b"{" * 40, b"\xff"]
            return replace(fields, extra=rng.choice(extras))
        if choice == 6:
            return replace(fields, kind=rng.choice([0, 1, 2, 3, 4, 5, 255]))
        return replace(fields, height=self._side(fields.height), width=self._side(fields.width))

    def mutate_streams(self, parts: Parts, others: list[bytes]) -> Parts:
        """Truncate, extend, corrupt, swap, drop or borrow coded streams."""
        rng = self.rng
        streams = list(parts.streams)
        choice = rng.randrange(9)
        if not streams or choice == 0:
            count = rng.choice([0, 1, 2, 3])
            streams = [rng.randbytes(rng.choice([0, 4, 8, 64])) for _ in range(count)]
        elif choice == 1:
            i = rng.randrange(len(streams))
            streams[i] = streams[i][: rng.randrange(len(streams[i]) + 1)]
        elif choice == 2:
            i = rng.randrange(len(streams))
            words = rng.choice([1, 2, 16, 1000])
            streams[i] = streams[i] + rng.randbytes(4 * words)
        elif choice == 3:
            i = rng.randrange(len(streams))
            streams[i] = self.flip_bytes(streams[i])
        elif choice == 4:
            streams.reverse()
        elif choice == 5:
            streams = streams[: rng.randrange(len(streams) + 1)] + streams[:1]
        elif choice == 6:
            i = rng.randrange(len(streams))
            streams[i] = b""
        elif choice == 7 and others:
            borrowed = split(rng.choice(others))
            if borrowed is not None and borrowed.streams:
                i = rng.randrange(len(streams))
                streams[i] = rng.choice(borrowed.streams)
        else:
            i = rng.randrange(len(streams))
            cut = 4 * rng.randrange(len(streams[i]) // 4 + 1)
            streams[i] = streams[i][:cut]
        return replace(parts, streams=tuple(streams))

    def flip_bytes(self, data: bytes) -> bytes:
        """A few byte-level edits: flip a bit, set a byte, insert or delete bytes."""
        out = bytearray(data)
        rng = self.rng
        for _ in range(rng.choice([1, 1, 2, 4])):
            choice = rng.randrange(4)
            if not out or choice == 0:
                out[rng.randrange(len(out) + 1) : 0] = rng.randbytes(rng.choice([1, 4]))
            elif choice == 1:
                i = rng.randrange(len(out))
                out[i] ^= 1 << rng.randrange(8)
            elif choice == 2:
                out[rng.randrange(len(out))] = rng.choice(INTERESTING_BYTES)
            else:
                i = rng.randrange(len(out))
                del out[i : i + rng.choice([1, 4])]
        return bytes(out)

    def _side(self, side: int) -> int:
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(INTERESTING_SIDES)
        return max(0, side + rng.choice([-65, -64, -17, -16, -1, 1, 16, 17, 64, 65, 66]))
