"""The harness's classical codecs: fixed settings on the shared registry (ncodec.classical).

Ladders were chosen to cover about 0.1 to 2 bpp averaged over Kodak (see docs/evaluation.md).
Spec strings (`jpeg`, `avif:speed=0`, ...), versions and settings are the keys of stored records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ncodec.classical import classical_codec
from ncodec.eval.codec import Codec, CodecSpec, check_known_options, int_option, parse_ladder

DEFAULT_AVIF_SPEED = 6
DEFAULT_JPEGXL_EFFORT = 7
DEFAULT_WEBP_METHOD = 4  # libwebp's own default (cwebp -m 4)


@dataclass(frozen=True)
class HarnessSetup:
    """How the harness runs one classical codec: ladder, fixed encoder keywords, knob, record."""

    ladder: tuple[float, ...]
    settings: Callable[[int | None, int], dict[str, object]]
    """(knob value, threads) -> the settings a record reports, in report order."""
    fixed: dict[str, object] = field(default_factory=dict)
    knob: Knob | None = None


class Knob(NamedTuple):
    """The one integer encoder setting a spec may change, e.g. `avif:speed=0`."""

    name: str
    default: int
    valid: range


HARNESS_SETUPS: dict[str, HarnessSetup] = {
    "jpeg": HarnessSetup(  # baseline with optimized Huffman tables, 4:2:0 chroma
        ladder=(3, 5, 8, 12, 18, 25, 35, 50, 65, 75, 85, 90),
        settings=lambda _, threads: {
            "optimize_huffman": True,
            "subsampling": "4:2:0",
            "threads": 1,
        },
        fixed={"optimize": True},
    ),
    "jpeg2000": HarnessSetup(  # 9/7 irreversible wavelet, one quality layer at a target PSNR
        ladder=(23, 24, 25, 26, 28, 30, 32, 34, 36, 38, 40, 42),
        settings=lambda _, threads: {
            "codestream": "J2K",
            "wavelet": "9/7 irreversible",
            "threads": threads,
        },
    ),
    "webp": HarnessSetup(  # lossy (VP8) at method 4; `webp:method=6` for the slowest, best
        ladder=(0, 2, 5, 10, 20, 35, 50, 65, 75, 85, 90),
        settings=lambda method, threads: {
            "lossless": False,
            "method": method,
            "subsampling": "4:2:0",
            "threads": threads,
        },
        knob=Knob("method", DEFAULT_WEBP_METHOD, range(7)),
    ),
    "avif": HarnessSetup(  # AV1 intra, 4:4:4, speed 6; `avif:speed=0` for the slowest, best
        ladder=(8, 15, 25, 35, 45, 55, 65, 75, 85),
        settings=lambda speed, threads: {
            "speed": speed,
            "pixelformat": "4:4:4",
            "bitdepth": 8,
            "threads": threads,
        },
        fixed={"pixelformat": "444"},
        knob=Knob("speed", DEFAULT_AVIF_SPEED, range(11)),
    ),
    "jpegxl": HarnessSetup(  # VarDCT at effort 7 (cjxl default); quality maps to a distance
        ladder=(1, 10, 20, 30, 45, 60, 70, 80, 88, 92),
        settings=lambda effort, threads: {"effort": effort, "threads": threads},
        knob=Knob("effort", DEFAULT_JPEGXL_EFFORT, range(1, 11)),
    ),
}
"""The harness setup of every registered classical codec (same names, same order)."""


def classical_harness_codec(spec: CodecSpec, threads: int) -> Codec:
    """The harness codec a parsed spec names: options checked, canonical spec, fixed settings."""
    codec = classical_codec(spec.name)
    setup = HARNESS_SETUPS[spec.name]
    knob = setup.knob
    check_known_options(spec.options, ["q", *([knob.name] if knob else [])], spec.name)
    keywords = dict(setup.fixed)
    canonical, value = spec.name, None
    if knob is not None:
        value = int_option(spec.options, knob.name, knob.default, knob.valid, spec.name)
        keywords[knob.name] = value
        if value != knob.default:
            canonical = f"{spec.name}:{knob.name}={value}"
    ladder = setup.ladder
    if "q" in spec.options:
        ladder = parse_ladder(spec.options["q"], codec.quality_range, spec.name)

    def encode(image: np.ndarray, quality: float) -> bytes:
        """Encode an RGB image at `quality` into the bytes of a complete file."""
        return codec.encode(image, quality, threads=threads, **keywords)

    return Codec(
        spec=canonical,
        encode=encode,
        decode=lambda data: codec.decode(data, threads=threads),
        ladder=ladder,
        quality_range=codec.quality_range,
        version=codec.version,
        settings=setup.settings(value, threads),
        quality_meaning=codec.quality_meaning,
    )
