"""Training the occupancy network: examples from training scans and a `TrainingTask`.

An example is one octree node: its integer context features and its occupancy byte minus one,
taken from scans quantized at several steps, exactly as the coder computes them. The loss is
the cross-entropy of the bytes in bits per node, i.e. the rate the coder will spend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ncodec.pointcloud import geometry, octree
from ncodec.pointcloud.files import read_points
from ncodec.pointcloud.model import OccupancyNetwork
from ncodec.pointcloud.quantize import depth_for, quantize


def scan_examples(xyz: np.ndarray, step_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, F) uint8 and symbols (n,) uint8 of every node of one quantized scan."""
    origin = xyz.min(axis=0).astype(np.float64)
    cells = quantize(xyz, origin, step_mm)
    tree, _ = octree.build(cells, depth_for(cells))
    sensor = geometry.sensor_cell(origin, step_mm)
    parts = list(geometry.examples(tree, step_mm, sensor))
    features = np.concatenate([p[0] for p in parts]).astype(np.uint8)
    symbols = np.concatenate([p[1] for p in parts]).astype(np.uint8)
    return features, symbols


def build_examples(
    scans: Iterable[Path], steps_mm: Iterable[float], keep: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Examples of every scan at every step, each node kept with probability `keep`."""
    rng = np.random.default_rng(seed)
    features, symbols = [], []
    steps = list(steps_mm)
    for path in scans:
        xyz = read_points(path).xyz
        for step in steps:
            f, s = scan_examples(xyz, step)
            chosen = rng.random(len(s)) < keep
            features.append(f[chosen])
            symbols.append(s[chosen])
    return np.concatenate(features), np.concatenate(symbols)


@dataclass
class OccupancyTask:
    """Maximum likelihood of occupancy bytes (bits per node) on a fixed example set."""

    features: np.ndarray
    symbols: np.ndarray
    config: dict[str, Any]
    batch_size: int = 2048
    seed: int = 0
    name: str = "lidar-octree"
    log_fields: tuple[str, ...] = ("bits",)

    def build_model(self) -> nn.Module:
        model = OccupancyNetwork(**self.config)
        model.architecture = "lidar-octree"
        return model

    def param_groups(self, model: nn.Module, lr: float) -> list[dict[str, Any]]:
        return [{"params": list(model.parameters()), "lr": lr, "name": "main", "clip": True}]

    def batch(self, step: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng([self.seed, step])
        rows = rng.integers(0, len(self.symbols), self.batch_size)
        features = torch.from_numpy(self.features[rows].astype(np.float32))
        symbols = torch.from_numpy(self.symbols[rows].astype(np.int64))
        return features.to(device), symbols.to(device)

    def loss(self, model: nn.Module, batch: Any) -> dict[str, torch.Tensor]:
        features, symbols = batch
        bits = nn.functional.cross_entropy(model(features), symbols) / np.log(2)
        return {"loss": bits, "bits": bits.detach()}


def mean_bits(model: nn.Module, features: np.ndarray, symbols: np.ndarray) -> float:
    """Cross-entropy (bits per node) of the float model on held-out examples."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(symbols), 65536):
            x = torch.from_numpy(features[start : start + 65536].astype(np.float32))
            y = torch.from_numpy(symbols[start : start + 65536].astype(np.int64))
            total += float(nn.functional.cross_entropy(model(x), y, reduction="sum"))
    return total / len(symbols) / np.log(2)
