"""Add rate levels to a training run in place; the old checkpoint is kept beside it
(checkpoint.pre-levels-stepN.pt).

Usage: python scripts/add_rate_levels.py RUN_DIR --lambdas 0.0009,0.0018,...  then resume the run
with `ncodec train ... --resume` (the lambdas now come from the run's run.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import torch

from ncodec.errors import InputError
from ncodec.train.levels import add_levels


def main() -> None:
    """Rewrite RUN_DIR/checkpoint.pt and run.json with the extended level set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run", type=Path)
    parser.add_argument("--lambdas", required=True, help="comma-separated, increasing")
    args = parser.parse_args()
    try:
        extend_run(args.run, args.lambdas)
    except (InputError, OSError, ValueError) as err:
        sys.exit(f"add_rate_levels: error: {err}")


def extend_run(run: Path, lambdas: str) -> None:
    """Check everything first, keep the old checkpoint (never overwritten), then rewrite."""
    new = [float(v) for v in lambdas.split(",")]
    ckpt, run_json = run / "checkpoint.pt", run / "run.json"
    for path in (ckpt, run_json):
        if not path.is_file():
            raise InputError(f"{path} not found (is {run} a training run folder?)")
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    backup = run / f"checkpoint.pre-levels-step{state['step']}.pt"
    if backup.exists():
        raise InputError(f"{backup} already exists; levels were already added at this step")
    extended = add_levels(state, new)
    config = json.loads(run_json.read_text())
    config["lambdas"] = new
    shutil.copy2(ckpt, backup)
    tmp = ckpt.with_suffix(".tmp")
    torch.save(extended, tmp)
    os.replace(tmp, ckpt)
    run_json.write_text(json.dumps(config, indent=2))
    print(f"{ckpt}: levels {state['config']['lambdas']} -> {new} at step {state['step']}")


if __name__ == "__main__":
    main()
