"""Read any common image file as codec-ready RGB (with notices), and write decoded images safely."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ncodec.errors import InputError, NcodecError
from ncodec.format.container import MAGIC
from ncodec.io.arrays import (
    ALPHA_NOTICE,
    GRAY_NOTICE,
    LoadedImage,
    check_image_size,
    is_grayscale_mode,
    load_image_array,
)
from ncodec.io.inputs import check_input_file
from ncodec.io.output import check_output_path, write_file_atomic

OUTPUT_FORMATS = {
    "": "PNG",
    ".png": "PNG",
    ".ppm": "PPM",
    ".pnm": "PPM",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}
"""Lossless output formats by file extension (no extension means PNG)."""

_CONVERTED_TO_RGB = {
    "CMYK": "CMYK input converted to RGB (no color management)",
    "YCbCr": "YCbCr input converted to RGB",
    "LAB": "LAB input converted to RGB",
    "HSV": "HSV input converted to RGB",
}
_CORRUPT_DATA_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


def load_image(path: str | os.PathLike[str], exif_orientation: bool = True) -> LoadedImage:
    """Read an image file (PNG, JPEG, PPM/PGM, BMP, TIFF, WebP, GIF, ...) as HxWx3 uint8 RGB.

    With `exif_orientation` (the default) a JPEG's EXIF rotation is applied, as viewers show it.
    """
    source = check_input_file(path)
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below, after decoding
    except OSError as err:
        raise InputError(f"cannot read {source}: {err.strerror or err}") from None
    with handle:
        return _load_guarded(handle, source, exif_orientation)


def load_image_bytes(
    data: bytes, name: str = "<stdin>", exif_orientation: bool = True
) -> LoadedImage:
    """`load_image` for the bytes of an image file (e.g. read from standard input); `name`
    stands for the file in messages."""
    if not data:
        raise InputError(f"cannot read {name}: empty input")
    return _load_guarded(io.BytesIO(data), Path(name), exif_orientation)


def _load_guarded(handle: BinaryIO, source: Path, exif_orientation: bool) -> LoadedImage:
    """Decode an open image file; every failure is a one-line InputError naming `source`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # users get notices, not Python warnings
            return _load_from_handle(handle, source, exif_orientation)
    except NcodecError:
        raise
    except Image.DecompressionBombError:
        raise InputError(f"{source}: image is too large (decompression bomb guard)") from None
    except MemoryError:
        raise InputError(f"{source}: not enough memory to decode this image") from None
    except _CORRUPT_DATA_ERRORS as err:
        raise InputError(f"{source}: truncated or corrupt image data ({err})") from None


def save_image(
    path: str | os.PathLike[str], rgb: np.ndarray, mode: str = "RGB", force: bool = False
) -> Path:
    """Write HxWx3 uint8 RGB losslessly (format by extension), as gray if `mode` was grayscale.

    Never overwrites without `force` (OutputExistsError) and never leaves a partial file.
    """
    target = check_image_output_path(path, force)
    pixels = np.asarray(rgb)
    data = encode_image(pixels, mode, target.suffix, f"cannot save {target}")
    return write_file_atomic(target, data, force)


def encode_image(
    rgb: np.ndarray, mode: str = "RGB", suffix: str = ".png", what: str = "cannot save image"
) -> bytes:
    """The bytes of a lossless image file (format by `suffix`, as `save_image` names them)."""
    pixels = np.asarray(rgb)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise InputError(
            f"{what}: expected an HxWx3 uint8 array, got shape {pixels.shape} of {pixels.dtype}"
        )
    check_image_size(pixels.shape[0], pixels.shape[1], f"{what}: image")
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    if is_grayscale_mode(mode):
        image = image.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format=OUTPUT_FORMATS[suffix.lower()])
    return buffer.getvalue()


