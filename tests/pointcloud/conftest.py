"""A tiny randomly initialised lidar-octree model in a temporary weights folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ncodec.models.registry import build_model
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.zoo import ENV_PATH, save_model

TINY = {"hidden": 8, "layers": 1}


@pytest.fixture(scope="session")
def tiny_lidar_weights(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("lidar-weights")
    torch.manual_seed(0)
    model = build_model("lidar-octree", TINY)
    save_model(directory / "tiny-lidar.safetensors", model, "lidar-octree", TINY)
    return directory


@pytest.fixture
def tiny_lidar(tiny_lidar_weights, monkeypatch) -> str:
    monkeypatch.setenv(ENV_PATH, str(tiny_lidar_weights))
    return "tiny-lidar"
