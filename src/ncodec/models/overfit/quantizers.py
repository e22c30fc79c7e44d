"""Relaxed quantization of the latents during encoding (Agustsson & Theis 2020; C3, Kim et al.
2024): soft rounding with annealed temperature plus Kumaraswamy noise, then hard rounding with
straight-through gradients."""

from __future__ import annotations

import math

import torch


def softround(x: torch.Tensor, temperature: float) -> torch.Tensor:
    """floor(x) + 1/2 + tanh(d / T) / (2 tanh(1 / 2T)), d = x - floor(x) - 1/2 (T -> 0: round)."""
    floor = torch.floor(x)
    delta = x - floor - 0.5
    return floor + 0.5 + 0.5 * torch.tanh(delta / temperature) / math.tanh(0.5 / temperature)


def kumaraswamy_noise(uniform: torch.Tensor, a: float) -> torch.Tensor:
    """Noise in (-1/2, 1/2) from U(0, 1) samples: Kumaraswamy(a, b) with its mode at 1/2
    (a = 1: uniform; larger a: more mass near 0)."""
    b = (2.0**a * (a - 1.0) + 1.0) / a
    return (1.0 - (1.0 - uniform) ** (1.0 / b)) ** (1.0 / a) - 0.5


def noisy_softround(
    x: torch.Tensor, temperature: float, a: float, generator: torch.Generator | None
) -> torch.Tensor:
    """softround(softround(x) + noise): what the decoder and the rate see while annealing."""
    uniform = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return softround(softround(x, temperature) + kumaraswamy_noise(uniform, a), temperature)


def straight_through_round(x: torch.Tensor) -> torch.Tensor:
    """round(x) forward, identity gradient."""
    return x + (torch.round(x) - x).detach()
