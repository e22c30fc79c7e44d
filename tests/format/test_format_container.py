"""The .ncz container: exact round trips, exact sizes, and a FormatError for every damaged file."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncodec.errors import FormatError, InputError
from ncodec.format import (
    FORMAT_VERSION,
    MAGIC,
    NczHeader,
    describe,
    read_header,
    read_ncz,
    write_ncz,
)
from ncodec.format.container import MAX_PIXELS, MAX_SIDE
from ncodec.format.varint import encode_varint

HEADER = NczHeader(
    model="hyperprior-mse",
    weights_hash="0123456789abcdef",
    height=512,
    width=768,
    mode="RGB",
    quality=75,
)
STREAMS = [b"\x01\x02\x03" * 10, b"", b"\xff" * 7]


def _raw_header(
    model: bytes = b"m",
    weights: bytes = bytes(range(8)),
    height: int = 2,
    width: int = 3,
    mode: bytes = b"RGB",
    quality: int = 50,
    extra: bytes = b"",
    appended: bytes = b"",
) -> bytes:
    """Header bytes laid out by hand from docs/format.md (so tests do not trust the writer)."""
    return (
        bytes([len(model)])
        + model
        + weights
        + encode_varint(height)
        + encode_varint(width)
        + bytes([len(mode)])
        + mode
        + bytes([quality])
        + encode_varint(len(extra))
        + extra
        + appended
    )


def _raw_file(header: bytes, streams: list[bytes] = (), version: tuple[int, int] = (1, 0)) -> bytes:
    """A complete file with a valid checksum around arbitrary (maybe nonsensical) header bytes."""
    body = MAGIC + bytes(version) + encode_varint(len(header)) + header
    body += encode_varint(len(streams))
    for stream in streams:
        body += encode_varint(len(stream)) + stream
    return body + struct.pack(">I", zlib.crc32(body))


def test_round_trip_keeps_every_field_and_stream():
    header = NczHeader(
        model="ünïcode-model",
        weights_hash="fedcba9876543210",
        height=7,
        width=13,
        mode="L",
        quality=1,
        extra={"lambda": 0.0067, "levels": [1, 2, 3], "name": "x"},
    )
    data = write_ncz(header, STREAMS)
    assert read_ncz(data) == (header, STREAMS)
    assert read_header(data) == header


@pytest.mark.parametrize("streams", [[], [b""], [b"a"], [b"x" * 200, b"y" * 5, b"", b"z"]])
def test_round_trip_any_number_of_streams(streams):
    assert read_ncz(write_ncz(HEADER, streams)) == (HEADER, streams)


def test_round_trip_large_stream():
    big = bytes(range(256)) * 20_000  # 5 MB: lengths need a 4-byte varint
    _, streams = read_ncz(write_ncz(HEADER, [big, b"tail"]))
    assert streams == [big, b"tail"]


def test_byte_layout_matches_the_documented_standard():
    data = write_ncz(HEADER, [b"abc"])
    expected_header = _raw_header(
        model=b"hyperprior-mse",
        weights=bytes.fromhex("0123456789abcdef"),
        height=512,
        width=768,
        quality=75,
    )
    assert data == _raw_file(expected_header, [b"abc"])
    assert data[:4] == b"\x89NCZ"
    assert data[4:6] == bytes(FORMAT_VERSION) == b"\x01\x00"
    assert struct.unpack(">I", data[-4:])[0] == zlib.crc32(data[:-4])


def test_fixed_overhead_is_a_few_tens_of_bytes():
    streams = [b"y" * 4000, b"z" * 900]
    data = write_ncz(HEADER, streams)
    # 4 magic + 2 version + 1 header length + 33 header + 1 count + 2+2 lengths + 4 CRC
    assert len(data) - 4900 == 49
    assert describe(HEADER, streams, len(data))["container_overhead_bytes"] == 49


def test_writing_is_deterministic_and_independent_of_extra_key_order():
    first = NczHeader("m", "0" * 16, 1, 1, extra={"a": 1, "b": 2})
    second = NczHeader("m", "0" * 16, 1, 1, extra={"b": 2, "a": 1})
    assert write_ncz(first, [b"s"]) == write_ncz(second, [b"s"])


def test_empty_extra_costs_one_byte():
    with_extra = write_ncz(NczHeader("m", "0" * 16, 1, 1, extra={"k": 1}), [])
    without = write_ncz(NczHeader("m", "0" * 16, 1, 1), [])
    assert len(with_extra) - len(without) == len('{"k":1}')
    assert len(without) == 30


def test_describe_reports_fields_sizes_and_bits_per_pixel():
    data = write_ncz(HEADER, STREAMS)
    header, streams = read_ncz(data)
    info = describe(header, streams, len(data))
    assert info["format"] == "ncz 1.0"
    assert info["model"] == "hyperprior-mse"
    assert (info["width"], info["height"], info["mode"], info["quality"]) == (768, 512, "RGB", 75)
    assert info["stream_bytes"] == [30, 0, 7]
    assert info["file_bytes"] == len(data)
    assert info["bits_per_pixel"] == pytest.approx(8 * len(data) / (768 * 512))
    assert "extra" not in describe(header)


# ---- damaged files ---------------------------------------------------------------------------


def test_every_single_bit_flip_is_detected():
    data = write_ncz(NczHeader("m", "00112233445566ff", 3, 2, extra={"k": 1}), [b"ab", b"c"])
    for index in range(len(data)):
        for bit in range(8):
            damaged = bytearray(data)
            damaged[index] ^= 1 << bit
            with pytest.raises(FormatError):
                read_ncz(bytes(damaged))


def test_every_single_byte_replacement_is_detected():
    data = write_ncz(HEADER, [b"payload"])
    for index in range(len(data)):
        for value in (0x00, 0x7F, 0x80, 0xFF):
            if data[index] == value:
                continue
            damaged = bytearray(data)
            damaged[index] = value
            with pytest.raises(FormatError):
                read_ncz(bytes(damaged))


def test_truncation_at_every_length_is_detected():
    data = write_ncz(HEADER, STREAMS)
    for length in range(len(data)):
        with pytest.raises(FormatError) as err:
            read_ncz(data[:length])
        if length == 0:
            assert "empty" in str(err.value)
        elif length < 6:
            assert "too short" in str(err.value)
        else:
            assert "truncated" in str(err.value)


def test_checksum_mismatch_message():
    data = bytearray(write_ncz(HEADER, [b"payload"]))
    data[-6] ^= 0x01  # inside the last stream: structure intact, content damaged
    with pytest.raises(FormatError, match=r"^corrupted: checksum mismatch"):
        read_ncz(bytes(data))


def test_trailing_garbage_is_rejected():
    with pytest.raises(FormatError, match="trailing garbage: 3 unexpected"):
        read_ncz(write_ncz(HEADER, [b"x"]) + b"abc")


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"just some text\n", "text file"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP image"),
    ],
)
def test_foreign_files_are_named(data, hint):
    with pytest.raises(FormatError, match=f"not an .ncz file.*{hint}"):
        read_ncz(data)


def test_unknown_binary_is_not_an_ncz_file():
    with pytest.raises(FormatError, match=r"^not an .ncz file: wrong magic bytes$"):
        read_ncz(b"\x00\x01\x02\x03\x04\x05\x06\x07")


def test_newer_major_version_names_both_versions():
    data = _raw_file(_raw_header(), version=(2, 3))
    with pytest.raises(FormatError, match=r"version 2\.3.*reads version 1\.x; upgrade ncodec"):
        read_ncz(data)


def test_newer_minor_version_with_appended_fields_is_readable():
    data = _raw_file(_raw_header(appended=b"\x05future"), [b"s"], version=(1, 7))
    header, streams = read_ncz(data)
    assert header.format_version == (1, 7)
    assert (header.height, header.width, streams) == (2, 3, [b"s"])


def test_unknown_header_bytes_in_current_version_are_rejected():
    with pytest.raises(FormatError, match="unknown bytes after the last field"):
        read_ncz(_raw_file(_raw_header(appended=b"\x00")))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"width": 0}, "width 0 is outside"),
        ({"height": 0}, "height 0 is outside"),
        ({"height": MAX_SIDE + 1}, "height .* is outside"),
        ({"height": 1 << 15, "width": 1 << 14}, "exceeds .* pixels"),
        ({"model": b""}, "model name is empty"),
        ({"model": b"\xff\xfe"}, "model name is not valid UTF-8"),
        ({"model": b"a\nb"}, "control characters"),
        ({"mode": b"R G"}, "image mode"),
        ({"mode": b"\xc3"}, "mode is not valid UTF-8"),
        ({"quality": 0}, "quality 0 is outside 1..100"),
        ({"quality": 101}, "quality 101 is outside 1..100"),
        ({"extra": b"{not json"}, "extra is not valid JSON"),
        ({"extra": b"[1, 2]"}, "extra must be a non-empty JSON object"),
        ({"extra": b'{"x": NaN}'}, "extra is not valid JSON"),
    ],
)
def test_nonsensical_fields_with_a_valid_checksum_are_rejected(fields, message):
    with pytest.raises(FormatError, match=f"^invalid header: .*{message}"):
        read_ncz(_raw_file(_raw_header(**fields)))


def test_header_fields_running_past_the_header_are_rejected():
    header = _raw_header()[:-3]  # cut mode/quality/extra, but declare the shorter length
    with pytest.raises(FormatError, match=r"^invalid header: .* needs"):
        read_ncz(_raw_file(header))


def test_non_canonical_varint_is_rejected():
    body = MAGIC + b"\x01\x00" + b"\x80\x00"  # header length 0 written in two bytes
    data = body + b"\x00" + struct.pack(">I", zlib.crc32(body + b"\x00"))
    with pytest.raises(FormatError, match="canonical"):
        read_ncz(data)


def test_absurd_stream_count_is_truncation_not_a_hang():
    body = MAGIC + b"\x01\x00" + encode_varint(len(_raw_header())) + _raw_header()
    body += encode_varint(1 << 60)
    with pytest.raises(FormatError, match="declares 1152921504606846976 streams"):
        read_ncz(body + b"\x00" * 8)


# ---- invalid headers on write ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quality": 0}, "quality 0"),
        ({"quality": 101}, "quality 101"),
        ({"weights_hash": "ABCDEF0123456789"}, "16 lowercase hex"),
        ({"weights_hash": "abc"}, "16 lowercase hex"),
        ({"width": 0}, "width 0"),
        ({"height": -4}, "height -4"),
        ({"width": MAX_PIXELS, "height": 2}, "outside"),
        ({"model": ""}, "model name is empty"),
        ({"model": "x" * 256}, "longer than 255 bytes"),
        ({"mode": "RGB with spaces"}, "image mode"),
        ({"extra": {"f": object()}}, "not JSON-serialisable"),
        ({"extra": {"f": float("nan")}}, "not JSON-serialisable"),
        ({"extra": {1: "x"}}, "keys must be strings"),
    ],
)
def test_writing_a_nonsensical_header_raises_input_error(changes, message):
    fields = {**HEADER.__dict__, **changes}
    with pytest.raises(InputError, match=message):
        write_ncz(NczHeader(**fields), [])


def test_writing_a_non_bytes_stream_raises_input_error():
    with pytest.raises(InputError, match="stream 1 is str"):
        write_ncz(HEADER, [b"ok", "text"])


# ---- property test ---------------------------------------------------------------------------

_json_values = st.one_of(st.integers(-(10**6), 10**6), st.text(max_size=8), st.booleans())


@settings(max_examples=60, deadline=None)
@given(
    model=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Co", "Cn", "Zs")),
        min_size=1,
        max_size=40,
    ),
    weights=st.binary(min_size=8, max_size=8),
    height=st.integers(1, 4096),
    width=st.integers(1, 4096),
    mode=st.sampled_from(["RGB", "L", "RGBA", "LA", "P", "I;16", "CMYK", "1"]),
    quality=st.integers(1, 100),
    extra=st.dictionaries(st.text(max_size=6), _json_values, max_size=4),
    streams=st.lists(st.binary(max_size=300), max_size=5),
)
def test_any_valid_header_and_streams_round_trip(
    model, weights, height, width, mode, quality, extra, streams
):
    header = NczHeader(model, weights.hex(), height, width, mode, quality, extra)
    assert read_ncz(write_ncz(header, streams)) == (header, streams)


@settings(max_examples=300, deadline=None)
@given(tail=st.binary(max_size=80), major=st.sampled_from([1, 1, 1, 2]), minor=st.integers(0, 255))
def test_random_bytes_after_the_magic_only_ever_raise_format_error(tail, major, minor):
    with pytest.raises(FormatError):
        read_ncz(MAGIC + bytes([major, minor]) + tail)


@settings(max_examples=200, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1))
def test_random_multi_byte_damage_is_detected(edits):
    data = bytearray(write_ncz(HEADER, STREAMS))
    for position, delta in edits:
        data[position % len(data)] ^= delta
    if bytes(data) != write_ncz(HEADER, STREAMS):  # edits may cancel out
        with pytest.raises(FormatError):
            read_ncz(bytes(data))
