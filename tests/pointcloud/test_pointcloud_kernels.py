"""The compiled context kernels (`ncodec.pointcloud._kernels`) compute exactly what the numpy
path computes: first-layer rows, hidden activations and coder weights, and therefore the same
streams and points, with either instruction set; bad arguments raise ValueError."""

from __future__ import annotations

import numpy as np
import pytest
from clouds import lidar_like
from test_pointcloud_first_layer import assert_same_as_matmul, levels_of

from ncodec import api
from ncodec.pointcloud import codec, geometry  # noqa: F401  (codec registers lidar-octree)
from ncodec.pointcloud.kernels import KERNELS
from ncodec.pointcloud.learned import WEIGHT_BITS as WEIGHT_BITS_FOR_TESTS
from ncodec.pointcloud.quantize import quantize

pytestmark = pytest.mark.skipif(KERNELS.compiled() is None, reason="compiled kernels not in use")


def instruction_sets() -> list[str]:
    """The instruction sets this CPU can run."""
    module = KERNELS.compiled()
    if module is None:
        return ["baseline"]
    sets = ["baseline"]
    current = module.instruction_set()
    try:
        module.set_instruction_set("avx2")
        sets.append("avx2")
    except ValueError:
        pass
    module.set_instruction_set(current)
    return sets


@pytest.fixture(params=instruction_sets())
def instruction_set(request):
    module = KERNELS.compiled()
    previous = module.instruction_set()
    module.set_instruction_set(request.param)
    yield request.param
    module.set_instruction_set(previous)


def network():
    return api.load_model("lidar-octree").network


def test_first_layer_kernel_equals_matmul(instruction_set):
    xyz = lidar_like(2500, seed=5)
    step_mm = 12.0
    origin = xyz.min(axis=0).astype(np.float64)
    sensor = geometry.sensor_cell(origin, step_mm)
    levels = levels_of(quantize(xyz, origin, step_mm), step_mm, sensor)
    assert KERNELS.compiled() is not None
    assert assert_same_as_matmul(network().layers[0], levels) > 2500


def test_split_and_several_weights_equal_numpy(instruction_set):
    net = network()
    rng = np.random.default_rng(7)
    # First-layer outputs over the whole exact range, including fractions of the layer's grid.
    pre = rng.integers(-3000, 3000, (4000, net.hidden)).astype(np.float32) / 8
    pre[::7] = rng.integers(-(1 << 20), 1 << 20, (len(pre[::7]), net.hidden)) / 4
    weights, hidden = net.split_coder_weights(pre.copy(), WEIGHT_BITS_FOR_TESTS, True)
    several = net.several_coder_weights(hidden, WEIGHT_BITS_FOR_TESTS)
    with KERNELS.reference_only():
        expected_weights, expected_hidden = net.split_coder_weights(
            pre.copy(), WEIGHT_BITS_FOR_TESTS, True
        )
        expected_several = net.several_coder_weights(expected_hidden, WEIGHT_BITS_FOR_TESTS)
    assert np.array_equal(hidden, expected_hidden)
    assert np.array_equal(weights, expected_weights)
    assert np.array_equal(several, expected_several)
    assert len(np.unique(weights.argmax(axis=1))) > 1  # not a degenerate comparison


def split_outputs(pre, body, head, last, net):
    """The split kernel's hidden activations and coder weights for these layers."""
    hidden = np.zeros((len(pre), body[-1][0].shape[1]), dtype=np.float32)
    weights = np.zeros((len(pre), last[0][0].shape[1]))
    KERNELS.compiled().split_weights(
        pre, pre.shape[1], body, head, last, net.exp, WEIGHT_BITS_FOR_TESTS, hidden, weights
    )
    return hidden, weights


