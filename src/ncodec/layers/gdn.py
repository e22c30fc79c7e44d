"""Generalized divisive normalization (Ballé et al. 2016): the learned transforms' nonlinearity."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ncodec.layers.bounds import lower_bound

_PEDESTAL = 2.0**-18


class GDN(nn.Module):
    """y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2); `inverse=True` multiplies instead (IGDN).

    beta and gamma are stored as square roots offset by a pedestal and bounded below, which keeps
    them non-negative and trains stably.
    """

    def __init__(
        self, channels: int, inverse: bool = False, beta_min: float = 1e-6, gamma_init: float = 0.1
    ) -> None:
        super().__init__()
        self.inverse = inverse
        self.beta_bound = (beta_min + _PEDESTAL) ** 0.5
        self.gamma_bound = _PEDESTAL**0.5
        self.beta = nn.Parameter(torch.sqrt(torch.ones(channels) + _PEDESTAL))
        self.gamma = nn.Parameter(torch.sqrt(gamma_init * torch.eye(channels) + _PEDESTAL))

    def effective_params(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The non-negative (beta, gamma) actually applied."""
        beta = lower_bound(self.beta, self.beta_bound) ** 2 - _PEDESTAL
        gamma = lower_bound(self.gamma, self.gamma_bound) ** 2 - _PEDESTAL
        return beta, gamma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beta, gamma = self.effective_params()
        channels = x.shape[1]
        norm = F.conv2d(x * x, gamma.view(channels, channels, 1, 1), beta)
        norm = torch.sqrt(norm)
        return x * norm if self.inverse else x / norm
