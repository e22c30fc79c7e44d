"""Run in a fresh process: peak memory (ru_maxrss) of decoding hostile files with the shipped
model, after a warm-up decode. Prints one JSON line per case."""

from __future__ import annotations

import json
import resource
import sys

import numpy as np

from ncodec import api
from ncodec.coding import encode
from ncodec.entropy.factorized import channel_indexes
from ncodec.errors import NcodecError
from ncodec.format import ImageInfo, NczHeader, write_ncz

MODEL = "hyperprior-mse"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cheapest_z_stream(codec, side: int) -> bytes:
    """A valid z stream for a side x side image: every z at its table's most probable value."""
    padded = -(-side // codec.stride) * codec.stride
    _, shape = codec.latent_shapes((padded, padded))
    tables = codec.z_tables
    modes = np.argmax(tables.counts(), axis=1) + tables.offsets
    indexes = channel_indexes(shape)
    return encode(modes[indexes], indexes, tables)


def main() -> None:
    codec = api.load_model(MODEL)
    api.decode(api.compress_image(np.zeros((64, 64, 3), np.uint8), MODEL, 50))
    for case in sys.argv[1:]:
        kind, side = case.split(":")
        side = int(side)
        header = NczHeader(MODEL, codec.weights_hash, ImageInfo(side, side, "RGB", 50))
        z = cheapest_z_stream(codec, side) if kind == "valid-z" else b""
        before = peak_mb()
        try:
            api.decode(write_ncz(header, [z, b""]), max_pixels=1 << 28)
            outcome = "decoded"
        except NcodecError as err:
            outcome = type(err).__name__
        print(
            json.dumps(
                {"case": case, "before_mb": before, "after_mb": peak_mb(), "outcome": outcome}
            )
        )


if __name__ == "__main__":
    main()
