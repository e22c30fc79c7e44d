"""Real coded bpp and PSNR of weights or checkpoints on the training run's held-out photos.

The holdout is the last --holdout files of the sorted training folders (as `ncodec train` holds
them out), 256x256 centre crops, coded for real at qualities 1, 50 and 100. Never Kodak.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from ncodec.errors import InputError
from ncodec.models import build_model
from ncodec.train.data import find_images
from ncodec.train.validate import make_real_validator
from ncodec.zoo import load_model_weights


def load(path: Path, card: dict) -> torch.nn.Module:
    """A model from a shipped .safetensors file or a training checkpoint (.pt)."""
    model = build_model(card["architecture"], card["config"])
    if path.suffix == ".pt":
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=False)["model"])
    else:
        model.load_state_dict(load_model_weights(path))
    return model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="+", type=Path, help=".safetensors or checkpoint .pt")
    parser.add_argument("--data", nargs="+", type=Path, required=True)
    parser.add_argument("--holdout", type=int, default=16)
    parser.add_argument("--card", type=Path, default=Path("weights/hyperprior-mse.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    missing = [str(p) for p in (args.card, *args.models) if not p.is_file()]
    if missing:
        sys.exit(f"holdout_val: error: not found: {', '.join(missing)}")
    card = json.loads(args.card.read_text())
    try:
        files = find_images(args.data)[-args.holdout :]
    except InputError as err:
        sys.exit(f"holdout_val: error: {err}")
    validate = make_real_validator(files, len(card["config"]["lambdas"]), count=args.holdout)
    for path in args.models:
        result = validate(load(path, card), 0)
        row = {q: result[q] for q in ("q1", "q50", "q100")}
        print(json.dumps({"model": str(path), **row}))


if __name__ == "__main__":
    main()
