"""Real coded bpp, PSNR and MS-SSIM (dB) of weights or checkpoints on held-out training photos.

Picks the MS-SSIM fine-tune's checkpoint without looking at Kodak: the holdout is the last
--holdout files of the sorted training folders (as `ncodec train` holds them out), 256x256
centre crops coded for real (every stream byte) at the given qualities, through the same frozen
codec (integer tables, fixed-point synthesis) that ships.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from holdout_val import load  # bench/ is sys.path[0] when run as a script
from ncodec.errors import InputError
from ncodec.format import NczHeader
from ncodec.metrics import msssim, msssim_db, psnr
from ncodec.models import freeze
from ncodec.train.data import find_images
from ncodec.train.validate import center_crops


def measure(model, images: list[np.ndarray], quality: int) -> dict:
    """Mean real bpp (stream bytes), PSNR and MS-SSIM dB over `images` at one quality."""
    codec = freeze(model)
    total_bytes, psnrs, msssims = 0, [], []
    for rgb in images:
        streams = codec.compress(rgb, quality).streams
        total_bytes += sum(len(s) for s in streams)
        header = NczHeader.image("holdout", "0" * 16, *rgb.shape[:2], quality=quality)
        back = codec.decompress(streams, header)
        psnrs.append(psnr(rgb, back))
        msssims.append(msssim(rgb, back))
    pixels = sum(im.shape[0] * im.shape[1] for im in images)
    return {
        "bpp": round(8 * total_bytes / pixels, 4),
        "psnr": round(float(np.mean(psnrs)), 3),
        "ms_ssim_db": round(float(np.mean([msssim_db(m) for m in msssims])), 3),
    }


def holdout_images(folders: list[Path], count: int) -> list[np.ndarray]:
    """The 256x256 centre crops (uint8 RGB) of the last `count` training files."""
    crops = center_crops(find_images(folders)[-count:], 256)
    return [(c.permute(1, 2, 0) * 255).round().byte().numpy() for c in crops]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="+", type=Path, help=".safetensors or checkpoint .pt")
    parser.add_argument("--data", nargs="+", type=Path, required=True)
    parser.add_argument("--holdout", type=int, default=16)
    parser.add_argument("--qualities", default="1,50,100")
    parser.add_argument("--card", type=Path, default=Path("weights/hyperprior-mse.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    try:
        card = json.loads(args.card.read_text())
        images = holdout_images(args.data, args.holdout)
        qualities = [int(q) for q in args.qualities.split(",")]
        for path in args.models:
            model = load(path, card)
            row = {f"q{q}": measure(model, images, q) for q in qualities}
            print(json.dumps({"model": str(path), **row}), flush=True)
    except (InputError, OSError, ValueError) as err:
        sys.exit(f"msssim_holdout: error: {err}")


if __name__ == "__main__":
    main()
