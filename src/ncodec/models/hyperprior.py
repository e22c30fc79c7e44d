"""Mean-scale hyperprior codec (Minnen et al. 2018, no autoregressive context), variable rate."""

from __future__ import annotations

import torch

from ncodec.entropy import FactorizedDensity, GaussianConditional
from ncodec.models.config import CodecConfig
from ncodec.models.gains import GainUnits
from ncodec.models.quantize import full_precision, ste_round
from ncodec.models.transforms import TransformCodecModule, hyper_analysis, hyper_synthesis


class MeanScaleHyperprior(TransformCodecModule):
    """x -> y = g_a(x) -> z = h_a(y); z coded with a factorized density, y with a Gaussian whose
    mean and scale come from h_s(z). Gain units on y and z select the rate level."""

    architecture = "mean-scale-hyperprior"
    stride = 64

    def __init__(self, config: CodecConfig | None = None) -> None:
        super().__init__(config)
        n, m, levels = self.config.n, self.config.m, self.level_count
        self.h_a = hyper_analysis(n, m)
        self.h_s = hyper_synthesis(n, m)
        self.y_gains = GainUnits(levels, m)
        self.z_gains = GainUnits(levels, n)
        self.z_density = FactorizedDensity(n)
        self.y_conditional = GaussianConditional()

    def hyper_parameters(self, z_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(means, scales) of y, before gains, from the dequantized hyper-latent."""
        means, scales = self.h_s(z_hat).chunk(2, dim=1)
        return means, scales

    def forward(self, x: torch.Tensor, level: torch.Tensor) -> dict[str, torch.Tensor]:
        """Training path for images x in [0, 1] at continuous rate-level positions `level` (B,)."""
        y_gain, y_inverse = self.y_gains(level)
        z_gain, z_inverse = self.z_gains(level)
        # Transforms may run under bf16 autocast; entropy models always run in float32.
        y = self.g_a(x).float()
        z = self.h_a(y).float() * z_gain
        with full_precision(x):
            _, z_likelihood = self.z_density(z)
        z_hat = ste_round(z) * z_inverse
        means, scales = (t.float() for t in self.hyper_parameters(z_hat))
        y = y * y_gain
        means, scales = means * y_gain, scales * y_gain
        with full_precision(x):
            _, y_likelihood = self.y_conditional(y, means, scales)
        y_hat = (ste_round(y - means) + means) * y_inverse
        return {
            "x_hat": self.g_s(y_hat).float(),
            "likelihoods_y": y_likelihood,
            "likelihoods_z": z_likelihood,
        }

    def aux_loss(self) -> torch.Tensor:
        """Quantile loss of the factorized density (added to the main loss, same optimizer)."""
        return self.z_density.aux_loss()
