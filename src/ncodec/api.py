"""High-level Python API: compress an image to `.ncz` bytes and back, like a classical codec.

>>> from ncodec import api
>>> data = api.compress_image(rgb, quality=75)        # bytes of a complete .ncz file
>>> restored = api.decompress_image(data)             # HxWx3 uint8
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ncodec.errors import InputError, ModelNotFoundError
from ncodec.format.container import NczHeader, read_ncz, write_ncz
from ncodec.io.arrays import LoadedImage, load_image_array
from ncodec.models.refine import REFINE_PRECISIONS
from ncodec.zoo import DEFAULT_MODEL, find_model, installed_models, load_codec

DEFAULT_QUALITY = 75
MAX_REFINE_STEPS = 10_000
LADDER = (1, 12, 25, 38, 50, 62, 75, 88, 100)


def list_models() -> list[str]:
    """Names of the installed models (from `weights/` and $NCODEC_WEIGHTS_PATH)."""
    return list(installed_models())


def default_model() -> str:
    """Name of the model used when none is given."""
    return find_model(None).name if installed_models() else DEFAULT_MODEL


def quality_ladder(model: str | None = None) -> list[int]:
    """Qualities (1..100) that sweep the model's rate range, for R-D curves."""
    card = find_model(model).card
    return list(card.get("quality_ladder", LADDER))


def check_quality(quality: float) -> int:
    """Quality as an integer 1..100 (nearest), or a clear error."""
    if not isinstance(quality, int | float) or not math.isfinite(quality):
        raise InputError(f"quality must be a number from 1 to 100, got {quality!r}")
    q = round(quality)
    if not 1 <= q <= 100:
        raise InputError(f"quality must be from 1 to 100, got {quality}")
    return q


def check_refine_steps(steps: int) -> int:
    """Number of encoder refinement steps as a non-negative integer, or a clear error."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_REFINE_STEPS:
        raise InputError(
            f"refine steps must be an integer from 0 to {MAX_REFINE_STEPS}, got {steps!r}"
        )
    return steps


def check_refine_precision(precision: str) -> str:
    """Arithmetic of the refinement search ('fp32' or 'bf16'), or a clear error."""
    if precision not in REFINE_PRECISIONS:
        raise InputError(
            f"refine precision must be one of {', '.join(REFINE_PRECISIONS)}, got {precision!r}"
        )
    return precision


def compress_loaded(
    image: LoadedImage,
    model: str | None = None,
    quality: float = DEFAULT_QUALITY,
    refine_steps: int = 0,
    refine_precision: str = "fp32",
) -> bytes:
    """Encode a loaded image into the bytes of a complete `.ncz` file.

    `refine_steps` > 0 searches for better latents at encode time (slower encode, same decoder);
    `refine_precision='bf16'` runs that search's synthesis in bfloat16 (faster on recent CPUs).
    """
    q = check_quality(quality)
    steps = check_refine_steps(refine_steps)
    precision = check_refine_precision(refine_precision)
    entry = find_model(model)
    codec = load_codec(entry)
    streams = codec.compress(image.rgb, q, steps, precision)
    header = NczHeader(
        model=entry.name,
        weights_hash=codec.weights_hash,
        height=image.height,
        width=image.width,
        mode=image.mode,
        quality=q,
    )
    return write_ncz(header, streams)


def compress_image(
    image: np.ndarray,
    model: str | None = None,
    quality: float = DEFAULT_QUALITY,
    refine_steps: int = 0,
    refine_precision: str = "fp32",
) -> bytes:
    """Encode an image array (HxWx3 uint8 RGB; gray, alpha and 16-bit are converted)."""
    return compress_loaded(load_image_array(image), model, quality, refine_steps, refine_precision)


@dataclass(frozen=True)
class DecodedImage:
    """A decoded `.ncz` file: RGB pixels and the header they were coded with."""

    rgb: np.ndarray
    header: NczHeader


def decode(data: bytes) -> DecodedImage:
    """Decode `.ncz` bytes, checking that the installed model is the one that coded them."""
    header, streams = read_ncz(data)
    entry = find_model(header.model)
    codec = load_codec(entry)
    if codec.weights_hash != header.weights_hash:
        raise ModelNotFoundError(
            f"file was coded with model '{header.model}' weights {header.weights_hash}, but the "
            f"installed '{entry.name}' has weights {codec.weights_hash}"
        )
    rgb = codec.decompress(streams, header.height, header.width, header.quality)
    return DecodedImage(rgb, header)


def decompress_image(data: bytes) -> np.ndarray:
    """Decode the bytes of a `.ncz` file into an HxWx3 uint8 RGB image."""
    return decode(data).rgb
