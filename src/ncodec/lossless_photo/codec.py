"""The registered `lossless-photo` architecture: 8-bit RGB or gray images to a lossless-image
`.ncz` (tiles coded by `ncodec.lossless_photo.tile`) and back, proven by the pixel CRC32.

Streams: 0 = the tiles' predictor parameters (zlib), 1 = the ANS stack of every tile's symbols.
Tiles of at most `tile` x `tile` pixels bound the coder's working memory.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from torch import nn

from ncodec.coding import AnsStack, CdfTables, DecodeOrderWriter
from ncodec.errors import FormatError, InputError
from ncodec.format import NczHeader, PayloadKind
from ncodec.format.payloads import LosslessImageInfo
from ncodec.format.pixel_checksum import check_decoded_pixels, pixels_crc32
from ncodec.io.arrays import GRAY_NOTICE, LoadedImage, is_grayscale_mode
from ncodec.lossless_photo import geometry as geo
from ncodec.lossless_photo.tables import build_tables, table_bits
from ncodec.lossless_photo.tile import Settings, decode_tile, encode_tile, param_bytes
from ncodec.models.protocol import Architecture, Encoded, FrozenCodec
from ncodec.models.registry import register_architecture

ORDER = (1, 0, 2)
"""RGB planes in coding order: green first, then red and blue given it."""


def exact_pixels(data: Any) -> tuple[np.ndarray, str]:
    """(H x W x C uint8 planes, C = 1 or 3, and the mode to restore) of an image to code
    exactly; a 16-bit, float, alpha or empty image is a one-line InputError."""
    if isinstance(data, LoadedImage):
        changed = [notice for notice in data.notices if notice != GRAY_NOTICE]
        if changed:
            raise InputError(f"lossless coding needs 8-bit gray or RGB pixels ({changed[0]})")
        gray = is_grayscale_mode(data.mode)
        pixels = data.rgb[:, :, :1] if gray else data.rgb
        return np.ascontiguousarray(pixels), "L" if gray else "RGB"
    array = np.asarray(data)
    if array.dtype != np.uint8:
        raise InputError(f"lossless coding needs 8-bit samples, got {array.dtype}")
    if array.ndim == 2:
        array = array[:, :, np.newaxis]
    if array.ndim != 3 or array.shape[2] not in (1, 3):
        raise InputError(f"lossless coding needs H x W or H x W x 3 pixels, got {array.shape}")
    if array.size == 0:
        raise InputError(f"cannot code an empty image ({array.shape[0]}x{array.shape[1]})")
    return np.ascontiguousarray(array), "L" if array.shape[2] == 1 else "RGB"


def tile_boxes(height: int, width: int, tile: int) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of every tile, row by row."""
    return [
        (y, x, min(y + tile, height), min(x + tile, width))
        for y in range(0, height, tile)
        for x in range(0, width, tile)
    ]


