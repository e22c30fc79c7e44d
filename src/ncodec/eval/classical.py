"""Classical codecs through imagecodecs: JPEG, JPEG 2000, WebP, AVIF and JPEG XL at fixed settings.

Ladders were chosen to cover about 0.1 to 2 bpp averaged over Kodak (see docs/evaluation.md).
"""

from __future__ import annotations

from collections.abc import Callable

import imagecodecs
import numpy as np

from ncodec.eval.codec import (
    Codec,
    CodecSpec,
    check_known_options,
    int_option,
    parse_ladder,
)

DEFAULT_AVIF_SPEED = 6
DEFAULT_JPEGXL_EFFORT = 7
DEFAULT_WEBP_METHOD = 4  # libwebp's own default (cwebp -m 4)


def _rgb(image: np.ndarray) -> np.ndarray:
    """Decoded images as contiguous HxWx3 uint8 (drop an alpha channel a decoder may add)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    return np.ascontiguousarray(image, dtype=np.uint8)


def _ladder(spec: CodecSpec, default: tuple[float, ...], qrange: tuple[float, float]):
    """The default quality ladder, or the `q=a/b/c` override checked against the range."""
    if "q" in spec.options:
        return parse_ladder(spec.options["q"], qrange, spec.name)
    return default


def _jpeg(spec: CodecSpec, threads: int) -> Codec:
    """libjpeg-turbo, baseline with optimized Huffman tables, 4:2:0 chroma (libjpeg default)."""
    check_known_options(spec.options, ["q"], spec.name)
    qrange = (1.0, 100.0)

    def encode(image: np.ndarray, quality: float) -> bytes:
        """Encode an RGB image at `quality` into the bytes of a complete file."""
        return bytes(imagecodecs.jpeg8_encode(image, level=int(quality), optimize=True))

    return Codec(
        spec="jpeg",
        encode=encode,
        decode=lambda data: _rgb(imagecodecs.jpeg8_decode(data)),
        ladder=_ladder(spec, (3, 5, 8, 12, 18, 25, 35, 50, 65, 75, 85, 90), qrange),
        quality_range=qrange,
        version=f"libjpeg-turbo {imagecodecs.jpeg8_version()}",
        settings={"optimize_huffman": True, "subsampling": "4:2:0", "threads": 1},
        quality_meaning="libjpeg quality 1..100",
    )


def _jpeg2000(spec: CodecSpec, threads: int) -> Codec:
    """OpenJPEG, 9/7 irreversible wavelet, one quality layer at a target PSNR (fixed quality)."""
    check_known_options(spec.options, ["q"], spec.name)
    qrange = (10.0, 80.0)

    def encode(image: np.ndarray, quality: float) -> bytes:
        """Encode an RGB image at `quality` into the bytes of a complete file."""
        return bytes(imagecodecs.jpeg2k_encode(image, level=quality, numthreads=threads))

    return Codec(
        spec="jpeg2000",
        encode=encode,
        decode=lambda data: _rgb(imagecodecs.jpeg2k_decode(data, numthreads=threads)),
        ladder=_ladder(spec, (23, 24, 25, 26, 28, 30, 32, 34, 36, 38, 40, 42), qrange),
        quality_range=qrange,
        version=f"openjpeg {imagecodecs.jpeg2k_version()}",
        settings={"codestream": "J2K", "wavelet": "9/7 irreversible", "threads": threads},
        quality_meaning="OpenJPEG target PSNR in dB (fixed-quality mode)",
    )


def _webp(spec: CodecSpec, threads: int) -> Codec:
    """libwebp lossy (VP8) at method 4; `webp:method=6` for the slowest, best setting."""
    check_known_options(spec.options, ["q", "method"], spec.name)
    method = int_option(spec.options, "method", DEFAULT_WEBP_METHOD, range(7), spec.name)
    qrange = (0.0, 100.0)

    def encode(image: np.ndarray, quality: float) -> bytes:
        """Encode an RGB image at `quality` into the bytes of a complete file."""
        return bytes(
            imagecodecs.webp_encode(
                image, level=quality, lossless=False, method=method, numthreads=threads
            )
        )

    return Codec(
        spec="webp" if method == DEFAULT_WEBP_METHOD else f"webp:method={method}",
        encode=encode,
        decode=lambda data: _rgb(imagecodecs.webp_decode(data)),
        ladder=_ladder(spec, (0, 2, 5, 10, 20, 35, 50, 65, 75, 85, 90), qrange),
        quality_range=qrange,
        version=f"libwebp {imagecodecs.webp_version()}",
        settings={"lossless": False, "method": method, "subsampling": "4:2:0", "threads": threads},
        quality_meaning="libwebp quality 0..100 (lossy)",
    )


def _avif(spec: CodecSpec, threads: int) -> Codec:
    """libavif (AV1 intra), 4:4:4, speed 6 by default; `avif:speed=0` for the slowest, best."""
    check_known_options(spec.options, ["q", "speed"], spec.name)
    speed = int_option(spec.options, "speed", DEFAULT_AVIF_SPEED, range(11), spec.name)
    qrange = (0.0, 99.0)

    def encode(image: np.ndarray, quality: float) -> bytes:
        """Encode an RGB image at `quality` into the bytes of a complete file."""
        return bytes(
            imagecodecs.avif_encode(
                image, level=int(quality), speed=speed, pixelformat="444", numthreads=threads
            )
        )

    return Codec(
        spec="avif" if speed == DEFAULT_AVIF_SPEED else f"avif:speed={speed}",
        encode=encode,
        decode=lambda data: _rgb(imagecodecs.avif_decode(data, numthreads=threads)),
        ladder=_ladder(spec, (8, 15, 25, 35, 45, 55, 65, 75, 85), qrange),
        quality_range=qrange,
        version=f"libavif {imagecodecs.avif_version()}",
        settings={"speed": speed, "pixelformat": "4:4:4", "bitdepth": 8, "threads": threads},
        quality_meaning="libavif quality 0..99 (100 would be lossless)",
    )


def _jpegxl(spec: CodecSpec, threads: int) -> Codec:
    """libjxl lossy (VarDCT) at effort 7 (cjxl default); quality maps to butteraugli distance."""
    check_known_options(spec.options, ["q", "effort"], spec.name)
    effort = int_option(spec.options, "effort", DEFAULT_JPEGXL_EFFORT, range(1, 11), spec.name)
    qrange = (1.0, 99.0)

    def encode(image: np.ndarray, quality: float) -> bytes:
        """Encode an RGB image at `quality` into the bytes of a complete file."""
        return bytes(
            imagecodecs.jpegxl_encode(image, level=int(quality), effort=effort, numthreads=threads)
        )

    return Codec(
        spec="jpegxl" if effort == DEFAULT_JPEGXL_EFFORT else f"jpegxl:effort={effort}",
        encode=encode,
        decode=lambda data: _rgb(imagecodecs.jpegxl_decode(data, numthreads=threads)),
        ladder=_ladder(spec, (1, 10, 20, 30, 45, 60, 70, 80, 88, 92), qrange),
        quality_range=qrange,
        version=f"libjxl {imagecodecs.jpegxl_version()}",
        settings={"effort": effort, "threads": threads},
        quality_meaning="libjxl quality 1..99 (90 = butteraugli distance 1.0)",
    )


CLASSICAL_CODECS: dict[str, Callable[[CodecSpec, int], Codec]] = {
    "jpeg": _jpeg,
    "jpeg2000": _jpeg2000,
    "webp": _webp,
    "avif": _avif,
    "jpegxl": _jpegxl,
}
