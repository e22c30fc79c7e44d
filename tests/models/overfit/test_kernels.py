"""The compiled decoder kernels give exactly what the PyTorch reference gives.

Both paths compute integer values in float32 with sums below 2**24, so they must agree bit for
bit: on random decoders and grids of several shapes (odd and one-latent-wide coarsest grids
included), on the worst-case parameters, with both instruction sets, and on the shipped fixture.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from ncodec import api
from ncodec.format import read_ncz
from ncodec.models.overfit import kernels
from ncodec.models.overfit.arm import IntegerArm
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.decoder import IntegerDecoder
from ncodec.models.overfit.fixed_point import BIAS_INT_LIMIT, WEIGHT_LIMIT
from ncodec.models.overfit.geometry import PASSES, grid_shapes
from ncodec.models.overfit.parameters import parameter_specs
from ncodec.models.overfit.quantize import QuantizedParams
from ncodec.models.overfit.stream import read_stream

FIXTURE = Path(__file__).parents[2] / "fixtures" / "overfit" / "astronaut-72x100-q60.ncz"
NO_COMPILER = "NCODEC_NO_COMPILER"
"""Set to 1 where the kernels cannot be built; the comparisons are then skipped."""

needs_kernels = pytest.mark.skipif(not kernels.built(), reason="compiled kernels not built")


def instruction_sets() -> list[str]:
    """The kernel variants this CPU can run."""
    if not kernels.built():
        return []
    from ncodec.models.overfit import _kernels

    names = ["baseline"]
    try:
        previous = _kernels.set_instruction_set("avx2")
        _kernels.set_instruction_set(previous)
        names.append("avx2")
    except ValueError:
        pass
    return names


@pytest.fixture(params=instruction_sets() or ["none"])
def instruction_set(request):
    """Run the test with each kernel variant, restoring the default after."""
    if request.param == "none":
        pytest.skip("compiled kernels not built")
    from ncodec.models.overfit import _kernels

    previous = _kernels.set_instruction_set(request.param)
    yield request.param
    _kernels.set_instruction_set(previous)


def test_the_kernels_are_built():
    """`make venv` compiles them; a silent build failure would leave every decode slow."""
    if os.environ.get(NO_COMPILER) == "1":
        pytest.skip(f"{NO_COMPILER}=1")
    assert kernels.built()
    assert kernels.compiled() is not None


def _random_model(config: OverfitConfig, seed: int, spread: int) -> QuantizedParams:
    rng = np.random.default_rng(seed)
    ints, exponents = {}, {}
    for spec in parameter_specs(config):
        limit = BIAS_INT_LIMIT if spec.is_bias else WEIGHT_LIMIT
        values = rng.integers(-limit, limit + 1, spec.shape) // spread
        ints[spec.name] = torch.from_numpy(values.astype(np.float32))
        exponents[spec.name] = int(rng.integers(0, 5)) if spec.is_bias else int(rng.integers(5, 9))
    return QuantizedParams(ints, exponents)


def _random_grids(config: OverfitConfig, shape: tuple[int, int], seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [
        torch.round(torch.randn(s, generator=generator) * (3 + 20 * (i % 2))).clamp(-255, 255)
        for i, s in enumerate(grid_shapes(*shape, config.grids))
    ]


CASES = [
    (OverfitConfig(), (64, 128), 0),
    (OverfitConfig(), (128, 64), 1),
    (OverfitConfig(grids=3, synthesis_hidden=(16,)), (20, 36), 2),  # coarsest grid 5 x 9
    (OverfitConfig(grids=2, arm_hidden=8), (2, 8), 3),  # coarsest grid 1 x 4
    (OverfitConfig(grids=4, synthesis_hidden=(30, 12, 5)), (24, 16), 4),  # 3 x 2
]


@needs_kernels
@pytest.mark.parametrize(("config", "shape", "seed"), CASES)
def test_kernels_equal_the_reference(config, shape, seed, instruction_set):
    for spread in (1, 8):
        quantized = _random_model(config, seed, spread)
        grids = _random_grids(config, shape, seed)
        decoder = IntegerDecoder(config, quantized)
        arm = IntegerArm(config, quantized.ints, quantized.exponents)
        fast = decoder.synthesize(grids)
        passes = [
            arm.tables(grids[g], grids[g + 1] if g + 1 < len(grids) else None, g, p)
            for g in range(len(grids))
            for p in range(PASSES)
        ]
        with kernels.reference_only():
            assert kernels.compiled() is None
            reference = decoder.synthesize(grids)
            reference_passes = [
                arm.tables(grids[g], grids[g + 1] if g + 1 < len(grids) else None, g, p)
                for g in range(len(grids))
                for p in range(PASSES)
            ]
        assert torch.equal(fast, reference)
        assert float(reference.std()) > 0  # not a flat picture
        for (index, mean), (ref_index, ref_mean) in zip(passes, reference_passes, strict=True):
            np.testing.assert_array_equal(index, ref_index)
            np.testing.assert_array_equal(mean, ref_mean)


def _fixture_model() -> tuple[OverfitConfig, QuantizedParams]:
    """The trained decoder stored in the shipped fixture."""
    header, streams = read_ncz(FIXTURE.read_bytes())
    codec = api.load_model("overfit")
    stride = 1 << (codec.config.grids - 1)
    padded = (-(-header.height // stride) * stride, -(-header.width // stride) * stride)
    return codec.config, read_stream(codec.bank, streams[0], padded)[0]


@needs_kernels
@pytest.mark.parametrize("shape", [(64, 128), (192, 64)])
def test_kernels_equal_the_reference_with_a_trained_decoder(shape, instruction_set):
    """A trained entropy model spreads the latents over many tables (random ones saturate)."""
    config, quantized = _fixture_model()
    grids = _random_grids(config, shape, 5)
    arm = IntegerArm(config, quantized.ints, quantized.exponents)
    fast = [arm.tables(grids[g], grids[g + 1], g, p) for g in range(3) for p in range(PASSES)]
    with kernels.reference_only():
        reference = [
            arm.tables(grids[g], grids[g + 1], g, p) for g in range(3) for p in range(PASSES)
        ]
    for (index, mean), (ref_index, ref_mean) in zip(fast, reference, strict=True):
        np.testing.assert_array_equal(index, ref_index)
        np.testing.assert_array_equal(mean, ref_mean)
    assert len({int(i) for index, _ in fast for i in index}) > 20
    assert len({int(m) for _, mean in fast for m in mean}) > 10


@needs_kernels
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_kernels_equal_the_reference_on_worst_case_parameters(sign, instruction_set):
    config = OverfitConfig()
    ints, exponents = {}, {}
    for spec in parameter_specs(config):
        limit = BIAS_INT_LIMIT if spec.is_bias else WEIGHT_LIMIT
        ints[spec.name] = torch.full(spec.shape, sign * limit)
        exponents[spec.name] = 0 if spec.is_bias else 7
    quantized = QuantizedParams(ints, exponents)
    grids = [torch.full(s, 255.0 * sign) for s in grid_shapes(64, 64, config.grids)]
    decoder = IntegerDecoder(config, quantized)
    arm = IntegerArm(config, quantized.ints, quantized.exponents)
    fast = decoder.synthesize(grids), arm.tables(grids[0], grids[1], 0, 3)
    with kernels.reference_only():
        reference = decoder.synthesize(grids), arm.tables(grids[0], grids[1], 0, 3)
    assert torch.equal(fast[0], reference[0])
    np.testing.assert_array_equal(fast[1][0], reference[1][0])
    np.testing.assert_array_equal(fast[1][1], reference[1][1])


@needs_kernels
def test_shipped_fixture_decodes_the_same_with_and_without_kernels(instruction_set):
    data = FIXTURE.read_bytes()
    fast = api.decode(data).rgb
    with kernels.reference_only():
        reference = api.decode(data).rgb
    np.testing.assert_array_equal(fast, reference)


@needs_kernels
def test_kernels_refuse_buffers_of_the_wrong_size():
    from ncodec.models.overfit import _kernels

    x = np.zeros((3, 4, 4), np.float32)
    weight, bias = np.zeros((3, 3, 3, 3), np.float32), np.zeros(3, np.float32)
    with pytest.raises(ValueError, match="out"):
        _kernels.conv3x3(x, 3, 4, 4, weight, bias, 0, -1.0, 1.0, True, np.zeros(5, np.float32))
    with pytest.raises(ValueError, match="x"):
        _kernels.upsample2x(x, 3, 4, 5, (1.0, 0.0, 0.0, 0.0), 0, 9.0, np.zeros(240, np.float32))
    with pytest.raises(ValueError, match="chain"):
        layers = [(np.zeros((4, 3), np.float32), np.zeros(4, np.float32), 0, 0.0, 1.0)] * 2
        _kernels.synthesis_pointwise(np.zeros((3, 16), np.float32), 16, layers, x)
    grid, vector, square = np.zeros((4, 4), np.float32), np.zeros(2, np.float32), np.zeros((2, 2))
    first, out, rounding = np.zeros((10, 2), np.float32), np.zeros(4, np.int32), (3, 3, 3, 8, 0, 9)
    with pytest.raises(ValueError, match="offsets"):
        _kernels.arm_pass(
            grid, 4, 4, 0, 0, None, [2, 0], first, vector, 0, square.astype(np.float32), vector,
            0, square.astype(np.float32), vector, 9.0, rounding, out, out.copy(),
        )  # fmt: skip


@needs_kernels
def test_version_line_says_which_decoder_runs(instruction_set):
    assert kernels.describe() == f"compiled ({instruction_set})"
    with kernels.reference_only():
        assert kernels.describe().startswith("built, switched off")


@needs_kernels
def test_pixel_conversion_equals_to_pixels_on_every_value(instruction_set):
    """Every RGB-format integer (ties of x * 255 included) rounds as `to_pixels` rounds."""
    from ncodec.models.image_codec import to_pixels
    from ncodec.models.overfit import _kernels
    from ncodec.models.overfit.fixed_point import RGB

    values = np.arange(-RGB.limit, RGB.limit + 1, dtype=np.float32)  # 4095 values
    x = np.stack([values, values[::-1], np.roll(values, 7)]).reshape(3, 63, 65)
    out = np.empty((60, 64, 3), np.uint8)
    _kernels.rgb8(x, 63, 65, 2.0**-RGB.frac, 60, 64, out)
    reference = to_pixels(torch.from_numpy(x)[None] * 2.0**-RGB.frac, 60, 64)
    np.testing.assert_array_equal(out, reference)
    assert len(np.unique(out)) == 256
