"""Typed payload blocks: every kind round-trips, is laid out as documented, and is range-checked."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncodec.errors import FormatError, InputError
from ncodec.format import (
    ImageInfo,
    LosslessImageInfo,
    NczHeader,
    PayloadKind,
    PointCloudInfo,
    TensorInfo,
    check_decoded_pixels,
    describe,
    pixels_crc32,
    read_header,
    read_ncz,
    write_ncz,
)
from ncodec.format.payloads import (
    MAX_POINTS,
    MAX_SIDE,
    MAX_TENSOR_ELEMENTS,
    TENSOR_DTYPE_CODES,
)

from .layout import (
    lossless_block,
    lossy_block,
    point_cloud_block,
    raw_file,
    tensor_block,
    v2_header,
)

HASH = "0011223344556677"
WEIGHTS = bytes.fromhex(HASH)
PAYLOADS = [
    ImageInfo(7, 13, "L", 1),
    LosslessImageInfo(5, 4, "RGBA", 0xFFFFFFFF),
    TensorInfo((2, 1, 300), "int32"),
    PointCloudInfo(1_000_000, (-1.5, 0.0, 2.0), (3.25, 0.0, 1e6), 0.125, True),
]


def _read(kind: int, block: bytes, version: tuple[int, int] = (2, 0)) -> NczHeader:
    return read_header(raw_file(v2_header(kind, block, weights=WEIGHTS), [b"s"], version))


# ---- round trips and layout ------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_every_kind_round_trips_with_its_default_kind(payload):
    header = NczHeader("model-x", HASH, payload, extra={"a": [1, {"b": None}]})
    assert (
        header.kind
        == {
            ImageInfo: PayloadKind.LOSSY_IMAGE,
            LosslessImageInfo: PayloadKind.LOSSLESS_IMAGE,
            TensorInfo: PayloadKind.INTEGER_TENSOR,
            PointCloudInfo: PayloadKind.POINT_CLOUD,
        }[type(payload)]
    )
    streams = [b"\x00" * 5, b"", b"xyz"]
    assert read_ncz(write_ncz(header, streams)) == (header, streams)


@pytest.mark.parametrize(
    ("payload", "kind", "block"),
    [
        (ImageInfo(2, 3, "RGB", 50), 1, lossy_block(2, 3, b"RGB", 50)),
        (ImageInfo(300, 20000), 1, b"\xac\x02\xa0\x9c\x01\x03RGB\x4b"),
        (LosslessImageInfo(2, 3, "L", 0x01020304), 2, b"\x02\x03\x01L\x01\x02\x03\x04"),
        (TensorInfo((2, 3), "uint8"), 3, b"\x02\x02\x03\x01"),
        (TensorInfo((128,), "int32"), 3, b"\x01\x80\x01\x05"),
        (PointCloudInfo(5, (0.0, -1.0, 2.0), (1.0, 1.0, 2.5), 0.25, True), 4, point_cloud_block()),
        (
            PointCloudInfo(1, (0, 0, 0), (0, 0, 0), 1.0),
            4,
            b"\x01" + bytes(48) + b"\0\0\0\0\0\0\xf0?\0",
        ),
    ],
)
def test_each_block_is_laid_out_as_documented(payload, kind, block):
    data = write_ncz(NczHeader("m", HASH, payload), [b"s"])
    assert data == raw_file(v2_header(kind, block, weights=WEIGHTS), [b"s"])


def test_dtype_codes_are_the_documented_ones():
    assert TENSOR_DTYPE_CODES == {"uint8": 1, "int8": 2, "uint16": 3, "int16": 4, "int32": 5}
    assert [int(kind) for kind in PayloadKind] == [1, 2, 3, 4]
    assert [kind.label for kind in PayloadKind] == [
        "lossy-image",
        "lossless-image",
        "integer-tensor",
        "point-cloud",
    ]


@pytest.mark.parametrize("dtype", list(TENSOR_DTYPE_CODES))
def test_every_tensor_dtype_round_trips(dtype):
    header = NczHeader("m", HASH, TensorInfo((1, 2, 3, 4, 5, 6, 7, 8), dtype))
    assert read_header(write_ncz(header, [])) == header


def test_lists_are_accepted_where_tuples_are_read_back():
    tensor = NczHeader("m", HASH, TensorInfo([2, 3]))
    cloud = NczHeader("m", HASH, PointCloudInfo(1, [0, 0, 0], [1, 1, 1], 2.0))
    assert read_header(write_ncz(tensor, [])) == tensor
    assert read_header(write_ncz(cloud, [])) == cloud


def test_point_cloud_floats_keep_every_bit():
    tiny, huge = 5e-324, 1.7976931348623157e308
    info = PointCloudInfo(3, (-huge, -0.0, 0.1), (huge, 0.0, 0.1 + 2e-16), tiny)
    read = read_header(write_ncz(NczHeader("m", HASH, info), [])).payload
    assert read == info
    assert math.copysign(1.0, read.bbox_min[1]) == -1.0


def test_newer_minor_fields_appended_inside_a_block_are_skipped():
    for kind, block, expected in [
        (1, lossy_block(appended=b"\x07new"), ImageInfo(2, 3, "RGB", 50)),
        (2, lossless_block(appended=b"\x01"), LosslessImageInfo(2, 3, "L", 0x01020304)),
        (3, tensor_block(appended=b"\x00\x00"), TensorInfo((2, 3), "uint8")),
        (
            4,
            point_cloud_block(appended=b"\xff"),
            PointCloudInfo(5, (0, -1, 2), (1, 1, 2.5), 0.25, True),
        ),
    ]:
        header = _read(kind, block, version=(2, 1))
        assert (header.payload, header.format_version) == (expected, (2, 1))


@pytest.mark.parametrize(
    ("kind", "block", "label"),
    [
        (1, lossy_block(appended=b"\x00"), "lossy-image"),
        (2, lossless_block(appended=b"\x00"), "lossless-image"),
        (3, tensor_block(appended=b"\x00"), "integer-tensor"),
        (4, point_cloud_block(appended=b"\x00"), "point-cloud"),
    ],
)
def test_unknown_block_bytes_in_the_current_version_are_rejected(kind, block, label):
    with pytest.raises(
        FormatError, match=f"^invalid header: 1 unknown bytes .* version 2\\.0 {label} block$"
    ):
        _read(kind, block)


def test_point_cloud_reserved_flags_are_rejected_unless_from_a_newer_minor():
    with pytest.raises(FormatError, match=r"flags 0x03 set reserved bits 0x02"):
        _read(4, point_cloud_block(flags=3))
    assert _read(4, point_cloud_block(flags=2), version=(2, 1)).payload.intensity is False


# ---- unknown and mismatched kinds ------------------------------------------------------------


@pytest.mark.parametrize("kind", [0, 5, 255])
def test_unknown_kind_is_a_one_line_error(kind):
    with pytest.raises(
        FormatError, match=f"^unsupported payload kind {kind}: this ncodec reads"
    ) as err:
        _read(kind, lossy_block())
    assert "\n" not in str(err.value)
    assert "upgrade" not in str(err.value)


def test_unknown_kind_from_a_newer_minor_suggests_an_upgrade():
    with pytest.raises(FormatError, match=r"^unsupported payload kind 9: .*; upgrade ncodec$"):
        _read(9, b"", version=(2, 4))


def test_a_block_of_another_kind_is_rejected():
    with pytest.raises(FormatError, match=r"^invalid header: "):
        _read(3, lossy_block())  # tensor kind, image block


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (PayloadKind.LOSSLESS_IMAGE, "kind lossless-image does not match a ImageInfo payload"),
        (9, "kind 9 does not match"),
        ("lossy", "kind 'lossy' does not match"),
    ],
)
def test_writing_a_kind_that_does_not_match_the_payload_is_refused(kind, message):
    with pytest.raises(InputError, match=f"^cannot write .ncz: {message}"):
        write_ncz(NczHeader("m", HASH, ImageInfo(1, 1), kind=kind), [])


def test_kind_given_as_a_plain_byte_becomes_the_enum():
    header = NczHeader("m", HASH, TensorInfo((1,)), kind=3)
    assert header.kind is PayloadKind.INTEGER_TENSOR
    assert read_header(write_ncz(header, [])) == header


def test_writing_something_that_is_not_a_payload_is_refused():
    with pytest.raises(InputError, match=r"payload must be one of ImageInfo, .* got int"):
        write_ncz(NczHeader("m", HASH, 2), [])


# ---- bounds on every field -------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("kind", "block", "message"),
    [
        (1, lossy_block(height=0), "height 0 is outside"),
        (1, lossy_block(width=0), "width 0 is outside"),
        (1, lossy_block(height=MAX_SIDE + 1), "height .* is outside"),
        (1, lossy_block(height=(1 << 63) - 1), "height .* is outside"),
        (1, lossy_block(height=1 << 15, width=1 << 14), "exceeds .* pixels"),
        (1, lossy_block(mode=b""), "image mode '' is not"),
        (1, lossy_block(mode=b"R G"), "image mode"),
        (1, lossy_block(mode=b"\xc3"), "mode is not valid UTF-8"),
        (1, lossy_block(mode=b"\xc3\xa9"), "image mode"),
        (1, lossy_block(quality=0), "quality 0 is outside 1..100"),
        (1, lossy_block(quality=101), "quality 101 is outside 1..100"),
        (2, lossless_block(width=0), "width 0 is outside"),
        (2, lossless_block(mode=b"RGB\x00"), "image mode"),
        (2, lossless_block()[:-1], "pixels CRC32 needs 4 bytes"),
        (3, tensor_block(()), "tensor ndim 0 is outside 1..8"),
        (3, tensor_block((1,) * 9), "tensor ndim 9 is outside 1..8"),
        (3, tensor_block((2, 0)), "tensor dimension 1 is 0"),
        (3, tensor_block((MAX_TENSOR_ELEMENTS + 1,)), "tensor dimension 0 is"),
        (3, tensor_block((1 << 16, 1 << 16)), "more than 2147483648"),
        (3, tensor_block(dtype_code=0), "tensor dtype code 0 is not one of 1 \\(uint8\\)"),
        (3, tensor_block(dtype_code=6), "tensor dtype code 6"),
        (3, tensor_block((2, 3), ndim=3), "tensor dtype code needs 1 bytes"),
        (4, point_cloud_block(count=0), "point count 0 is outside"),
        (4, point_cloud_block(count=MAX_POINTS + 1), "point count .* is outside"),
        (4, point_cloud_block(bbox_min=(0, NAN, 0)), "bbox_min .* is not 3 finite numbers"),
        (4, point_cloud_block(bbox_max=(0, 0, INF)), "bbox_max .* is not 3 finite numbers"),
        (4, point_cloud_block(bbox_min=(0, 2, 0)), "min y 2.0 is greater than max y 1.0"),
        (4, point_cloud_block(step_mm=0.0), "step 0.0 mm is not a finite number > 0"),
        (4, point_cloud_block(step_mm=-1.0), "step -1.0 mm"),
        (4, point_cloud_block(step_mm=NAN), "step nan mm"),
        (4, point_cloud_block(step_mm=-INF), "step -inf mm"),
        (4, point_cloud_block()[:-1], "point-cloud flags needs 1 bytes"),
    ],
)
def test_nonsensical_block_fields_with_a_valid_checksum_are_rejected(kind, block, message):
    with pytest.raises(FormatError, match=f"^invalid header: .*{message}"):
        _read(kind, block)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (ImageInfo(0, 1), "height 0 is outside"),
        (ImageInfo(1, -4), "width -4 is outside"),
        (ImageInfo(1.5, 1), "height 1.5 is outside"),
        (ImageInfo(True, 1), "height True is outside"),
        (ImageInfo(2, 1 << 28), "outside"),
        (ImageInfo(1 << 15, 1 << 14), "exceeds .* pixels"),
        (ImageInfo(1, 1, "RGB with spaces"), "image mode"),
        (ImageInfo(1, 1, "Ü"), "image mode"),
        (ImageInfo(1, 1, quality=0), "quality 0"),
        (ImageInfo(1, 1, quality=101), "quality 101"),
        (ImageInfo(1, 1, quality=50.0), "quality 50.0"),
        (LosslessImageInfo(1, 1, "L", -1), "pixels CRC32 -1 is not an unsigned 32-bit"),
        (LosslessImageInfo(1, 1, "L", 1 << 32), "pixels CRC32"),
        (LosslessImageInfo(1, 0, "L", 0), "width 0"),
        (TensorInfo(()), "tensor shape \\(\\) is not a tuple of 1..8"),
        (TensorInfo((1,) * 9), "1..8 dimensions"),
        (TensorInfo(5), "tensor shape 5"),
        (TensorInfo((3, 0)), "tensor dimension 1 is 0"),
        (TensorInfo((3, "4")), "tensor dimension 1 is '4'"),
        (TensorInfo((1 << 20, 1 << 20)), "more than 2147483648"),
        (TensorInfo((2,), "float32"), "dtype 'float32' is not one of uint8, int8"),
        (PointCloudInfo(0, (0, 0, 0), (1, 1, 1), 1.0), "point count 0"),
        (PointCloudInfo(MAX_POINTS + 1, (0, 0, 0), (1, 1, 1), 1.0), "point count"),
        (PointCloudInfo(1, (0, 0), (1, 1, 1), 1.0), "bbox_min"),
        (PointCloudInfo(1, (0, 0, NAN), (1, 1, 1), 1.0), "bbox_min .* finite"),
        (PointCloudInfo(1, (0, 0, 0), (1, INF, 1), 1.0), "bbox_max .* finite"),
        (PointCloudInfo(1, (0, 0, 0), "abc", 1.0), "bbox_max"),
        (PointCloudInfo(1, (0, 0, 5), (1, 1, 1), 1.0), "min z 5 is greater than max z 1"),
        (PointCloudInfo(1, (0, 0, 0), (1, 1, 1), 0), "step 0 mm"),
        (PointCloudInfo(1, (0, 0, 0), (1, 1, 1), INF), "step inf mm"),
        (PointCloudInfo(1, (0, 0, 0), (1, 1, 1), 1.0, intensity=1), "intensity flag 1"),
    ],
)
def test_writing_a_nonsensical_payload_raises_input_error(payload, message):
    with pytest.raises(InputError, match=f"^cannot write .ncz: .*{message}"):
        write_ncz(NczHeader("m", HASH, payload), [])


@pytest.mark.parametrize("kind", [1, 2, 3, 4])
@settings(max_examples=150, deadline=None)
@given(block=st.binary(max_size=80), minor=st.integers(0, 2))
def test_random_block_bytes_only_ever_raise_a_one_line_format_error(kind, block, minor):
    try:
        header = _read(kind, block, version=(2, minor))
    except FormatError as err:
        assert "\n" not in str(err)
    else:
        assert header.kind == kind


# ---- header conveniences and describe --------------------------------------------------------


def test_image_constructor_and_properties_match_the_payload():
    header = NczHeader.image("m", HASH, 4, 5, "L", 33, extra={"k": 1})
    assert header == NczHeader("m", HASH, ImageInfo(4, 5, "L", 33), extra={"k": 1})
    assert header.kind is PayloadKind.LOSSY_IMAGE
    assert (header.height, header.width, header.mode, header.quality) == (4, 5, "L", 33)
    assert NczHeader.image("m", HASH, 1, 1).payload == ImageInfo(1, 1, "RGB", 75)


def test_lossless_image_has_geometry_but_no_quality():
    header = NczHeader("m", HASH, LosslessImageInfo(4, 5, "RGB", 7))
    assert (header.height, header.width, header.mode) == (4, 5, "RGB")
    with pytest.raises(FormatError, match=r"^quality is only defined for lossy-image payloads"):
        _ = header.quality


@pytest.mark.parametrize("field", ["height", "width", "mode", "quality"])
@pytest.mark.parametrize("payload", PAYLOADS[2:], ids=lambda p: type(p).__name__)
def test_image_properties_of_other_kinds_raise_format_error(payload, field):
    header = NczHeader("m", HASH, payload)
    with pytest.raises(
        FormatError, match=f"^{field} is only defined for .*, not {header.kind.label}$"
    ):
        getattr(header, field)


def test_describe_shows_each_kind_and_its_fields():
    described = []
    for payload in PAYLOADS:
        data = write_ncz(NczHeader("m", HASH, payload), [b"1234"])
        described.append(describe(*read_ncz(data), file_size=len(data)))
    image, lossless, tensor, cloud = described
    assert [info["kind"] for info in described] == [kind.label for kind in PayloadKind]
    assert (image["width"], image["height"], image["mode"], image["quality"]) == (13, 7, "L", 1)
    assert (lossless["mode"], lossless["pixels_crc32"]) == ("RGBA", "ffffffff")
    assert "quality" not in lossless
    assert (tensor["shape"], tensor["dtype"], tensor["elements"]) == ([2, 1, 300], "int32", 600)
    assert tensor["bits_per_element"] == pytest.approx(8 * tensor["file_bytes"] / 600)
    assert (cloud["points"], cloud["bbox_min"], cloud["bbox_max"]) == (
        1_000_000,
        [-1.5, 0.0, 2.0],
        [3.25, 0.0, 1e6],
    )
    assert (cloud["step_mm"], cloud["intensity"]) == (0.125, True)
    assert cloud["bits_per_point"] == pytest.approx(8 * cloud["file_bytes"] / 1e6)
    assert all(info["format"] == "ncz 2.0" for info in described)


# ---- pixel checksum of lossless images -------------------------------------------------------


def test_pixels_crc32_is_the_crc_of_row_major_little_endian_samples():
    pixels = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    assert pixels_crc32(pixels) == zlib.crc32(bytes(range(24)))
    assert pixels_crc32(np.asfortranarray(pixels)) == pixels_crc32(pixels)
    wide = np.array([[1, 258]], dtype=">u2")
    assert pixels_crc32(wide) == zlib.crc32(b"\x01\x00\x02\x01")
    assert pixels_crc32(wide.astype("<u2")) == pixels_crc32(wide)


def test_decoded_pixels_that_differ_from_the_header_are_detected():
    pixels = np.zeros((2, 3, 3), np.uint8)
    info = LosslessImageInfo(2, 3, "RGB", pixels_crc32(pixels))
    check_decoded_pixels(info, pixels)
    pixels[1, 2, 0] = 1
    with pytest.raises(FormatError, match=r"^corrupted: decoded pixels do not match the stored"):
        check_decoded_pixels(info, pixels)
    with pytest.raises(FormatError, match=r"^corrupted: decoded pixels have shape \(3, 2, 3\)"):
        check_decoded_pixels(info, np.zeros((3, 2, 3), np.uint8))
