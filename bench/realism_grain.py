"""Compare realism heads on held-out training photos (never Kodak): PSNR, patch SWD and a
periodic-grain index, real files.

The grain index is the share of the realism residual's energy (output minus the β = 0 pixels,
grey) in the three 2×2-periodic components (horizontal, vertical, diagonal alternation) after
averaging them over 8×8-pixel neighbourhoods: a checkerboard that repeats over a region keeps
its energy there, texture that varies from block to block averages out.

    OMP_NUM_THREADS=1 python bench/realism_grain.py FOLDER  # holds <weights hash>.safetensors
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from ncodec import api
from ncodec.metrics import psnr
from ncodec.models import realism
from ncodec.swd import realism_swd
from ncodec.train.data import find_images, load_training_image

HELD_OUT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "train" / "bsds500"
QUALITIES = (10, 29)
BETAS = (0.5, 1.0)


def grain_index(base: np.ndarray, out: np.ndarray) -> float:
    """Share of the residual's energy that is 2x2-periodic and coherent over 8x8 pixels."""
    residual = out.astype(np.float64) - base.astype(np.float64)
    h, w = (residual.shape[0] // 16) * 16, (residual.shape[1] // 16) * 16
    r = residual[:h, :w].mean(axis=2)
    a, b, c, d = r[0::2, 0::2], r[0::2, 1::2], r[1::2, 0::2], r[1::2, 1::2]
    coherent = 0.0
    for part in ((a - b + c - d) / 4, (a + b - c - d) / 4, (a - b - c + d) / 4):
        local = part.reshape(h // 16, 8, w // 16, 8).mean(axis=(1, 3))
        coherent += float((local**2).sum()) * 64
    return coherent / max(float((r**2).sum()) / 4, 1e-9)


def main() -> None:
    torch.set_num_threads(1)
    realism.DATA_DIR = Path(sys.argv[1])
    held = find_images([HELD_OUT])[-24:]  # the photos scripts/train_realism.py holds out
    rows = []
    for file in held:
        image = load_training_image(file)
        for q in QUALITIES:
            data = api.compress_image(image, "hyperprior-mse", q)
            base = api.decompress_image(data)
            for beta in BETAS:
                out = api.decompress_image(data, realism=beta)
                rows.append(
                    {
                        "q": q,
                        "beta": beta,
                        "psnr": psnr(image, out),
                        "swd": realism_swd(image, out),
                        "grain": grain_index(base, out),
                    }
                )
    for q in QUALITIES:
        for beta in BETAS:
            chosen = [r for r in rows if r["q"] == q and r["beta"] == beta]
            means = {k: round(float(np.mean([r[k] for r in chosen])), 4) for k in chosen[0]}
            print(means)


if __name__ == "__main__":
    main()
