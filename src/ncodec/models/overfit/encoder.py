"""The encoder: fit latents and decoder to each image, quantize the decoder, write the stream.

Training (on any device, B images of one padded size at once) minimises
bits / pixels + lambda * 255^2 * MSE with Adam: first soft rounding plus noise with the
temperature and noise annealed and a cosine learning rate, then a short phase of hard rounding
with straight-through gradients at a low learning rate. Finishing (always on the CPU, one image
at a time) rounds the latents, picks each module's parameter steps among a few candidates by the
rate and distortion of the exact integer decoder (and drops latent grids that do not pay for
their bits), and writes the stream.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ncodec.heap import retained_heap
from ncodec.models.overfit.arm import IntegerArm
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.decoder import IntegerDecoder
from ncodec.models.overfit.fixed_point import LATENT
from ncodec.models.overfit.network import OverfitNet
from ncodec.models.overfit.quantize import StepOffsets, quantize_params
from ncodec.models.overfit.quantizers import noisy_softround, straight_through_round
from ncodec.models.overfit.stream import Bank, latent_bits, parameter_bits, write_stream

Progress = Callable[[int, int, float, float], None]
"""progress(iteration, total, bpp estimate, PSNR in dB), called during training."""

WEIGHT_OFFSETS = (0, 1, 2, 3, 4, 5, 6)
"""Candidate step offsets of a module's weights (each one halves the step)."""
BIAS_OFFSETS = (0, 2, 4, 6, 8)
"""Candidate step offsets of a module's biases (searched after the weights)."""
UPSAMPLING_OFFSETS = (0, 1, 2, 3)
PROGRESS_CALLS = 200
"""Training reports progress about this many times."""


@dataclass(frozen=True)
class Recipe:
    """The training schedule of one encoding."""

    iterations: int
    learning_rate: float = 1e-2
    latent_learning_rate: float = 0.1
    final_share: float = 0.1
    """Share of the iterations spent with hard rounding at the end."""
    final_learning_rate: float = 1e-4
    temperatures: tuple[float, float] = (0.3, 0.1)
    noise: tuple[float, float] = (2.0, 1.0)
    """Kumaraswamy parameter a at the start and end (1: uniform noise)."""
    seed: int = 0


@dataclass
class Trace:
    """What an encoding did (never stored in the file)."""

    iterations: int = 0
    train_seconds: float = 0.0
    finish_seconds: float = 0.0
    offsets: dict[str, tuple[int, int]] = field(default_factory=dict)
    parameter_bits: float = 0.0
    latent_bits: float = 0.0


def _cosine(start: float, step: int, total: int) -> float:
    return 0.5 * start * (1.0 + math.cos(math.pi * step / max(total, 1)))


def _linear(values: tuple[float, float], step: int, total: int) -> float:
    t = step / max(total - 1, 1)
    return values[0] + (values[1] - values[0]) * t


