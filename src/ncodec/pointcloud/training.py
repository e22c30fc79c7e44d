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
from ncodec.pointcloud.integer_mlp import SEVERAL, SINGLES
from ncodec.pointcloud.learned import RANK_SEVERAL, SPLIT
from ncodec.pointcloud.model import OccupancyNetwork
from ncodec.pointcloud.quantize import depth_for, quantize

SPLIT_T, SEVERAL_T, RANK_SEVERAL_T = (torch.from_numpy(a) for a in (SPLIT, SEVERAL, RANK_SEVERAL))


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
        bits = type(self).rate(model, *batch)
        return {"loss": bits, "bits": bits.detach()}

    @staticmethod
    def rate(model: nn.Module, features: torch.Tensor, symbols: torch.Tensor) -> torch.Tensor:
        """Bits per node of coding 1 (the byte as one 255-way symbol)."""
        return nn.functional.cross_entropy(model(features), symbols) / np.log(2)


def mean_bits(
    model: nn.Module, features: np.ndarray, symbols: np.ndarray, rate: Any = OccupancyTask.rate
) -> float:
    """`rate` (bits per node, by default coding 1's) of the float model on held-out examples."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(symbols), 65536):
            x = torch.from_numpy(features[start : start + 65536].astype(np.float32))
            y = torch.from_numpy(symbols[start : start + 65536].astype(np.int64))
            total += float(rate(model, x, y)) * len(y)
    return total / len(symbols)


def split_symbols(symbols: np.ndarray) -> np.ndarray:
    """The split head's targets: child index of a single child (0..7), else 8."""
    return SPLIT[symbols.astype(np.int64)]


def hidden_of(model: OccupancyNetwork, features: np.ndarray) -> np.ndarray:
    """The body's integer last-hidden activations (n, hidden) uint8 of examples."""
    out = []
    with torch.no_grad():
        for start in range(0, len(features), 65536):
            x = torch.from_numpy(features[start : start + 65536].astype(np.float32))
            out.append(model.hidden_levels(x).numpy().astype(np.uint8))
    return np.concatenate(out)


def init_split_head(model: OccupancyNetwork, hidden: np.ndarray, symbols: np.ndarray) -> None:
    """Start the split head at the full head's single-child rows, and the "several" row at a
    constant matching the examples' share of nodes with several children."""
    last, head = model.linears[-1], model.split_layers[-1]
    several = float(np.clip(np.mean(split_symbols(symbols) == len(SINGLES)), 1e-6, 1 - 1e-6))
    rows = torch.from_numpy(SINGLES)
    with torch.no_grad():
        head.weight[:-1] = last.weight[rows]
        head.bias[:-1] = last.bias[rows]
        head.weight[-1] = 0.0
        head.bias[-1] = 0.0
        singles = model.split_logits(torch.from_numpy(hidden[:65536]).float())[:, :-1]
        level = float(torch.logsumexp(singles, 1).mean())
        head.bias[-1] = level + float(np.log(several / (1 - several)))


def split_bits(model: OccupancyNetwork, hidden: np.ndarray, symbols: np.ndarray) -> float:
    """Cross-entropy (bits per node) of the split head's 9-way symbols."""
    with torch.no_grad():
        logits = model.split_logits(torch.from_numpy(hidden).float())
        target = torch.from_numpy(split_symbols(symbols))
        return float(nn.functional.cross_entropy(logits, target)) / np.log(2)


def train_split_head(
    model: OccupancyNetwork, hidden: np.ndarray, symbols: np.ndarray, steps: int, lr: float
) -> None:
    """Fit the split head (the body stays frozen) by cross-entropy on the 9-way symbols."""
    targets = split_symbols(symbols)
    optimizer = torch.optim.Adam(model.split_layers.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    for step in range(steps):
        if step == int(0.8 * steps):
            for group in optimizer.param_groups:
                group["lr"] = lr * 0.1
        rows = rng.integers(0, len(targets), 16384)
        logits = model.split_logits(torch.from_numpy(hidden[rows]).float())
        loss = nn.functional.cross_entropy(logits, torch.from_numpy(targets[rows]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def split_rate(
    model: OccupancyNetwork, features: torch.Tensor, symbols: torch.Tensor
) -> torch.Tensor:
    """Bits per node of coding 3: the split head's 9-way symbol, plus for nodes with several
    children the full head's distribution restricted to the 247 several-children patterns."""
    hidden = model.hidden_levels(features)
    head = SPLIT_T.to(symbols.device)[symbols]
    bits = nn.functional.cross_entropy(model.split_logits(hidden), head, reduction="sum")
    several = head == len(SINGLES)
    if bool(several.any()):
        logits = model.full_logits(hidden[several])[:, SEVERAL_T.to(symbols.device)]
        rank = RANK_SEVERAL_T.to(symbols.device)[symbols[several]]
        bits = bits + nn.functional.cross_entropy(logits, rank, reduction="sum")
    return bits / len(symbols) / np.log(2)


@dataclass
class SplitOccupancyTask(OccupancyTask):
    """Like `OccupancyTask`, but the loss is the rate of coding 3 (split head + several)."""

    rate = staticmethod(split_rate)


def mean_split_bits(model: nn.Module, features: np.ndarray, symbols: np.ndarray) -> float:
    """`split_rate` (bits per node) of the float model on held-out examples."""
    return mean_bits(model, features, symbols, split_rate)


def widen_split_head(model: OccupancyNetwork, state: dict[str, torch.Tensor]) -> None:
    """Warm start a model whose split head has a hidden layer (as wide as the body's) from
    weights whose split head is one linear layer: the new layer starts as the identity (the
    body's activations pass through its clipping unchanged), the output layer as the old head,
    so training starts from the old model's tables."""
    model.load_state_dict(
        {k: v for k, v in state.items() if not k.startswith("split_layers.")}, strict=False
    )
    first, last = model.split_layers
    if first.weight.shape[0] != first.weight.shape[1]:
        raise ValueError("widening needs split_hidden equal to the body's width")
    with torch.no_grad():
        first.weight.copy_(torch.eye(first.weight.shape[0]))
        first.bias.zero_()
        last.weight.copy_(state["split_layers.0.weight"])
        last.bias.copy_(state["split_layers.0.bias"])
