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
    ImageInfo,
    LosslessImageInfo,
    NczHeader,
    PointCloudInfo,
    TensorInfo,
    describe,
    read_header,
    read_ncz,
    write_ncz,
)
from ncodec.format.container import MAX_HEADER_BYTES
from ncodec.format.varint import encode_varint

from .layout import lossy_block, raw_file, v2_header

HEADER = NczHeader.image("hyperprior-mse", "0123456789abcdef", height=512, width=768, quality=75)
STREAMS = [b"\x01\x02\x03" * 10, b"", b"\xff" * 7]
ONE_OF_EACH_KIND = [
    NczHeader.image("m", "00112233445566ff", 3, 2, extra={"k": 1}),
    NczHeader("m", "00112233445566ff", LosslessImageInfo(3, 2, "L", 0xDEADBEEF)),
    NczHeader("m", "00112233445566ff", TensorInfo((4, 3), "int16")),
    NczHeader("m", "00112233445566ff", PointCloudInfo(9, (0, 0, 0), (1, 2, 3), 0.5, True)),
]


def test_round_trip_keeps_every_field_and_stream():
    header = NczHeader.image(
        "ünïcode-model",
        "fedcba9876543210",
        height=7,
        width=13,
        mode="L",
        quality=1,
        extra={"lambda": 0.0067, "levels": [1, 2, 3], "name": "x"},
    )
    data = write_ncz(header, STREAMS)
    assert read_ncz(data) == (header, STREAMS)
    assert read_header(data) == header
    assert read_header(data).format_version == FORMAT_VERSION == (2, 0)


@pytest.mark.parametrize("streams", [[], [b""], [b"a"], [b"x" * 200, b"y" * 5, b"", b"z"]])
def test_round_trip_any_number_of_streams(streams):
    assert read_ncz(write_ncz(HEADER, streams)) == (HEADER, streams)


def test_round_trip_large_stream():
    big = bytes(range(256)) * 20_000  # 5 MB: lengths need a 4-byte varint
    _, streams = read_ncz(write_ncz(HEADER, [big, b"tail"]))
    assert streams == [big, b"tail"]


def test_byte_layout_matches_the_documented_standard():
    data = write_ncz(HEADER, [b"abc"])
    block = lossy_block(height=512, width=768, quality=75)
    expected = v2_header(
        1, block, model=b"hyperprior-mse", weights=bytes.fromhex("0123456789abcdef")
    )
    assert data == raw_file(expected, [b"abc"])
    assert data[:4] == b"\x89NCZ"
    assert data[4:6] == bytes(FORMAT_VERSION) == b"\x02\x00"
    assert data[7] == 1  # first header byte: the payload kind (lossy-image)
    assert struct.unpack(">I", data[-4:])[0] == zlib.crc32(data[:-4])


def test_writing_always_writes_the_current_version():
    old = NczHeader("m", "0" * 16, ImageInfo(1, 1), format_version=(1, 0))
    assert write_ncz(old, [])[4:6] == b"\x02\x00"


def test_fixed_overhead_is_a_few_tens_of_bytes():
    streams = [b"y" * 4000, b"z" * 900]
    data = write_ncz(HEADER, streams)
    # 4 magic + 2 version + 1 header length + 35 header + 1 count + 2+2 lengths + 4 CRC
    assert len(data) - 4900 == 51
    assert describe(HEADER, streams, len(data))["container_overhead_bytes"] == 51


def test_writing_is_deterministic_and_independent_of_extra_key_order():
    first = NczHeader.image("m", "0" * 16, 1, 1, extra={"a": 1, "b": 2})
    second = NczHeader.image("m", "0" * 16, 1, 1, extra={"b": 2, "a": 1})
    assert write_ncz(first, [b"s"]) == write_ncz(second, [b"s"])


def test_empty_extra_costs_one_byte():
    with_extra = write_ncz(NczHeader.image("m", "0" * 16, 1, 1, extra={"k": 1}), [])
    without = write_ncz(NczHeader.image("m", "0" * 16, 1, 1), [])
    assert len(with_extra) - len(without) == len('{"k":1}')
    assert len(without) == 32


