"""Classical image codecs (JPEG, JPEG 2000, WebP, AVIF, JPEG XL) in one registry.

Below both `ncodec.eval` (the harness's codec settings) and `ncodec.bounds` (codecs on patches).
"""

from ncodec.classical.codecs import CLASSICAL_CODECS, ClassicalCodec, classical_codec

__all__ = ["CLASSICAL_CODECS", "ClassicalCodec", "classical_codec"]
