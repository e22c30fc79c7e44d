"""High-level Python API: compress data to `.ncz` bytes and back, like a classical codec.

>>> from ncodec import api
>>> data = api.compress_image(rgb, quality=75)        # bytes of a complete .ncz file
>>> restored = api.decompress_image(data)             # HxWx3 uint8

Every model is reached through the codec protocol (`ncodec.models.protocol`): this module never
knows which architecture it is talking to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from ncodec.decode_limits import (
    DEFAULT_MAX_PIXELS,
    allocation_errors,
    check_image_size,
    check_max_pixels,
    check_stream_lengths,
    payload_label,
)
from ncodec.errors import FormatError, InputError, ModelNotFoundError
from ncodec.format.container import NczHeader, read_ncz, write_ncz
from ncodec.io.arrays import load_image_array
from ncodec.models import FrozenCodec
from ncodec.models.realism import check_beta as check_realism
from ncodec.models.refine import MAX_REFINE_STEPS, REFINE_PRECISIONS
from ncodec.models.sga import REFINE_METHODS
from ncodec.zoo import DEFAULT_MODEL, find_model, installed_models, load_codec

DEFAULT_QUALITY = 75
LADDER = (1, 12, 25, 38, 50, 62, 75, 88, 100)

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_QUALITY",
    "MAX_REFINE_STEPS",
    "REFINE_METHODS",
    "REFINE_PRECISIONS",
    "Decoded",
    "check_quality",
    "check_realism",
    "compress",
    "compress_image",
    "decode",
    "decompress_image",
    "default_model",
    "list_models",
    "load_model",
    "quality_ladder",
]


def list_models() -> list[str]:
    """Names of the installed models (from `weights/` and $NCODEC_WEIGHTS_PATH)."""
    return list(installed_models())


def default_model() -> str:
    """Name of the model used when none is given."""
    return find_model(None).name if installed_models() else DEFAULT_MODEL


def load_model(model: str | None = None) -> FrozenCodec:
    """The frozen codec of an installed model (default model if None)."""
    return load_codec(find_model(model))


def quality_ladder(model: str | None = None) -> list[int]:
    """Qualities (1..100) that sweep the model's rate range, for R-D curves."""
    card = find_model(model).card
    return list(card.get("quality_ladder", LADDER))


def check_quality(quality: Any) -> int:
    """Quality as an int: a whole number from 1 to 100 (75, 75.0 and numpy integers are fine).

    Anything else, 50.5 included, is an InputError rather than silently rounded, so the CLI,
    the API and the evaluation harness always code exactly the quality they were given.
    """
    if isinstance(quality, bool) or not isinstance(quality, Real):
        raise InputError(f"quality must be a whole number from 1 to 100, got {quality!r}")
    value = float(quality)
    if not (math.isfinite(value) and value.is_integer() and 1 <= value <= 100):
        raise InputError(f"quality must be a whole number from 1 to 100, got {quality}")
    return int(value)


def check_effort(effort: int, codec: FrozenCodec) -> int:
    """Encoder effort as an integer within what the codec accepts, or a clear error."""
    top = codec.max_effort()
    if isinstance(effort, bool) or not isinstance(effort, int) or not 0 <= effort <= top:
        raise InputError(
            f"effort must be an integer from 0 to {top} for this model, got {effort!r}"
        )
    return effort


def check_options(options: Mapping[str, Any] | None, codec: FrozenCodec) -> dict[str, Any]:
    """Encoder options the codec knows; an unknown name is a clear error, not silently ignored."""
    options = dict(options or {})
    known = codec.effort_options()
    unknown = sorted(set(options) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise InputError(f"this model has no encoder option {unknown[0]!r} (known: {allowed})")
    return options


def compress(
    data: Any,
    model: str | None = None,
    quality: int = DEFAULT_QUALITY,
    effort: int = 0,
    options: Mapping[str, Any] | None = None,
) -> bytes:
    """Encode data of the model's payload kind into the bytes of a complete `.ncz` file (for
    images: a `LoadedImage`, whose mode is kept in the header, or an HxWx3 uint8 array).

    `effort` > 0 spends more encoder time for a better file (for the amortized image models:
    latent search steps, SGA by default; the decoder is unchanged); `options` are the model's
    encoder options (e.g. `{"refine_precision": "bf16"}`, `{"refine_method": "adam"}`).
    """
    q = check_quality(quality)
    entry = find_model(model)
    codec = load_codec(entry)
    encoded = codec.compress(data, q, check_effort(effort, codec), check_options(options, codec))
    header = NczHeader(
        model=entry.name,
        weights_hash=codec.weights_hash,
        payload=encoded.payload,
        kind=codec.kind,
        extra=encoded.extra,
    )
    return write_ncz(header, encoded.streams)


def compress_image(
    image: np.ndarray,
    model: str | None = None,
    quality: int = DEFAULT_QUALITY,
    effort: int = 0,
    options: Mapping[str, Any] | None = None,
) -> bytes:
    """Encode an image array (HxWx3 uint8 RGB; gray, alpha and 16-bit are converted)."""
    return compress(load_image_array(image), model, quality, effort, options)


@dataclass(frozen=True)
class Decoded:
    """A decoded `.ncz` file: the data (an HxWx3 uint8 image for image kinds) and its header."""

    data: Any
    header: NczHeader

    @property
    def rgb(self) -> np.ndarray:
        """The decoded pixels of an image file."""
        return self.data


def decode(
    data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, options: Mapping[str, Any] | None = None
) -> Decoded:
    """Decode `.ncz` bytes, checking that the installed model is the one that coded them.

    Before anything big is allocated, an image must have at most `max_pixels` pixels
    (ResourceError) and every stream at least the bytes the model's tables need for the
    header's payload (FormatError); running out of memory is a ResourceError. `options` are
    the model's decode-time options (e.g. `{"realism": 0.5}`), overriding the file's defaults;
    the returned header is the file's own.
    """
    limit = check_max_pixels(max_pixels)
    header, streams = read_ncz(data)
    check_image_size(header, limit)
    entry = find_model(header.model)
    codec = load_codec(entry)
    if codec.weights_hash != header.weights_hash:
        raise ModelNotFoundError(
            f"file was coded with model '{header.model}' weights {header.weights_hash}, but the "
            f"installed '{entry.name}' has weights {codec.weights_hash}"
        )
    if header.kind != codec.kind:
        raise FormatError(
            f"file holds a {header.kind.label} payload but model '{entry.name}' codes "
            f"{codec.kind.label}"
        )
    check_stream_lengths(codec.min_stream_bytes(header), streams)
    read_as = codec.with_decode_options(header, check_decode_options(options, codec))
    with allocation_errors(payload_label(header)):
        return Decoded(codec.decompress(streams, read_as), header)


def check_decode_options(options: Mapping[str, Any] | None, codec: FrozenCodec) -> dict[str, Any]:
    """Decode-time options the codec knows; an unknown name is a clear error."""
    options = {k: v for k, v in (options or {}).items() if v is not None}
    unknown = sorted(set(options) - set(codec.decode_options()))
    if unknown:
        allowed = ", ".join(codec.decode_options()) or "none"
        raise InputError(f"this model has no decode option {unknown[0]!r} (known: {allowed})")
    return options


def decompress_image(
    data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, realism: float | None = None
) -> np.ndarray:
    """Decode the bytes of a `.ncz` file into an HxWx3 uint8 RGB image (`realism`: the beta
    of a model with a realism head, overriding the file's default)."""
    return decode(data, max_pixels, {"realism": realism}).rgb
