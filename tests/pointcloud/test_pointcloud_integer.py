"""The fixed-point occupancy network is exact: the same integer tables however it is computed,
and the same bytes with 1 or 2 threads."""

from __future__ import annotations

import os
import subprocess
import sys

import constriction
import numpy as np
import torch

from ncodec.coding.coder_models import categorical_model
from ncodec.models.registry import build_model, export_arrays
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.pointcloud.context import FEATURE_MAX, FEATURES
from ncodec.pointcloud.integer_mlp import (
    ACTIVATION_LEVELS,
    PRECISION,
    IntegerMLP,
    counts_from_gaps,
)
from ncodec.pointcloud.learned import CATEGORICAL, WEIGHT_BITS


def network(seed: int = 0, hidden: int = 16) -> tuple[torch.nn.Module, IntegerMLP]:
    torch.manual_seed(seed)
    model = build_model("lidar-octree", {"hidden": hidden, "layers": 2})
    with torch.no_grad():
        model.linears[-1].weight.mul_(8.0)  # peaky tables, as a trained model has
    return model, IntegerMLP(export_arrays(model), FEATURE_MAX)


def random_features(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, FEATURE_MAX + 1, (count, FEATURES)).astype(np.int16)


def reference_gaps(arrays: dict[str, np.ndarray], features: np.ndarray) -> np.ndarray:
    """The exported network in plain int64 arithmetic (no float anywhere)."""
    x = features.astype(np.int64)
    layers = sum(name.endswith(".weight") for name in arrays)
    for k in range(layers):
        weight, bias, shift = (arrays[f"layer{k}.{part}"] for part in ("weight", "bias", "shift"))
        x = (x @ weight.T.astype(np.int64) + bias.astype(np.int64)) >> int(shift[0])
        if k < layers - 1:
            x = np.clip(x, 0, ACTIVATION_LEVELS)
    return np.minimum(x.max(axis=1, keepdims=True) - x, 255)


def test_float32_inference_equals_integer_arithmetic():
    model, mlp = network()
    features = random_features(3000)
    assert np.array_equal(mlp.gaps(features)[0], reference_gaps(export_arrays(model), features))


def test_float_model_matches_the_integer_one():
    model, mlp = network(hidden=32)
    features = random_features(2000, seed=3)
    with torch.no_grad():
        logits = model(torch.from_numpy(features.astype(np.float32))).numpy() * 16
    gaps = np.minimum(logits.max(axis=1, keepdims=True) - logits, 255)
    assert np.mean(np.abs(gaps - mlp.gaps(features)[0]) <= 1) > 0.99


def test_perturbed_float_weights_give_nearly_the_same_tables():
    """Weights that differ by about one float32 ulp export to integer arrays that differ by at
    most 1 in a few entries (those at a rounding boundary), so nearly every row's table is the
    same: the export rounds, it does not amplify small differences."""
    model, mlp = network(seed=1)
    twin, _ = network(seed=1)
    with torch.no_grad():
        for p in twin.parameters():
            p.mul_(1 + 1e-7)
    arrays, other_arrays = export_arrays(model), export_arrays(twin)
    changed = [np.abs(arrays[k].astype(np.int64) - other_arrays[k]) for k in arrays]
    assert max(int(c.max()) for c in changed) <= 1
    assert sum(int(np.count_nonzero(c)) for c in changed) <= 5
    features = random_features(1000, seed=1)
    other = IntegerMLP(other_arrays, FEATURE_MAX)
    same = np.all(mlp.counts(features) == other.counts(features), axis=1)
    assert same.mean() >= 0.99


def test_counts_are_valid_and_exact():
    _, mlp = network()
    counts = mlp.counts(random_features(500))
    assert counts.min() >= 1 and np.all(counts.sum(axis=1) == 1 << PRECISION)
    gaps = np.random.default_rng(0).integers(1, 256, (200, 255))
    gaps[:, 7] = 0
    exact = counts_from_gaps(gaps, np.full(200, 7), mlp.exp)
    weights = mlp.exp[gaps].astype(np.int64)
    ratio = (((1 << PRECISION) - 255) << 32) // weights.sum(axis=1)
    integer = 1 + ((weights * ratio[:, None]) >> 32)
    integer[:, 7] += (1 << PRECISION) - integer.sum(axis=1)
    assert np.array_equal(exact, integer)


def test_batched_rows_code_exactly_the_integer_counts():
    """One vectorized coder call equals coding each symbol under its exact integer table."""
    _, mlp = network()
    features = random_features(300, seed=2)
    counts = mlp.counts(features)
    symbols = np.random.default_rng(2).integers(0, 255, 300).astype(np.int32)
    batched = constriction.stream.stack.AnsCoder()
    batched.encode_reverse(symbols, CATEGORICAL, mlp.coder_weights(features, WEIGHT_BITS))
    single = constriction.stream.stack.AnsCoder()
    for i in reversed(range(300)):
        cdf = np.concatenate([[0], np.cumsum(counts[i])])
        single.encode_reverse(symbols[i : i + 1], categorical_model(cdf, PRECISION))
    assert np.array_equal(batched.get_compressed(), single.get_compressed())


SCRIPT = """
import hashlib, sys
import numpy as np
sys.path.insert(0, {tests!r})
from clouds import lidar_like
from ncodec.pointcloud import geometry, octree
from ncodec.pointcloud.context import FEATURE_MAX
from ncodec.pointcloud.integer_mlp import IntegerMLP
from ncodec.pointcloud.learned import LearnedContexts
from ncodec.pointcloud.quantize import depth_for, quantize
arrays = dict(np.load({arrays!r}))
xyz = lidar_like(3000)
origin = xyz.min(axis=0).astype(np.float64)
cells = quantize(xyz, origin, 5.0)
tree, _ = octree.build(cells, depth_for(cells))
contexts = LearnedContexts(IntegerMLP(arrays, FEATURE_MAX))
data = geometry.encode(tree, 5.0, geometry.sensor_cell(origin, 5.0), contexts)
print(hashlib.sha256(data).hexdigest())
"""


def test_one_and_two_threads_write_the_same_bytes(tmp_path):
    """A fresh process per thread count (BLAS reads its thread count at start-up)."""
    model, _ = network(hidden=32)
    np.savez(tmp_path / "arrays.npz", **export_arrays(model))
    script = SCRIPT.format(tests=os.path.dirname(__file__), arrays=str(tmp_path / "arrays.npz"))
    digests = []
    for threads in ("1", "2"):
        env = {**os.environ}
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = threads
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        digests.append(out.stdout.strip())
    assert digests[0] == digests[1] and len(digests[0]) == 64
