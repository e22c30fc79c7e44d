"""Gain units (Cui et al. 2021): one set of weights, a continuous rate knob.

Each of L trained rate levels owns a per-channel gain and inverse gain; positions between levels
interpolate them geometrically, so any quality in between is a valid operating point.
"""

from __future__ import annotations

import torch
from torch import nn


class GainUnits(nn.Module):
    """Per-level channel gains; `gains(t)` for continuous level positions t in [0, levels-1]."""

    def __init__(self, levels: int, channels: int) -> None:
        super().__init__()
        self.levels = levels
        # Stored in log domain: positive by construction, geometric interpolation is linear here.
        spread = torch.linspace(-1.0, 1.0, levels).unsqueeze(1) if levels > 1 else torch.zeros(1, 1)
        self.log_gain = nn.Parameter(spread.repeat(1, channels).clone())
        self.log_inverse_gain = nn.Parameter((-spread).repeat(1, channels).clone())

    def _interpolate(self, table: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        t = t.clamp(0, self.levels - 1)
        low = torch.floor(t).long().clamp(max=self.levels - 2) if self.levels > 1 else t.long() * 0
        frac = (t - low.to(t.dtype)).unsqueeze(1)
        if self.levels == 1:
            return torch.exp(table[low])
        return torch.exp(table[low] * (1 - frac) + table[low + 1] * frac)

    def forward(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(gain, inverse gain), each (B, C, 1, 1), for level positions t shaped (B,)."""
        gain = self._interpolate(self.log_gain, t)
        inverse = self._interpolate(self.log_inverse_gain, t)
        return gain[:, :, None, None], inverse[:, :, None, None]
