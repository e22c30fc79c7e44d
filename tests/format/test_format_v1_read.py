"""Format 1.0 stays readable: hand-built 1.x files become lossy-image headers marked (1, minor)."""

from __future__ import annotations

import pytest

from ncodec.errors import FormatError
from ncodec.format import (
    ImageInfo,
    NczHeader,
    PayloadKind,
    describe,
    read_header,
    read_ncz,
    write_ncz,
)
from ncodec.format.payloads import MAX_SIDE

from .layout import raw_file, v1_header

WEIGHTS = bytes.fromhex("0123456789abcdef")


def test_v1_file_reads_as_a_lossy_image_header():
    data = raw_file(
        v1_header(b"hyperprior-mse", WEIGHTS, 512, 768, b"L", 75, b'{"k":[1]}'),
        [b"abc", b""],
        version=(1, 0),
    )
    header, streams = read_ncz(data)
    assert header == NczHeader(
        "hyperprior-mse",
        "0123456789abcdef",
        ImageInfo(512, 768, "L", 75),
        PayloadKind.LOSSY_IMAGE,
        {"k": [1]},
        (1, 0),
    )
    assert (header.height, header.width, header.mode, header.quality) == (512, 768, "L", 75)
    assert streams == [b"abc", b""]
    assert describe(header)["format"] == "ncz 1.0"
    assert describe(header)["kind"] == "lossy-image"


def test_rewriting_a_v1_file_gives_the_same_header_in_version_2():
    v1 = read_header(raw_file(v1_header(), version=(1, 0)))
    again = read_header(write_ncz(v1, []))
    assert again.format_version == (2, 0)
    assert (again.payload, again.model, again.weights_hash) == (
        v1.payload,
        v1.model,
        v1.weights_hash,
    )


def test_newer_v1_minor_with_appended_fields_is_readable():
    header = read_header(raw_file(v1_header(appended=b"\x05future"), version=(1, 3)))
    assert (header.format_version, header.payload) == ((1, 3), ImageInfo(2, 3, "RGB", 50))


def test_unknown_header_bytes_in_v1_0_are_rejected():
    with pytest.raises(FormatError, match=r"unknown bytes after the last field of a version 1\.0"):
        read_ncz(raw_file(v1_header(appended=b"\x00"), version=(1, 0)))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"width": 0}, "width 0 is outside"),
        ({"height": MAX_SIDE + 1}, "height .* is outside"),
        ({"height": 1 << 15, "width": 1 << 14}, "exceeds .* pixels"),
        ({"model": b""}, "model name is empty"),
        ({"model": b"a\nb"}, "control characters"),
        ({"mode": b"R G"}, "image mode"),
        ({"quality": 0}, "quality 0 is outside 1..100"),
        ({"quality": 101}, "quality 101 is outside 1..100"),
        ({"extra": b"[1, 2]"}, "extra must be a non-empty JSON object"),
    ],
)
def test_nonsensical_v1_fields_are_rejected(fields, message):
    with pytest.raises(FormatError, match=f"^invalid header: .*{message}"):
        read_ncz(raw_file(v1_header(**fields), version=(1, 0)))


def test_every_single_byte_change_of_a_v1_file_is_detected():
    data = raw_file(v1_header(extra=b'{"k":1}'), [b"ab"], version=(1, 0))
    read_ncz(data)
    for index in range(len(data)):
        for value in (0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF):
            if data[index] != value:
                damaged = bytearray(data)
                damaged[index] = value
                with pytest.raises(FormatError):
                    read_ncz(bytes(damaged))
