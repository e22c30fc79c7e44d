"""Atomic, resumable training checkpoints: model, optimizer, step and every RNG state."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write to a temporary file and rename, so an interruption never leaves a broken checkpoint."""
    state = {
        **state,
        "rng": {
            "torch": torch.get_rng_state(),
            "numpy": np.random.get_state(),
            "python": random.getstate(),
        },
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load a checkpoint and restore the global RNG states it captured."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    rng = state["rng"]
    torch.set_rng_state(rng["torch"])
    np.random.set_state(rng["numpy"])
    random.setstate(rng["python"])
    return state
