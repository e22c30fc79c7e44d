"""Multi-image bits-back files: several images in one `.ncz`, each image's given-back bits
carrying the next one's hyper-latent (see `ncodec.models.bits_back`, docs/format.md).

>>> data = compress_images([rgb_a, rgb_b], quality=10)   # doctest: +SKIP
>>> [a, b] = decompress_images(data)                      # doctest: +SKIP

The image of the header's kind block is decoded first; the others are listed in the header's
extra (`bits_back.chain`). `ncodec.api.decode` of such a file returns the first image.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ncodec import api
from ncodec.decode_limits import DEFAULT_MAX_PIXELS
from ncodec.errors import InputError, ResourceError
from ncodec.format import ImageInfo, NczHeader, read_ncz, write_ncz
from ncodec.io.arrays import load_image_array
from ncodec.models.bits_back import (
    EXTRA_KEY,
    MAX_CHAIN,
    BitsBackHyperprior,
    decode_chain,
    encode_chain,
)
from ncodec.models.image_codec import padded_tensor, tiled_pixels
from ncodec.models.transforms import SYNTHESIS_TILING


def _coder(model: str | None) -> BitsBackHyperprior:
    codec = api.load_model(model)
    if not hasattr(codec, "latent_shapes"):
        raise InputError("bits-back coding needs a hyperprior image model")
    return BitsBackHyperprior.of(codec)


def compress_images(
    images: Sequence[np.ndarray], model: str | None = None, quality: int = 75
) -> bytes:
    """One bits-back `.ncz` holding every image (HxWx3 uint8 RGB arrays), in this order."""
    if not 1 <= len(images) <= MAX_CHAIN:
        raise InputError(f"a bits-back file holds 1 to {MAX_CHAIN} images, got {len(images)}")
    q = api.check_quality(quality)
    entry = api.find_model(model)
    coder = _coder(entry.name)
    codec = coder.codec
    loaded = [load_image_array(image) for image in images]
    stream = encode_chain(coder, [(padded_tensor(i.rgb, codec.stride), q - 1) for i in loaded])
    chain = [[i.rgb.shape[0], i.rgb.shape[1], i.mode, q] for i in loaded[1:]]
    first = loaded[0]
    info = ImageInfo(first.rgb.shape[0], first.rgb.shape[1], first.mode, q)
    header = NczHeader(entry.name, codec.weights_hash, info, codec.kind, coder.extra(chain))
    return write_ncz(header, [stream])


def decompress_images(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> list[np.ndarray]:
    """Every image of a bits-back `.ncz` (a plain file gives its one image)."""
    header, streams = read_ncz(data)
    if EXTRA_KEY not in header.extra:
        return [api.decode(data, max_pixels).rgb]
    first = api.decode(data, max_pixels)  # every check of a one-image decode, and image 1
    codec = api.load_model(header.model)
    coder, chain = codec._bits_back_coder(header)
    limit = api.check_max_pixels(max_pixels)
    for height, width, _, _ in chain:
        if height * width > limit:
            raise ResourceError(
                f"image of {width}x{height} = {height * width} pixels exceeds the decoder limit "
                f"of {limit} pixels (allow more with --max-pixels)"
            )
    shapes = [(header.height, header.width, header.quality)]
    shapes += [(h, w, quality) for h, w, _, quality in chain]
    items = [(codec._padded(h, w), quality - 1) for h, w, quality in shapes]
    latents = decode_chain(coder, streams[0], items)
    return [first.rgb] + [
        tiled_pixels(codec.synthesizer(q - 1), y, SYNTHESIS_TILING, h, w)
        for (h, w, q), y in zip(shapes[1:], latents[1:], strict=True)
    ]
