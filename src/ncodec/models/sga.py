"""Stochastic Gumbel annealing (SGA): encoder-side search for integer latents.

Yang, Bamler & Mandt (NeurIPS 2020, "Improving inference for neural image compression"): the
latents are optimized as continuous values whose rounding is relaxed into a random choice between
the two nearest integers, drawn with the Gumbel-softmax trick at a temperature that is annealed
towards zero, so the search ends close to the hard rounding the file will use. The result is
snapped to integers and coded with the unchanged model: decoder, weights and file format stay the
same. An architecture supplies an `Objective` (rate + lambda * distortion of its latents under a
given rounding); the search itself knows no architecture.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from ncodec.errors import InputError
from ncodec.models.refine import REFINE_PRECISIONS, LevelGains, RefineTrace, frozen_parameters

SGA_LEARNING_RATE = 0.02
"""Adam step size in quantization bins of the coded latents."""

TAU_MAX = 0.5
"""Starting temperature (the paper's)."""
WARMUP_FRACTION = 0.35
"""Share of the steps held at TAU_MAX (the paper: 700 of 2000)."""
FINAL_DECAY = 1.3
"""log(TAU_MAX / final temperature): the paper's exp(-0.001 (t - 700)) ends at t = 2000."""
TAU_MIN = 1e-8

ATANH_EPSILON = 1e-5

REFINE_METHODS = ("sga", "adam")
"""Searches an effort can buy: SGA (default) or the older Adam refinement on a noisy-rate
surrogate (hyperprior models only)."""

Rounding = Callable[[Tensor], Tensor]
"""Maps residuals to (relaxed) integers: `torch.round` for the file, `sga_round` while searching."""


@dataclass(frozen=True)
class Relaxed:
    """An objective's value under one rounding: bits per pixel, lambda * 255^2 * MSE, and the
    rounded latents (in coded units, the form the codec's coder takes)."""

    bpp: Tensor
    distortion: Tensor
    rounded: tuple[Tensor, ...]

    @property
    def loss(self) -> Tensor:
        return self.bpp + self.distortion


Objective = Callable[[Sequence[Tensor], Rounding], Relaxed]
"""rate + lambda * distortion of an architecture's latents under a rounding."""


def temperature(step: int, steps: int) -> float:
    """The paper's annealing schedule stretched to `steps`: TAU_MAX for the first WARMUP_FRACTION
    of the steps, then exponential decay to TAU_MAX * exp(-FINAL_DECAY) at the last step (with
    steps = 2000 exactly the paper's 0.5 exp(-0.001 (t - 700)))."""
    if steps <= 0 or not 0 <= step <= steps:
        raise ValueError(f"step {step} outside 0..{steps}")
    warmup = WARMUP_FRACTION * steps
    if step <= warmup:
        return TAU_MAX
    rate = FINAL_DECAY / (steps - warmup)
    return max(TAU_MAX * math.exp(-rate * (step - warmup)), TAU_MIN)


def sga_round(x: Tensor, tau: float, generator: torch.Generator) -> Tensor:
    """One relaxed sample of rounding x down or up: the nearer integer is likelier (logits
    -atanh(distance) / tau) and the Gumbel-softmax of temperature tau blends the two."""
    floor = torch.floor(x).detach()
    down = (x - floor).clamp(-1 + ATANH_EPSILON, 1 - ATANH_EPSILON)
    up = (floor + 1 - x).clamp(-1 + ATANH_EPSILON, 1 - ATANH_EPSILON)
    # The difference of two Gumbel variables is logistic: one uniform draw per element.
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype).clamp(1e-7, 1 - 1e-7)
    logistic = torch.log(u) - torch.log1p(-u)
    p_up = torch.sigmoid(((torch.atanh(down) - torch.atanh(up)) / tau + logistic) / tau)
    return floor + p_up


def search_settings(options: Mapping[str, Any], methods: Sequence[str]) -> tuple[str, bool]:
    """(method, bf16) of an encoder's options, or a one-line error for a value it cannot take."""
    precision = options.get("refine_precision", "fp32")
    if precision not in REFINE_PRECISIONS:
        raise InputError(
            f"refine precision must be one of {', '.join(REFINE_PRECISIONS)}, got {precision!r}"
        )
    method = options.get("refine_method", methods[0])
    if method not in methods:
        raise InputError(f"refine method must be one of {', '.join(methods)}, got {method!r}")
    return method, precision == "bf16"


