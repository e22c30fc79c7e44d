"""Gaussian conditional entropy model: each latent element has its own (mean, scale) from a prior.

Training path: noisy likelihoods. Coding path: scales are mapped to an integer index into a fixed
scale table, so encoder and decoder choose the same integer CDF table on any machine.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ncodec.coding import (
    SCALE_LEVELS,
    SCALE_MAX,
    SCALE_MIN,
    CdfTables,
    decode,
    encode,
    gaussian_tables,
    scale_table,
)
from ncodec.layers.bounds import lower_bound


def default_scale_table(levels: int = SCALE_LEVELS) -> np.ndarray:
    """`ncodec.coding.scale_table` with `levels` scales from SCALE_MIN to SCALE_MAX."""
    return scale_table(SCALE_MIN, SCALE_MAX, levels)


def standard_normal_cdf(x: torch.Tensor) -> torch.Tensor:
    """Phi(x) via erfc, accurate in the lower tail."""
    return 0.5 * torch.erfc(-x / math.sqrt(2.0))


class GaussianConditional(nn.Module):
    """Discretized Gaussian likelihood of latents given predicted means and scales."""

    def __init__(self, scale_bound: float = SCALE_MIN, likelihood_bound: float = 1e-9) -> None:
        super().__init__()
        self.scale_bound = scale_bound
        self.likelihood_bound = likelihood_bound

    def likelihood(
        self, y: torch.Tensor, means: torch.Tensor, scales: torch.Tensor
    ) -> torch.Tensor:
        """P(bin of width 1 around y) under N(means, scales^2), evaluated on the lower tail side."""
        scales = lower_bound(scales, self.scale_bound)
        v = torch.abs(y - means)
        upper = standard_normal_cdf((0.5 - v) / scales)
        lower = standard_normal_cdf((-0.5 - v) / scales)
        return lower_bound(upper - lower, self.likelihood_bound)

    def forward(
        self, y: torch.Tensor, means: torch.Tensor, scales: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Training path: (y + uniform noise, likelihoods of the noisy values)."""
        noisy = y + torch.empty_like(y).uniform_(-0.5, 0.5)
        return noisy, self.likelihood(noisy, means, scales)

    @staticmethod
    def build_tables(scale_table: np.ndarray) -> CdfTables:
        """Zero-mean integer tables, one per scale of the table (export time)."""
        return gaussian_tables(scale_table)

    @staticmethod
    def compress(
        y: torch.Tensor, means: torch.Tensor, indexes: np.ndarray, tables: CdfTables
    ) -> bytes:
        """Coding path: code round(y - means) with the table each index picks."""
        symbols = torch.round(y.double() - means.double()).numpy().astype(np.int64)
        return encode(symbols, indexes, tables)

    @staticmethod
    def decompress(
        data: bytes, means: torch.Tensor, indexes: np.ndarray, tables: CdfTables
    ) -> torch.Tensor:
        """Decoded symbols + means (float64; exact when means are fixed-point values)."""
        symbols = decode(data, indexes, tables)
        return torch.from_numpy(symbols.astype(np.float64)) + means.double()
