"""Compare overfit encoder recipes on crops of TRAINING photos (never Kodak) by the real R-D cost.

For each recipe variant, crop and quality, the image is encoded for real (training, integer
finishing, entropy coding) and scored by J = bits per pixel of the stream + lambda * 255^2 * MSE
of the decoded pixels: the quantity the encoder minimizes, measured on the file. Records are
appended to OUT/records.jsonl (resumable), and a table of the mean J per variant, relative to
the first one, is printed.

    OMP_NUM_THREADS=1 python bench/overfit_recipe_sweep.py OUT --iterations 250 \
        --variant base --variant lr2:learning_rate=0.02 --variant lat2:latent_learning_rate=0.2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from ncodec import api
from ncodec.io import find_images, load_rgb
from ncodec.models.image_codec import padded_tensor
from ncodec.models.overfit.decoder import IntegerDecoder
from ncodec.models.overfit.encoder import Recipe, encode_one
from ncodec.models.overfit.stream import read_stream

TRAIN = Path(__file__).resolve().parents[2] / "shared" / "data" / "train" / "bsds500"


def parse_variant(text: str) -> tuple[str, dict[str, float]]:
    """'name:key=value:key=value' -> (name, overrides of Recipe fields)."""
    name, *pairs = text.split(":")
    fields = {f.name: f.type for f in dataclasses.fields(Recipe)}
    overrides: dict[str, object] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in fields:
            raise SystemExit(f"unknown recipe field {key!r}")
        overrides[key] = tuple(float(v) for v in value.split("/")) if "/" in value else float(value)
    return name, overrides


def crops(folder: Path, count: int, size: int, seed: int) -> list[tuple[str, np.ndarray]]:
    """`count` centre-ish crops (size x size) of the first images of a training folder."""
    rng = np.random.default_rng(seed)
    out = []
    for path in find_images(folder)[:count]:
        rgb = load_rgb(path)
        top = int(rng.integers(0, rgb.shape[0] - size + 1))
        left = int(rng.integers(0, rgb.shape[1] - size + 1))
        out.append((path.name, np.ascontiguousarray(rgb[top : top + size, left : left + size])))
    return out


def measure(codec, rgb: np.ndarray, quality: int, recipe: Recipe) -> dict[str, float]:
    """Encode for real and return bpp, PSNR and J of the decoded stream."""
    size = rgb.shape[:2]
    x = padded_tensor(rgb, codec.stride)
    lmbda = codec.rate_lambda(quality)
    start = time.process_time()
    stream, _ = encode_one(codec.bank, x, size, lmbda, recipe)
    seconds = time.process_time() - start
    quantized, grids = read_stream(codec.bank, stream, tuple(x.shape[-2:]))
    x_hat = IntegerDecoder(codec.config, quantized).synthesize(grids)
    pixels = torch.round(x_hat[0, :, : size[0], : size[1]].clamp(0, 1) * 255.0)
    target = torch.from_numpy(rgb).permute(2, 0, 1).double()
    mse = float(((pixels.double() - target) ** 2).mean())
    bpp = 8.0 * len(stream) / (size[0] * size[1])
    return {
        "bpp": bpp,
        "psnr": 10.0 * np.log10(255.0**2 / max(mse, 1e-12)),
        "cost": bpp + lmbda * mse,
        "cpu_s": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, default=TRAIN)
    parser.add_argument("--crops", type=int, default=4)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--quality", type=int, nargs="+", default=[30, 60])
    parser.add_argument("--iterations", type=int, default=250)
    parser.add_argument("--variant", action="append", default=[])
    args = parser.parse_args()
    torch.set_num_threads(1)
    codec = api.load_model("overfit")
    variants = [parse_variant(v) for v in args.variant or ["base"]]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "records.jsonl"
    done = {}
    if path.exists():
        for line in path.read_text().splitlines():
            r = json.loads(line)
            done[(r["variant"], r["image"], r["quality"], r["iterations"])] = r
    images = crops(args.data, args.crops, args.size, seed=0)
    for name, overrides in variants:
        recipe = dataclasses.replace(Recipe(iterations=args.iterations), **overrides)
        for image, rgb in images:
            for q in args.quality:
                key = (name, image, q, args.iterations)
                if key in done:
                    continue
                record = {"variant": name, "image": image, "quality": q}
                record |= {"iterations": args.iterations, "recipe": dataclasses.asdict(recipe)}
                record |= measure(codec, rgb, q, recipe)
                done[key] = record
                with path.open("a") as f:
                    f.write(json.dumps(record) + "\n")
    base = variants[0][0]
    keys = [(i, q) for i, _ in images for q in args.quality]
    for name, _ in variants:
        n = args.iterations
        ratios = [done[(name, i, q, n)]["cost"] / done[(base, i, q, n)]["cost"] for i, q in keys]
        cpu = statistics.mean(done[(name, i, q, args.iterations)]["cpu_s"] for i, q in keys)
        print(f"{name:>12}: mean J / J({base}) = {statistics.mean(ratios):.4f}  cpu {cpu:.1f} s")


if __name__ == "__main__":
    main()
