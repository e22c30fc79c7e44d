"""CPU seconds per `overfit` encoder iteration on one image, one thread (training only).

Runs the encoder's training loop as `encode_batch` does (inside `retained_heap` where this
tree has it), after a 2-iteration warm-up, and prints the mean CPU seconds per iteration. To
compare with an older revision, run this file against that revision's sources:

    git worktree add /tmp/old 6ab7402
    OMP_NUM_THREADS=1 PYTHONPATH=/tmp/old/src python bench/overfit_iteration_time.py IMAGE
    OMP_NUM_THREADS=1 python bench/overfit_iteration_time.py IMAGE
"""

from __future__ import annotations

import argparse
import contextlib
import time

import torch

from ncodec import api
from ncodec.io import load_rgb
from ncodec.models.image_codec import padded_tensor
from ncodec.models.overfit.encoder import Recipe, train
from ncodec.models.overfit.network import OverfitNet

try:  # absent before the revision that added it
    from ncodec.heap import retained_heap
except ImportError:
    retained_heap = contextlib.nullcontext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image")
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--quality", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)
    codec = api.load_model("overfit")
    rgb = load_rgb(args.image)
    x = padded_tensor(rgb, codec.stride)
    net = OverfitNet(codec.config, tuple(x.shape[-2:]), 1, torch.Generator().manual_seed(0))
    lambdas = [codec.rate_lambda(args.quality)]
    with torch.enable_grad(), retained_heap():
        train(net, x, [rgb.shape[:2]], lambdas, Recipe(iterations=2))
        start = time.process_time()
        train(net, x, [rgb.shape[:2]], lambdas, Recipe(iterations=args.iterations))
    seconds = (time.process_time() - start) / args.iterations
    print(f"{seconds:.3f} CPU s per iteration ({rgb.shape[1]}x{rgb.shape[0]}, one thread)")


if __name__ == "__main__":
    main()
