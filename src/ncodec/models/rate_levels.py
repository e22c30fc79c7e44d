"""Rate levels: the one mapping quality 1..100 <-> level position <-> lambda (<-> gains).

A variable-rate model is trained at L lambdas (its levels). Quality q in 1..100 sits at the level
position t = (q - 1) * (L - 1) / 99; lambdas and gain vectors between levels interpolate
geometrically (linearly in the log domain), and beyond the ends the nearest level holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

QUALITIES = 100
"""Qualities run from 1 (lowest rate) to QUALITIES (highest)."""


@dataclass(frozen=True)
class RateLevels:
    """The trained lambdas of a variable-rate model (loss = bpp + lambda * 255^2 * MSE)."""

    lambdas: tuple[float, ...]

    def __post_init__(self) -> None:
        lambdas = tuple(float(v) for v in self.lambdas)
        if not lambdas or any(not (v > 0 and math.isfinite(v)) for v in lambdas):
            raise ValueError(f"lambdas must be positive and finite, got {self.lambdas}")
        object.__setattr__(self, "lambdas", lambdas)

    @property
    def count(self) -> int:
        """Number of trained levels L."""
        return len(self.lambdas)

    def positions(self) -> torch.Tensor:
        """Level position of every quality 1..100, shape (100,) float32."""
        return torch.linspace(0, self.count - 1, QUALITIES)

    def position(self, quality: int) -> float:
        """Level position of one quality 1..100 (exactly the entry of `positions()`)."""
        return float(self.positions()[int(quality) - 1])

    def lambda_at(self, position: float) -> float:
        """Lambda at a continuous level position: geometric interpolation, clamped at the ends."""
        if self.count == 1:
            return self.lambdas[0]
        t = min(max(float(position), 0.0), self.count - 1)
        low = min(math.floor(t), self.count - 2)
        frac = t - low
        logs = self.lambdas[low], self.lambdas[low + 1]
        return math.exp(math.log(logs[0]) * (1 - frac) + math.log(logs[1]) * frac)

    def lambda_of_quality(self, quality: int) -> float:
        """Lambda that quality 1..100 was trained (or interpolated) for."""
        return self.lambda_at(self.position(quality))

    def lambdas_at(self, positions: torch.Tensor) -> torch.Tensor:
        """`lambda_at` for a tensor of positions (training batches), on their device."""
        logs = torch.log(torch.tensor(self.lambdas, dtype=torch.float32, device=positions.device))
        if self.count == 1:
            return torch.exp(logs[0]).expand_as(positions)
        low = positions.floor().long().clamp(0, self.count - 2)
        frac = positions - low
        return torch.exp(logs[low] * (1 - frac) + logs[low + 1] * frac)

    def positions_of(self, lambdas: Sequence[float]) -> list[float]:
        """Level position of each lambda (linear in log lambda, extrapolated beyond the ends);
        a trained lambda maps to its own integer index."""
        logs = [math.log(v) for v in self.lambdas]
        if self.count == 1:
            raise ValueError("positions of lambdas need at least two levels")
        out = []
        for lam in lambdas:
            x = math.log(lam)
            if x <= logs[0]:
                i = 0
            elif x >= logs[-1]:
                i = self.count - 2
            else:
                i = max(k for k in range(self.count - 1) if logs[k] <= x)
            out.append(i + (x - logs[i]) / (logs[i + 1] - logs[i]))
        return out
