"""The 5x5x5 context features (`ncodec.pointcloud.far`) against a brute-force search over cell
coordinates: shell existence, known next-level cells by layer, the parent's shell."""

from __future__ import annotations

import numpy as np

from ncodec.pointcloud import geometry, octree
from ncodec.pointcloud.context import GROUPS, NEAR_FEATURES
from ncodec.pointcloud.far import COUNT_MAX, OFFSETS5, SHELL
from ncodec.pointcloud.octree import CHILD_OFFSETS


def brute_force(coords, occupancy, parents, group, index):
    """Expected far features of the group-`group` nodes `index` of one level."""
    cells = {tuple(c): i for i, c in enumerate(coords.tolist())}
    parent_cells = {tuple(c) for c in parents.tolist()}
    known = (
        np.array(
            [
                2 * coords[i] + CHILD_OFFSETS[c]
                for i in range(len(coords))
                if (coords[i] & 1) @ [1, 2, 4] < group
                for c in range(8)
                if occupancy[i] >> c & 1
            ]
        )
        .reshape(-1, 3)
        .astype(np.int64)
    )
    out = np.zeros((len(index), 220), dtype=np.int64)
    for row, i in enumerate(index):
        node = coords[i]
        for j, offset in enumerate(OFFSETS5[SHELL]):
            out[row, j] = tuple(node + offset) in cells
            out[row, 122 + j] = tuple((node >> 1) + offset) in parent_cells
        block = known[np.all(np.abs((known >> 1) - node) <= 2, axis=1)]
        for c in range(8):
            delta = block - (2 * node + CHILD_OFFSETS[c])
            for dz in np.abs(delta[np.abs(delta).max(axis=1) >= 2, 2]):
                out[row, 98 + 3 * c + min(int(dz), 2)] += 1
    out[:, 98:122] = np.minimum(out[:, 98:122], COUNT_MAX)
    return out


def test_far_features_match_brute_force():
    rng = np.random.default_rng(5)
    # Clustered cells, so that 5x5x5 blocks hold several occupied cells at every level.
    centres = rng.integers(4, 60, (12, 3))
    cells = centres[rng.integers(0, 12, 700)] + rng.integers(-4, 5, (700, 3))
    tree, _ = octree.build(cells, 6)
    parents = np.zeros((0, 3), dtype=np.int64)
    checked = 0
    for level in geometry.walk(tree.depth, 10.0, np.zeros(3, dtype=np.int64), tree.occupancy):
        for g in range(GROUPS):
            index, features = level.features(g)
            if not len(index):
                continue
            expected = brute_force(level.coords, level.occupancy, parents, g, index)
            assert np.array_equal(features[:, NEAR_FEATURES:], expected)
            checked += int(np.count_nonzero(expected[:, 98:122]))
        parents = level.coords
    assert checked > 100  # the counts were exercised, not only zeros
