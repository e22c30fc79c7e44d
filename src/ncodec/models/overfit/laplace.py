"""Bits of integer latents under a discretized Laplace (the training rate, in the log domain).

P(y) = F(y + 1/2) - F(y - 1/2) for a Laplace of mean mu and scale b. Away from the mean this is
0.5 * exp(-(|y - mu| - 1/2) / b) * (1 - exp(-1/b)), whose logarithm needs no exponential of a
large number, so the rate and its gradient stay finite for any scale.
"""

from __future__ import annotations

import math

import torch

MIN_PROBABILITY = 2.0**-20
"""Probabilities are floored here (the integer tables give every symbol at least 2**-24)."""
_LOG2E = 1.0 / math.log(2.0)


def laplace_bits(y: torch.Tensor, mean: torch.Tensor, log2_scale: torch.Tensor) -> torch.Tensor:
    """-log2 P(y) element-wise, y integer-valued (or relaxed), scale = 2**log2_scale."""
    inverse = torch.exp2(-log2_scale)
    distance = (y - mean).abs()
    far_bits = 1.0 + (distance - 0.5) * inverse * _LOG2E - torch.log2(-torch.expm1(-inverse))
    near = 1.0 - 0.5 * (
        torch.exp(-(0.5 - distance).clamp_min(0.0) * inverse)
        + torch.exp(-(0.5 + distance) * inverse)
    )
    near_bits = -torch.log2(near.clamp_min(MIN_PROBABILITY))
    bits = torch.where(distance >= 0.5, far_bits, near_bits)
    return bits.clamp_max(-math.log2(MIN_PROBABILITY))
