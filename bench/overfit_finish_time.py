"""The overfit encoder's finishing step (rounding, R-D choice of parameter steps, coding) with
the compiled kernels and with the PyTorch decoder, on one photo; the streams must be identical.

The finishing step decodes the image some 30 times, so it is where the encoder uses the
decoder. Training is kept short (`--iterations`); the trace's finish_seconds is wall time of
one thread.

    OMP_NUM_THREADS=1 python bench/overfit_finish_time.py ../shared/data/train/bsds500/100075.jpg
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import torch

from ncodec import api
from ncodec.io import load_rgb
from ncodec.models.image_codec import padded_tensor
from ncodec.models.overfit import kernels
from ncodec.models.overfit.encoder import Recipe, encode_one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image", type=Path)
    parser.add_argument("--quality", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    codec = api.load_model("overfit")
    rgb = load_rgb(args.image)
    x = padded_tensor(rgb, codec.stride)
    streams = {}
    for mode in ("kernels", "reference", "kernels"):
        context = kernels.reference_only() if mode == "reference" else contextlib.nullcontext()
        with context:
            recipe = Recipe(iterations=args.iterations)
            stream, trace = encode_one(
                codec.bank, x, rgb.shape[:2], codec.rate_lambda(args.quality), recipe
            )
        streams.setdefault(mode, stream)
        print(f"{mode:>9}: finish {trace.finish_seconds:.2f} s, {len(stream)} bytes")
    if streams["kernels"] != streams["reference"]:
        raise SystemExit("the kernels and the reference wrote different streams")


if __name__ == "__main__":
    main()
