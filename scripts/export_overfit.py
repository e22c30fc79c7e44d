"""Write the shared part of the overfitted codec: weights/overfit.safetensors + overfit.json.

The `overfit` architecture learns its decoder per image, so its weights file holds no trained
float weights: only its config (grids, widths, scale bank, lambdas, effort levels) and the
integer Laplace table bank that every probability of the codec comes from.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import ncodec.models.overfit  # noqa: F401  (registers the architecture)
from ncodec.models import build_model
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.macs import decode_macs
from ncodec.zoo import save_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", default="overfit")
    parser.add_argument("--out-dir", type=Path, default=Path("weights"))
    parser.add_argument("--config", type=Path, help="JSON with config fields to override.")
    args = parser.parse_args()
    config = OverfitConfig().to_dict()
    if args.config:
        config.update(json.loads(args.config.read_text()))
    module = build_model("overfit", config)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    weights = args.out_dir / f"{args.name}.safetensors"
    save_model(weights, module, "overfit", config)
    weights.chmod(0o644)
    card = {
        "name": args.name,
        "architecture": "overfit",
        "config": config,
        "summary": (
            "Overfitted (Cool-chic / C3-style) codec: the encoder fits 7 latent grids and a "
            "small integer decoder to each image and sends both; the shared weights are only "
            "this config and the integer Laplace table bank."
        ),
        "effort": {
            "levels": {str(i + 1): n for i, n in enumerate(config["effort_iterations"])},
            "default_level": config["default_effort"],
            "unit": "encoder iterations",
        },
        "decode_macs_per_pixel": decode_macs(module.config),
        "results": "docs/results/overfit.md",
    }
    weights.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {weights} and {weights.with_suffix('.json')}")


if __name__ == "__main__":
    main()
