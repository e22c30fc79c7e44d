"""Decode time of `overfit` files beside the classical codecs and hyperprior-mse, same run.

For every image of a folder (Kodak: measurement only), an `overfit` file is encoded once with
`--iterations` encoder iterations (cached in OUT, resumable; decode cost does not depend on the
iteration count except through the number of latent grids the encoder keeps). Then, in this one
process on one thread: the overfit decode (file bytes to pixels, entropy decoding included; with
the compiled kernels, and with the PyTorch reference, which must give the same pixels) and,
for AVIF (speed 6), WebP, JPEG XL and JPEG files matched to the overfit file's size, their
decodes; warm-up plus the median of repeats. `--cold N` also decodes the first N files once
each in a fresh process (after imports and model loading), the cost of a one-shot CLI decode.

    OMP_NUM_THREADS=1 python bench/overfit_decode_time.py ../shared/data/kodak OUT --quality 50
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from ncodec import api
from ncodec.classical import classical_codec
from ncodec.compare.search import match_size
from ncodec.eval.timing import configure_threads, timed
from ncodec.format import read_ncz
from ncodec.io import find_images, load_rgb
from ncodec.metrics import psnr
from ncodec.models.overfit import kernels
from ncodec.models.overfit.decoder import IntegerDecoder
from ncodec.models.overfit.stream import read_stream

CLASSICAL = {"avif": {"speed": 6}, "webp": {}, "jpegxl": {}, "jpeg": {}}
OURS = ("overfit", "overfit_reference")
"""The decoder with its compiled kernels, and the PyTorch reference (`kernels.reference_only`)."""
COLD = """
import sys, time
from ncodec import api
data = open(sys.argv[1], 'rb').read()
api.load_model('overfit')
t, c = time.perf_counter(), time.process_time()
api.decode(data)
print(time.perf_counter() - t, time.process_time() - c)
"""


def overfit_file(image: Path, rgb: np.ndarray, out: Path, quality: int, iterations: int) -> bytes:
    """The cached overfit file of an image (encoded now if missing)."""
    path = out / f"{image.stem}.q{quality}.i{iterations}.ncz"
    if not path.exists():
        codec = api.load_model("overfit")
        codec.config = dataclasses.replace(
            codec.config, effort_iterations=(iterations,) * len(codec.config.effort_iterations)
        )
        data = api.compress_image(rgb, model="overfit", quality=quality, effort=1)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path.read_bytes()


def stages(data: bytes, repeats: int) -> dict[str, float]:
    """How many latent grids an overfit file codes (the others are all zero and skip the
    entropy model; the synthesis cost is the same), and the median CPU seconds of the two
    stages of its decode: reading the stream (ANS pops and the entropy model's passes) and the
    synthesis (upsampling and the layers)."""
    header, streams = read_ncz(data)
    codec = api.load_model("overfit")
    stride = codec.stride
    padded = (-(-header.height // stride) * stride, -(-header.width // stride) * stride)
    read = timed(lambda: read_stream(codec.bank, streams[0], padded), 1, repeats)
    quantized, grids = read.result
    synthesis = timed(lambda: IntegerDecoder(codec.config, quantized).synthesize(grids), 1, repeats)
    return {
        "grids_coded": sum(bool(grid.any()) for grid in grids),
        "stream_cpu_s": read.cpu_s,
        "synthesis_cpu_s": synthesis.cpu_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--quality", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cold", type=int, default=3)
    args = parser.parse_args()
    configure_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    images = find_images(args.data)[: args.limit or None]
    rows = []
    for image in images:
        rgb = load_rgb(image)
        data = overfit_file(image, rgb, args.out, args.quality, args.iterations)
        decoded = timed(lambda d=data: api.decode(d).rgb, 1, args.repeats)
        with kernels.reference_only():  # the PyTorch decoder, same pixels (checked)
            reference = timed(lambda d=data: api.decode(d).rgb, 1, args.repeats)
        if not np.array_equal(reference.result, decoded.result):
            raise SystemExit(f"{image.name}: the kernels and the reference decode differently")
        split = stages(data, args.repeats)
        row = {
            "image": image.name,
            "pixels": rgb.shape[0] * rgb.shape[1],
            "overfit": {
                "bytes": len(data),
                "bpp": 8 * len(data) / rgb.shape[0] / rgb.shape[1],
                "psnr": psnr(rgb, decoded.result),
                **split,
                "wall_s": decoded.wall_s,
                "cpu_s": decoded.cpu_s,
            },
            "overfit_reference": {
                "bytes": len(data),
                "wall_s": reference.wall_s,
                "cpu_s": reference.cpu_s,
            },
        }
        for name, settings in CLASSICAL.items():
            codec = classical_codec(name)
            match = match_size(
                lambda q, c=codec, s=settings, x=rgb: c.encode(x, q, threads=1, **s),
                codec.quality_range,
                len(data),
            )
            result = timed(lambda c=codec, m=match: c.decode(m.data, threads=1), 1, args.repeats)
            row[name] = {
                "bytes": len(match.data),
                "quality": match.quality,
                "psnr": psnr(rgb, result.result),
                "wall_s": result.wall_s,
                "cpu_s": result.cpu_s,
            }
        rows.append(row)
        print(image.name, {c: round(row[c]["cpu_s"] * 1000, 1) for c in [*OURS, *CLASSICAL]})
    cold = []
    for image in images[: args.cold]:
        path = args.out / f"{image.stem}.q{args.quality}.i{args.iterations}.ncz"
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        text = subprocess.run(
            [sys.executable, "-c", COLD, str(path)], env=env, capture_output=True, text=True
        ).stdout.split()
        cold.append({"image": image.name, "wall_s": float(text[0]), "cpu_s": float(text[1])})
    codecs = [*OURS, *CLASSICAL]
    summary = {
        c: {
            "median_wall_ms": 1000 * statistics.median(r[c]["wall_s"] for r in rows),
            "median_cpu_ms": 1000 * statistics.median(r[c]["cpu_s"] for r in rows),
            "mean_bpp": statistics.mean(8 * r[c]["bytes"] / r["pixels"] for r in rows),
        }
        for c in codecs
    }
    if cold:
        summary["overfit_cold"] = {
            "median_wall_ms": 1000 * statistics.median(c["wall_s"] for c in cold),
            "median_cpu_ms": 1000 * statistics.median(c["cpu_s"] for c in cold),
        }
    report = {
        "settings": vars(args) | {"data": str(args.data), "out": str(args.out)},
        "load_average": os.getloadavg(),
        "summary": summary,
        "images": rows,
        "cold": cold,
    }
    (args.out / "decode_time.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
