"""Add rate levels to a training run in place; the old checkpoint is kept beside it.

Usage: python scripts/add_rate_levels.py RUN_DIR --lambdas 0.0009,0.0018,...  then resume the run
with `ncodec train ... --resume` (the lambdas now come from the run's run.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import torch

from ncodec.train.levels import add_levels


def main() -> None:
    """Rewrite RUN_DIR/checkpoint.pt and run.json with the extended level set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run", type=Path)
    parser.add_argument("--lambdas", required=True, help="comma-separated, increasing")
    args = parser.parse_args()
    new = [float(v) for v in args.lambdas.split(",")]
    ckpt = args.run / "checkpoint.pt"
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    extended = add_levels(state, new)
    shutil.copy2(ckpt, args.run / "checkpoint.pre-levels.pt")
    tmp = ckpt.with_suffix(".tmp")
    torch.save(extended, tmp)
    os.replace(tmp, ckpt)
    run_json = args.run / "run.json"
    config = json.loads(run_json.read_text())
    config["lambdas"] = new
    run_json.write_text(json.dumps(config, indent=2))
    print(f"{ckpt}: levels {state['config']['lambdas']} -> {new} at step {state['step']}")


if __name__ == "__main__":
    main()
