"""Byte layout of each payload kind's header block (the bytes inside its varint length prefix).

    lossy-image     height varint | width varint | mode (u8 len + ASCII) | quality u8
    lossless-image  height varint | width varint | mode (u8 len + ASCII) | pixels CRC32 u32be
    integer-tensor  ndim u8 | ndim * (dimension varint) | dtype code u8
    point-cloud     point count varint | bbox min 3 * f64le | bbox max 3 * f64le
                    | step mm f64le | flags u8 (bit 0: intensity coded)

A newer minor version may append fields to a block; the block length lets older readers skip them.
Decoding checks only what it must to keep parsing; `payload_problem` then checks every bound.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ncodec.errors import FormatError
from ncodec.format import payloads
from ncodec.format.reader import ByteReader
from ncodec.format.varint import encode_varint
from ncodec.format.version import is_newer_minor

_DTYPE_OF_CODE = {code: name for name, code in payloads.TENSOR_DTYPE_CODES.items()}


def encode_block(payload: payloads.Payload) -> bytes:
    """Serialise a validated payload description into its kind block (without the length prefix)."""
    return _WRITERS[type(payload)](payload)


def decode_block(
    kind: payloads.PayloadKind, block: bytes, version: tuple[int, int]
) -> payloads.Payload:
    """Parse one kind block; unknown trailing bytes are allowed only from a newer minor version."""
    reader = ByteReader(block, 0, len(block), "invalid header")
    payload = _READERS[kind](reader, version)
    reader.finish(version, f"{kind.label} block")
    return payload


def read_lossy_image(reader: ByteReader) -> payloads.ImageInfo:
    """Read lossy-image fields in place (also the inline image fields of a version 1.0 header)."""
    height = reader.varint("height")
    width = reader.varint("width")
    mode = reader.text("mode")
    return payloads.ImageInfo(height, width, mode, reader.u8("quality"))


def _write_image_geometry(info: payloads.ImageInfo | payloads.LosslessImageInfo) -> bytes:
    mode = info.mode.encode("ascii")
    sides = encode_varint(int(info.height)) + encode_varint(int(info.width))
    return sides + bytes([len(mode)]) + mode


def _write_lossy_image(info: payloads.ImageInfo) -> bytes:
    return _write_image_geometry(info) + bytes([int(info.quality)])


def _write_lossless_image(info: payloads.LosslessImageInfo) -> bytes:
    return _write_image_geometry(info) + int(info.pixels_crc32).to_bytes(4, "big")


def _write_tensor(info: payloads.TensorInfo) -> bytes:
    dims = b"".join(encode_varint(int(size)) for size in info.shape)
    return bytes([len(info.shape)]) + dims + bytes([payloads.TENSOR_DTYPE_CODES[info.dtype]])


def _write_point_cloud(info: payloads.PointCloudInfo) -> bytes:
    corners = [float(value) for value in (*info.bbox_min, *info.bbox_max)]
    flags = payloads.POINT_FLAG_INTENSITY if info.intensity else 0
    return (
        encode_varint(int(info.point_count))
        + struct.pack("<7d", *corners, float(info.step_mm))
        + bytes([flags])
    )


def _read_lossy_image(reader: ByteReader, version: tuple[int, int]) -> payloads.ImageInfo:
    return read_lossy_image(reader)


def _read_lossless_image(
    reader: ByteReader, version: tuple[int, int]
) -> payloads.LosslessImageInfo:
    height = reader.varint("height")
    width = reader.varint("width")
    mode = reader.text("mode")
    return payloads.LosslessImageInfo(height, width, mode, reader.u32be("pixels CRC32"))


def _read_tensor(reader: ByteReader, version: tuple[int, int]) -> payloads.TensorInfo:
    ndim = reader.u8("tensor ndim")
    if not 1 <= ndim <= payloads.MAX_TENSOR_NDIM:
        raise FormatError(
            f"invalid header: tensor ndim {ndim} is outside 1..{payloads.MAX_TENSOR_NDIM}"
        )
    shape = tuple(reader.varint(f"tensor dimension {axis}") for axis in range(ndim))
    code = reader.u8("tensor dtype code")
    if code not in _DTYPE_OF_CODE:
        known = ", ".join(f"{value} ({name})" for value, name in _DTYPE_OF_CODE.items())
        raise FormatError(f"invalid header: tensor dtype code {code} is not one of {known}")
    return payloads.TensorInfo(shape, _DTYPE_OF_CODE[code])


def _read_point_cloud(reader: ByteReader, version: tuple[int, int]) -> payloads.PointCloudInfo:
    count = reader.varint("point count")
    bbox_min = tuple(reader.f64le(f"bbox min {axis}") for axis in "xyz")
    bbox_max = tuple(reader.f64le(f"bbox max {axis}") for axis in "xyz")
    step_mm = reader.f64le("quantisation step")
    flags = reader.u8("point-cloud flags")
    unknown = flags & ~payloads.KNOWN_POINT_FLAGS
    if unknown and not is_newer_minor(version):
        raise FormatError(
            f"invalid header: point-cloud flags 0x{flags:02x} set reserved bits 0x{unknown:02x}"
        )
    return payloads.PointCloudInfo(
        count, bbox_min, bbox_max, step_mm, bool(flags & payloads.POINT_FLAG_INTENSITY)
    )


_WRITERS: dict[type, Callable[..., bytes]] = {
    payloads.ImageInfo: _write_lossy_image,
    payloads.LosslessImageInfo: _write_lossless_image,
    payloads.TensorInfo: _write_tensor,
    payloads.PointCloudInfo: _write_point_cloud,
}
_READERS: dict[payloads.PayloadKind, Callable[[ByteReader, tuple[int, int]], payloads.Payload]] = {
    payloads.PayloadKind.LOSSY_IMAGE: _read_lossy_image,
    payloads.PayloadKind.LOSSLESS_IMAGE: _read_lossless_image,
    payloads.PayloadKind.INTEGER_TENSOR: _read_tensor,
    payloads.PayloadKind.POINT_CLOUD: _read_point_cloud,
}