def test_describe_reports_fields_sizes_and_bits_per_pixel():
    data = write_ncz(HEADER, STREAMS)
    header, streams = read_ncz(data)
    info = describe(header, streams, len(data))
    assert info["format"] == "ncz 2.0"
    assert info["kind"] == "lossy-image"
    assert info["model"] == "hyperprior-mse"
    assert (info["width"], info["height"], info["mode"], info["quality"]) == (768, 512, "RGB", 75)
    assert info["stream_bytes"] == [30, 0, 7]
    assert info["file_bytes"] == len(data)
    assert info["bits_per_pixel"] == pytest.approx(8 * len(data) / (768 * 512))
    assert "extra" not in describe(header)


# ---- damaged files ---------------------------------------------------------------------------


@pytest.mark.parametrize("header", ONE_OF_EACH_KIND, ids=lambda h: h.kind.label)
def test_every_single_bit_flip_is_detected(header):
    data = write_ncz(header, [b"ab", b"c"])
    for index in range(len(data)):
        for bit in range(8):
            damaged = bytearray(data)
            damaged[index] ^= 1 << bit
            with pytest.raises(FormatError):
                read_ncz(bytes(damaged))


@pytest.mark.parametrize("header", [HEADER, *ONE_OF_EACH_KIND[1:]], ids=lambda h: h.kind.label)
def test_every_single_byte_replacement_is_detected(header):
    data = write_ncz(header, [b"payload"])
    for index in range(len(data)):
        for value in range(256):
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
    data = raw_file(v2_header(), version=(3, 1))
    with pytest.raises(
        FormatError,
        match=r"^unsupported .ncz format version 3\.1: this ncodec reads versions 1\.x and 2\.x; "
        r"upgrade ncodec$",
    ):
        read_ncz(data)


@pytest.mark.parametrize("major", [0, 255])
def test_any_unknown_major_is_a_one_line_error(major):
    with pytest.raises(FormatError, match=f"^unsupported .ncz format version {major}\\.0: ") as err:
        read_ncz(raw_file(v2_header(), version=(major, 0)))
    assert "\n" not in str(err.value)


def test_newer_minor_version_with_appended_fields_is_readable():
    data = raw_file(v2_header(appended=b"\x05future"), [b"s"], version=(2, 7))
    header, streams = read_ncz(data)
    assert header.format_version == (2, 7)
    assert (header.height, header.width, streams) == (2, 3, [b"s"])


def test_unknown_header_bytes_in_current_version_are_rejected():
    with pytest.raises(FormatError, match=r"unknown bytes after the last field of a version 2\.0"):
        read_ncz(raw_file(v2_header(appended=b"\x00")))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"model": b""}, "model name is empty"),
        ({"model": b"\xff\xfe"}, "model name is not valid UTF-8"),
        ({"model": b"a\nb"}, "control characters"),
        ({"extra": b"{not json"}, "extra is not valid JSON"),
        ({"extra": b"[1, 2]"}, "extra must be a non-empty JSON object"),
        ({"extra": b"{}"}, "extra must be a non-empty JSON object"),
        ({"extra": b'{"x": NaN}'}, "extra is not valid JSON"),
    ],
)
def test_nonsensical_common_fields_with_a_valid_checksum_are_rejected(fields, message):
    with pytest.raises(FormatError, match=f"^invalid header: .*{message}"):
        read_ncz(raw_file(v2_header(**fields)))


@pytest.mark.parametrize("cut", [1, 3, 8, 12, 20])
def test_header_fields_running_past_the_header_are_rejected(cut):
    header = v2_header()[:-cut]  # cut the last fields, but declare the shorter length
    with pytest.raises(FormatError, match=r"^invalid header: .*(needs|runs past the end)"):
        read_ncz(raw_file(header))


def test_block_length_running_past_the_header_is_rejected():
    header = v2_header()
    header = header[:11] + b"\x7f" + header[12:]  # block length 127 in a 20-byte header
    with pytest.raises(FormatError, match=r"^invalid header: lossy-image block needs 127 bytes"):
        read_ncz(raw_file(header))


