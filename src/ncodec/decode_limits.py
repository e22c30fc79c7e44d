"""Decoder limits: what a file may ask of the decoder, checked before any big allocation.

A `.ncz` header names the image size and the coded streams must be able to describe it: a
decoder checks the pixel count against `max_pixels` and each stream's length against the
fewest bytes the codec's tables allow (`FrozenCodec.min_stream_bytes`), and reports running out
of memory as one line instead of a crash.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from numbers import Integral
from typing import Any

from ncodec.errors import FormatError, InputError, ResourceError
from ncodec.format import NczHeader, PayloadKind
from ncodec.format.payloads import MAX_PIXELS

DEFAULT_MAX_PIXELS = 1 << 25
"""Largest image decoded unless the caller allows more: 33.5 Mpixels (8K UHD, a 30-Mpixel
camera); the format itself allows 2**28. Decoding memory grows with the pixel count
(docs/hardening.md)."""

_IMAGE_KINDS = (PayloadKind.LOSSY_IMAGE, PayloadKind.LOSSLESS_IMAGE)


def check_max_pixels(max_pixels: Any) -> int:
    """The pixel limit as an int in 1..2**28 (the format's bound), or InputError."""
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, Integral):
        raise InputError(f"max_pixels must be an integer, got {max_pixels!r}")
    if not 1 <= max_pixels <= MAX_PIXELS:
        raise InputError(f"max_pixels must be from 1 to {MAX_PIXELS}, got {max_pixels}")
    return int(max_pixels)


def check_image_size(header: NczHeader, max_pixels: int) -> None:
    """ResourceError if the header's image has more than `max_pixels` pixels."""
    if header.kind not in _IMAGE_KINDS:
        return
    pixels = header.payload.height * header.payload.width
    if pixels > max_pixels:
        raise ResourceError(
            f"image of {header.payload.width}x{header.payload.height} = {pixels} pixels exceeds "
            f"the decoder limit of {max_pixels} pixels (allow more with --max-pixels)"
        )


def check_stream_lengths(minimum: Sequence[int], streams: Sequence[bytes]) -> None:
    """FormatError if a stream is shorter than the fewest bytes the header's payload needs."""
    if len(minimum) != len(streams):
        return  # the codec reports a wrong stream count itself
    for index, (need, stream) in enumerate(zip(minimum, streams, strict=True)):
        if len(stream) < need:
            raise FormatError(
                f"corrupt data: stream {index} has {len(stream)} bytes but the header's payload "
                f"needs at least {need} (the header does not match the coded data)"
            )


@contextmanager
def allocation_errors(what: str) -> Iterator[None]:
    """Turn running out of memory (MemoryError, torch's allocator errors) into ResourceError."""
    try:
        yield
    except MemoryError:
        raise ResourceError(f"not enough memory to decode {what}") from None
    except RuntimeError as err:
        if not is_allocation_failure(err):
            raise
        raise ResourceError(f"not enough memory to decode {what}") from None


def is_allocation_failure(err: BaseException) -> bool:
    """True for torch's 'can't allocate memory' / 'not enough memory' RuntimeErrors."""
    text = str(err).lower()
    return "allocate" in text and "memory" in text


def payload_label(header: NczHeader) -> str:
    """'a WxH image' for image kinds, else the kind's name (for messages)."""
    if header.kind in _IMAGE_KINDS:
        return f"a {header.payload.width}x{header.payload.height} image"
    return f"this {header.kind.label} payload"
