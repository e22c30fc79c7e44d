"""Export a trained HCLT checkpoint (scripts/train_circuit.py) as an installed model:
weights/NAME.safetensors (tree + integer tables) and a JSON card.

    .venv/bin/python scripts/train_circuit_export.py /work/runs/pc/mnist-k16 pc-mnist \
        --data ../shared/data/mnist/mnist_5k_uint8.npz [--out weights]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from ncodec.models.registry import build_model
from ncodec.zoo import save_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("name")
    parser.add_argument("--data", required=True, help="training data (recorded in the card)")
    parser.add_argument("--out", type=Path, default=Path("weights"))
    parser.add_argument("--checkpoint", default="checkpoint.pt", help="or best.pt (early stop)")
    args = parser.parse_args()
    import ncodec.builtin  # noqa: F401  (registers hclt)

    state = torch.load(args.run / args.checkpoint)
    hidden = int(state["root"].shape[0])
    config = {"hidden": hidden, "height": 28, "width": 28}
    model = build_model("hclt", config)
    model.parent.copy_(state["parent"])
    for name in ("root", "edges", "leaves"):
        getattr(model, name).copy_(state[name])
    args.out.mkdir(parents=True, exist_ok=True)
    save_model(args.out / f"{args.name}.safetensors", model, "hclt", config)
    history = state["history"]
    card = {
        "name": args.name,
        "architecture": "hclt",
        "kind": "integer-tensor",
        "config": config,
        "training": {
            "data": [args.data],
            "method": "mini-batch EM (scripts/train_circuit.py)",
            "epochs": state["epoch"],
            "settings": {k: v for k, v in state["args"].items() if k not in ("run", "resume")},
            "wall_seconds": round(state["seconds"], 1),
            "hardware": "CPU, 1 thread (shared 2-core machine)",
            "history_last": history[-1],
        },
    }
    (args.out / f"{args.name}.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {args.out / args.name}.safetensors and .json")


if __name__ == "__main__":
    main()