def test_split_kernel_layers_with_and_without_a_16_bit_form():
    """AVX2 runs hidden layers in 16-bit integers where their weights allow it (integers times
    a power of two, below 2**15) and in float32 where not: both instruction sets agree either
    way, on the shipped layers and on exact layers that have no 16-bit form."""
    module = KERNELS.compiled()
    if "avx2" not in instruction_sets():
        pytest.skip("no AVX2 here")
    net = network()
    rng = np.random.default_rng(3)
    pre = (rng.integers(-2000, 2000, (500, net.hidden)) / 4).astype(np.float32)
    body, head, last = net.layers[1:-1], net.split[:-1], net.split[-1:]
    # Exact in float32 but without a 16-bit form: an integer of 33000 in each column.
    weight_int = rng.integers(-40, 40, (net.hidden, net.hidden))
    weight_int[rng.integers(0, net.hidden, net.hidden), np.arange(net.hidden)] = 33000
    scale = np.float32(2.0**-8)
    wide = [(weight_int.astype(np.float32) * scale, np.full(net.hidden, 64, np.float32))]
    for layers in (body, wide):
        outputs = {}
        for name in instruction_sets():
            previous = module.set_instruction_set(name)
            outputs[name] = split_outputs(pre, layers, head, last, net)
            module.set_instruction_set(previous)
        hidden, weights = outputs["avx2"]
        assert np.array_equal(hidden, outputs["baseline"][0])
        assert np.array_equal(weights, outputs["baseline"][1])
        assert len(np.unique(hidden)) > 10  # activations vary: a real comparison


@pytest.mark.parametrize("step_mm", [8.0, 30.0])
def test_same_stream_and_points_with_and_without_kernels(step_mm):
    xyz = lidar_like(3000, seed=9)
    data = api.compress(xyz, "lidar-octree", options={"step_mm": step_mm})
    points = api.decode(data).data
    with KERNELS.reference_only():
        assert api.compress(xyz, "lidar-octree", options={"step_mm": step_mm}) == data
        assert np.array_equal(api.decode(data).data, points)


def test_kernels_reject_bad_arguments():
    module = KERNELS.compiled()
    net = network()
    hidden = np.zeros((3, net.hidden), dtype=np.float32)
    weights = np.zeros((2, 247))  # wrong row count
    with pytest.raises(ValueError):
        module.wide_weights(hidden, [net.several], net.exp, 4, weights)
    with pytest.raises(ValueError):
        module.wide_weights(hidden, [net.several], net.exp[:10], 4, np.zeros((3, 247)))
    bad_exp = net.exp.copy()
    bad_exp[0] = 5.5
    with pytest.raises(ValueError):
        module.wide_weights(hidden, [net.several], bad_exp, 4, np.zeros((3, 247)))
    with pytest.raises(ValueError):
        module.set_instruction_set("sse9")


def test_wide_weights_of_non_finite_inputs_stay_in_bounds():
    """NaN or infinite activations (never produced by a file, but the kernel is callable) read
    only inside the exp table, give the same weights on both instruction sets, each row summing
    to the coder's total."""
    module = KERNELS.compiled()
    net = network()
    hidden = np.random.default_rng(4).integers(0, 256, (64, net.hidden)).astype(np.float32)
    hidden[::4, 3] = np.nan
    hidden[1::4, 5] = np.inf
    hidden[2::4, 7] = -np.inf
    results = []
    for name in instruction_sets():
        previous = module.set_instruction_set(name)
        out = np.zeros((len(hidden), 247))
        module.wide_weights(hidden, [net.several], net.exp, WEIGHT_BITS_FOR_TESTS, out)
        module.set_instruction_set(previous)
        results.append(out)
    for out in results:
        assert np.all(np.isfinite(out)) and np.all(out > 0)
        assert np.array_equal(out, results[0])
    scale = 2.0**WEIGHT_BITS_FOR_TESTS
    counts = (results[0] + 1) / scale  # weight = count 2**b - 1
    assert np.array_equal(counts.sum(axis=1), np.full(len(hidden), 2.0**20))


def test_first_layer_kernel_rejects_out_of_range_indexes():
    xyz = lidar_like(800, seed=2)
    origin = xyz.min(axis=0).astype(np.float64)
    levels = levels_of(quantize(xyz, origin, 20.0), 20.0, geometry.sensor_cell(origin, 20.0))
    from ncodec.pointcloud.first_layer import first_layer

    layer = first_layer(network())
    level = levels[-1]
    level.groups[1] = level.groups[1].copy()
    level.groups[1][0] = len(level.coords) + 5  # a node that does not exist
    with pytest.raises(ValueError, match="out of range"):
        layer.preactivation(level, 1)
    level.neighbours[:] = len(level.coords) + 1  # neighbours past the level
    with pytest.raises(ValueError, match="out of range"):
        layer.preactivation(level, 2)


def test_describe_names_the_state():
    assert KERNELS.describe().startswith("compiled")
    with KERNELS.reference_only():
        assert KERNELS.compiled() is None
        assert KERNELS.describe().startswith("built, switched off")
