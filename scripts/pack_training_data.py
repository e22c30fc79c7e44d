"""Shrink training folders into a small pack that fits a lent GPU machine's transfer limit.

Each image is downscaled by --scale (Lanczos; as in Balle et al. 2018 this also removes the
source JPEG's blocking and chroma subsampling) and stored as 4:4:4 JPEG at --quality.
The last --holdout files of the sorted list are left out, exactly as `ncodec train` holds them out.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

from ncodec.errors import InputError
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
    parser.add_argument("--quality", type=int, default=92)
    parser.add_argument("--holdout", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--force", action="store_true", help="write into a non-empty --out")
    args = parser.parse_args()
    if not 0 < args.scale <= 1 or not 1 <= args.quality <= 100:
        sys.exit("pack_training_data: error: --scale must be in (0, 1], --quality in 1..100")
    if args.out.exists() and any(args.out.iterdir()) and not args.force:
        sys.exit(f"pack_training_data: error: {args.out} is not empty (use --force)")
    try:
        files = find_images(args.data)
    except InputError as err:
        sys.exit(f"pack_training_data: error: {err}")
    if len(files) <= args.holdout:
        sys.exit(f"pack_training_data: error: {len(files)} images, not more than --holdout")
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
