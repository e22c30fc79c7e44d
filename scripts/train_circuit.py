"""Train an HCLT on a digit set with mini-batch EM, checkpointing every epoch (resumable).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_circuit.py \
        --data ../shared/data/mnist/mnist_5k_uint8.npz --hidden 16 --epochs 40 \
        --run /work/runs/pc/mnist-k16 [--resume] [--val 500]

Writes RUN/checkpoint.pt (floats, tree, epoch, RNG, history), RUN/history.json and, with --val,
RUN/best.pt (the epoch with the lowest held-out bits per dimension).
`--val N` holds out the last N training images to measure overfitting (never the test set);
with `--val-spread` every (len/N)-th image instead: mnist_5k_uint8.npz is sorted by class, so
its last 500 are all nines (a held-out set of one unseen class, and no nines in training).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from ncodec.circuits.augment import augmented, parse_augment, shifted_copies
from ncodec.circuits.digits import load_digits
from ncodec.circuits.em import EmSettings, bits_per_dimension, em_step, value_bins, value_prior
from ncodec.circuits.hclt import Hclt
from ncodec.circuits.structure import chow_liu_tree


def load_into(model: Hclt, path: Path) -> dict:
    """Set `model`'s tree and distributions from a checkpoint; returns the checkpoint."""
    state = torch.load(path)
    model.parent.copy_(state["parent"])
    for name in ("root", "edges", "leaves"):
        getattr(model, name).copy_(state[name])
    return state


