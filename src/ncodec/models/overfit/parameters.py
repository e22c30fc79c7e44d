"""The per-image decoder's parameters: names, shapes, layers and the fixed-point layer bounds.

One list of `ParamSpec` drives everything: the float model's initialization, quantization, the
order in which parameters are written to the file and the integer decoder. Three modules:

- `arm`: the entropy model. Per pass p a first layer `arm.w1.p` (C_p -> H, inputs are latents)
  with bias `arm.b1.p` plus a per-grid bias `arm.grid_bias`, then `arm.w2` (H -> H) and
  `arm.w3` (H -> 2: mean and log2-scale), ReLU between. Weights are (in, out).
- `up`: four taps of a symmetric 8-tap x2 upsampling kernel (bicubic at initialization).
- `syn`: 1x1 convolutions (grids -> hidden... -> 3, ReLU between), then two 3x3 residual
  convolutions on RGB (the first followed by ReLU). Weights are (out, in[, 3, 3]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.fixed_point import (
    ARM_HIDDEN,
    LATENT,
    RGB,
    SYNTHESIS_HIDDEN,
    UPSAMPLED,
    Format,
    LayerSpec,
)
from ncodec.models.overfit.geometry import PASSES, context_size

MODULES = ("arm", "up", "syn")
BICUBIC_TAPS = (0.87890625, 0.26171875, -0.10546875, -0.03515625)
"""Cubic-convolution (a = -0.75) weights at distances 0.25, 0.75, 1.25, 1.75."""
UPSAMPLING_FAN_IN = 4


@dataclass(frozen=True)
class ParamSpec:
    """One parameter tensor of the per-image decoder."""

    name: str
    shape: tuple[int, ...]
    module: str
    feeds: tuple[str, ...] = ()
    """For a bias: the weights whose accumulators it joins (its step cannot be finer)."""

    @property
    def is_bias(self) -> bool:
        return bool(self.feeds)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class SynthesisLayer:
    """One synthesis convolution and its fixed-point formats."""

    index: int
    kernel: int
    cin: int
    cout: int
    source: Format
    target: Format
    relu: bool
    residual: bool

    @property
    def weight(self) -> str:
        return f"syn.w{self.index}"

    @property
    def bias(self) -> str:
        return f"syn.b{self.index}"


def synthesis_layers(config: OverfitConfig) -> list[SynthesisLayer]:
    """The synthesis: 1x1 layers grids -> hidden... -> RGB, then two 3x3 residual layers."""
    widths = (config.grids, *config.synthesis_hidden)
    layers = []
    for i in range(len(widths) - 1):
        source = UPSAMPLED if i == 0 else SYNTHESIS_HIDDEN
        layers.append(
            SynthesisLayer(i, 1, widths[i], widths[i + 1], source, SYNTHESIS_HIDDEN, True, False)
        )
    n = len(layers)
    source = UPSAMPLED if n == 0 else SYNTHESIS_HIDDEN
    layers.append(SynthesisLayer(n, 1, widths[-1], 3, source, RGB, False, False))
    layers.append(SynthesisLayer(n + 1, 3, 3, 3, RGB, RGB, True, True))
    layers.append(SynthesisLayer(n + 2, 3, 3, 3, RGB, RGB, False, True))
    return layers


def parameter_specs(config: OverfitConfig) -> list[ParamSpec]:
    """Every parameter tensor, in the order they are written to the file."""
    hidden = config.arm_hidden
    specs = []
    firsts = tuple(f"arm.w1.{p}" for p in range(PASSES))
    for p in range(PASSES):
        specs.append(ParamSpec(firsts[p], (context_size(p), hidden), "arm"))
        specs.append(ParamSpec(f"arm.b1.{p}", (hidden,), "arm", (firsts[p],)))
    specs.append(ParamSpec("arm.grid_bias", (config.grids, hidden), "arm", firsts))
    specs.append(ParamSpec("arm.w2", (hidden, hidden), "arm"))
    specs.append(ParamSpec("arm.b2", (hidden,), "arm", ("arm.w2",)))
    specs.append(ParamSpec("arm.w3", (hidden, 2), "arm"))
    specs.append(ParamSpec("arm.b3", (2,), "arm", ("arm.w3",)))
    specs.append(ParamSpec("up.taps", (4,), "up"))
    for layer in synthesis_layers(config):
        kernel = (layer.kernel, layer.kernel) if layer.kernel > 1 else ()
        specs.append(ParamSpec(layer.weight, (layer.cout, layer.cin, *kernel), "syn"))
        specs.append(ParamSpec(layer.bias, (layer.cout,), "syn", (layer.weight,)))
    return specs


def source_formats(config: OverfitConfig) -> dict[str, Format]:
    """Input format of the layer of every weight tensor."""
    formats = {f"arm.w1.{p}": LATENT for p in range(PASSES)}
    formats.update({"arm.w2": ARM_HIDDEN, "arm.w3": ARM_HIDDEN, "up.taps": UPSAMPLED})
    formats.update({layer.weight: layer.source for layer in synthesis_layers(config)})
    return formats


def layer_specs(config: OverfitConfig) -> dict[str, LayerSpec]:
    """The accumulation bound of every layer, by weight name (raises if one breaks 2**24)."""
    hidden = config.arm_hidden
    specs = {
        f"arm.w1.{p}": LayerSpec(f"arm.w1.{p}", context_size(p), LATENT) for p in range(PASSES)
    }
    specs["arm.w2"] = LayerSpec("arm.w2", hidden, ARM_HIDDEN)
    specs["arm.w3"] = LayerSpec("arm.w3", hidden, ARM_HIDDEN)
    specs["up.taps"] = LayerSpec("up.taps", UPSAMPLING_FAN_IN, UPSAMPLED)
    for layer in synthesis_layers(config):
        fan_in = layer.cin * layer.kernel * layer.kernel
        specs[layer.weight] = LayerSpec(layer.weight, fan_in, layer.source)
    return specs


def initial_parameters(
    config: OverfitConfig, batch: int, generator: torch.Generator | None = None
) -> dict[str, torch.Tensor]:
    """Float starting values (B, *shape) for B images: uniform fan-in init, zero residuals,
    bicubic upsampling, grey output and a small initial Laplace scale."""
    out = {}
    for spec in parameter_specs(config):
        shape = (batch, *spec.shape)
        if spec.is_bias:
            value = torch.zeros(shape)
        elif spec.name == "up.taps":
            value = torch.tensor(BICUBIC_TAPS).expand(shape).clone()
        else:
            fan_in = spec.shape[0] if spec.module == "arm" else math.prod(spec.shape[1:])
            bound = 1.0 / math.sqrt(fan_in)
            value = (torch.rand(shape, generator=generator) * 2 - 1) * bound
        out[spec.name] = value
    layers = synthesis_layers(config)
    for layer in layers[-2:]:
        out[layer.weight].zero_()
    out[layers[-3].bias].fill_(0.5)
    out["arm.w3"].zero_()
    out["arm.b3"][:, 1] = -2.0
    return out
