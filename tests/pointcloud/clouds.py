"""Small synthetic LiDAR-like clouds (numpy only, so subprocesses start fast)."""

from __future__ import annotations

import numpy as np


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
