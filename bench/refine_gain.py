"""What encoder-side latent refinement buys: plain vs refined real files, same model, same decoder.

For every image and quality, encodes once plainly and once with N steps of the Adam refinement
(`refine_method="adam"`; SGA, the default search, is measured by bench/sga_gain.py) per search
precision (fp32, and bf16 unless --precisions says otherwise), decodes each with the unchanged
decoder and records real bpp, PSNR and single-thread encode time. Reports BD-rate of each refined
curve against plain over the images' mean curves. Writes docs/results/refine.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ncodec import api
from ncodec.eval.bdrate import bd_quality, bd_rate
from ncodec.io import find_images, load_rgb
from ncodec.metrics import bits_per_pixel, psnr
from ncodec.zoo import find_model


def measure(rgb: np.ndarray, model: str, quality: int, steps: int, precision: str) -> dict:
    start = time.process_time()
    options = {"refine_method": "adam", "refine_precision": precision} if steps else {}
    data = api.compress_image(rgb, model, quality, steps, options)
    encode_s = time.process_time() - start
    decoded = api.decompress_image(data)
    return {
        "bpp": bits_per_pixel(len(data), *rgb.shape[:2]),
        "psnr_rgb": psnr(rgb, decoded),
        "encode_cpu_s": encode_s,
    }


def mean_curve(records: list[dict], qualities: list[int], key: str) -> list[float]:
    return [float(np.mean([r[key] for r in records if r["quality"] == q])) for q in qualities]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="Folder of test images (e.g. Kodak).")
    parser.add_argument("--model", default=None)
    parser.add_argument("--qualities", default="15,43,72")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--every", type=int, default=6, help="Use every k-th image (sorted).")
    parser.add_argument("--precisions", default="fp32,bf16", help="Refinement search precisions.")
    parser.add_argument("--out", type=Path, default=Path("docs/results/refine.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    entry = find_model(args.model)
    qualities = [int(q) for q in args.qualities.split(",")]
    images = find_images(args.data)[:: args.every]
    precisions = args.precisions.split(",")
    if not set(precisions) <= set(api.REFINE_PRECISIONS):
        parser.error(f"--precisions must be among {', '.join(api.REFINE_PRECISIONS)}")
    variants = {"plain": (0, "fp32")} | {
        ("refined" if v == "fp32" else f"refined_{v}"): (args.steps, v) for v in precisions
    }
    records = []
    jobs = [(path, q) for path in images for q in qualities]
    for path, quality in tqdm(jobs, desc="refine", unit="point"):
        rgb = load_rgb(path)
        for name, (steps, precision) in variants.items():
            row = measure(rgb, entry.name, quality, steps, precision)
            records.append({"image": path.name, "quality": quality, "variant": name, **row})
    curves = {
        name: {
            "quality": qualities,
            "bpp": mean_curve(rows, qualities, "bpp"),
            "psnr_rgb": mean_curve(rows, qualities, "psnr_rgb"),
            "encode_cpu_s": mean_curve(rows, qualities, "encode_cpu_s"),
        }
        for name in variants
        for rows in [[r for r in records if r["variant"] == name]]
    }
    p = curves["plain"]
    gains = {}
    for name in variants:
        if name == "plain":
            continue
        r = curves[name]
        rate = bd_rate(p["bpp"], p["psnr_rgb"], r["bpp"], r["psnr_rgb"])
        quality = bd_quality(p["bpp"], p["psnr_rgb"], r["bpp"], r["psnr_rgb"])
        gains[f"bd_rate_{name}_vs_plain_percent"] = round(rate.value, 2)
        gains[f"bd_psnr_{name}_vs_plain_db"] = round(quality.value, 3)
        print(
            f"{name}: {args.steps} steps on {len(images)} images: BD-rate {rate.value:+.2f} %, "
            f"BD-PSNR {quality.value:+.3f} dB; encode {np.mean(p['encode_cpu_s']):.2f} s -> "
            f"{np.mean(r['encode_cpu_s']):.1f} s per image"
        )
    result = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": entry.name,
        "weights_hash": entry.weights_hash,
        "data": str(args.data),
        "images": [p.name for p in images],
        "refine_steps": args.steps,
        "method": "real .ncz files decoded by the unchanged decoder; PSNR over RGB per image, "
        "averaged; encode time = process CPU seconds, one thread",
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": 1},
        "curves": curves,
        **gains,
        "records": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
