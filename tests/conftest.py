"""Shared fixtures: tiny randomly initialised models installed into a temporary weights folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ncodec.models import build_model
from ncodec.zoo import ENV_PATH, save_model

TINY = {"n": 16, "m": 24, "lambdas": [0.005, 0.02]}


def make_tiny_weights(directory: Path, seed: int = 0) -> dict[str, Path]:
    """Write a tiny hyperprior and factorized-prior model (random init) into `directory`."""
    torch.manual_seed(seed)
    paths = {}
    for name, arch in (("tiny-hp", "mean-scale-hyperprior"), ("tiny-fp", "factorized-prior")):
        model = build_model(arch, TINY)
        # Make the tiny model's latents non-trivial so the coded streams carry real data.
        with torch.no_grad():
            model.g_a[-1].weight.mul_(20.0)
        path = directory / f"{name}.safetensors"
        save_model(path, model, arch, TINY)
        paths[name] = path
    return paths


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("weights")
    make_tiny_weights(directory)
    return directory


@pytest.fixture
def installed(tiny_weights, monkeypatch) -> Path:
    """Only the tiny models are installed (the shipped weights/ is searched after them)."""
    monkeypatch.setenv(ENV_PATH, str(tiny_weights))
    return tiny_weights


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A small real photograph (scikit-image's astronaut), 96x128 crop, RGB uint8."""
    from skimage.data import astronaut

    return np.ascontiguousarray(astronaut()[40:136, 180:308])