def check_image_output_path(path: str | os.PathLike[str], force: bool = False) -> Path:
    """check_output_path plus a check that the extension names a lossless format we can write."""
    target = Path(path)
    if target.suffix.lower() not in OUTPUT_FORMATS:
        supported = ", ".join(sorted(ext for ext in OUTPUT_FORMATS if ext))
        raise InputError(
            f"cannot write {target}: unsupported output extension {target.suffix!r} "
            f"(use one of {supported})"
        )
    return check_output_path(target, force)


def load_rgb(path: str | os.PathLike[str], exif_orientation: bool = True) -> np.ndarray:
    """Just the pixels of `load_image`: HxWx3 uint8 RGB, C-contiguous; notices are dropped."""
    return load_image(path, exif_orientation).rgb


def _load_from_handle(handle: BinaryIO, source: Path, exif_orientation: bool) -> LoadedImage:
    """Open with Pillow, guard the size, then decode (16-bit PNG/TIFF via imagecodecs).

    A `.ncz` file is refused first: with the Pillow plugin registered (ncodec.pillow) Pillow
    could open it, and compressing a compressed file is never what was meant."""
    start = handle.tell()
    if handle.read(len(MAGIC)) == MAGIC:
        raise InputError(f"{source} is a compressed .ncz file, not an image: decompress it first")
    handle.seek(start)
    try:
        image = Image.open(handle)
    except UnidentifiedImageError:
        return _load_tiff_fallback(handle, source)
    width, height = image.size
    check_image_size(height, width, str(source))
    notices: list[str] = []
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        notices.append(f"multi-frame input ({frames} frames): only the first frame is used")
    if _has_deep_samples(image, handle):
        handle.seek(0)
        pixels = _decode_deep(handle.read(), image.format, height, width)
        loaded = load_image_array(pixels, mode=image.mode)
    else:
        image.load()
        if exif_orientation:
            image = _apply_exif_orientation(image, notices)
        loaded = _convert_pillow_image(image)
    loaded.notices[:0] = notices
    loaded.source_format = image.format or "unknown"
    return loaded


def _load_tiff_fallback(handle: BinaryIO, source: Path) -> LoadedImage:
    """Decode a TIFF that Pillow cannot (exotic layouts) with libtiff; anything else is rejected."""
    handle.seek(0)
    head = handle.read(len(MAGIC))
    if head == MAGIC:
        raise InputError(f"{source} is a compressed .ncz file, not an image: decompress it first")
    if head not in (b"II*\x00", b"MM\x00*"):
        raise InputError(f"not an image file (or unsupported format): {source}")
    data = head + handle.read()
    import imagecodecs  # only for what Pillow cannot read (keeps the common path light)

    try:
        pixels = imagecodecs.tiff_decode(data, index=0)
    except (RuntimeError, ValueError) as err:
        raise InputError(f"{source}: unsupported or corrupt TIFF ({err})") from None
    if pixels.ndim == 3 and pixels.shape[0] in (1, 2, 3, 4) and pixels.shape[2] > 4:
        pixels = np.moveaxis(pixels, 0, -1)  # planar (channels-first) layout
    check_image_size(pixels.shape[0], pixels.shape[1], str(source))
    loaded = load_image_array(pixels)
    loaded.source_format = "TIFF"
    return loaded


def _has_deep_samples(image: Image.Image, handle: BinaryIO) -> bool:
    """True for PNG/TIFF with more than 8 bits per sample that Pillow would truncate to 8."""
    if image.format == "PNG":
        position = handle.tell()
        handle.seek(0)
        signature_and_ihdr = handle.read(26)
        handle.seek(position)
        return len(signature_and_ihdr) == 26 and signature_and_ihdr[24] == 16  # IHDR bit depth
    if image.format == "TIFF":
        bits = image.tag_v2.get(258, (8,))  # BitsPerSample
        bits = bits if isinstance(bits, tuple) else (bits,)
        return max(bits) > 8 and not image.mode.startswith(("I", "F"))
    return False


