"""Learned per-channel density for latents without side information (Ballé et al. 2018, app. 6.1).

Training path: additive uniform noise and likelihoods. Table path: the CDF is evaluated once at
export time into integer tables (see `ncodec.coding`); decoding never touches these floats.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ncodec.coding import CdfTables, decode, encode, tables_from_cdf
from ncodec.layers.bounds import lower_bound

MAX_TABLE_SYMBOLS = 4096


class FactorizedDensity(nn.Module):
    """Non-parametric, per-channel univariate density: a monotone MLP gives its CDF in logit space.

    `quantiles` tracks each channel's (lower tail, median, upper tail); they are trained by
    `aux_loss()`, which is added to the main loss in the same optimizer and touches only them.
    """

    def __init__(
        self,
        channels: int,
        filters: tuple[int, ...] = (3, 3, 3, 3),
        init_scale: float = 10.0,
        tail_mass: float = 1e-9,
    ) -> None:
        super().__init__()
        self.channels = channels
        self.tail_mass = tail_mass
        dims = (1, *filters, 1)
        scale = init_scale ** (1 / (len(filters) + 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i in range(len(filters) + 1):
            init = math.log(math.expm1(1 / scale / dims[i + 1]))
            self.matrices.append(nn.Parameter(torch.full((channels, dims[i + 1], dims[i]), init)))
            self.biases.append(nn.Parameter(torch.rand(channels, dims[i + 1], 1) - 0.5))
            if i < len(filters):
                self.factors.append(nn.Parameter(torch.zeros(channels, dims[i + 1], 1)))
        q = torch.tensor([-init_scale, 0.0, init_scale])
        self.quantiles = nn.Parameter(q.repeat(channels, 1, 1))  # (C, 1, 3)
        target = math.log(2 / tail_mass - 1)
        self.register_buffer("target", torch.tensor([-target, 0.0, target]), persistent=False)

    def logits_cdf(self, x: torch.Tensor, stop_gradient: bool = False) -> torch.Tensor:
        """Logit of the CDF at x, x shaped (C, 1, K)."""
        logits = x
        for i, matrix in enumerate(self.matrices):
            m = F.softplus(matrix.detach() if stop_gradient else matrix)
            b = self.biases[i].detach() if stop_gradient else self.biases[i]
            logits = torch.matmul(m, logits) + b
            if i < len(self.factors):
                f = self.factors[i].detach() if stop_gradient else self.factors[i]
                logits = logits + torch.tanh(f) * torch.tanh(logits)
        return logits

    def likelihood(self, x: torch.Tensor) -> torch.Tensor:
        """P(bin of width 1 around x) for x shaped (B, C, H, W), computed stably in the tails."""
        b, c, h, w = x.shape
        v = x.permute(1, 0, 2, 3).reshape(c, 1, -1)
        lower = self.logits_cdf(v - 0.5)
        upper = self.logits_cdf(v + 0.5)
        sign = -torch.sign(lower + upper).detach()
        lik = torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))
        lik = lower_bound(lik, 1e-9)
        return lik.reshape(c, b, h, w).permute(1, 0, 2, 3)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Training path: (x + U(-0.5, 0.5), likelihoods of the noisy values)."""
        noisy = x + torch.empty_like(x).uniform_(-0.5, 0.5)
        return noisy, self.likelihood(noisy)

    def aux_loss(self) -> torch.Tensor:
        """Moves `quantiles` to the tail-mass points of the current CDF (gradients only to them)."""
        logits = self.logits_cdf(self.quantiles, stop_gradient=True)
        return torch.abs(logits - self.target).sum()

    @torch.no_grad()
    def table_pmfs(self, search: int = 4096) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel integer support [lower, upper] holding all but `tail_mass` of the density.

        Found on the CDF itself (evaluated on an integer grid of +-`search`), so it is right even
        where the quantiles have not converged yet.
        """
        grid = np.arange(-search, search + 1, dtype=np.float64)
        edges = np.broadcast_to(grid[None, :] + 0.5, (self.channels, grid.size))
        cdf = self.cdf_numpy(np.ascontiguousarray(edges))
        half_tail = self.tail_mass / 2
        lower_idx = np.argmax(cdf >= half_tail, axis=1)
        upper_idx = grid.size - 1 - np.argmax(cdf[:, ::-1] <= 1 - half_tail, axis=1)
        lower = grid[lower_idx].astype(np.int64)
        upper = np.maximum(grid[np.minimum(upper_idx + 1, grid.size - 1)].astype(np.int64), lower)
        return lower, upper

    @torch.no_grad()
    def cdf_numpy(self, x: np.ndarray) -> np.ndarray:
        """CDF of each channel at points x shaped (C, K), in float64 (export time only)."""
        module = self.double()
        try:
            t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)).unsqueeze(1)
            return torch.sigmoid(module.logits_cdf(t))[:, 0, :].numpy()
        finally:
            self.float()

    @torch.no_grad()
    def build_tables(self) -> CdfTables:
        """One integer table per channel (export time), support covering all but the tail mass."""
        lower, upper = self.table_pmfs()
        centre = (lower + upper) // 2
        half = MAX_TABLE_SYMBOLS // 2 - 1
        lower = np.maximum(lower, centre - half)
        upper = np.minimum(upper, centre + half)
        return tables_from_cdf(self.cdf_numpy, lower, upper)

    @staticmethod
    def compress(x: torch.Tensor, tables: CdfTables) -> bytes:
        """Coding path: round x (B=1, C, H, W) and entropy-code it with the per-channel tables."""
        symbols = torch.round(x).numpy().astype(np.int64)
        return encode(symbols, channel_indexes(symbols.shape), tables)

    @staticmethod
    def decompress(data: bytes, tables: CdfTables, shape: tuple[int, ...]) -> torch.Tensor:
        """Decode integer values of the given (1, C, H, W) shape, as float32."""
        symbols = decode(data, channel_indexes(shape), tables)
        return torch.from_numpy(symbols.astype(np.float32))


def channel_indexes(shape: tuple[int, ...]) -> np.ndarray:
    """Table index = channel, for a (1, C, H, W) latent."""
    return np.broadcast_to(np.arange(shape[1], dtype=np.int32)[None, :, None, None], shape).copy()
