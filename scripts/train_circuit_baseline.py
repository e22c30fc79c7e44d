"""Train the PixelCNN baseline (ncodec.circuits.pixelcnn) on a digit set with Adam, checkpointing
every epoch (resumable with --resume).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_circuit_baseline.py \
        --data ../shared/data/mnist/mnist_5k_uint8.npz --minutes 12 --run /work/runs/pc/pixelcnn
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from ncodec.circuits.digits import load_digits
from ncodec.circuits.pixelcnn import PixelCnn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--minutes", type=float, default=12.0, help="training time budget")
    parser.add_argument("--run", required=True, type=Path)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    images = torch.from_numpy(load_digits(args.data))
    model = PixelCnn(args.channels, args.layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    args.run.mkdir(parents=True, exist_ok=True)
    ckpt = args.run / "checkpoint.pt"
    steps, seconds, history = 0, 0.0, []
    if args.resume and ckpt.exists():
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        steps, seconds, history = state["steps"], state["seconds"], state["history"]
    generator = torch.Generator().manual_seed(steps)
    while seconds < 60 * args.minutes:
        start = time.perf_counter()
        order = torch.randperm(len(images), generator=generator)
        losses = []
        for b in range(0, len(images), args.batch):
            loss = model.nll_bits(images[order[b : b + args.batch]])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
            steps += 1
        seconds += time.perf_counter() - start
        history.append({"steps": steps, "train_bpd": float(np.mean(losses)), "seconds": seconds})
        print(json.dumps(history[-1]), flush=True)
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "steps": steps,
            "seconds": seconds,
            "history": history,
            "args": vars(args) | {"run": str(args.run)},
        }
        torch.save(state, ckpt.with_suffix(".tmp"))
        ckpt.with_suffix(".tmp").replace(ckpt)


if __name__ == "__main__":
    main()
