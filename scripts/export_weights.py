"""Turn a training checkpoint into a shipped model: weights/NAME.safetensors + NAME.json card."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch

from ncodec.models import build_model
from ncodec.zoo import save_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--out-dir", type=Path, default=Path("weights"))
    parser.add_argument("--card", type=Path, help="JSON with extra card fields to merge in.")
    args = parser.parse_args()
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    cfg = state["config"]
    config = {"n": cfg["n"], "m": cfg["m"], "lambdas": cfg["lambdas"]}
    model = build_model(cfg["model"], config)
    model.load_state_dict(state["model"])
    args.out_dir.mkdir(parents=True, exist_ok=True)
    weights = args.out_dir / f"{args.name}.safetensors"
    save_model(weights, model, cfg["model"], config)
    card = {
        "name": args.name,
        "architecture": cfg["model"],
        "config": config,
        "training": {
            "data": [os.path.relpath(d) for d in cfg["data"]],
            "steps": state["step"],
            "batch_size": cfg["batch_size"],
            "patch": cfg["patch"],
            "lr": cfg["lr"],
            "distortion": cfg["distortion"],
            "wall_seconds": round(state["seconds"]),
            "seed": cfg["seed"],
        },
    }
    if args.card:
        card.update(json.loads(args.card.read_text()))
    card_path = weights.with_suffix(".json")
    if card_path.exists():
        old = json.loads(card_path.read_text())
        old.update(card)
        card = old
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) and {card_path}")


if __name__ == "__main__":
    main()
