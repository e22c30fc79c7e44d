"""The pixel CRC32 of a lossless-image header: proof that a decoder restored the exact pixels."""

from __future__ import annotations

import zlib

import numpy as np

from ncodec.errors import FormatError
from ncodec.format.payloads import LosslessImageInfo


def pixels_crc32(pixels: np.ndarray) -> int:
    """zlib.crc32 of the pixels in row-major order, multi-byte samples little-endian.

    The array is taken as the decoder returns it (H x W or H x W x C), so the same pixels always
    give the same CRC regardless of memory layout or the machine's byte order.
    """
    array = np.asarray(pixels)
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return zlib.crc32(np.ascontiguousarray(little).tobytes())


def check_decoded_pixels(info: LosslessImageInfo, pixels: np.ndarray) -> None:
    """Raise a one-line FormatError unless `pixels` have the header's size and pixel CRC32."""
    shape = np.shape(pixels)
    if len(shape) < 2 or shape[:2] != (info.height, info.width):
        raise FormatError(
            f"corrupted: decoded pixels have shape {shape}, the header says "
            f"{info.height}x{info.width}"
        )
    computed = pixels_crc32(pixels)
    if computed != info.pixels_crc32:
        raise FormatError(
            f"corrupted: decoded pixels do not match the stored CRC32 "
            f"(stored {info.pixels_crc32:08x}, computed {computed:08x})"
        )
