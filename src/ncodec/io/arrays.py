"""Turn any reasonable pixel array (gray/RGB/alpha, 8/16-bit or float) into HxWx3 uint8 RGB."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ncodec.errors import InputError

MAX_PIXELS = 1 << 27
"""Largest image accepted (134 Mpixels, e.g. 11585x11585): a guard against decompression bombs."""

GRAY_NOTICE = "grayscale input converted to RGB (decoded as grayscale)"
ALPHA_NOTICE = "alpha channel dropped"
DEPTH16_NOTICE = "16-bit input scaled to 8 bits"
FLOAT_NOTICE = "floating-point input in [0, 1] scaled to 8 bits"
BOOL_NOTICE = "1-bit input converted to 8 bits"

_MODE_BY_CHANNELS = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "F"})


@dataclass
class LoadedImage:
    """An image ready for the codec: RGB pixels, the original mode, and what was changed."""

    rgb: np.ndarray
    """HxWx3 uint8 RGB pixels, C-contiguous and owned (not a view of the caller's data)."""
    mode: str
    """Pillow-style mode of the original ('RGB', 'L', 'RGBA', 'I;16', 'P', ...)."""
    notices: list[str] = field(default_factory=list)
    """Human-readable notes on every lossy or surprising conversion that was applied."""
    source_format: str | None = None
    """File format that was read ('PNG', 'JPEG', ...), or None for an in-memory array."""

    @property
    def height(self) -> int:
        """Image height in pixels."""
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        """Image width in pixels."""
        return int(self.rgb.shape[1])


def is_grayscale_mode(mode: str) -> bool:
    """True for modes whose pixels are gray levels (so decoding should write a gray image)."""
    return mode in _GRAY_MODES or mode.startswith("I;16")


def check_image_size(height: int, width: int, what: str) -> None:
    """Reject empty images and images over MAX_PIXELS with a one-line InputError."""
    if height <= 0 or width <= 0:
        raise InputError(f"{what} has zero size ({width}x{height} pixels)")
    if height * width > MAX_PIXELS:
        raise InputError(
            f"{what} is too large: {width}x{height} = {width * height} pixels "
            f"(limit {MAX_PIXELS} pixels)"
        )


def load_image_array(array: np.ndarray, mode: str | None = None) -> LoadedImage:
    """Convert an array (HxW, HxWx1/2/3/4; uint8, uint16, bool or float in [0, 1]) for the codec.

    `mode` overrides the inferred original mode (used by file loaders that know better).
    """
    pixels = np.asarray(array)
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    if pixels.ndim != 3 or pixels.shape[2] not in _MODE_BY_CHANNELS:
        raise InputError(
            f"unsupported image array shape {pixels.shape}: expected HxW, HxWx1, HxWx2, "
            f"HxWx3 or HxWx4"
        )
    check_image_size(pixels.shape[0], pixels.shape[1], "image")
    notices: list[str] = []
    pixels8 = _to_uint8(pixels, notices)
    channels = pixels.shape[2]
    if channels in (2, 4):
        notices.append(ALPHA_NOTICE)
        pixels8 = pixels8[:, :, : channels - 1]
    if pixels8.shape[2] == 1:
        notices.insert(0, GRAY_NOTICE)
        pixels8 = np.repeat(pixels8, 3, axis=2)
    rgb = np.ascontiguousarray(pixels8, dtype=np.uint8)
    if np.may_share_memory(rgb, pixels):
        rgb = rgb.copy()
    inferred = _MODE_BY_CHANNELS[channels]
    if pixels.dtype == np.bool_:
        inferred = "1"
    elif pixels.dtype == np.uint16 and channels == 1:
        inferred = "I;16"
    return LoadedImage(rgb=rgb, mode=mode or inferred, notices=notices)


def _to_uint8(pixels: np.ndarray, notices: list[str]) -> np.ndarray:
    """Scale the sample values to 0..255 uint8 (rounded), appending a notice when scaled."""
    dtype = pixels.dtype
    if dtype == np.uint8:
        return pixels
    if dtype == np.bool_:
        notices.append(BOOL_NOTICE)
        return pixels.astype(np.uint8) * np.uint8(255)
    if dtype == np.uint16:
        notices.append(DEPTH16_NOTICE)
        # round(v * 255 / 65535) == (v + 128) // 257 exactly (no ties occur for integer v).
        return ((pixels.astype(np.uint32) + 128) // 257).astype(np.uint8)
    if np.issubdtype(dtype, np.floating):
        if not np.isfinite(pixels).all():
            raise InputError("floating-point image contains NaN or infinite values")
        low, high = float(pixels.min()), float(pixels.max())
        if low < 0.0 or high > 1.0:
            raise InputError(
                f"floating-point image values must lie in [0, 1], found [{low:g}, {high:g}]"
            )
        notices.append(FLOAT_NOTICE)
        return np.rint(pixels.astype(np.float64) * 255.0).astype(np.uint8)
    raise InputError(f"unsupported pixel type {dtype}: use uint8, uint16, bool or float in [0, 1]")
