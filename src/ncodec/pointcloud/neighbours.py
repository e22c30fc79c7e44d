"""The 26 same-level neighbours of every octree node, found from the level above (no search).

A node's neighbour at offset o is child c' of either its parent or one of the parent's 26
neighbours; which one, and which c', depends only on (the node's child position, o). Given the
parent level's neighbour table and occupancy bytes, the whole level's table is a few gathers.
"""

from __future__ import annotations

import numpy as np

#: (26, 3) neighbour offsets in {-1, 0, 1}^3 without (0, 0, 0), lexicographic.
OFFSETS = np.array(
    [
        (x, y, z)
        for x in (-1, 0, 1)
        for y in (-1, 0, 1)
        for z in (-1, 0, 1)
        if (x, y, z) != (0, 0, 0)
    ],
    dtype=np.int64,
)
SELF = 26
"""Column of the node itself in a table extended by one column (for 'the parent itself')."""


def _slots() -> tuple[np.ndarray, np.ndarray]:
    """For child position c and offset o: the parent's column (0..25, SELF) and the child c'."""
    index = {tuple(o): i for i, o in enumerate(OFFSETS.tolist())}
    parent_slot = np.zeros((8, 26), dtype=np.int64)
    child_slot = np.zeros((8, 26), dtype=np.int64)
    for c in range(8):
        bits = np.array([c & 1, (c >> 1) & 1, (c >> 2) & 1])
        for k, offset in enumerate(OFFSETS):
            target = bits + offset
            up = tuple((target >> 1).tolist())
            parent_slot[c, k] = SELF if up == (0, 0, 0) else index[up]
            low = target & 1
            child_slot[c, k] = low[0] | (low[1] << 1) | (low[2] << 2)
    return parent_slot, child_slot


PARENT_SLOT, CHILD_SLOT = _slots()
#: RANK[byte, c]: how many children before c are occupied (the child's index among siblings).
RANK = np.array(
    [[bin(b & ((1 << c) - 1)).count("1") for c in range(8)] for b in range(256)], dtype=np.int64
)
POPCOUNT = np.array([bin(b).count("1") for b in range(256)], dtype=np.int64)


def root_neighbours() -> np.ndarray:
    """The root has no neighbours."""
    return np.full((1, 26), -1, dtype=np.int32)


def child_neighbours(
    neighbours: np.ndarray, occupancy: np.ndarray, parent: np.ndarray, child: np.ndarray
) -> np.ndarray:
    """Neighbour table (M, 26) of the next level (-1: empty cell) from this level's table (N, 26),
    its occupancy bytes (N,) and each child's parent index and position (M,)."""
    count = len(occupancy)
    table = np.concatenate([neighbours, np.arange(count, dtype=np.int32)[:, None]], axis=1)
    sizes = POPCOUNT[occupancy]
    first_child = np.cumsum(sizes) - sizes
    owner = table[parent[:, None], PARENT_SLOT[child]]
    valid = owner >= 0
    owner = np.where(valid, owner, 0)
    owner_bytes = occupancy[owner].astype(np.int64)
    slot = CHILD_SLOT[child]
    present = valid & (((owner_bytes >> slot) & 1) == 1)
    index = first_child[owner] + RANK[owner_bytes, slot]
    return np.where(present, index, -1).astype(np.int32)
