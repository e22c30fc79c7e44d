"""Fixed-point decoder and tiled encoder of the shipped model on a folder (Kodak), one thread.

Per image and quality: the file of the whole-image encoder decoded by the fixed-point synthesis
and by the float32 synthesis it replaced (PSNR of each, largest pixel difference, share of
pixels that moved); and the file of the encoder run in small analysis tiles (bytes, PSNR), to
price tiling. Prints a summary and writes JSON.

    python bench/fixed_point_and_tiling_kodak.py ../shared/data/kodak --tile 256
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
import torch

from ncodec import api
from ncodec.format.container import read_ncz
from ncodec.io import find_images, load_rgb
from ncodec.metrics import psnr
from ncodec.models import hyperprior_codec
from ncodec.models.image_codec import to_pixels
from ncodec.models.tiling import Tiling
from ncodec.zoo import find_model, load_codec


def float_decode(codec, data: bytes) -> np.ndarray:
    """Pixels of the float32 synthesis the fixed-point one replaced (the earlier decoder)."""
    header, streams = read_ncz(data)
    stride, q = codec.stride, header.quality - 1
    padded = (-(-header.height // stride) * stride, -(-header.width // stride) * stride)
    y_gained = codec._gained_latents(list(streams), padded, q)
    with torch.no_grad():
        x_hat = codec.module.g_s(y_gained.float() * codec.y_inverse_gain[q].view(1, -1, 1, 1))
    return to_pixels(x_hat, header.height, header.width)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--model", default="hyperprior-mse")
    parser.add_argument("--qualities", default="15,50,85")
    parser.add_argument("--tile", type=int, default=256, help="analysis tile side in pixels")
    parser.add_argument("--every", type=int, default=1, help="every N-th image")
    parser.add_argument("--offset", type=int, default=0, help="starting with this one")
    parser.add_argument("--out", type=Path, default=Path("fixed_point_and_tiling_kodak.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    codec = load_codec(find_model(args.model))
    whole_tiling = hyperprior_codec.ANALYSIS_TILING
    small_tiling = Tiling(tile=args.tile // 16, halo=whole_tiling.halo, down=16)
    rows = []
    for path in find_images(args.data)[args.offset :: args.every]:
        rgb = load_rgb(path)
        for quality in (int(q) for q in args.qualities.split(",")):
            whole = api.compress_image(rgb, args.model, quality)
            fixed, floating = api.decompress_image(whole), float_decode(codec, whole)
            hyperprior_codec.ANALYSIS_TILING = small_tiling
            try:
                tiled = api.compress_image(rgb, args.model, quality)
            finally:
                hyperprior_codec.ANALYSIS_TILING = whole_tiling
            moved = np.abs(fixed.astype(np.int16) - floating.astype(np.int16))
            pixels = rgb.shape[0] * rgb.shape[1]
            rows.append(
                {
                    "image": path.name,
                    "quality": quality,
                    "bpp": 8 * len(whole) / pixels,
                    "psnr_fixed": psnr(rgb, fixed),
                    "psnr_float": psnr(rgb, floating),
                    "max_abs_diff": int(moved.max()),
                    "moved_share": float(np.count_nonzero(moved) / moved.size),
                    "tiled_bpp": 8 * len(tiled) / pixels,
                    "tiled_psnr": psnr(
                        rgb, fixed if tiled == whole else api.decompress_image(tiled)
                    ),
                    "tiled_same_file": tiled == whole,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    summary = {}
    for quality in sorted({r["quality"] for r in rows}):
        sel = [r for r in rows if r["quality"] == quality]
        mean = {k: statistics.fmean(r[k] for r in sel) for k in sel[0] if k not in ("image",)}
        summary[quality] = {
            "bpp": mean["bpp"],
            "psnr_fixed": mean["psnr_fixed"],
            "psnr_fixed_minus_float": mean["psnr_fixed"] - mean["psnr_float"],
            "max_abs_diff": max(r["max_abs_diff"] for r in sel),
            "moved_share": mean["moved_share"],
            "tiled_bpp_change_pct": 100 * (mean["tiled_bpp"] / mean["bpp"] - 1),
            "tiled_psnr_change_db": mean["tiled_psnr"] - mean["psnr_fixed"],
            "tiled_same_files": sum(r["tiled_same_file"] for r in sel),
            "images": len(sel),
        }
    result = {"model": args.model, "tile": args.tile, "summary": summary, "rows": rows}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
