"""Write the format-1 `.ncz` fixtures: shipped-model files whose decoded pixels must never move.

Run once, before the format-2 change (the files are committed; rerunning overwrites them):
    python scripts/make_v1_fixtures.py tests/fixtures/ncz_v1
Sources are crops of scikit-image's astronaut (never Kodak). `expected.json` records, per file,
the crop, the quality, the SHA-256 of each coded stream and of the decoded RGB pixels (also
kept as PNG, so a deliberate change of the decoder's arithmetic can be checked to move pixels by
at most 1).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from skimage.data import astronaut

from ncodec import api
from ncodec.format.container import read_ncz
from ncodec.io import save_image

CASES = (  # (name, top, left, height, width, quality)
    ("astro-96x128-q1", 40, 180, 96, 128, 1),
    ("astro-96x128-q50", 40, 180, 96, 128, 50),
    ("astro-61x83-q75", 200, 100, 61, 83, 75),
    ("astro-128x64-q100", 300, 300, 128, 64, 100),
)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    image = astronaut()
    expected = {}
    for name, top, left, height, width, quality in CASES:
        rgb = np.ascontiguousarray(image[top : top + height, left : left + width])
        data = api.compress_image(rgb, "hyperprior-mse", quality)
        (out / f"{name}.ncz").write_bytes(data)
        header, streams = read_ncz(data)
        pixels = api.decompress_image(data)
        save_image(str(out / f"{name}.png"), pixels, "RGB", force=True)
        expected[name] = {
            "crop": [top, left, height, width],
            "quality": quality,
            "weights_hash": header.weights_hash,
            "stream_sha256": [hashlib.sha256(s).hexdigest() for s in streams],
            "pixels_sha256": hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest(),
        }
    (out / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
