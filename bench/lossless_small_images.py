"""Small images losslessly: real file bytes of `lossless-photo` (with and without the fixed
predictor that small tiles may send) beside PNG, WebP and JPEG XL lossless, on square crops of
BSDS500 training photos (never Kodak).

    OMP_NUM_THREADS=1 .venv/bin/python bench/lossless_small_images.py [--photos 12] [--json OUT]

Prints a markdown table: total bytes over the crops of each size, and bits per subpixel.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from ncodec import api
from ncodec.classical import LOSSLESS_CODECS
from ncodec.lossless_photo import tile

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "train" / "bsds500"
SIDES = (8, 16, 32, 48, 64, 96, 128)
CLASSICAL = {
    "png": {},
    "webp-lossless": {"method": 6},
    "jpegxl-lossless": {"effort": 7},
}


def crops(count: int, side: int) -> list[np.ndarray]:
    """Centre crops side x side of `count` photos (every 10th of the sorted folder)."""
    out = []
    for path in sorted(PHOTOS.iterdir())[::10][:count]:
        image = np.asarray(Image.open(path).convert("RGB"))
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        out.append(np.ascontiguousarray(image[top : top + side, left : left + side]))
    return out


def ncodec_bytes(image: np.ndarray) -> int:
    """Bytes of the `.ncz` file, checked to decode to the same pixels."""
    data = api.compress(image, "lossless-photo")
    if not np.array_equal(api.decode(data).data, image):
        raise SystemExit("lossless-photo: round trip failed")
    return len(data)


def measure(count: int) -> dict[int, dict[str, int]]:
    """Total bytes per side and codec."""
    results = {}
    for side in SIDES:
        images = crops(count, side)
        row = {"raw": sum(image.size for image in images)}
        row["lossless-photo"] = sum(map(ncodec_bytes, images))
        limit = tile.SMALL_TILE_PIXELS
        tile.SMALL_TILE_PIXELS = 0  # fitted predictors only (the encoder before this option)
        try:
            row["lossless-photo, fitted only"] = sum(map(ncodec_bytes, images))
        finally:
            tile.SMALL_TILE_PIXELS = limit
        for name, settings in CLASSICAL.items():
            encode = LOSSLESS_CODECS[name].encode
            row[name] = sum(len(encode(image, 100, threads=1, **settings)) for image in images)
        results[side] = row
    return results


def table(results: dict[int, dict[str, int]], count: int) -> str:
    """Markdown: bytes (bits per subpixel) per codec and side."""
    names = [name for name in next(iter(results.values())) if name != "raw"]
    lines = [
        f"| side ({count} crops) | " + " | ".join(names) + " |",
        "|---:|" + "---:|" * len(names),
    ]
    for side, row in results.items():
        cells = [f"{row[name]} ({8 * row[name] / row['raw']:.2f})" for name in names]
        lines.append(f"| {side} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = measure(args.photos)
    print(table(results, args.photos))
    if args.json:
        args.json.write_text(json.dumps({str(k): v for k, v in results.items()}, indent=1) + "\n")


if __name__ == "__main__":
    main()