def held_out(images: torch.Tensor, count: int, spread: bool) -> tuple:
    """(training images, held-out images or None): the last `count`, or with `spread` the
    images at (k + 1) * len / count - 1 for k < count (the last of every stretch of the file)."""
    if not count:
        return images, None
    if not spread:
        return images[:-count], images[-count:]
    picked = torch.zeros(len(images), dtype=torch.bool)
    picked[(torch.arange(1, count + 1) * len(images)) // count - 1] = True
    return images[~picked], images[picked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--step-start", type=float, default=0.5)
    parser.add_argument("--step-end", type=float, default=0.05)
    parser.add_argument("--leaf-pseudocount", type=float, default=0.01)
    parser.add_argument("--edge-pseudocount", type=float, default=0.1)
    parser.add_argument(
        "--leaf-prior",
        action="store_true",
        help="spread --leaf-pseudocount (then a total per leaf) by the training pixel histogram",
    )
    parser.add_argument(
        "--tie-bins", type=int, default=64, help="value bins of the tied leaves (equal mass)"
    )
    parser.add_argument(
        "--tie-strength",
        type=float,
        default=0.0,
        help="smooth every leaf towards the tied leaf with this weight (0: untied)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="first N training images only (after the --val split)",
    )
    parser.add_argument("--val", type=int, default=0)
    parser.add_argument(
        "--val-spread",
        action="store_true",
        help="hold out N images evenly spread over the file (every len/N-th), not the last N",
    )
    parser.add_argument(
        "--shift",
        type=int,
        default=0,
        help="also train on copies shifted by up to this many pixels in x and y (zero fill)",
    )
    parser.add_argument(
        "--augment",
        default=None,
        help="random warped copies, e.g. 'copies=8,rotate=12,scale=0.1,shear=0.1,shift=1,"
        "elastic=0,sigma=4,interp=bilinear' (ncodec.circuits.augment; after --shift)",
    )
    parser.add_argument(
        "--augment-fresh",
        action="store_true",
        help="draw new warped copies every epoch (seeded by --seed and the epoch)",
    )
    parser.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="start from this checkpoint's tree and distributions (a new run: epoch 0)",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="with --init-from: split every hidden state in two (--hidden = 2 x its K)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run", required=True, type=Path)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    if args.split and args.init_from is None:
        parser.error("--split needs --init-from (the circuit whose states it splits)")
    spec, args.augment = args.augment, parse_augment(args.augment) if args.augment else None
    torch.set_num_threads(1)
    images = load_digits(args.data)
    height, width = images.shape[1:]
    digits = torch.from_numpy(images)  # uint8: 25x copies of 4,500 digits stay small
    train, val = held_out(digits, args.val, args.val_spread)
    train = train[: args.limit]  # the held-out images stay the same whatever the limit
    if args.shift:
        train = shifted_copies(train, args.shift)
    base = train

    def epoch_data(epoch: int) -> torch.Tensor:
        """The training images of an epoch (B x D): fixed, or new warps with --augment-fresh."""
        data = base
        if args.augment is not None:
            data = augmented(base, args.augment, args.seed + (epoch if args.augment_fresh else 0))
        return data.reshape(len(data), -1)

    train = epoch_data(0)
    val = None if val is None else val.reshape(len(val), -1)
    args.run.mkdir(parents=True, exist_ok=True)
    ckpt = args.run / "checkpoint.pt"
    model = Hclt(height * width, args.hidden, height, width)
    generator = torch.Generator().manual_seed(args.seed)
    if args.resume and ckpt.exists():
        state = load_into(model, ckpt)
        generator.set_state(state["rng"])
        epoch, history, seconds = state["epoch"], state["history"], state["seconds"]
        print(f"resumed at epoch {epoch}")
    elif args.init_from is not None:
        if args.split:
            small = Hclt(height * width, args.hidden // 2, height, width)
            state = load_into(small, args.init_from)
            model = small.split_states(generator)
        else:
            state = load_into(model, args.init_from)
        epoch, history, seconds = 0, [], 0.0
        print(f"initialised from {args.init_from} (its epoch {state['epoch']})")
    else:
        start = time.perf_counter()
        model.set_tree(chow_liu_tree(train.numpy()))
        model.randomize(generator)
        epoch, history, seconds = 0, [], time.perf_counter() - start
    plain = {"augment": spec, "init_from": str(args.init_from) if args.init_from else None}
    bins = value_bins(train, args.tie_bins) if args.tie_strength > 0 else None
    while epoch < args.epochs:
        start = time.perf_counter()
        if args.augment is not None and args.augment_fresh and epoch > 0:
            train = epoch_data(epoch)
        fraction = epoch / max(args.epochs - 1, 1)
        step = args.step_end + 0.5 * (args.step_start - args.step_end) * (
            1 + math.cos(math.pi * fraction)
        )
        prior = value_prior(train) if args.leaf_prior else None
        settings = EmSettings(
            step, args.leaf_pseudocount, args.edge_pseudocount, prior, bins, args.tie_strength
        )
        order = torch.randperm(len(train), generator=generator)
        lls = [
            em_step(model, train[order[b : b + args.batch]], settings)
            for b in range(0, len(train), args.batch)
        ]
        seconds += time.perf_counter() - start
        epoch += 1
        row = {
            "epoch": epoch,
            "step": step,
            "train_bpd": -float(np.mean(lls)) / (len(model.parent) * math.log(2)),
            "images": len(train),
            "seconds": seconds,
        }
        if val is not None:
            row["val_bpd"] = bits_per_dimension(model, val)
        history.append(row)
        print(json.dumps(row), flush=True)
        state = {
            "parent": model.parent,
            "root": model.root,
            "edges": model.edges,
            "leaves": model.leaves,
            "rng": generator.get_state(),
            "epoch": epoch,
            "history": history,
            "seconds": seconds,
            "args": vars(args) | {"run": str(args.run)} | plain,
        }
        tmp = ckpt.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(ckpt)
        if val is not None and row["val_bpd"] <= min(r["val_bpd"] for r in history):
            torch.save(state, tmp)
            tmp.replace(args.run / "best.pt")  # early stopping on the held-out images
        (args.run / "history.json").write_text(json.dumps(history, indent=1))


if __name__ == "__main__":
    main()
