"""`NczHeader`: everything a decoder needs besides the coded streams, for every payload kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ncodec.errors import FormatError
from ncodec.format.extra import extra_problem
from ncodec.format.payloads import (
    KIND_CODES,
    ImageInfo,
    LosslessImageInfo,
    Payload,
    PayloadKind,
    kind_of,
    payload_problem,
)
from ncodec.format.version import FORMAT_VERSION

MAX_MODEL_NAME_BYTES = 255
WEIGHTS_HASH_BYTES = 8

_HASH_PATTERN = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class NczHeader:
    """Which model (and exact weights) coded the streams, and what they decode to."""

    model: str
    """Name of the model that coded the streams (e.g. 'hyperprior-mse')."""
    weights_hash: str
    """First 16 lowercase hex digits of the SHA-256 of the model's weights file."""
    payload: Payload
    """Typed description of the payload: ImageInfo, LosslessImageInfo, TensorInfo, ..."""
    kind: PayloadKind | None = None
    """Payload kind; None means 'the kind of the payload type' (lossy-image for ImageInfo)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Small optional model-specific settings, stored as compact JSON (nothing if empty)."""
    format_version: tuple[int, int] = FORMAT_VERSION
    """Version of the file this header was read from; writing always uses FORMAT_VERSION."""

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", kind_of(self.payload))
        elif type(self.kind) is int and self.kind in KIND_CODES:  # a plain kind byte
            object.__setattr__(self, "kind", PayloadKind(self.kind))

    @classmethod
    def image(
        cls,
        model: str,
        weights_hash: str,
        height: int,
        width: int,
        mode: str = "RGB",
        quality: int = 75,
        extra: dict[str, Any] | None = None,
    ) -> NczHeader:
        """Header of a lossily coded image (the common case, and all that format 1.0 could hold)."""
        info = ImageInfo(height, width, mode, quality)
        return cls(model, weights_hash, info, PayloadKind.LOSSY_IMAGE, dict(extra or {}))

    @property
    def height(self) -> int:
        """Image height (image payloads only; FormatError otherwise)."""
        return self._image("height").height

    @property
    def width(self) -> int:
        """Image width (image payloads only; FormatError otherwise)."""
        return self._image("width").width

    @property
    def mode(self) -> str:
        """Pillow mode of the original image (image payloads only; FormatError otherwise)."""
        return self._image("mode").mode

    @property
    def quality(self) -> int:
        """Quality 1..100 (lossy-image payloads only; FormatError otherwise)."""
        if not isinstance(self.payload, ImageInfo):
            raise FormatError(
                f"quality is only defined for lossy-image payloads, not {_label(self)}"
            )
        return self.payload.quality

    def _image(self, what: str) -> ImageInfo | LosslessImageInfo:
        if not isinstance(self.payload, ImageInfo | LosslessImageInfo):
            raise FormatError(f"{what} is only defined for image payloads, not {_label(self)}")
        return self.payload


def header_problem(header: NczHeader) -> str | None:
    """Describe the first nonsensical header field, or return None if all are sane."""
    if not isinstance(header.model, str) or not header.model:
        return "model name is empty"
    if len(header.model.encode("utf-8", "surrogatepass")) > MAX_MODEL_NAME_BYTES:
        return f"model name is longer than {MAX_MODEL_NAME_BYTES} bytes"
    if not header.model.isprintable():
        return f"model name {header.model!r} contains control characters"
    if not isinstance(header.weights_hash, str) or not _HASH_PATTERN.fullmatch(header.weights_hash):
        return f"weights hash {header.weights_hash!r} is not 16 lowercase hex digits"
    problem = payload_problem(header.payload)
    if problem:
        return problem
    if header.kind != kind_of(header.payload):
        return f"kind {_label(header)} does not match a {type(header.payload).__name__} payload"
    return extra_problem(header.extra)


def _label(header: NczHeader) -> str:
    return header.kind.label if isinstance(header.kind, PayloadKind) else repr(header.kind)
