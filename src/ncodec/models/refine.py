"""Encoder-side latent refinement: spend encode time to lower rate + lambda * distortion.

Images are encoded once and decoded many times, so the encoder may search for better latents than
the amortized analysis transform gives (Campos et al. 2019; Yang et al. 2020). Only the coded
symbols change: the decoder, the weights and the file format stay exactly the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from ncodec.models.hyperprior import MeanScaleHyperprior
from ncodec.models.quantize import ste_round

DEFAULT_LEARNING_RATE = 0.003
"""Adam step size in units of quantization bins of the gained latents."""

MAX_REFINE_STEPS = 10_000
"""Most refinement steps an encoder accepts (the effort of the amortized image models)."""

REFINE_PRECISIONS = ("fp32", "bf16")
"""Arithmetic of the synthesis transform inside the search; bf16 autocast was 2x faster with the
same gain on Kodak (AVX512-BF16 CPU, docs/results/refine.json). The coded file is decoded in
float32 either way."""


@dataclass(frozen=True)
class GainedLatents:
    """Latents in coded units (gain applied): y is coded as round(y - means), z as round(z)."""

    y: torch.Tensor
    z: torch.Tensor


@dataclass(frozen=True)
class RefineTrace:
    """Rate + lambda * distortion (float model, rounded latents) before and after refinement."""

    loss_before: float
    loss_after: float
    bpp_before: float
    bpp_after: float
    steps: int


@dataclass(frozen=True)
class LevelGains:
    """Per-channel gains of one quality, shaped (1, C, 1, 1)."""

    y: torch.Tensor
    y_inverse: torch.Tensor
    z: torch.Tensor
    z_inverse: torch.Tensor


@contextmanager
def frozen_parameters(module: nn.Module) -> Iterator[None]:
    """No gradients for the weights while latents are searched; their flags come back after."""
    flags = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(module.parameters(), flags, strict=True):
            p.requires_grad_(flag)


@dataclass(frozen=True)
class _Evaluation:
    exact_loss: torch.Tensor  # rate of the rounded latents: what the file will cost
    exact_bpp: torch.Tensor
    surrogate_loss: torch.Tensor  # rate under uniform noise: smooth, used for the gradient
    y_coded: torch.Tensor


def _evaluate(
    model: MeanScaleHyperprior,
    latents: GainedLatents,
    gains: LevelGains,
    x: torch.Tensor,
    size: tuple[int, int],
    lmbda: float,
    noise: torch.Generator,
    bf16: bool,
) -> _Evaluation:
    """Both objectives share one synthesis pass on straight-through-rounded latents; y_coded sits
    at bin centres, so re-rounding it against the integer means keeps every symbol."""
    z_symbols = ste_round(latents.z)
    means, scales = model.hyper_parameters(z_symbols * gains.z_inverse)
    means, scales = means.float() * gains.y, scales.float() * gains.y
    y_coded = ste_round(latents.y - means) + means
    height, width = size
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        x_hat = model.g_s(y_coded * gains.y_inverse).float()[..., :height, :width]
    distortion = lmbda * 255.0**2 * torch.mean((x_hat - x[..., :height, :width]) ** 2)
    pixels = height * width

    def bits(y_value: torch.Tensor, z_value: torch.Tensor) -> torch.Tensor:
        y_bits = -torch.log2(model.y_conditional.likelihood(y_value, means, scales)).sum()
        return y_bits - torch.log2(model.z_density.likelihood(z_value)).sum()

    def uniform(t: torch.Tensor) -> torch.Tensor:
        return torch.rand(t.shape, generator=noise, dtype=t.dtype) - 0.5

    exact_bpp = bits(y_coded, z_symbols) / pixels
    noisy_bpp = bits(latents.y + uniform(latents.y), latents.z + uniform(latents.z)) / pixels
    return _Evaluation(exact_bpp + distortion, exact_bpp, noisy_bpp + distortion, y_coded.detach())


def refine_latents(
    model: MeanScaleHyperprior,
    x: torch.Tensor,
    start: GainedLatents,
    gains: LevelGains,
    size: tuple[int, int],
    lmbda: float,
    steps: int,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    precision: str = "fp32",
) -> tuple[GainedLatents, RefineTrace]:
    """Adam on the gained latents (noisy rate, straight-through decoder, as in training); returns
    the iterate with the lowest exact objective, so it never ends above its starting value
    (with bf16 the distortion in that objective is the bf16 synthesis's)."""
    if steps < 0:
        raise ValueError(f"refinement steps must be >= 0, got {steps}")
    if precision not in REFINE_PRECISIONS:
        raise ValueError(f"refine precision must be one of {REFINE_PRECISIONS}, got {precision!r}")
    y = start.y.detach().clone().requires_grad_(True)
    z = start.z.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([y, z], lr=learning_rate)
    best_loss, best_bpp = math.inf, math.inf
    best = start
    first: tuple[float, float] | None = None
    noise = torch.Generator().manual_seed(0)
    with frozen_parameters(model):
        for step in range(steps + 1):
            with torch.enable_grad():
                result = _evaluate(
                    model, GainedLatents(y, z), gains, x, size, lmbda, noise, precision == "bf16"
                )
            loss, bpp = result.exact_loss.item(), result.exact_bpp.item()
            if first is None:
                first = (loss, bpp)
            if loss < best_loss:
                best_loss, best_bpp = loss, bpp
                best = GainedLatents(result.y_coded.clone(), torch.round(z.detach()))
            if step == steps:
                break
            optimizer.zero_grad(set_to_none=True)
            result.surrogate_loss.backward()
            optimizer.step()
    assert first is not None
    trace = RefineTrace(first[0], best_loss, first[1], best_bpp, steps)
    return best, trace
