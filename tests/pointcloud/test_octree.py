"""Octree build/inverse exactness, Morton codes and the level-to-level neighbour tables."""

from __future__ import annotations

import numpy as np

from ncodec.pointcloud import morton, octree
from ncodec.pointcloud.neighbours import OFFSETS, child_neighbours, root_neighbours


def random_cells(count: int = 3000, depth: int = 9, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2**depth, (count, 3))


def test_morton_round_trip():
    cells = np.array([[0, 0, 0], [2**21 - 1, 5, 2**20], [1, 2, 3]])
    assert np.array_equal(morton.decode(morton.encode(cells)), cells)


def test_build_and_inverse_are_exact_and_drop_duplicates():
    cells = random_cells()
    cells = np.concatenate([cells, cells[:100]])
    tree, leaves = octree.build(cells, 9)
    unique = np.unique(cells, axis=0)
    assert len(leaves) == len(unique)
    assert np.array_equal(np.unique(leaves, axis=0), unique)
    assert np.array_equal(octree.leaves_of(tree), leaves)
    assert len(tree.occupancy[0]) == 1 and all(level.min() > 0 for level in tree.occupancy)


def test_single_point():
    tree, leaves = octree.build(np.zeros((5, 3), dtype=np.int64), 1)
    assert tree.occupancy[0].tolist() == [1] and leaves.tolist() == [[0, 0, 0]]


def test_neighbour_tables_match_brute_force():
    tree, _ = octree.build(random_cells(800, 6, seed=1), 6)
    coords = np.zeros((1, 3), dtype=np.int64)
    table = root_neighbours()
    for level in tree.occupancy[:-1]:
        coords, parent, child = octree.expand(coords, level)
        table = child_neighbours(table, level, parent, child)
        where = {tuple(c): i for i, c in enumerate(coords.tolist())}
        expected = [[where.get(tuple(c + o), -1) for o in OFFSETS] for c in coords]
        assert np.array_equal(table, np.array(expected))