def train(
    net: OverfitNet,
    images: torch.Tensor,
    sizes: Sequence[tuple[int, int]],
    lambdas: Sequence[float],
    recipe: Recipe,
    progress: Progress | None = None,
) -> None:
    """Fit `net` (B images) to padded images (B, 3, H, W) on their device."""
    device = images.device
    batch = images.shape[0]
    generator = torch.Generator(device=device)
    generator.manual_seed(recipe.seed)
    mask = torch.zeros(batch, 1, *images.shape[-2:], device=device)
    for b, (h, w) in enumerate(sizes):
        mask[b, :, :h, :w] = 1.0
    pixels = torch.tensor([h * w for h, w in sizes], dtype=torch.float32, device=device)
    weights = torch.tensor(lambdas, dtype=torch.float32, device=device) * 255.0**2
    groups = [
        {"params": list(net.latents), "scale": recipe.latent_learning_rate},
        {"params": list(net.decoder.values()), "scale": recipe.learning_rate},
    ]
    try:  # one fused kernel per step (CPU support arrived in torch 2.4)
        optimizer = torch.optim.Adam(groups, fused=True)
    except RuntimeError:
        optimizer = torch.optim.Adam(groups)
    total = recipe.iterations
    final = min(max(1, round(total * recipe.final_share)), total)
    main = total - final
    every = max(1, total // PROGRESS_CALLS)
    for step in range(total):
        if step < main:
            lr = _cosine(1.0, step, main)
            temperature = _linear(recipe.temperatures, step, main)
            a = _linear(recipe.noise, step, main)

            def quantize(y: torch.Tensor, t: float = temperature, a: float = a) -> torch.Tensor:
                return noisy_softround(y, t, a, generator)
        else:
            lr = _cosine(recipe.final_learning_rate / recipe.learning_rate, step - main, final)
            quantize = straight_through_round
        for group in optimizer.param_groups:
            group["lr"] = lr * group["scale"]
        x_hat, bits = net(quantize)
        mse = ((x_hat - images) ** 2 * mask).sum(dim=(1, 2, 3)) / (3.0 * pixels)
        loss = (bits / pixels + weights * mse).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if progress is not None and (step % every == every - 1 or step == total - 1):
            bpp = float((bits.detach() / pixels).mean())
            psnr = float((-10.0 * torch.log10(mse.detach().clamp_min(1e-10))).mean())
            progress(step + 1, total, bpp, psnr)


def _pixels(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Rounded 8-bit values (float) of the visible part of a (1, 3, H, W) image in [0, 1]."""
    return torch.round(x[0, :, : size[0], : size[1]].clamp(0, 1) * 255.0)


def finish(
    bank: Bank,
    params: dict[str, torch.Tensor],
    latents: Sequence[torch.Tensor],
    image: torch.Tensor,
    size: tuple[int, int],
    lmbda: float,
) -> tuple[bytes, Trace]:
    """Round one image's latents, drop grids whose bits cost more than their distortion gain,
    choose parameter steps by integer R-D, and code the stream.

    `params` and `latents` are that image's float tensors (no batch axis), `image` its padded
    (1, 3, H, W) pixels in [0, 1].
    """
    start = time.perf_counter()
    config = bank.config
    params = {k: v.detach().float().cpu() for k, v in params.items()}
    limit = float(LATENT.limit)
    grids = [torch.round(t.detach().float().cpu()).clamp(-limit, limit) for t in latents]
    target = _pixels(image.cpu(), size)
    weight = lmbda * size[0] * size[1]
    offsets = {"arm": StepOffsets(2, 4), "up": StepOffsets(0, 0), "syn": StepOffsets(2, 4)}

    def distortion_cost(candidate: dict[str, StepOffsets]) -> float:
        quantized = quantize_params(config, params, candidate)
        x_hat = IntegerDecoder(config, quantized).synthesize(grids)
        mse = float(((_pixels(x_hat, size) - target) ** 2).mean())
        bits = parameter_bits(bank, quantized, "syn") + parameter_bits(bank, quantized, "up")
        return bits + weight * mse

    def rate_cost(candidate: dict[str, StepOffsets]) -> float:
        quantized = quantize_params(config, params, candidate)
        arm = IntegerArm(config, quantized.ints, quantized.exponents)
        return latent_bits(bank, arm, grids) + parameter_bits(bank, quantized, "arm")

    def search(module: str, cost: Callable[[dict[str, StepOffsets]], float]) -> None:
        """Coordinate search: the weights' offset first, then the biases'."""
        biases = offsets[module].biases
        candidates = [StepOffsets(w, biases) for w in WEIGHT_OFFSETS]
        offsets[module] = min(candidates, key=lambda c: cost({**offsets, module: c}))
        weights = offsets[module].weights
        candidates = [StepOffsets(weights, b) for b in BIAS_OFFSETS]
        offsets[module] = min(candidates, key=lambda c: cost({**offsets, module: c}))

    def total_cost(trial: list[torch.Tensor]) -> float:
        quantized = quantize_params(config, params, offsets)
        arm = IntegerArm(config, quantized.ints, quantized.exponents)
        x_hat = IntegerDecoder(config, quantized).synthesize(trial)
        mse = float(((_pixels(x_hat, size) - target) ** 2).mean())
        return latent_bits(bank, arm, trial) + weight * mse

    # A nearly empty grid costs the decoder a whole entropy-model pass: drop it if that pays.
    best = total_cost(grids)
    for g in range(len(grids)):
        if grids[g].any():
            trial = [torch.zeros_like(t) if i == g else t for i, t in enumerate(grids)]
            cost = total_cost(trial)
            if cost < best:
                grids, best = trial, cost
    search("arm", rate_cost)
    search("syn", distortion_cost)
    candidates = [StepOffsets(w, 0) for w in UPSAMPLING_OFFSETS]
    offsets["up"] = min(candidates, key=lambda c: distortion_cost({**offsets, "up": c}))
    quantized = quantize_params(config, params, offsets)
    stream = write_stream(bank, quantized, grids)
    arm = IntegerArm(config, quantized.ints, quantized.exponents)
    trace = Trace(
        offsets={k: (v.weights, v.biases) for k, v in offsets.items()},
        parameter_bits=parameter_bits(bank, quantized),
        latent_bits=latent_bits(bank, arm, grids),
        finish_seconds=time.perf_counter() - start,
    )
    return stream, trace


def encode_batch(
    bank: Bank,
    images: torch.Tensor,
    sizes: Sequence[tuple[int, int]],
    lambdas: Sequence[float],
    recipe: Recipe,
    device: str = "cpu",
    progress: Progress | None = None,
    init: Mapping[str, torch.Tensor] | None = None,
) -> list[tuple[bytes, Trace]]:
    """Encode B padded images (B, 3, H, W) of one size: train together, finish one by one.
    `init` gives starting decoder parameters (else random ones)."""
    config: OverfitConfig = bank.config
    start = time.perf_counter()
    generator = torch.Generator().manual_seed(recipe.seed)
    padded = tuple(images.shape[-2:])
    net = OverfitNet(config, padded, images.shape[0], generator, init).to(device)
    with torch.enable_grad(), retained_heap():
        train(net, images.to(device), sizes, lambdas, recipe, progress)
    seconds = time.perf_counter() - start
    params = net.params()
    out = []
    for b in range(images.shape[0]):
        stream, trace = finish(
            bank,
            {k: v[b] for k, v in params.items()},
            [latent[b] for latent in net.latents],
            images[b : b + 1],
            sizes[b],
            lambdas[b],
        )
        trace.iterations, trace.train_seconds = recipe.iterations, seconds
        out.append((stream, trace))
    return out


def encode_one(
    bank: Bank, image: torch.Tensor, size: tuple[int, int], lmbda: float, recipe: Recipe, **kw: Any
) -> tuple[bytes, Trace]:
    """Encode one padded image (1, 3, H, W)."""
    return encode_batch(bank, image, [size], [lmbda], recipe, **kw)[0]
