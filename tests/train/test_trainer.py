"""The Trainer runs any TrainingTask: a non-image task trains, checkpoints and resumes exactly."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from ncodec.errors import InputError
from ncodec.train.trainer import LoopSettings, Trainer


class PixelDensityTask:
    """A digit-like task: a per-position categorical density over 4x4 images with 8 grey levels,
    trained by maximum likelihood (bits per dimension) on seeded synthetic data."""

    name = "pixel-density"
    log_fields = ("bpd",)

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        centre = rng.integers(0, 8, 16)
        noise = rng.integers(-1, 2, (256, 16))
        self.data = torch.from_numpy(np.clip(centre + noise, 0, 7))
        self.seed = seed

    def build_model(self) -> nn.Module:
        model = nn.Module()
        model.logits = nn.Parameter(torch.randn(16, 8) * 0.1)
        return model

    def param_groups(self, model: nn.Module, lr: float) -> list[dict[str, Any]]:
        return [{"params": list(model.parameters()), "lr": lr, "name": "main", "clip": True}]

    def batch(self, step: int, device: torch.device) -> torch.Tensor:
        rng = np.random.default_rng([self.seed, step])
        return self.data[rng.integers(0, len(self.data), 32)].to(device)

    def loss(self, model: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        log_probs = torch.log_softmax(model.logits, dim=1)
        picked = log_probs[torch.arange(16), batch]  # (B, 16)
        bpd = -picked.mean() / np.log(2)
        return {"loss": bpd, "bpd": bpd.detach()}


def run(out: Path, steps: int, resume: bool = False) -> nn.Module:
    settings = LoopSettings(steps=steps, out=out, lr=0.05, log_every=1, checkpoint_minutes=100)
    trainer = Trainer(PixelDensityTask(), settings, {"task": "pixel-density"})
    state = trainer.start(resume)
    trainer.run(state)
    return state.model


def test_a_non_image_task_learns(tmp_path):
    run(tmp_path, 60)
    with (tmp_path / "log.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["step", "seconds", "lr", "loss", "bpd"]
    first, last = float(rows[0]["bpd"]), float(rows[-1]["bpd"])
    assert first > 2.9 and last < 0.85 * first  # from ~3 bits (uniform over 8) downwards


def test_resume_gives_the_same_weights_as_one_run(tmp_path):
    straight = run(tmp_path / "a", 12)
    run(tmp_path / "b", 5)
    resumed = run(tmp_path / "b", 12, resume=True)
    assert torch.equal(straight.logits, resumed.logits)


def test_a_second_start_needs_resume(tmp_path):
    run(tmp_path, 2)
    with pytest.raises(InputError, match="already holds a run"):
        run(tmp_path, 4)
    with pytest.raises(InputError, match="no checkpoint"):
        run(tmp_path / "new", 4, resume=True)
