"""Fit the bits-back posterior's far-choice weights on training photos (never Kodak).

The posterior q picks between the two integers around mu = q_net(y_hat). Giving the farther one
probability p costs p * D extra bits (D: what coding z at the farther integer adds to the exact
table cost of y_hat and z) and returns H(p) bits, so the best p is 1 / (1 + 2**D) and gains
log2(1 + 2**-D) bits per element. D is measured here per (z channel, distance of frac(mu) from
1/2 in four bins) by flipping those elements of one channel at a time and recomputing the exact
table bits, on BSDS500 photos at low qualities; the weights 256 p land in the companion file.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bits_back_fit_q.py --images 12 \
        --out /work/runs/bitsback/far.npy [--q-net /work/runs/bitsback/distill/q_net.pt]
"""

from __future__ import annotations

import argparse
import glob
import json
from pathlib import Path

import numpy as np
from PIL import Image

from ncodec.entropy.factorized import channel_indexes
from ncodec.models.bits_back import BitsBackHyperprior
from ncodec.models.image_codec import padded_tensor
from ncodec.zoo import find_model, load_codec

BINS = 4
TRAIN = "/work/shared/data/train/bsds500/*"


def table_bits(tables, symbols: np.ndarray, indexes: np.ndarray) -> float:
    """Exact bits of symbols under integer tables (escapes: the escape symbol only)."""
    counts = tables.counts()
    rel = symbols - tables.offsets[indexes]
    escape = tables.lengths[indexes] - 1
    inside = (rel >= 0) & (rel < escape)
    picked = counts[indexes, np.where(inside, rel, escape)]
    return float(-np.log2(picked / float(1 << tables.precision)).sum())


def image_bits(coder: BitsBackHyperprior, y_hat: np.ndarray, z: np.ndarray, q: int) -> float:
    base, table = coder._y_coding(z, q)
    y_bits = table_bits(coder.tables, y_hat - base, table)
    return y_bits + table_bits(coder.codec.z_tables, z, channel_indexes(z.shape))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=12)
    parser.add_argument("--qualities", default="1,8,15")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    codec = load_codec(find_model("hyperprior-mse"))
    coder = BitsBackHyperprior.of(codec)
    channels = codec.z_gain.shape[1]
    total = np.zeros((channels, BINS))
    count = np.zeros((channels, BINS))
    files = sorted(glob.glob(TRAIN))[-args.images :]  # not the q network's training photos
    for f in files:
        x = padded_tensor(np.asarray(Image.open(f).convert("RGB")), 64)
        for quality in (int(v) for v in args.qualities.split(",")):
            q = quality - 1
            y_hat = coder.latents(x, q)
            mu = coder.centres(y_hat, q)
            nearer = (mu + 128) >> 8
            floor = mu >> 8
            far = np.where(nearer == floor, floor + 1, floor)
            frac = mu & 255
            bins = np.minimum(np.abs(frac - 128) * BINS // 128, BINS - 1)
            base = image_bits(coder, y_hat, nearer, q)
            for c in range(channels):
                for b in range(BINS):
                    mask = np.zeros_like(mu, dtype=bool)
                    mask[0, c] = bins[0, c] == b
                    n = int(mask.sum())
                    if n == 0:
                        continue
                    flipped = np.where(mask, far, nearer)
                    total[c, b] += image_bits(coder, y_hat, flipped, q) - base
                    count[c, b] += n
        print(f, flush=True)
    cost = total / np.maximum(count, 1)
    cost[count == 0] = 64.0
    p = 1.0 / (1.0 + np.exp2(np.minimum(cost, 60.0)))
    weights = np.clip(np.round(256 * p), 0, 128).astype(np.int32)
    frac = np.arange(256)
    bin_of = np.minimum(np.abs(frac - 128) * BINS // 128, BINS - 1)
    far_table = weights[:, bin_of]
    np.save(args.out, far_table)
    gain = np.log2(1 + np.exp2(-np.minimum(cost, 60.0)))
    summary = {
        "mean_flip_cost_bits_per_bin": (total.sum(0) / np.maximum(count.sum(0), 1)).tolist(),
        "elements_per_bin": count.sum(0).tolist(),
        "expected_gain_bits_per_element": float((gain * count).sum() / count.sum()),
        "channels_with_weight": int((weights > 0).any(1).sum()),
    }
    print(json.dumps(summary))
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