def distortion_term(
    synthesis: Callable[[Tensor], Tensor],
    latents: Tensor,
    x: Tensor,
    size: tuple[int, int],
    lmbda: float,
    bf16: bool,
) -> Tensor:
    """lambda * 255^2 * MSE of the synthesis of `latents` against the unpadded image (the
    synthesis under bf16 autocast if asked, the error in float32). The reconstruction is
    clamped to [0, 1] as the decoder's pixels are, so no step is spent on values it clips."""
    height, width = size
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        x_hat = synthesis(latents).float()[..., :height, :width].clamp(0.0, 1.0)
    return lmbda * 255.0**2 * torch.mean((x_hat - x[..., :height, :width]) ** 2)


def sga_search(
    module: nn.Module,
    start: Sequence[Tensor],
    objective: Objective,
    steps: int,
    learning_rate: float | None = None,
    seed: int = 0,
) -> tuple[tuple[Tensor, ...], RefineTrace]:
    """Adam on the latents under annealed SGA rounding for `steps` steps, then hard rounding.
    Returns the rounded latents of the search or of `start`, whichever has the lower exact
    objective (so the result is never worse than the amortized encoder's by that measure)."""
    if steps < 1:
        raise ValueError(f"SGA needs at least one step, got {steps}")
    generator = torch.Generator().manual_seed(seed)
    latents = [t.detach().clone().requires_grad_(True) for t in start]
    optimizer = torch.optim.Adam(latents, lr=learning_rate or SGA_LEARNING_RATE)
    with frozen_parameters(module):
        before = objective(start, torch.round)
        for step in range(steps):
            tau = temperature(step, steps)
            with torch.enable_grad():
                relaxed = objective(latents, lambda v, tau=tau: sga_round(v, tau, generator))
                optimizer.zero_grad(set_to_none=True)
                relaxed.loss.backward()
            optimizer.step()
        after = objective([t.detach() for t in latents], torch.round)
    best = after if after.loss.item() < before.loss.item() else before
    trace = RefineTrace(
        loss_before=before.loss.item(),
        loss_after=best.loss.item(),
        bpp_before=before.bpp.item(),
        bpp_after=best.bpp.item(),
        steps=steps,
    )
    return tuple(t.detach() for t in best.rounded), trace


# Objectives of the built-in amortized image models (any other architecture writes its own).


def hyperprior_objective(
    model: nn.Module,
    gains: LevelGains,
    x: Tensor,
    size: tuple[int, int],
    lmbda: float,
    bf16: bool,
) -> Objective:
    """Mean-scale hyperprior, latents (y, z) in coded units: z is rounded to integers, y to the
    grid of the means that z gives (y is coded as round(y - means)); both relaxed by SGA."""
    pixels = size[0] * size[1]

    def evaluate(latents: Sequence[Tensor], rounding: Rounding) -> Relaxed:
        y, z = latents
        z_hat = rounding(z)
        means, scales = model.hyper_parameters(z_hat * gains.z_inverse)
        means, scales = means.float() * gains.y, scales.float() * gains.y
        y_hat = rounding(y - means) + means
        y_bits = -torch.log2(model.y_conditional.likelihood(y_hat, means, scales)).sum()
        z_bits = -torch.log2(model.z_density.likelihood(z_hat)).sum()
        distortion = distortion_term(
            lambda v: model.g_s(v * gains.y_inverse), y_hat, x, size, lmbda, bf16
        )
        return Relaxed((y_bits + z_bits) / pixels, distortion, (y_hat, z_hat))

    return evaluate


def factorized_objective(
    model: nn.Module,
    inverse_gain: Tensor,
    x: Tensor,
    size: tuple[int, int],
    lmbda: float,
    bf16: bool,
) -> Objective:
    """Factorized prior, latents (y,) in coded units, rounded to integers."""
    pixels = size[0] * size[1]

    def evaluate(latents: Sequence[Tensor], rounding: Rounding) -> Relaxed:
        y_hat = rounding(latents[0])
        bits = -torch.log2(model.y_density.likelihood(y_hat)).sum()
        distortion = distortion_term(
            lambda v: model.g_s(v * inverse_gain), y_hat, x, size, lmbda, bf16
        )
        return Relaxed(bits / pixels, distortion, (y_hat,))

    return evaluate
