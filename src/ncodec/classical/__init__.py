"""Classical image codecs in two registries: lossy (JPEG, JPEG 2000, WebP, AVIF, JPEG XL) and
lossless (PNG, WebP lossless, JPEG XL lossless).

Below both `ncodec.eval` (the harness's codec settings) and `ncodec.bounds` (codecs on patches).
"""

from ncodec.classical.codecs import (
    CLASSICAL_CODECS,
    LOSSLESS_CODECS,
    ClassicalCodec,
    classical_codec,
)

__all__ = ["CLASSICAL_CODECS", "LOSSLESS_CODECS", "ClassicalCodec", "classical_codec"]
