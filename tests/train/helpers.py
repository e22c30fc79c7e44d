"""Shared set-up of the training tests: tiny synthetic image folders and tiny run configs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ncodec.train.loop import TrainConfig


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory) -> Path:
    """Smooth synthetic photos-like images (gradients + blobs), learnable in a few steps."""
    d = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:96, 0:96] / 96.0
    for i in range(6):
        channels = [
            np.sin(
                2
                * np.pi
                * (rng.uniform(0.3, 1.5) * xx + rng.uniform(0.3, 1.5) * yy + rng.uniform())
            )
            for _ in range(3)
        ]
        img = (np.stack(channels, -1) * 100 + 128).clip(0, 255).astype(np.uint8)
        Image.fromarray(img).save(d / f"img{i}.png")
    return d


def config(image_dir: Path, out: Path, steps: int, **kw) -> TrainConfig:
    base = dict(
        model="mean-scale-hyperprior",
        lambdas=[0.01, 0.05],
        data=[str(image_dir)],
        steps=steps,
        out=str(out),
        batch_size=2,
        patch=64,
        n=8,
        m=12,
        holdout=0,
        lr=3e-3,
        log_every=1,
        checkpoint_minutes=100.0,
    )
    base.update(kw)
    return TrainConfig(**base)
