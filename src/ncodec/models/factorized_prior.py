"""Factorized-prior codec (Ballé et al. 2017): GDN transforms, one learned density per channel."""

from __future__ import annotations

import torch
from torch import nn

from ncodec.entropy import FactorizedDensity
from ncodec.models.config import CodecConfig
from ncodec.models.gains import GainUnits
from ncodec.models.quantize import full_precision, ste_round
from ncodec.models.transforms import analysis_transform, synthesis_transform


class FactorizedPrior(nn.Module):
    """x -> y = g_a(x), y coded with a per-channel learned density; gain units select the rate."""

    architecture = "factorized-prior"
    stride = 16

    def __init__(self, config: CodecConfig | None = None) -> None:
        super().__init__()
        self.config = config or CodecConfig()
        n, m, levels = self.config.n, self.config.m, len(self.config.lambdas)
        self.g_a = analysis_transform(n, m)
        self.g_s = synthesis_transform(n, m)
        self.y_gains = GainUnits(levels, m)
        self.y_density = FactorizedDensity(m)

    def forward(self, x: torch.Tensor, level: torch.Tensor) -> dict[str, torch.Tensor]:
        """Training path for images x in [0, 1] at continuous rate-level positions `level` (B,)."""
        gain, inverse = self.y_gains(level)
        y = self.g_a(x).float() * gain
        with full_precision(x):
            _, likelihood = self.y_density(y)
        x_hat = self.g_s(ste_round(y) * inverse).float()
        return {"x_hat": x_hat, "likelihoods_y": likelihood}

    def aux_loss(self) -> torch.Tensor:
        """Quantile loss of the factorized density (added to the main loss, same optimizer)."""
        return self.y_density.aux_loss()
