"""Learn a starting point for the overfit encoder's decoder parameters, and measure what it buys.

Every image starts from random decoder parameters, and at the iteration counts a CPU affords
(250-1000) the fit is far from converged. A starting point learned across images (Reptile,
Nichol et al. 2018: fit one training crop for K iterations from the current start, move the
start a step towards the fitted parameters, repeat) should need fewer iterations. Files stay
self-contained: the decoder parameters are still fitted per image and sent in the file; only
the encoder's first guess changes.

Training crops only (BSDS500 train photos); the comparison runs on crops of other training
photos, by the real cost J = file bpp + lambda * 255^2 * MSE, as `overfit_recipe_sweep.py`.

    OMP_NUM_THREADS=1 python bench/overfit_meta_init.py learn OUT --steps 24 --iterations 150
    OMP_NUM_THREADS=1 python bench/overfit_meta_init.py compare OUT --iterations 250
"""

from __future__ import annotations

import argparse
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
from ncodec.models.overfit.encoder import Recipe, encode_one, train
from ncodec.models.overfit.network import OverfitNet
from ncodec.models.overfit.parameters import initial_parameters
from ncodec.models.overfit.stream import read_stream
from overfit_recipe_sweep import TRAIN, crops

QUALITIES = (20, 40, 60, 80)


def learn(out: Path, steps: int, iterations: int, size: int, step_size: float) -> None:
    """Reptile over random crops of the training photos; the start is saved after each step
    (out/init.pt) so an interrupted run resumes."""
    codec = api.load_model("overfit")
    config = codec.config
    path = out / "init.pt"
    if path.exists():
        state = torch.load(path)
    else:
        generator = torch.Generator().manual_seed(0)
        start = {k: v[0] for k, v in initial_parameters(config, 1, generator).items()}
        state = {"step": 0, "start": start}
    photos = find_images(TRAIN)[100:]  # the comparison uses the first photos
    rng = np.random.default_rng(1234)
    for _ in range(state["step"]):  # replay the draws of the finished steps
        rng.integers(len(photos)), rng.random(2), rng.choice(QUALITIES)
    while state["step"] < steps:
        index, where, quality = rng.integers(len(photos)), rng.random(2), rng.choice(QUALITIES)
        rgb = load_rgb(photos[index])
        top = int(where[0] * (rgb.shape[0] - size))
        left = int(where[1] * (rgb.shape[1] - size))
        crop = np.ascontiguousarray(rgb[top : top + size, left : left + size])
        x = padded_tensor(crop, codec.stride)
        tic = time.process_time()
        generator = torch.Generator().manual_seed(state["step"])
        net = OverfitNet(config, tuple(x.shape[-2:]), 1, generator, state["start"])
        with torch.enable_grad():
            lmbda = codec.rate_lambda(int(quality))
            train(net, x, [crop.shape[:2]], [lmbda], Recipe(iterations=iterations))
        fitted = {k: v[0].detach() for k, v in net.params().items()}
        # the outer step size decays linearly to a tenth
        eps = step_size * (1.0 - 0.9 * state["step"] / max(steps - 1, 1))
        state["start"] = {k: v + eps * (fitted[k] - v) for k, v in state["start"].items()}
        state["step"] += 1
        torch.save(state, path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)
        seconds = time.process_time() - tic
        print(f"step {state['step']}/{steps}: {photos[index].name} q{quality} {seconds:.0f} s")


def cost(codec, rgb: np.ndarray, quality: int, recipe: Recipe, init) -> dict[str, float]:
    """Encode for real (from `init` or random) and return bpp, PSNR and J of the file."""
    size = rgb.shape[:2]
    x = padded_tensor(rgb, codec.stride)
    lmbda = codec.rate_lambda(quality)
    stream, _ = encode_one(codec.bank, x, size, lmbda, recipe, init=init)
    quantized, grids = read_stream(codec.bank, stream, tuple(x.shape[-2:]))
    x_hat = IntegerDecoder(codec.config, quantized).synthesize(grids)
    pixels = torch.round(x_hat[0, :, : size[0], : size[1]].clamp(0, 1) * 255.0)
    mse = float(((pixels.double() - torch.from_numpy(rgb).permute(2, 0, 1)) ** 2).mean())
    bpp = 8.0 * len(stream) / (size[0] * size[1])
    psnr = 10.0 * np.log10(255.0**2 / max(mse, 1e-12))
    return {"bpp": bpp, "psnr": psnr, "cost": bpp + lmbda * mse}


def compare(out: Path, iterations: int, count: int, size: int, qualities: list[int]) -> None:
    """Random start vs the learned one on crops of photos the learning never saw."""
    codec = api.load_model("overfit")
    init = torch.load(out / "init.pt")["start"]
    path = out / f"compare_i{iterations}.jsonl"
    done = {}
    if path.exists():
        for line in path.read_text().splitlines():
            r = json.loads(line)
            done[(r["start"], r["image"], r["quality"])] = r
    recipe = Recipe(iterations=iterations)
    for image, rgb in crops(TRAIN, count, size, seed=0):
        for q in qualities:
            for name, start in (("random", None), ("learned", init)):
                if (name, image, q) in done:
                    continue
                record = {"start": name, "image": image, "quality": q, "iterations": iterations}
                record |= cost(codec, rgb, q, recipe, start)
                done[(name, image, q)] = record
                with path.open("a") as f:
                    f.write(json.dumps(record) + "\n")
                print(json.dumps(record))
    pairs = [k[1:] for k in done if k[0] == "random" and ("learned", *k[1:]) in done]
    ratios = [done[("learned", *k)]["cost"] / done[("random", *k)]["cost"] for k in pairs]
    print(f"{len(pairs)} pairs: mean J(learned) / J(random) = {statistics.mean(ratios):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("learn", "compare"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--step-size", type=float, default=0.5)
    parser.add_argument("--crops", type=int, default=4)
    parser.add_argument("--quality", type=int, nargs="+", default=[30, 70])
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.mode == "learn":
        learn(args.out, args.steps, args.iterations, args.size, args.step_size)
    else:
        compare(args.out, args.iterations, args.crops, args.size, args.quality)


if __name__ == "__main__":
    main()
