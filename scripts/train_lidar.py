"""Train the lidar-octree occupancy network and export it as weights/lidar-octree.*.

    python scripts/train_lidar.py data   --out /work/runs/pointcloud/run1
    python scripts/train_lidar.py train  --out /work/runs/pointcloud/run1 --steps 30000 [--resume]
    python scripts/train_lidar.py export --out /work/runs/pointcloud/run1

Fine-tuning the shipped model on a fresh draw of examples (other steps per scan, other nodes):

    python scripts/train_lidar.py data  --out RUN --shift 1
    python scripts/train_lidar.py train --out RUN --init weights/lidar-octree.safetensors \
        --steps 12000 --lr 5e-4

The split head (9 logits: which single child, or several; coding 3) on the frozen body:

    python scripts/train_lidar.py split --out RUN --init weights/lidar-octree.safetensors \
        --steps 3000 --lr 1e-2 --weights DIR     # writes DIR/lidar-octree.safetensors

then the whole network on coding 3's rate, and a hidden layer in the split head (started at
the identity) — the third release's recipe (docs/pointcloud.md, Training):

    python scripts/train_lidar.py train --split --out RUN2 --init DIR/lidar-octree.safetensors \
        --steps 10000 --lr 5e-4
    python scripts/train_lidar.py export --out RUN2 --weights DIR2
    python scripts/train_lidar.py train --split --split-hidden 64 --out RUN3 \
        --init DIR2/lidar-octree.safetensors --steps 8000 --lr 5e-4   # twice

The fourth release's recipe (the 5x5x5 context features; a model with fewer input features is
widened by `widen_input`, its new first-layer columns starting at zero):

    python scripts/train_lidar.py data --out RUN4 --shift 2
    python scripts/train_lidar.py train --split --split-hidden 64 --out RUN4 \
        --init <third release's weights> --steps 10000 --lr 5e-4
    python scripts/train_lidar.py export --out RUN4 --weights DIR4
    python scripts/train_lidar.py data --out RUN5 --shift 3
    python scripts/train_lidar.py train --split --split-hidden 64 --out RUN5 \
        --init DIR4/lidar-octree.safetensors --steps 10000 --lr 3e-4

Training scans: kitti_object's non-test frames and the even frames of kitti_seq1; validation
(checkpoint monitoring only): three odd kitti_seq1 frames. The KITTI test_ frames and PandaSet
are never read here. Every scan is quantized at four steps of a log-spaced grid (5-300 mm), so
one model serves every step.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.pointcloud.context import FEATURES
from ncodec.pointcloud.integer_mlp import SEVERAL, SINGLES
from ncodec.pointcloud.model import OccupancyNetwork
from ncodec.pointcloud.training import (
    OccupancyTask,
    SplitOccupancyTask,
    build_examples,
    hidden_of,
    init_split_head,
    mean_bits,
    mean_split_bits,
    split_bits,
    split_symbols,
    train_split_head,
    widen_split_head,
)
from ncodec.train.trainer import LoopSettings, Trainer, TrainState
from ncodec.zoo import load_model_weights, save_model

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lidar"
STEP_GRID = (5.0, 7.0, 10.0, 14.0, 20.0, 28.0, 40.0, 56.0, 80.0, 113.0, 160.0, 226.0, 300.0)
VAL_STEPS = (10.0, 40.0, 160.0)
CONFIG = {"hidden": 64, "layers": 2}
VAL_EXAMPLES = 200_000


def training_scans(data: Path) -> list[Path]:
    """kitti_object training frames and the even kitti_seq1 frames."""
    objects = sorted(p for p in (data / "kitti_object").glob("*.bin") if "test" not in p.name)
    sequence = sorted((data / "kitti_seq1").glob("*.bin"))[::2]
    return objects + sequence


def validation_scans(data: Path) -> list[Path]:
    """Three odd kitti_seq1 frames (never trained on)."""
    return sorted((data / "kitti_seq1").glob("*.bin"))[1::2][::4][:3]


def make_data(args: argparse.Namespace) -> None:
    """Write train.npz and val.npz of examples into the run folder."""
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.time()
    scans = training_scans(args.data)
    features, symbols = [], []
    for i, scan in enumerate(scans):
        steps = [STEP_GRID[(i + args.shift + 3 * k) % len(STEP_GRID)] for k in range(4)]
        f, s = build_examples([scan], steps, keep=args.keep, seed=i + 1000 * args.shift)
        features.append(f)
        symbols.append(s)
        print(f"{scan.name}: steps {steps}, {len(s)} examples", flush=True)
    np.savez(
        args.out / "train.npz", features=np.concatenate(features), symbols=np.concatenate(symbols)
    )
    f, s = build_examples(validation_scans(args.data), VAL_STEPS, keep=1.0)
    np.savez(args.out / "val.npz", features=f, symbols=s)
    print(f"done in {time.time() - start:.0f} s", flush=True)


def train(args: argparse.Namespace) -> None:
    """Run (or resume) the Trainer on the examples."""
    train_set = np.load(args.out / "train.npz")
    val_set = np.load(args.out / "val.npz")
    rows = np.random.default_rng(0).permutation(len(val_set["symbols"]))[:VAL_EXAMPLES]
    val_features, val_symbols = val_set["features"][rows], val_set["symbols"][rows]
    config = CONFIG
    if args.split:
        config = {**CONFIG, "split_head": True, "split_hidden": args.split_hidden}
    kind = SplitOccupancyTask if args.split else OccupancyTask
    task = kind(train_set["features"], train_set["symbols"], config, args.batch)
    measure = mean_split_bits if args.split else mean_bits
    settings = LoopSettings(
        steps=args.steps,
        out=args.out,
        lr=args.lr,
        log_every=100,
        val_every=2000,
        checkpoint_minutes=2.0,
    )
    config = {"config": config, "batch": args.batch, "lr": args.lr, "examples": len(task.symbols)}

    def validate(model: torch.nn.Module, step: int) -> dict:
        return {"val_bits": measure(model, val_features, val_symbols)}

    trainer = Trainer(task, settings, config, validate)

    def warm_start(state: TrainState) -> None:
        weights = widen_input(load_model_weights(args.init), state.model.feature_scale)
        if args.split_hidden and "split_layers.1.weight" not in weights:
            widen_split_head(state.model, weights)
        else:
            state.model.load_state_dict(weights)

    trainer.run(trainer.start(args.resume, warm_start if args.init else None))


def widen_input(weights: dict[str, torch.Tensor], scale: torch.Tensor) -> dict[str, torch.Tensor]:
    """Weights of a model with fewer input features (an earlier release's context): the new
    features' first-layer columns start at zero, so training starts from the old model's
    tables (up to the first layer's power-of-two grid, which depends on every feature's range)."""
    first = weights["linears.0.weight"]
    missing = FEATURES - first.shape[1]
    if missing <= 0:
        return weights
    weights = {**weights, "feature_scale": scale}
    weights["linears.0.weight"] = torch.cat([first, first.new_zeros(first.shape[0], missing)], 1)
    return weights


def export(args: argparse.Namespace) -> None:
    """Checkpoint -> weights/lidar-octree.safetensors + card (results added by the eval)."""
    state = torch.load(args.out / "checkpoint.pt", map_location="cpu", weights_only=False)
    config = state["config"]["config"]
    task = OccupancyTask(np.zeros((1, 1)), np.zeros(1), config)
    model = task.build_model()
    model.load_state_dict(state["model"])
    args.weights.mkdir(parents=True, exist_ok=True)
    weights = args.weights / "lidar-octree.safetensors"
    save_model(weights, model, "lidar-octree", config)
    val = [json.loads(line) for line in (args.out / "val.jsonl").read_text().splitlines()]
    card_path = weights.with_suffix(".json")
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    card.update(
        {
            "name": "lidar-octree",
            "architecture": "lidar-octree",
            "kind": "point-cloud",
            "config": config,
            "training": {
                "data": [
                    "../shared/data/lidar/kitti_object (6 non-test frames)",
                    "../shared/data/lidar/kitti_seq1 (11 even frames)",
                ],
                "steps_mm_per_scan": "4 of " + ", ".join(f"{s:g}" for s in STEP_GRID),
                "examples": state["config"]["examples"],
                "steps": state["step"],
                "batch_size": state["config"]["batch"],
                "lr": state["config"]["lr"],
                "wall_seconds": round(state["seconds"]),
                "hardware": "CPU, 1 thread (shared 2-core machine)",
                "validation": "200k nodes of 3 odd kitti_seq1 frames at 10/40/160 mm (bits/node)",
                "val_bits_per_node": val[-1]["val_bits"],
            },
        }
    )
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {weights} and {card_path}")


def split(args: argparse.Namespace) -> None:
    """Fit the split head of the model in --init on the run's examples; write --weights."""
    model = OccupancyNetwork(**CONFIG, split_head=True)
    model.load_state_dict(load_model_weights(args.init), strict=False)
    train_set, val_set = np.load(args.out / "train.npz"), np.load(args.out / "val.npz")
    start = time.time()
    hidden = hidden_of(model, train_set["features"])
    symbols = train_set["symbols"]
    rows = np.random.default_rng(0).permutation(len(val_set["symbols"]))[:VAL_EXAMPLES]
    val_hidden, val_symbols = hidden_of(model, val_set["features"][rows]), val_set["symbols"][rows]
    with torch.no_grad():  # the full head's exact 9-way marginal, for comparison
        logits = model(torch.from_numpy(val_set["features"][rows].astype(np.float32)))
        marginal = torch.cat([logits[:, SINGLES], logits[:, SEVERAL].logsumexp(1, keepdim=True)], 1)
        target = torch.from_numpy(split_symbols(val_symbols))
        full = float(torch.nn.functional.cross_entropy(marginal, target)) / np.log(2)
    print(f"full head's 9-way marginal: val {full:.4f} bits/node", flush=True)
    init_split_head(model, hidden, symbols)
    print(f"start: val {split_bits(model, val_hidden, val_symbols):.4f} bits/node", flush=True)
    train_split_head(model, hidden, symbols, args.steps, args.lr)
    val = split_bits(model, val_hidden, val_symbols)
    print(f"after {args.steps} steps ({time.time() - start:.0f} s): val {val:.4f}", flush=True)
    args.weights.mkdir(parents=True, exist_ok=True)
    config = {**CONFIG, "split_head": True}
    save_model(args.weights / "lidar-octree.safetensors", model, "lidar-octree", config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("data", "train", "export", "split"))
    parser.add_argument("--out", type=Path, default=Path("/work/runs/pointcloud/run1"))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--weights", type=Path, default=Path(__file__).resolve().parents[1] / "weights"
    )
    parser.add_argument("--keep", type=float, default=0.25, help="fraction of nodes kept")
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--init", type=Path, default=None, help="warm start from a weights file")
    parser.add_argument("--shift", type=int, default=0, help="other steps and nodes per scan")
    parser.add_argument(
        "--split", action="store_true", help="train/export with the split head (coding 3's rate)"
    )
    parser.add_argument("--split-hidden", type=int, default=0, help="split head's hidden width")
    args = parser.parse_args()
    commands = {"data": make_data, "train": train, "export": export, "split": split}
    commands[args.command](args)


if __name__ == "__main__":
    main()
