"""Classical formats through imagecodecs, one table row each: the library's encoder and decoder,
the quality range and meaning, which settings a caller may choose, and the library version.

Settings a caller leaves out are the library's own defaults; the eval harness and the bounds
choose theirs by keyword (`encode(image, 50, method=6, threads=2)`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import imagecodecs
import numpy as np

from ncodec.errors import InputError


@dataclass(frozen=True)
class ClassicalCodec:
    """A classical format (lossy, or lossless where `lossless`); `encode` gives the bytes of a
    complete file."""

    name: str
    library: str
    """Library name as reported, e.g. 'libjpeg-turbo'."""
    quality_range: tuple[float, float]
    """Inclusive range of valid qualities."""
    quality_meaning: str
    encoder: Callable[..., Any]
    decoder: Callable[..., Any]
    library_version: Callable[[], str]
    settings: tuple[str, ...] = ()
    """Keyword settings of `encoder` that callers may choose (besides threads)."""
    fixed: dict[str, Any] = field(default_factory=dict)
    """Keywords always passed to `encoder` (e.g. lossless=False)."""
    integer_quality: bool = True
    """The library takes an integer quality level."""
    threaded: tuple[bool, bool] = (True, True)
    """Whether the encoder and the decoder take a thread count."""
    gray_input: bool = True
    """False: HxW gray images must be replicated to RGB before `encode`."""
    lossless: bool = False
    """True: decoding gives back the exact pixels; quality is an effort level, not a fidelity."""

    @property
    def version(self) -> str:
        """Library name and version (what eval records store to tell codec versions apart)."""
        return f"{self.library} {self.library_version()}"

    def encode(
        self, image: np.ndarray, quality: float, *, threads: int | None = None, **settings: Any
    ) -> bytes:
        """Encode at `quality` with the given settings (unset ones: library defaults)."""
        unknown = sorted(set(settings) - set(self.settings))
        if unknown:
            raise TypeError(f"{self.name}: unknown setting {unknown[0]!r}")
        keywords = {**self.fixed, **settings}
        if self.threaded[0]:
            keywords["numthreads"] = threads
        level = int(quality) if self.integer_quality else quality
        return bytes(self.encoder(image, level=level, **keywords))

    def decode(self, data: bytes, *, threads: int | None = None) -> np.ndarray:
        """Decode a file to HxWx3 (HxW for a gray file) contiguous uint8, without alpha."""
        decoded = self.decoder(data, numthreads=threads) if self.threaded[1] else self.decoder(data)
        decoded = np.asarray(decoded)
        if decoded.ndim == 3 and decoded.shape[2] == 4:
            decoded = decoded[:, :, :3]
        return np.ascontiguousarray(decoded, dtype=np.uint8)


CLASSICAL_CODECS: dict[str, ClassicalCodec] = {
    codec.name: codec
    for codec in (
        ClassicalCodec(  # baseline, 4:2:0 chroma (the libjpeg default); single-threaded
            "jpeg",
            "libjpeg-turbo",
            (1.0, 100.0),
            "libjpeg quality 1..100",
            imagecodecs.jpeg8_encode,
            imagecodecs.jpeg8_decode,
            imagecodecs.jpeg8_version,
            settings=("optimize",),
            threaded=(False, False),
        ),
        ClassicalCodec(  # J2K codestream, 9/7 irreversible wavelet, one layer at a target PSNR
            "jpeg2000",
            "openjpeg",
            (10.0, 80.0),
            "OpenJPEG target PSNR in dB (fixed-quality mode)",
            imagecodecs.jpeg2k_encode,
            imagecodecs.jpeg2k_decode,
            imagecodecs.jpeg2k_version,
            integer_quality=False,
        ),
        ClassicalCodec(  # lossy (VP8, 4:2:0); method 0..6, library default 4
            "webp",
            "libwebp",
            (0.0, 100.0),
            "libwebp quality 0..100 (lossy)",
            imagecodecs.webp_encode,
            imagecodecs.webp_decode,
            imagecodecs.webp_version,
            settings=("method",),
            fixed={"lossless": False},
            integer_quality=False,
            threaded=(True, False),
            gray_input=False,
        ),
        ClassicalCodec(  # AV1 intra, 8-bit; speed 0..10 (0 slowest, best); pixelformat e.g. 444
            "avif",
            "libavif",
            (0.0, 99.0),
            "libavif quality 0..99 (100 would be lossless)",
            imagecodecs.avif_encode,
            imagecodecs.avif_decode,
            imagecodecs.avif_version,
            settings=("speed", "pixelformat"),
            gray_input=False,  # coded as replicated RGB, as the bounds results were made
        ),
        ClassicalCodec(  # VarDCT; effort 1..10, library default 7; quality maps to a distance
            "jpegxl",
            "libjxl",
            (1.0, 99.0),
            "libjxl quality 1..99 (90 = butteraugli distance 1.0)",
            imagecodecs.jpegxl_encode,
            imagecodecs.jpegxl_decode,
            imagecodecs.jpegxl_version,
            settings=("effort",),
        ),
    )
}
"""The classical lossy codecs by name, in the order the harness lists them."""

LOSSLESS_CODECS: dict[str, ClassicalCodec] = {
    codec.name: codec
    for codec in (
        ClassicalCodec(  # lossless; the zlib level is the only knob (filters: libpng's choice)
            "png",
            "libpng",
            (0.0, 9.0),
            "zlib compression level 0..9 (lossless)",
            imagecodecs.png_encode,
            imagecodecs.png_decode,
            imagecodecs.png_version,
            threaded=(False, False),
            lossless=True,
        ),
        ClassicalCodec(  # J2K codestream, reversible 5/3 wavelet and colour transform
            "jpeg2000-lossless",
            "openjpeg",
            (0.0, 0.0),
            "lossless (level 0: no rate target)",
            imagecodecs.jpeg2k_encode,
            imagecodecs.jpeg2k_decode,
            imagecodecs.jpeg2k_version,
            fixed={"reversible": True},
            lossless=True,
        ),
        ClassicalCodec(  # VP8L; level 0..100 is encoder effort, method 0..6 (default 4)
            "webp-lossless",
            "libwebp",
            (0.0, 100.0),
            "libwebp lossless effort 0..100",
            imagecodecs.webp_encode,
            imagecodecs.webp_decode,
            imagecodecs.webp_version,
            settings=("method",),
            fixed={"lossless": True},
            threaded=(True, False),
            gray_input=False,
            lossless=True,
        ),
        ClassicalCodec(  # modular mode; the level is ignored, effort 1..10 (default 7) matters
            "jpegxl-lossless",
            "libjxl",
            (100.0, 100.0),
            "lossless (the level is ignored; choose effort 1..10)",
            imagecodecs.jpegxl_encode,
            imagecodecs.jpegxl_decode,
            imagecodecs.jpegxl_version,
            settings=("effort",),
            fixed={"lossless": True},
            lossless=True,
        ),
    )
}
"""The classical lossless codecs by name (anchors for learned lossless coding)."""


def classical_codec(name: str) -> ClassicalCodec:
    """The registered codec called `name`; an unknown name is a one-line InputError."""
    try:
        return CLASSICAL_CODECS[name] if name in CLASSICAL_CODECS else LOSSLESS_CODECS[name]
    except KeyError:
        known = ", ".join([*CLASSICAL_CODECS, *LOSSLESS_CODECS])
        raise InputError(f"unknown classical codec {name!r} (known: {known})") from None