def test_non_canonical_varint_is_rejected():
    body = MAGIC + b"\x02\x00" + b"\x80\x00"  # header length 0 written in two bytes
    data = body + b"\x00" + struct.pack(">I", zlib.crc32(body + b"\x00"))
    with pytest.raises(FormatError, match="canonical"):
        read_ncz(data)


def test_absurd_stream_count_is_truncation_not_a_hang():
    body = MAGIC + b"\x02\x00" + encode_varint(len(v2_header())) + v2_header()
    body += encode_varint(1 << 60)
    with pytest.raises(FormatError, match="declares 1152921504606846976 streams"):
        read_ncz(body + b"\x00" * 8)


def test_header_over_the_size_limit_is_rejected_on_read():
    extra = b'{"k":"' + b"x" * MAX_HEADER_BYTES + b'"}'
    with pytest.raises(
        FormatError, match=r"^invalid header: \d+ bytes exceeds the 65536-byte limit"
    ):
        read_ncz(raw_file(v2_header(extra=extra)))


def test_header_at_the_size_limit_is_accepted():
    fixed = len(v2_header(extra=b'{"k":""}'))
    extra = {"k": "x" * (MAX_HEADER_BYTES - fixed - 2)}  # the extra length varint grows by 2
    data = write_ncz(NczHeader.image("m", "0" * 16, 2, 3, quality=50, extra=extra), [])
    assert read_header(data).extra == extra
    with pytest.raises(InputError, match="header of 65537 bytes exceeds the 65536-byte limit"):
        write_ncz(NczHeader.image("m", "0" * 16, 2, 3, extra={"k": extra["k"] + "x"}), [])


# ---- invalid headers on write ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weights_hash": "ABCDEF0123456789"}, "16 lowercase hex"),
        ({"weights_hash": "abc"}, "16 lowercase hex"),
        ({"weights_hash": None}, "16 lowercase hex"),
        ({"model": ""}, "model name is empty"),
        ({"model": "x" * 256}, "longer than 255 bytes"),
        ({"model": "a\x00b"}, "control characters"),
        ({"model": "\ud800"}, "control characters"),
        ({"extra": {"f": object()}}, "not JSON-serialisable"),
        ({"extra": {"f": float("nan")}}, "not JSON-serialisable"),
        ({"extra": {1: "x"}}, "keys must be strings"),
        ({"extra": [("a", 1)]}, "extra must be a dict"),
    ],
)
def test_writing_a_nonsensical_header_raises_input_error(changes, message):
    fields = {**HEADER.__dict__, **changes}
    with pytest.raises(InputError, match=message):
        write_ncz(NczHeader(**fields), [])


def test_writing_a_non_bytes_stream_raises_input_error():
    with pytest.raises(InputError, match="stream 1 is str"):
        write_ncz(HEADER, [b"ok", "text"])


# ---- property tests --------------------------------------------------------------------------

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
    header = NczHeader.image(model, weights.hex(), height, width, mode, quality, extra)
    assert read_ncz(write_ncz(header, streams)) == (header, streams)


@settings(max_examples=300, deadline=None)
@given(
    tail=st.binary(max_size=80),
    major=st.sampled_from([1, 2, 2, 2, 3]),
    minor=st.integers(0, 255),
)
def test_random_bytes_after_the_magic_only_ever_raise_format_error(tail, major, minor):
    with pytest.raises(FormatError):
        read_ncz(MAGIC + bytes([major, minor]) + tail)


@settings(max_examples=300, deadline=None)
@given(header=st.binary(max_size=120), minor=st.integers(0, 3))
def test_random_header_bytes_with_a_valid_checksum_only_ever_raise_format_error(header, minor):
    try:
        read_ncz(raw_file(header, [b"s"], version=(2, minor)))
    except FormatError as err:
        assert "\n" not in str(err)


@settings(max_examples=200, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1))
def test_random_multi_byte_damage_is_detected(edits):
    data = bytearray(write_ncz(HEADER, STREAMS))
    for position, delta in edits:
        data[position % len(data)] ^= delta
    if bytes(data) != write_ncz(HEADER, STREAMS):  # edits may cancel out
        with pytest.raises(FormatError):
            read_ncz(bytes(data))
