"""What an `.ncz` file can hold: one payload kind per file, each with its own typed description.

A payload description (`ImageInfo`, `LosslessImageInfo`, `TensorInfo`, `PointCloudInfo`) is what a
decoder needs besides the coded streams. `payload_problem` names the first nonsensical field, so
writers and readers share one set of bounds (documented in docs/format.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import IntEnum
from numbers import Integral, Real
from typing import Any


class PayloadKind(IntEnum):
    """The kind byte of a format-2 header: what the coded streams decode to."""

    LOSSY_IMAGE = 1
    LOSSLESS_IMAGE = 2
    INTEGER_TENSOR = 3
    POINT_CLOUD = 4

    @property
    def label(self) -> str:
        """Name used in docs, messages and `ncodec info`, e.g. 'lossy-image'."""
        return self.name.lower().replace("_", "-")


KIND_CODES = frozenset(int(kind) for kind in PayloadKind)
"""Every kind byte this ncodec understands."""

MAX_SIDE = 1 << 20
"""Largest accepted image height or width (about a million pixels per side)."""
MAX_PIXELS = 1 << 28
"""Largest accepted height*width (268 Mpixels): larger headers are nonsense, not images."""
MAX_MODE_BYTES = 15
MAX_TENSOR_NDIM = 8
MAX_TENSOR_ELEMENTS = 1 << 31
"""Largest accepted product of a tensor's dimensions (2 Gi elements)."""
TENSOR_DTYPE_CODES: dict[str, int] = {"uint8": 1, "int8": 2, "uint16": 3, "int16": 4, "int32": 5}
"""Numpy-style dtype name -> code byte stored in an integer-tensor block."""
MAX_POINTS = 1 << 31
"""Largest accepted point count of a point cloud (2 Gi points)."""
POINT_FLAG_INTENSITY = 0x01
"""Point-cloud flags bit 0: an intensity value per point is coded."""
KNOWN_POINT_FLAGS = POINT_FLAG_INTENSITY

_MODE_PATTERN = re.compile(r"[A-Za-z0-9;]{1,15}")


@dataclass(frozen=True)
class ImageInfo:
    """A lossily coded image: geometry, Pillow mode to restore, and the quality it was coded at."""

    height: int
    width: int
    mode: str = "RGB"
    """Pillow mode of the original input ('RGB', 'L', 'RGBA', ...), so decoding can restore it."""
    quality: int = 75
    """Quality setting 1..100 used to encode."""


@dataclass(frozen=True)
class LosslessImageInfo:
    """A losslessly coded image; the CRC32 lets a decoder prove it restored the exact pixels."""

    height: int
    width: int
    mode: str
    pixels_crc32: int
    """zlib.crc32 of the decoded pixels (see ncodec.format.pixel_checksum.pixels_crc32)."""


@dataclass(frozen=True)
class TensorInfo:
    """A losslessly coded integer array (e.g. quantised latents): its shape and dtype."""

    shape: tuple[int, ...]
    dtype: str = "uint8"
    """One of TENSOR_DTYPE_CODES: 'uint8', 'int8', 'uint16', 'int16', 'int32'."""

    def __post_init__(self) -> None:
        if isinstance(self.shape, list):  # accept a list, compare equal to what is read back
            object.__setattr__(self, "shape", tuple(self.shape))

    @property
    def elements(self) -> int:
        """Number of values (product of the dimensions)."""
        return math.prod(self.shape)


@dataclass(frozen=True)
class PointCloudInfo:
    """A coded 3-D point cloud: how many points, where they lie, how finely they are quantised."""

    point_count: int
    bbox_min: tuple[float, float, float]
    """Smallest x, y, z of any point (same unit as the points, usually metres)."""
    bbox_max: tuple[float, float, float]
    step_mm: float
    """Quantisation step in millimetres (> 0)."""
    intensity: bool = False
    """True if an intensity value per point is coded too."""

    def __post_init__(self) -> None:
        for name in ("bbox_min", "bbox_max"):
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, tuple(getattr(self, name)))


Payload = ImageInfo | LosslessImageInfo | TensorInfo | PointCloudInfo
"""Any payload description."""