class FrozenLosslessPhoto(FrozenCodec):
    """Codes 8-bit gray or RGB images exactly (quality and effort do not apply)."""

    kind = PayloadKind.LOSSLESS_IMAGE

    def __init__(self, settings: Settings, tile: int) -> None:
        self.settings = settings
        self.tile = tile

    def compress(
        self, data: Any, quality: int, effort: int = 0, options: Mapping[str, Any] | None = None
    ) -> Encoded:
        """An image (a `LoadedImage` or a uint8 H x W / H x W x 3 array) to two streams."""
        pixels, mode = exact_pixels(data)
        planes = pixels[:, :, ORDER] if pixels.shape[2] == 3 else pixels
        height, width = pixels.shape[:2]
        writer = DecodeOrderWriter()
        params = b"".join(
            encode_tile(planes[top:bottom, left:right], self.settings, writer)
            for top, left, bottom, right in tile_boxes(height, width, self.tile)
        )
        crc = pixels_crc32(pixels[:, :, 0] if mode == "L" else pixels)
        info = LosslessImageInfo(height, width, mode, crc)
        return Encoded([zlib.compress(params, 9), writer.to_bytes()], info)

    def decompress(self, streams: Sequence[bytes], header: NczHeader) -> np.ndarray:
        """The H x W x 3 uint8 pixels (gray replicated); a CRC mismatch is a FormatError."""
        info = header.payload
        if not isinstance(info, LosslessImageInfo) or len(streams) != 2:
            raise FormatError("a lossless-photo file holds a lossless image in two streams")
        channels = 1 if is_grayscale_mode(info.mode) else 3
        boxes = tile_boxes(info.height, info.width, self.tile)
        sizes = [self._param_size(b, channels) for b in boxes]
        params = _inflate(streams[0], sum(sizes))
        stack = AnsStack.from_bytes(streams[1])
        planes = np.zeros((info.height, info.width, channels), dtype=np.uint8)
        at = 0
        for (top, left, bottom, right), size in zip(boxes, sizes, strict=True):
            shape = (bottom - top, right - left)
            tile_params = params[at : at + size]
            planes[top:bottom, left:right] = decode_tile(
                stack, tile_params, shape, channels, self.settings
            )
            at += size
        if channels == 1:
            check_decoded_pixels(info, planes[:, :, 0])
            return np.repeat(planes, 3, axis=2)
        pixels = np.empty_like(planes)
        pixels[:, :, ORDER] = planes
        check_decoded_pixels(info, pixels)
        return pixels

    def _param_size(self, box: tuple[int, int, int, int], channels: int) -> int:
        """Bytes of one tile's parameters."""
        levels = len(geo.level_shapes(box[2] - box[0], box[3] - box[1]))
        return param_bytes(self.settings, levels, channels)


def _inflate(data: bytes, size: int) -> bytes:
    """Exactly `size` bytes from a zlib stream (never more: a bomb cannot allocate)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, size)
    except zlib.error as err:
        raise FormatError(f"corrupted: predictor parameters do not inflate ({err})") from None
    if len(out) != size or not inflater.eof or inflater.unconsumed_tail:
        raise FormatError("corrupted: predictor parameters have the wrong length")
    return out


class LosslessPhotoModule(nn.Module):
    """Holds the configuration; every coding array (tables, thresholds) is exported, integer."""

    def __init__(
        self,
        radii: Sequence[int],
        scales: int,
        scale_min: float,
        scale_max: float,
        tile: int,
        contexts: int,
    ) -> None:
        super().__init__()
        self.radii = tuple(int(r) for r in radii)
        self.scales = np.exp(np.linspace(np.log(scale_min), np.log(scale_max), int(scales)))
        self.tile = int(tile)
        self.thresholds = context_thresholds(int(contexts))


def context_thresholds(contexts: int) -> np.ndarray:
    """Activity thresholds: distinct rounded powers of sqrt(2), `contexts - 1` at most."""
    return np.unique(np.rint(2.0 ** (np.arange(contexts - 1) / 2))).astype(np.int64)


@register_architecture
class LosslessPhotoArchitecture(Architecture):
    """Multiscale polyphase lossless coder with per-image integer linear predictors."""

    name = "lossless-photo"
    kind = PayloadKind.LOSSLESS_IMAGE

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {
            "radii": [2, 1],
            "scales": 48,
            "scale_min": 0.12,
            "scale_max": 120.0,
            "tile": 1024,
            "contexts": 21,
        }

    @classmethod
    def build(cls, config: Mapping[str, Any]) -> nn.Module:
        return LosslessPhotoModule(**{**cls.default_config(), **dict(config)})

    @classmethod
    def export(cls, module: nn.Module) -> dict[str, np.ndarray]:
        tables = build_tables(module.scales)
        return {**tables.to_arrays("tables."), "thresholds": module.thresholds}

    @classmethod
    def freeze(cls, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> FrozenCodec:
        try:
            tables = CdfTables.from_arrays(dict(arrays), "tables.")
            thresholds = np.asarray(arrays["thresholds"], dtype=np.int64)
        except (KeyError, ValueError) as err:
            raise FormatError(f"lossless-photo weights are inconsistent ({err})") from None
        if len(module.radii) != geo.GROUPS or tables.num_tables > 256:
            raise FormatError("lossless-photo weights do not fit this version of the coder")
        settings = Settings(module.radii, thresholds, tables, table_bits(tables))
        return FrozenLosslessPhoto(settings, module.tile)
