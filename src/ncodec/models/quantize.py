"""Rounding with a straight-through gradient: the decoder sees integers, as it will at test time."""

from __future__ import annotations

import contextlib

import torch


def ste_round(x: torch.Tensor) -> torch.Tensor:
    """round(x) in the forward pass, identity gradient in the backward pass."""
    return x + (torch.round(x) - x).detach()


def full_precision(reference: torch.Tensor) -> contextlib.AbstractContextManager:
    """Disable autocast (e.g. bf16 training) for entropy models, whose likelihoods need float32."""
    return torch.autocast(device_type=reference.device.type, enabled=False)
