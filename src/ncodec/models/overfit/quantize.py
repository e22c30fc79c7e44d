"""Float decoder parameters -> integers with per-tensor power-of-two steps.

A tensor's exponent e (step 2**-e) is the largest that keeps its peak within the integer limit
(127 for weights, 4095 for biases), lowered by the module's offset `delta` (coarser steps cost
fewer bits and more distortion; the encoder picks the offsets by measured rate-distortion). A
bias can be no finer than the accumulators it joins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.fixed_point import (
    BIAS_INT_LIMIT,
    MAX_EXPONENT,
    WEIGHT_LIMIT,
    headroom_exponent,
    quantize_parameter,
)
from ncodec.models.overfit.parameters import parameter_specs, source_formats


@dataclass(frozen=True)
class QuantizedParams:
    """Integer parameters (float32 tensors of integers, spec shapes) and their exponents."""

    ints: dict[str, torch.Tensor]
    exponents: dict[str, int]


@dataclass(frozen=True)
class StepOffsets:
    """How much coarser than the headroom step each module's weights and biases are."""

    weights: int
    biases: int


def quantize_params(
    config: OverfitConfig,
    params: Mapping[str, torch.Tensor],
    offsets: Mapping[str, StepOffsets],
) -> QuantizedParams:
    """Quantize one image's float parameters (spec shapes) with per-module step offsets."""
    sources = source_formats(config)
    ints, exponents = {}, {}
    specs = parameter_specs(config)
    for spec in specs:
        if spec.is_bias:
            continue
        value = params[spec.name].detach().cpu()
        exponent = headroom_exponent(value, WEIGHT_LIMIT) - offsets[spec.module].weights
        exponents[spec.name] = min(max(exponent, 0), MAX_EXPONENT)
        ints[spec.name] = quantize_parameter(value, exponents[spec.name], WEIGHT_LIMIT)
    for spec in specs:
        if not spec.is_bias:
            continue
        value = params[spec.name].detach().cpu()
        finest = min(sources[w].frac + exponents[w] for w in spec.feeds)
        exponent = headroom_exponent(value, BIAS_INT_LIMIT) - offsets[spec.module].biases
        exponents[spec.name] = min(max(exponent, 0), finest, MAX_EXPONENT)
        ints[spec.name] = quantize_parameter(value, exponents[spec.name], BIAS_INT_LIMIT)
    return QuantizedParams(ints, exponents)


def dequantized(quantized: QuantizedParams) -> dict[str, torch.Tensor]:
    """The real values the integers stand for (for a float reference of the integer decoder)."""
    return {
        name: value * 2.0 ** -quantized.exponents[name] for name, value in quantized.ints.items()
    }