KIND_OF_PAYLOAD: dict[type, PayloadKind] = {
    ImageInfo: PayloadKind.LOSSY_IMAGE,
    LosslessImageInfo: PayloadKind.LOSSLESS_IMAGE,
    TensorInfo: PayloadKind.INTEGER_TENSOR,
    PointCloudInfo: PayloadKind.POINT_CLOUD,
}


def kind_of(payload: Any) -> PayloadKind | None:
    """The kind that a payload description belongs to, or None if it is not one."""
    return KIND_OF_PAYLOAD.get(type(payload))


def payload_problem(payload: Any) -> str | None:
    """Describe the first nonsensical field of a payload description, or return None if sane."""
    if isinstance(payload, ImageInfo):
        return _image_problem(payload) or _quality_problem(payload.quality)
    if isinstance(payload, LosslessImageInfo):
        return _image_problem(payload) or _crc_problem(payload.pixels_crc32)
    if isinstance(payload, TensorInfo):
        return _tensor_problem(payload)
    if isinstance(payload, PointCloudInfo):
        return _point_cloud_problem(payload)
    names = ", ".join(kind.__name__ for kind in KIND_OF_PAYLOAD)
    return f"payload must be one of {names}, got {type(payload).__name__}"


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _image_problem(info: ImageInfo | LosslessImageInfo) -> str | None:
    for name, side in (("height", info.height), ("width", info.width)):
        if not _is_int(side) or not 1 <= side <= MAX_SIDE:
            return f"{name} {side!r} is outside 1..{MAX_SIDE}"
    if info.height * info.width > MAX_PIXELS:
        return f"image of {info.width}x{info.height} exceeds {MAX_PIXELS} pixels"
    if not isinstance(info.mode, str) or not _MODE_PATTERN.fullmatch(info.mode):
        return f"image mode {info.mode!r} is not a short ASCII mode name like 'RGB' or 'L'"
    return None


def _quality_problem(quality: Any) -> str | None:
    if not _is_int(quality) or not 1 <= quality <= 100:
        return f"quality {quality!r} is outside 1..100"
    return None


def _crc_problem(crc: Any) -> str | None:
    if not _is_int(crc) or not 0 <= crc < 1 << 32:
        return f"pixels CRC32 {crc!r} is not an unsigned 32-bit integer"
    return None


def _tensor_problem(info: TensorInfo) -> str | None:
    if not isinstance(info.shape, tuple) or not 1 <= len(info.shape) <= MAX_TENSOR_NDIM:
        return f"tensor shape {info.shape!r} is not a tuple of 1..{MAX_TENSOR_NDIM} dimensions"
    for axis, size in enumerate(info.shape):
        if not _is_int(size) or not 1 <= size <= MAX_TENSOR_ELEMENTS:
            return f"tensor dimension {axis} is {size!r}, outside 1..{MAX_TENSOR_ELEMENTS}"
    if info.elements > MAX_TENSOR_ELEMENTS:
        return (
            f"tensor of shape {tuple(int(size) for size in info.shape)} has {info.elements} "
            f"elements, more than {MAX_TENSOR_ELEMENTS}"
        )
    if info.dtype not in TENSOR_DTYPE_CODES:
        return f"tensor dtype {info.dtype!r} is not one of {', '.join(TENSOR_DTYPE_CODES)}"
    return None


def _point_cloud_problem(info: PointCloudInfo) -> str | None:
    if not _is_int(info.point_count) or not 1 <= info.point_count <= MAX_POINTS:
        return f"point count {info.point_count!r} is outside 1..{MAX_POINTS}"
    for name, corner in (("bbox_min", info.bbox_min), ("bbox_max", info.bbox_max)):
        if not isinstance(corner, tuple) or len(corner) != 3 or not all(map(_is_finite, corner)):
            return f"bounding box {name} {corner!r} is not 3 finite numbers"
    for axis, low, high in zip("xyz", info.bbox_min, info.bbox_max, strict=True):
        if low > high:
            return f"bounding box min {axis} {low!r} is greater than max {axis} {high!r}"
    if not _is_finite(info.step_mm) or not info.step_mm > 0:
        return f"quantisation step {info.step_mm!r} mm is not a finite number > 0"
    if not isinstance(info.intensity, bool):
        return f"intensity flag {info.intensity!r} is not a bool"
    return None
