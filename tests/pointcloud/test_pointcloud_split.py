"""Coding 3 (a 9-way split-head symbol, then a 247-way one for several children): exact
integer tables, round trips through the API, coding-1 files still decode, coding-2 files (the
third release's) are refused with a one-line error, bad headers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from clouds import lidar_like

from ncodec import api
from ncodec.errors import FormatError
from ncodec.format import NczHeader, read_ncz, write_ncz
from ncodec.models.registry import build_model, export_arrays
from ncodec.pointcloud import geometry, octree
from ncodec.pointcloud.codec import FrozenLidarCodec
from ncodec.pointcloud.context import FEATURE_MAX, FEATURES
from ncodec.pointcloud.integer_mlp import (
    PRECISION,
    SEVERAL,
    SINGLES,
    IntegerMLP,
    counts_from_gaps,
)
from ncodec.pointcloud.learned import WEIGHT_BITS
from ncodec.pointcloud.model import OccupancyNetwork
from ncodec.pointcloud.quantize import depth_for, quantize
from ncodec.pointcloud.training import widen_split_head
from ncodec.zoo import ENV_PATH, save_model

SPLIT = {"hidden": 8, "layers": 1, "split_head": True}


def split_network(seed: int = 0, split_hidden: int = 0) -> tuple[torch.nn.Module, IntegerMLP]:
    torch.manual_seed(seed)
    config = {"hidden": 16, "layers": 2, "split_head": True, "split_hidden": split_hidden}
    model = build_model("lidar-octree", config)
    with torch.no_grad():
        model.linears[-1].weight.mul_(8.0)
        model.split_layers[-1].weight.mul_(8.0)
    return model, IntegerMLP(export_arrays(model), FEATURE_MAX)


@pytest.fixture
def split_lidar(tmp_path, monkeypatch) -> str:
    torch.manual_seed(1)
    save_model(
        tmp_path / "split.safetensors", build_model("lidar-octree", SPLIT), "lidar-octree", SPLIT
    )
    monkeypatch.setenv(ENV_PATH, str(tmp_path))
    return "split"


def test_counts_of_nine_symbols_are_exact_and_valid():
    rng = np.random.default_rng(0)
    gaps = rng.integers(0, 256, (300, 9))
    top = rng.integers(0, 9, 300)
    gaps[np.arange(300), top] = 0
    exp = np.rint(65536 * np.exp(-np.arange(256) / 16))
    counts = counts_from_gaps(gaps, top, exp)
    weights = exp[gaps].astype(np.int64).astype(object)
    ratio = (((1 << PRECISION) - 9) << 32) // weights.sum(axis=1)
    exact = 1 + (weights * ratio[:, None]) // (1 << 32)
    exact[np.arange(300), top] += (1 << PRECISION) - exact.sum(axis=1)
    assert np.array_equal(counts, exact.astype(np.float64))
    assert counts.min() >= 1 and np.all(counts.sum(axis=1) == 1 << PRECISION)


@pytest.mark.parametrize("split_hidden", [0, 12])
def test_split_head_integer_model_matches_the_float_one(split_hidden):
    model, mlp = split_network(split_hidden=split_hidden)
    features = np.random.default_rng(3).integers(0, FEATURE_MAX + 1, (2000, FEATURES))
    with torch.no_grad():
        x = torch.from_numpy(features.astype(np.float32))
        logits = model.split_logits(model.hidden_levels(x)).numpy() * 16
    float_gaps = np.minimum(logits.max(axis=1, keepdims=True) - logits, 255)
    weights, hidden = mlp.split_coder_weights(features.astype(np.float32), WEIGHT_BITS)
    head = mlp.hidden_levels(hidden, mlp.split[:-1])
    gaps = mlp.gaps(None, mlp.split[-1], head)[0]
    assert np.mean(np.abs(gaps - float_gaps) <= 1) > 0.99
    counts = (weights + 1) / (1 << WEIGHT_BITS)
    assert counts.shape == (2000, len(SINGLES) + 1) and counts.min() >= 1
    assert np.all(counts.sum(axis=1) == 1 << PRECISION)
    several = (mlp.several_coder_weights(hidden[:100], WEIGHT_BITS) + 1) / (1 << WEIGHT_BITS)
    assert several.shape == (100, len(SEVERAL)) and np.all(several.sum(axis=1) == 1 << PRECISION)


def test_split_round_trip_and_header(split_lidar):
    xyz = lidar_like(1500)
    data = api.compress(xyz, split_lidar, options={"step_mm": 20.0})
    header = read_ncz(data)[0]
    assert header.extra["coding"] == 3
    origin = xyz.min(axis=0).astype(np.float64)
    cells = np.unique(quantize(xyz, origin, 20.0), axis=0)
    decoded = api.decode(data).data
    assert len(decoded) == len(cells)


@pytest.mark.parametrize("split_hidden", [0, 12])
def test_coding_1_and_3_round_trip_with_a_split_model(split_hidden):
    _, mlp = split_network(split_hidden=split_hidden)
    codec = FrozenLidarCodec(mlp)
    xyz = lidar_like(1200, seed=2)
    origin = xyz.min(axis=0).astype(np.float64)
    cells = quantize(xyz, origin, 10.0)
    depth = depth_for(cells)
    tree, leaves = octree.build(cells, depth)
    sensor = geometry.sensor_cell(origin, 10.0)
    for coding in (1, 3):
        data = geometry.encode(tree, 10.0, sensor, codec._contexts("learned", coding))
        decoded = geometry.decode(data, depth, 10.0, sensor, codec._contexts("learned", coding))
        assert np.array_equal(decoded, leaves)


@pytest.mark.parametrize("coding", [2, 4, "3", True])
def test_bad_coding_in_header(split_lidar, coding):
    data = api.compress(lidar_like(300), split_lidar, options={"step_mm": 20.0})
    header, streams = read_ncz(data)
    extra = {**header.extra, "coding": coding}
    bad = NczHeader(header.model, header.weights_hash, header.payload, extra=extra)
    with pytest.raises(FormatError, match="coding"):
        api.decode(write_ncz(bad, streams))


def test_coding_3_needs_a_split_head(tiny_lidar):
    data = api.compress(lidar_like(300), tiny_lidar, options={"step_mm": 20.0})
    header, streams = read_ncz(data)
    assert "coding" not in header.extra  # a model without the head writes coding 1
    extra = {**header.extra, "coding": 3}
    bad = NczHeader(header.model, header.weights_hash, header.payload, extra=extra)
    with pytest.raises(FormatError, match="split head"):
        api.decode(write_ncz(bad, streams))


def test_widening_the_split_head_keeps_its_logits():
    """A head with an identity hidden layer starts exactly where the one-layer head was."""
    torch.manual_seed(4)
    narrow = OccupancyNetwork(16, 2, split_head=True)
    wide = OccupancyNetwork(16, 2, split_head=True, split_hidden=16)
    widen_split_head(wide, narrow.state_dict())
    x = torch.from_numpy(
        np.random.default_rng(5).integers(0, FEATURE_MAX + 1, (500, FEATURES)).astype(np.float32)
    )
    with torch.no_grad():
        before = narrow.split_logits(narrow.hidden_levels(x))
        after = wide.split_logits(wide.hidden_levels(x))
    assert torch.equal(before, after)
