"""The integer decoder: close to its float reference, exact (2**24 bound) in the worst case."""

from __future__ import annotations

import pytest
import torch

from ncodec.models.overfit.arm import IntegerArm
from ncodec.models.overfit.config import OverfitConfig, overfit_config
from ncodec.models.overfit.decoder import IntegerDecoder
from ncodec.models.overfit.fixed_point import (
    ACC_LIMIT,
    BIAS_INT_LIMIT,
    LATENT,
    MIN_BIAS_ROOM,
    WEIGHT_LIMIT,
)
from ncodec.models.overfit.geometry import PASSES, grid_shapes
from ncodec.models.overfit.network import decode_float
from ncodec.models.overfit.parameters import (
    initial_parameters,
    layer_specs,
    parameter_specs,
)
from ncodec.models.overfit.quantize import (
    QuantizedParams,
    StepOffsets,
    dequantized,
    quantize_params,
)

CONFIG = OverfitConfig()
SHAPE = (64, 64)


def _random_params(seed: int) -> dict[str, torch.Tensor]:
    """Float parameters of a plausible decoder (no zero layers), batch axis dropped."""
    generator = torch.Generator().manual_seed(seed)
    params = {k: v[0] for k, v in initial_parameters(CONFIG, 1, generator).items()}
    for spec in parameter_specs(CONFIG):
        if spec.name != "up.taps":
            params[spec.name] = params[spec.name] + 0.1 * torch.randn(
                spec.shape, generator=generator
            )
    return params


def _random_grids(seed: int, spread: float) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [
        torch.round(torch.randn(shape, generator=generator) * spread).clamp(-255, 255)
        for shape in grid_shapes(*SHAPE, CONFIG.grids)
    ]


@pytest.mark.parametrize("seed", [0, 1])
def test_integer_synthesis_stays_within_rounding_of_the_float_reference(seed):
    offsets = dict.fromkeys(("arm", "up", "syn"), StepOffsets(0, 0))
    quantized = quantize_params(CONFIG, _random_params(seed), offsets)
    grids = _random_grids(seed, 4.0)
    exact = IntegerDecoder(CONFIG, quantized).synthesize(grids)
    reference = decode_float(
        [g[None] for g in grids],
        {k: v[None] for k, v in dequantized(quantized).items()},
        CONFIG,
    )
    error = (exact - reference).abs()
    assert exact.shape == reference.shape == (1, 3, *SHAPE)
    assert float(reference.std()) > 0.05  # a non-trivial picture
    # each layer rounds to its format: a few 8-bit levels at most, a fraction of one on average
    assert float(error.max()) < 4.0 / 255 and float(error.mean()) < 0.5 / 255


def _worst_case(sign: float) -> QuantizedParams:
    """Every weight at +-127, every bias at its limit, finest steps: the largest sums."""
    ints, exponents = {}, {}
    for spec in parameter_specs(CONFIG):
        limit = BIAS_INT_LIMIT if spec.is_bias else WEIGHT_LIMIT
        ints[spec.name] = torch.full(spec.shape, sign * limit)
        exponents[spec.name] = 0 if spec.is_bias else 7
    return QuantizedParams(ints, exponents)


def test_configured_bit_widths_keep_every_sum_below_2_pow_24():
    for spec in layer_specs(CONFIG).values():
        assert spec.accumulation_bound() + MIN_BIAS_ROOM < ACC_LIMIT
        assert spec.accumulation_bound() + spec.bias_limit() < ACC_LIMIT
    with pytest.raises(ValueError, match="2\\*\\*24"):
        layer_specs(overfit_config({"synthesis_hidden": [64, 64]}))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_worst_case_float32_equals_float64(sign):
    """Saturated inputs and weights: float32 sums equal float64 ones (no rounding anywhere)."""
    quantized = _worst_case(sign)
    grids = [torch.full(s, float(LATENT.limit)) for s in grid_shapes(*SHAPE, CONFIG.grids)]
    single = IntegerDecoder(CONFIG, quantized).synthesize(grids)
    double = IntegerDecoder(
        CONFIG,
        QuantizedParams({k: v.double() for k, v in quantized.ints.items()}, quantized.exponents),
    ).synthesize([g.double() for g in grids])
    assert torch.equal(single.double(), double)
    arm32 = IntegerArm(CONFIG, quantized.ints, quantized.exponents)
    arm64 = IntegerArm(
        CONFIG, {k: v.double() for k, v in quantized.ints.items()}, quantized.exponents
    )
    for p in range(PASSES):
        out32 = arm32.tables(grids[1], grids[2], 1, p)
        out64 = arm64.tables(grids[1].double(), grids[2].double(), 1, p)
        assert all((a == b).all() for a, b in zip(out32, out64, strict=True))