def _decode_deep(data: bytes, file_format: str | None, height: int, width: int) -> np.ndarray:
    """Decode a 16-bit PNG or TIFF to its native uint16 samples (HxW or HxWxC)."""
    import imagecodecs  # only for deep samples (keeps the common path light)

    try:
        if file_format == "PNG":
            pixels = imagecodecs.png_decode(data)
        else:
            pixels = imagecodecs.tiff_decode(data, index=0)
    except (RuntimeError, ValueError) as err:
        raise OSError(str(err)) from None
    if pixels.ndim == 3 and pixels.shape[1:] == (height, width):
        pixels = np.moveaxis(pixels, 0, -1)  # planar (channels-first) TIFF
    if pixels.shape[:2] != (height, width):
        raise OSError(f"decoded shape {pixels.shape} does not match {width}x{height}")
    return pixels


def _apply_exif_orientation(image: Image.Image, notices: list[str]) -> Image.Image:
    """Rotate/flip as the EXIF orientation tag says, so the codec sees what viewers show."""
    orientation = image.getexif().get(0x0112, 1)
    if orientation in range(2, 9):
        notices.append(f"rotated/flipped according to EXIF orientation {orientation}")
        return ImageOps.exif_transpose(image)
    return image


def _convert_pillow_image(image: Image.Image) -> LoadedImage:
    """Map every Pillow mode to RGB pixels plus the right notices, keeping the original mode."""
    mode = image.mode
    if mode in ("RGB", "L", "LA", "RGBA"):
        return load_image_array(np.asarray(image), mode=mode)
    if mode == "1":
        loaded = load_image_array(np.asarray(image.convert("L")), mode=mode)
        loaded.notices.insert(0, "1-bit input converted to 8-bit grayscale")
        return loaded
    if mode.startswith("I;16"):
        return load_image_array(np.asarray(image).astype(np.uint16), mode=mode)
    if mode == "I":
        return load_image_array(_int32_as_uint16(np.asarray(image)), mode=mode)
    if mode == "F":
        return load_image_array(np.asarray(image), mode=mode)
    if mode in ("P", "PA"):
        return _convert_palette(image)
    if mode in ("RGBX", "RGBa", "La"):
        target = "LA" if mode == "La" else ("RGBA" if mode == "RGBa" else "RGB")
        return load_image_array(np.asarray(image.convert(target)), mode=mode)
    notice = _CONVERTED_TO_RGB.get(mode, f"{mode} input converted to RGB")
    try:
        rgb = image.convert("RGB")
    except ValueError:
        raise InputError(f"unsupported image mode {mode!r}") from None
    loaded = load_image_array(np.asarray(rgb), mode=mode)
    loaded.notices.insert(0, notice)
    return loaded


def _convert_palette(image: Image.Image) -> LoadedImage:
    """Expand a palette image to RGB, dropping (with a notice) any transparency."""
    transparent = image.mode == "PA" or "transparency" in image.info
    expanded = np.asarray(image.convert("RGBA" if transparent else "RGB"))
    loaded = load_image_array(expanded, mode=image.mode)
    loaded.notices.insert(0, "palette image converted to RGB")
    return loaded


def _int32_as_uint16(pixels: np.ndarray) -> np.ndarray:
    """Pillow's 32-bit 'I' mode holds 16-bit PGM/PNG data; anything outside 0..65535 is rejected."""
    low, high = int(pixels.min()), int(pixels.max())
    if low < 0 or high > 65535:
        raise InputError(
            f"32-bit integer pixels outside 0..65535 are not supported (found {low}..{high})"
        )
    return pixels.astype(np.uint16)


__all__ = [
    "ALPHA_NOTICE",
    "GRAY_NOTICE",
    "OUTPUT_FORMATS",
    "LoadedImage",
    "check_image_output_path",
    "encode_image",
    "load_image",
    "load_image_array",
    "load_image_bytes",
    "load_rgb",
    "save_image",
]
