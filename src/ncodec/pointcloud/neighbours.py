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
_EMPTY = 256
"""Stand-in byte of a cell whose owner does not exist (row of -1 in `_CHILD_ROW`)."""
#: _CHILD_ROW[byte * 8 + c]: child c's rank among its siblings, -1 if absent (byte 256: none).
_CHILD_ROW = (
    np.concatenate(
        [
            np.where((np.arange(256)[:, None] >> np.arange(8)) & 1 == 1, RANK, -1),
            np.full((1, 8), -1),
        ]
    )
    .astype(np.int32)
    .ravel()
)
_PARENT_SLOT32 = PARENT_SLOT.astype(np.int32)
_CHILD_SLOT32 = CHILD_SLOT.astype(np.int32)


def root_neighbours() -> np.ndarray:
    """The root has no neighbours."""
    return np.full((1, 26), -1, dtype=np.int32)


def child_neighbours(
    neighbours: np.ndarray, occupancy: np.ndarray, parent: np.ndarray, child: np.ndarray
) -> np.ndarray:
    """Neighbour table (M, 26) of the next level (-1: empty cell) from this level's table (N, 26),
    its occupancy bytes (N,) and each child's parent index and position (M,).

    Flat int32 gathers only: the owner of each neighbour cell (a parent-level node, or the
    stand-in row N for none), then its byte and the child's rank from one lookup table.
    """
    count = len(occupancy)
    table = np.empty((count, 27), dtype=np.int32)
    table[:, :26] = neighbours
    table[:, 26] = np.arange(count, dtype=np.int32)
    sizes = POPCOUNT[occupancy]
    first_child = np.zeros(count + 1, dtype=np.int32)
    first_child[:count] = np.cumsum(sizes) - sizes
    bytes_ = np.empty(count + 1, dtype=np.int32)
    bytes_[:count] = occupancy
    bytes_[count] = _EMPTY
    owner = table.ravel().take((parent.astype(np.int32) * 27)[:, None] + _PARENT_SLOT32[child])
    owner[owner < 0] = count
    rank = _CHILD_ROW.take(bytes_.take(owner) * 8 + _CHILD_SLOT32[child])
    index = first_child.take(owner) + rank
    index[rank < 0] = -1
    return index
