"""Fit the bits-back posterior q(z | y_hat) of `hyperprior-mse` on training photos.

Everything of the shipped model stays frozen; only a copy of the hyper-analysis h_a (the q
network, started from h_a) is trained: with --distill to predict the encoder's own h_a(y) from
y_hat (squared error), otherwise on the bits-back net rate of stochastic rounding:
bits(y_hat | z~) + bits(z~) - H(q), z~ = floor(mu) + Bernoulli(frac(mu)), mu = q_net(y_hat),
y_hat = round(y * gain) (the bits-back quantization). Straight-through gradients through the
sampled rounding; the entropy term is exact. Training and validation use BSDS500 only (the
first 250 photos train, the last 50 validate); Kodak is never read here.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bits_back_train_q.py --out /work/runs/bitsback
"""

from __future__ import annotations

import argparse
import copy
import glob
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ncodec import zoo
from ncodec.models.image_codec import padded_tensor

TRAIN = "/work/shared/data/train/bsds500/*"


def latents(codec, files):
    """g_a outputs (ungained) of whole photos."""
    out = []
    with torch.no_grad():
        for f in files:
            out.append(
                codec.module.g_a(padded_tensor(np.asarray(Image.open(f).convert("RGB")), 64))
            )
    return out


def net_bits(codec, q_net, y0, q, hard: bool, distill: bool = False):
    """(bits_y + bits_z - H(q)) per pixel for one latent batch at quality index q."""
    m = codec.module
    g = codec._level_gains(q)
    y_hat = torch.round(y0 * g.y)
    mu = q_net(y_hat * g.y_inverse) * g.z
    if distill:
        target = m.h_a(y0) * g.z
        return ((mu - target) ** 2).mean(), torch.zeros(())
    n = torch.floor(mu).detach()
    frac = mu - n
    up = (torch.rand_like(frac) < frac).float()
    z = n + up
    z_ste = z if hard else mu + (z - mu).detach()
    bits_z = -torch.log2(m.z_density.likelihood(z_ste))
    means, scales = m.h_s(z_ste * g.z_inverse).chunk(2, dim=1)
    lik = m.y_conditional.likelihood(y_hat, means * g.y, scales * g.y)
    bits_y = -torch.log2(lik)
    f = frac.clamp(1e-6, 1 - 1e-6)
    entropy = -(f * torch.log2(f) + (1 - f) * torch.log2(1 - f))
    pixels = y0.shape[0] * y0.shape[2] * y0.shape[3] * 256
    return (bits_y.sum() + bits_z.sum() - entropy.sum()) / pixels, entropy.sum() / pixels


def validate(codec, q_net, val, qualities):
    torch.manual_seed(1)
    rows = {}
    with torch.no_grad():
        for q in qualities:
            vals = [net_bits(codec, q_net, y0, q, True) for y0 in val]
            rows[q] = (float(np.mean([v[0] for v in vals])), float(np.mean([v[1] for v in vals])))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument(
        "--distill",
        action="store_true",
        help="regress q_net(y_hat) onto the encoder's h_a(y) (squared error in z units) "
        "instead of the straight-through bits-back rate",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    codec = zoo.load_codec(zoo.find_model("hyperprior-mse"))
    for p in codec.module.parameters():
        p.requires_grad_(False)
    files = sorted(glob.glob(TRAIN))
    train, val = latents(codec, files[:250]), latents(codec, files[250:280])
    q_net = copy.deepcopy(codec.module.h_a).float()
    for p in q_net.parameters():
        p.requires_grad_(True)
    qualities = (0, 14, 28, 42)
    log = {"init": validate(codec, q_net, val, qualities)}
    print("init", log["init"], flush=True)
    opt = torch.optim.Adam(q_net.parameters(), lr=args.lr)
    start, step, best = time.time(), 0, None
    while time.time() - start < args.minutes * 60:
        batch = []
        for _ in range(8):
            y0 = train[np.random.randint(len(train))]
            h, w = y0.shape[2:]
            top, left = np.random.randint(h - 15), np.random.randint(w - 15)
            batch.append(y0[..., top : top + 16, left : left + 16])
        q = int(np.random.randint(0, 60))
        loss, _ = net_bits(codec, q_net, torch.cat(batch), q, False, args.distill)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 300 == 0:
            rows = validate(codec, q_net, val, qualities)
            score = float(np.mean([r[0] for r in rows.values()]))
            print(step, f"{time.time() - start:.0f}s", rows, flush=True)
            log[str(step)] = rows
            if best is None or score < best:
                best = score
                torch.save(q_net.state_dict(), args.out / "q_net.pt")
            (args.out / "q_net_log.json").write_text(json.dumps(log, indent=1))


if __name__ == "__main__":
    main()
