"""Small synthetic LiDAR-like clouds and a tiny random lidar-octree model in a temp weights dir."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ncodec.models.registry import build_model
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.zoo import ENV_PATH, save_model

TINY = {"hidden": 8, "layers": 1}


def lidar_like(count: int = 1500, seed: int = 0) -> np.ndarray:
    """Points on rings around the origin over a ground plane, plus a wall: (count, 3) float32."""
    rng = np.random.default_rng(seed)
    ring = rng.integers(0, 16, count)
    azimuth = rng.uniform(-np.pi, np.pi, count)
    elevation = np.deg2rad(-24 + 1.6 * ring)
    distance = np.minimum(1.73 / np.maximum(np.sin(-elevation), 0.02), 30.0)
    wall = rng.random(count) < 0.3
    distance = np.where(
        wall, np.minimum(distance, 8.0 / np.maximum(np.abs(np.cos(azimuth)), 0.1)), distance
    )
    xyz = np.stack(
        [
            distance * np.cos(elevation) * np.cos(azimuth),
            distance * np.cos(elevation) * np.sin(azimuth),
            distance * np.sin(elevation),
        ],
        axis=1,
    )
    return (xyz + rng.normal(0, 0.01, xyz.shape)).astype(np.float32)


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
