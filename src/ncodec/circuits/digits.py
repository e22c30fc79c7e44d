"""Digit data sets (idx, npz) and the checks a digit model applies to its input."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import numpy as np

from ncodec.errors import InputError

_IDX_UINT8 = 0x08


def load_digits(path: str | os.PathLike[str], key: str = "x") -> np.ndarray:
    """N x H x W uint8 images from an idx file (optionally gzipped), an npz array `key` or an
    npy array (an H x W one is a batch of one)."""
    path = Path(path)
    try:
        if path.suffix == ".npy":
            images = _read_npy(path)
        elif path.suffix == ".npz":
            with np.load(path) as archive:
                if key not in archive:
                    raise InputError(f"{path}: no array {key!r} (has {', '.join(archive)})")
                images = archive[key]
        else:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rb") as handle:
                images = _read_idx(handle.read(), path)
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    return check_digit_batch(images, None, str(path))


def _read_npy(path: Path) -> np.ndarray:
    """The array of an .npy file (no pickled objects); H x W becomes 1 x H x W."""
    try:
        images = np.load(path, allow_pickle=False)
    except ValueError:  # pickled objects, a truncated array, or not an .npy file at all
        images = None
    if not isinstance(images, np.ndarray):  # np.load opens an .npz archive whatever its name
        if images is not None:
            images.close()
        raise InputError(f"{path}: not a complete .npy file of a plain array")
    return images[np.newaxis] if images.ndim == 2 else images


def _read_idx(raw: bytes, path: Path) -> np.ndarray:
    """The uint8 array of an idx file (magic 0x00000803: N x H x W)."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _IDX_UINT8:
        raise InputError(f"{path}: not an idx file of unsigned bytes")
    ndim = raw[3]
    if not 1 <= ndim <= 4 or len(raw) < 4 + 4 * ndim:
        raise InputError(f"{path}: idx header with {ndim} dimensions is truncated or invalid")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    count = int(np.prod(shape, dtype=np.int64))
    body = raw[4 + 4 * ndim :]
    if len(body) != count:
        raise InputError(f"{path}: idx body has {len(body)} bytes, header says {count}")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape).copy()


def check_digit_batch(images: Any, shape: tuple[int, int] | None, what: str) -> np.ndarray:
    """An N x H x W uint8 array (N >= 1), of `shape` if given; InputError otherwise."""
    array = np.asarray(images)
    if array.size == 0:
        raise InputError(f"{what} is empty (shape {array.shape})")
    if array.dtype != np.uint8:
        raise InputError(f"{what} has {array.dtype} samples; digit models code 8-bit (uint8)")
    if array.ndim != 3:
        raise InputError(f"{what} has shape {array.shape}; expected N x H x W")
    if shape is not None and array.shape[1:] != tuple(shape):
        raise InputError(
            f"{what} holds {array.shape[2]}x{array.shape[1]} images; this model codes "
            f"{shape[1]}x{shape[0]} grayscale"
        )
    return np.ascontiguousarray(array)


def digit_pixels(data: Any, shape: tuple[int, int]) -> np.ndarray:
    """One H x W uint8 digit from an HxW array or a loaded image (8-bit grayscale only)."""
    mode = getattr(data, "mode", None)
    if mode is not None:
        if mode not in ("L", "1", "P") and not mode.startswith("RGB"):
            raise InputError(
                f"image mode {mode!r} ({_mode_words(mode)}): this model codes 8-bit grayscale"
            )
        rgb = np.asarray(data.rgb)
        if not (rgb == rgb[..., :1]).all():
            raise InputError("colour image: this model codes 8-bit grayscale")
        pixels = rgb[..., 0]
    else:
        pixels = np.asarray(data)
    return check_digit_batch(pixels[np.newaxis] if pixels.ndim == 2 else pixels, shape, "image")[0]


def _mode_words(mode: str) -> str:
    """Plain words for an image mode in error messages."""
    if mode.startswith("I"):
        return "16/32-bit integer"
    if mode == "F":
        return "floating point"
    return "with alpha" if "A" in mode else "unsupported"
