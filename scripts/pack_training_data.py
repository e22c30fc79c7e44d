"""Shrink training folders into a small pack that fits a lent GPU machine's transfer limit.

Each image is downscaled by --scale (Lanczos; as in Balle et al. 2018 this also removes the
source JPEG's blocking and chroma subsampling) and stored as 4:4:4 JPEG at --quality.
The last --holdout files of the sorted list are left out, exactly as `ncodec train` holds them out.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

from ncodec.train.data import find_images


def pack_one(job: tuple[Path, Path, float, int]) -> int:
    """Downscale one image, write it as JPEG, return the bytes written."""
    src, dst, scale, quality = job
    with Image.open(src) as img:
        rgb = img.convert("RGB")
    w, h = rgb.size
    small = rgb.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
    dst.parent.mkdir(parents=True, exist_ok=True)
    small.save(dst, "JPEG", quality=quality, subsampling=0)
    return dst.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", nargs="+", type=Path, help="training image folders")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--quality", type=int, default=94)
    parser.add_argument("--holdout", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    files = find_images(args.data)
    kept = files[: -args.holdout] if args.holdout else files
    jobs = []
    for f in kept:
        root = next(d for d in args.data if f.is_relative_to(d))
        dst = args.out / root.name / f.relative_to(root).with_suffix(".jpg")
        jobs.append((f, dst, args.scale, args.quality))
    with ProcessPoolExecutor(args.jobs) as pool:
        total = sum(pool.map(pack_one, jobs, chunksize=16))
    print(f"packed {len(jobs)} images into {args.out}: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
