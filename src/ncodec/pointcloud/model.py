"""The trainable occupancy network and its export to the fixed-point `IntegerMLP`.

A small MLP maps a node's integer context features (`ncodec.pointcloud.context`) to 255 logits,
one per non-empty child pattern. Training sees the integer model's rounding (straight-through):
weights on each layer's power-of-two grid, hidden activations clipped to [0, ACT_MAX] and
rounded to 255 levels, logits rounded to 1/16 nat.

With `split_head`, a second head on the same last hidden layer gives 9 logits: one per
single-child pattern and one for "several children" (`ncodec.pointcloud.learned`, coding 3);
one linear layer, or with `split_hidden` > 0 a hidden layer of that width first. Most deep
nodes then need only these 9 logits instead of 255.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
from torch import nn

from ncodec.errors import InputError
from ncodec.pointcloud.context import FEATURE_MAX, FEATURES
from ncodec.pointcloud.integer_mlp import (
    ACTIVATION_LEVELS,
    EXACT_LIMIT,
    LOGIT_SCALE,
    SINGLES,
    SYMBOLS,
    accumulation_bound,
    exp_table,
)

ACT_MAX = 4.0
MAX_WEIGHT = (1 << 13) - 1


def _round_ste(x: torch.Tensor) -> torch.Tensor:
    """Round in the forward pass, identity gradient."""
    return x + (torch.round(x) - x).detach()


class OccupancyNetwork(nn.Module):
    """Features (n, FEATURES) -> logits (n, 255) in nats of the occupancy byte minus one."""

    def __init__(
        self, hidden: int = 64, layers: int = 2, split_head: bool = False, split_hidden: int = 0
    ) -> None:
        super().__init__()
        if not (isinstance(hidden, int) and 1 <= hidden <= 256 and 1 <= layers <= 4):
            raise InputError("lidar-octree: hidden must be 1..256 and layers 1..4")
        sizes = [FEATURES] + [hidden] * layers + [SYMBOLS]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        scale = 1.0 / np.maximum(FEATURE_MAX.astype(np.float32), 1.0)
        self.register_buffer("feature_scale", torch.from_numpy(scale))
        if not (isinstance(split_hidden, int) and 0 <= split_hidden <= 256):
            raise InputError("lidar-octree: split_hidden must be 0..256")
        head = [hidden, split_hidden, len(SINGLES) + 1] if split_hidden else [hidden, 9]
        self.split_layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in itertools.pairwise(head) if split_head
        )

    def _linear(self, k: int) -> nn.Linear:
        """Layer k; k >= len(linears) are the split head's layers."""
        body = len(self.linears)
        return self.linears[k] if k < body else self.split_layers[k - body]

    def _input_max(self, k: int) -> np.ndarray:
        """Largest integer input of layer k."""
        if k == 0:
            return FEATURE_MAX
        return np.full(self._linear(k).in_features, ACTIVATION_LEVELS, dtype=np.int64)

    def _output_scale(self, k: int) -> float:
        """Output units per float unit: activation levels, or 1/16 nat for the logits."""
        last = (len(self.linears) - 1, len(self.linears) + len(self.split_layers) - 1)
        return LOGIT_SCALE if k in last else ACTIVATION_LEVELS / ACT_MAX

    def integer_weights(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer k's weight and bias in output units per integer input unit."""
        linear = self._linear(k)
        weight = linear.weight * self._output_scale(k)
        weight = weight * (self.feature_scale[None, :] if k == 0 else ACT_MAX / ACTIVATION_LEVELS)
        return weight, linear.bias * self._output_scale(k)

    def shift(self, k: int) -> int:
        """Power-of-two grid of layer k: the largest weight fits the accumulation budget."""
        weight, _ = self.integer_weights(k)
        limit = min(MAX_WEIGHT, (EXACT_LIMIT // 2) // int(self._input_max(k).sum()))
        biggest = float(weight.detach().abs().max().clamp_min(1e-12))
        return max(0, math.floor(math.log2(limit / biggest)))

    def _integer_layer(self, k: int, x: torch.Tensor) -> torch.Tensor:
        """Layer k on integer inputs: rounded outputs in output units (straight-through)."""
        weight, bias = self.integer_weights(k)
        grid = 2.0 ** self.shift(k)
        return _round_ste(x @ (_round_ste(weight * grid) / grid).T + _round_ste(bias * grid) / grid)

    def hidden_levels(self, features: torch.Tensor) -> torch.Tensor:
        """The last hidden layer's integer activations (0..255), as the integer model's."""
        x = features.float()
        for k in range(len(self.linears) - 1):
            x = self._integer_layer(k, x).clamp(0.0, ACTIVATION_LEVELS)
        return x

    def full_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """The 255 logits in nats from `hidden_levels` (rounded, straight-through)."""
        return self._integer_layer(len(self.linears) - 1, hidden) / LOGIT_SCALE

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Logits in nats, rounded like the integer model's (straight-through)."""
        return self.full_logits(self.hidden_levels(features))

    def split_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """The split head's 9 logits in nats from `hidden_levels` (rounded, straight-through)."""
        if not len(self.split_layers):
            raise InputError("this occupancy network has no split head")
        x = hidden
        for j in range(len(self.split_layers)):
            x = self._integer_layer(len(self.linears) + j, x)
            if j < len(self.split_layers) - 1:
                x = x.clamp(0.0, ACTIVATION_LEVELS)
        return x / LOGIT_SCALE


def export_integer(module: OccupancyNetwork) -> dict[str, np.ndarray]:
    """The integer arrays of `IntegerMLP`: weights, biases (with the rounding half) and shifts."""
    arrays: dict[str, np.ndarray] = {}
    body = len(module.linears)
    layers = body + len(module.split_layers)
    with torch.no_grad():
        for k in range(layers):
            weight, bias = module.integer_weights(k)
            shift = module.shift(k)
            grid = 2.0**shift
            q = torch.round(weight.double() * grid).numpy().astype(np.int64)
            b = torch.round(bias.double() * grid).numpy().astype(np.int64)
            b += (1 << shift) >> 1
            if accumulation_bound(q, b, module._input_max(k)) >= EXACT_LIMIT:
                raise InputError(f"layer {k}: biases too large for exact fixed-point inference")
            name = f"layer{k}" if k < body else f"split{k - body}"
            arrays[f"{name}.weight"] = q.astype(np.int32)
            arrays[f"{name}.bias"] = b.astype(np.int32)
            arrays[f"{name}.shift"] = np.array([shift], dtype=np.int32)
    arrays["exp_table"] = exp_table()
    return arrays
