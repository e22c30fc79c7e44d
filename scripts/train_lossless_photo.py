"""Write weights/lossless-photo.safetensors (+ card) and measure it on held-out training photos.

The codec's predictors are fitted per image by the encoder (least squares, sent in the file),
so what the weights file holds is what every image shares: the integer CDF tables (built here
once from floats) and the activity thresholds. The validation set is every 10th ImageNet photo
of ../shared/data/train, area-averaged by 2 (washing out JPEG artefacts); Kodak is never used.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_lossless_photo.py [--images N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ncodec import api, zoo
from ncodec.classical import LOSSLESS_CODECS
from ncodec.models.registry import build_model, get_architecture

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "train" / "imagenet"
NAME = "lossless-photo"


def downscaled(path: Path) -> np.ndarray:
    """The photo area-averaged by 2 (even crop), rounded to uint8 RGB."""
    image = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
    h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    image = image[:h, :w].reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))
    return np.rint(image).astype(np.uint8)


def validate(count: int) -> dict:
    """bpsp of real files of the installed model and of WebP / JPEG XL lossless (same images)."""
    paths = sorted(DATA.glob("*.JPEG"))[::10][:count]
    bits = {"lossless-photo": 0, "webp-lossless": 0, "jpegxl-lossless": 0}
    subpixels = 0
    for path in paths:
        image = downscaled(path)
        data = api.compress(image, NAME)
        if not np.array_equal(api.decode(data).data, image):
            raise SystemExit(f"{path.name}: round trip failed")
        bits["lossless-photo"] += 8 * len(data)
        bits["webp-lossless"] += 8 * len(
            LOSSLESS_CODECS["webp-lossless"].encode(image, 100, threads=1, method=6)
        )
        bits["jpegxl-lossless"] += 8 * len(
            LOSSLESS_CODECS["jpegxl-lossless"].encode(image, 100, threads=1, effort=7)
        )
        subpixels += image.size
    return {
        "images": f"{len(paths)} ImageNet photos of ../shared/data/train (every 10th), "
        "area-averaged by 2",
        "bits_per_subpixel": {k: round(v / subpixels, 4) for k, v in bits.items()},
    }


def main() -> None:
    """Export the weights, then validate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40, help="validation photos")
    parser.add_argument("--out", type=Path, default=ROOT / "weights")
    args = parser.parse_args()
    config = get_architecture(NAME).default_config()
    path = args.out / f"{NAME}.safetensors"
    zoo.save_model(path, build_model(NAME, config), NAME, config)
    start = time.time()
    card = {
        "name": NAME,
        "architecture": NAME,
        "kind": "lossless-image",
        "config": config,
        "training": {
            "method": "none offline: the encoder fits each image's integer linear predictors "
            "(least squares) and table choices and sends them; the file holds shared integer "
            "tables",
        },
        "validation": validate(args.images),
    }
    card["validation"]["seconds"] = round(time.time() - start, 1)
    path.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card["validation"], indent=1))


if __name__ == "__main__":
    main()
