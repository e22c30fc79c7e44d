"""Factorized-prior codec (Ballé et al. 2017): GDN transforms, one learned density per channel."""

from __future__ import annotations

import torch

from ncodec.entropy import FactorizedDensity
from ncodec.models.config import CodecConfig
from ncodec.models.gains import GainUnits
from ncodec.models.quantize import full_precision, ste_round
from ncodec.models.transforms import TransformCodecModule


class FactorizedPrior(TransformCodecModule):
    """x -> y = g_a(x), y coded with a per-channel learned density; gain units select the rate."""

    architecture = "factorized-prior"
    stride = 16

    def __init__(self, config: CodecConfig | None = None) -> None:
        super().__init__(config)
        self.y_gains = GainUnits(self.level_count, self.config.m)
        self.y_density = FactorizedDensity(self.config.m)

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
