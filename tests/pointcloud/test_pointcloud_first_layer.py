"""The first layer from tables (`ncodec.pointcloud.first_layer`) gives exactly the float32
values of the matmul on the 316 features, for every group of every level, with the shipped
weights and with random integer weights (every table row nonzero)."""

from __future__ import annotations

import numpy as np
from clouds import lidar_like

from ncodec import api
from ncodec.pointcloud import (
    codec,  # noqa: F401  (registers lidar-octree)
    geometry,
    octree,
)
from ncodec.pointcloud.context import FEATURES, GROUPS
from ncodec.pointcloud.first_layer import FirstLayer
from ncodec.pointcloud.quantize import depth_for, quantize


def levels_of(cells: np.ndarray, step_mm: float, sensor: np.ndarray) -> list:
    tree, _ = octree.build(cells, depth_for(cells))
    return list(geometry.walk(tree.depth, step_mm, sensor, tree.occupancy))


def assert_same_as_matmul(layer: tuple[np.ndarray, np.ndarray], levels: list) -> int:
    """Compare on every group; returns how many rows were compared."""
    table = FirstLayer(*layer)
    weight_t, bias = layer
    rows = 0
    for level in levels:
        for g in range(GROUPS):
            index, features = level.features(g)
            expected = features @ weight_t
            expected += bias
            got_index, got = table.preactivation(level, g)
            assert np.array_equal(got_index, index)
            assert got.dtype == np.float32 and np.array_equal(got, expected)
            rows += len(index)
    return rows


def test_shipped_first_layer_from_tables():
    network = api.load_model("lidar-octree").network
    xyz = lidar_like(3000, seed=3)
    step_mm = 15.0
    origin = xyz.min(axis=0).astype(np.float64)
    cells = quantize(xyz, origin, step_mm)
    levels = levels_of(cells, step_mm, geometry.sensor_cell(origin, step_mm))
    assert assert_same_as_matmul(network.layers[0], levels) > 3000


def test_random_first_layer_from_tables():
    rng = np.random.default_rng(11)
    # Integers times 2**-3, |sums| far below 2**24 * 2**-3: exact like an exported layer.
    weight_t = (rng.integers(-2000, 2001, (FEATURES, 16)) / 8).astype(np.float32)
    bias = (rng.integers(-5000, 5001, 16) / 8).astype(np.float32)
    centres = rng.integers(4, 60, (12, 3))
    cells = centres[rng.integers(0, 12, 900)] + rng.integers(-4, 5, (900, 3))
    levels = levels_of(cells, 10.0, np.array([30, 20, 10]))
    assert assert_same_as_matmul((weight_t, bias), levels) > 900
    # The test can fail: a changed weight changes the matmul, not the old table.
    changed = weight_t.copy()
    changed[100] += 1
    table = FirstLayer(weight_t, bias)
    level = levels[-1]
    _, features = level.features(3)
    assert not np.array_equal(table.preactivation(level, 3)[1], features @ changed + bias)
