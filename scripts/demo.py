"""`make demo`: compress a sample photo with the default learned model, then JPEG and AVIF at the
same file size, and print real sizes, PSNR and timings side by side."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.data import astronaut

from ncodec import api
from ncodec.eval.registry import resolve_codec
from ncodec.metrics import psnr


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def matched_quality(codec, rgb: np.ndarray, target_bytes: int) -> tuple[float, bytes]:
    """The codec's largest integer quality whose file is not larger than `target_bytes`."""
    lo, hi = int(codec.quality_range[0]), int(codec.quality_range[1])
    best = (lo, codec.encode(rgb, lo))
    while lo <= hi:
        mid = (lo + hi) // 2
        data = codec.encode(rgb, mid)
        if len(data) <= target_bytes:
            best, lo = (mid, data), mid + 1
        else:
            hi = mid - 1
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo-out"))
    parser.add_argument("--quality", type=int, default=50)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rgb = np.ascontiguousarray(astronaut())
    source = args.out / "astronaut.png"
    Image.fromarray(rgb).save(source)
    pixels = rgb.shape[0] * rgb.shape[1]

    model = api.default_model()
    api.compress_image(rgb[:64, :64], model, args.quality)  # load the model before timing
    data, enc_s = timed(api.compress_image, rgb, model, args.quality)
    (args.out / "astronaut.ncz").write_bytes(data)
    decoded, dec_s = timed(api.decompress_image, data)
    Image.fromarray(decoded).save(args.out / "astronaut.ncodec.png")
    rows = [(f"ncodec {model} q={args.quality}", len(data), psnr(rgb, decoded), enc_s, dec_s)]
    for name in ("jpeg", "avif"):
        codec = resolve_codec(name)
        quality, coded = matched_quality(codec, rgb, len(data))
        codec.decode(codec.encode(rgb, quality))  # warm-up
        _, enc = timed(codec.encode, rgb, quality)
        back, dec = timed(codec.decode, coded)
        Image.fromarray(back).save(args.out / f"astronaut.{name}.png")
        rows.append((f"{codec.spec} q={quality:g}", len(coded), psnr(rgb, back), enc, dec))

    print(f"\nastronaut.png ({rgb.shape[1]}x{rgb.shape[0]}, scikit-image), files in {args.out}/")
    print(f"{'codec':<34}{'bytes':>8}{'bpp':>8}{'PSNR dB':>9}{'enc ms':>9}{'dec ms':>9}")
    for label, size, quality_db, enc, dec in rows:
        print(
            f"{label:<34}{size:>8}{8 * size / pixels:>8.3f}{quality_db:>9.2f}"
            f"{1000 * enc:>9.1f}{1000 * dec:>9.1f}"
        )
    print("JPEG and AVIF use the largest quality whose file is not larger than ncodec's.")


if __name__ == "__main__":
    main()
