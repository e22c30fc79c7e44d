"""The 26 same-level neighbours of every octree node, found from the level above (no search).

A node's neighbour at offset o is child c' of either its parent or one of the parent's 26
neighbours; which one, and which c', depends only on (the node's child position, o). Given the
parent level's neighbour table and occupancy bytes, the whole level's table is a few gathers.
"""

from __future__ import annotations

import numpy as np

from ncodec.pointcloud.kernels import KERNELS

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
_PARENT_SLOT32 = PARENT_SLOT.astype(np.int32)
_CHILD_SLOT32 = CHILD_SLOT.astype(np.int32)


def root_neighbours() -> np.ndarray:
    """The root has no neighbours."""
    return np.full((1, 26), -1, dtype=np.int32)


def child_slots(count: int, parent: np.ndarray, child: np.ndarray) -> np.ndarray:
    """(8 count + 8,) int32: at 8 p + c the index of child c of parent-level node p among the
    next level's nodes (listed as `parent`, `child`), -1 where absent; the last 8 are the
    "none" row, which the index -8 reaches."""
    slots = np.full(8 * count + 8, -1, dtype=np.int32)
    slots[parent.astype(np.int32) * 8 + child.astype(np.int32)] = np.arange(
        len(parent), dtype=np.int32
    )
    return slots


def child_neighbours(
    neighbours: np.ndarray,
    occupancy: np.ndarray,
    parent: np.ndarray,
    child: np.ndarray,
    slots: np.ndarray | None = None,
) -> np.ndarray:
    """Neighbour table (M, 26) of the next level (-1: empty cell) from this level's table (N, 26),
    its occupancy bytes (N,) and each child's parent index and position (M,), the children
    listed in order (`ncodec.pointcloud.octree.expand`).

    Flat int32 gathers only: the owner of each neighbour cell (a parent-level node, stored as
    8 x its index, or -8 for none), then the child from a table of every owner's 8 child slots
    (`child_slots`, computed here unless given).
    """
    count = len(occupancy)
    table = np.empty((count, 27), dtype=np.int32)
    np.multiply(neighbours, 8, out=table[:, :26])
    table[:, 26] = np.arange(0, 8 * count, 8, dtype=np.int32)
    if slots is None:
        slots = child_slots(count, parent, child)
    key = table.ravel().take((parent.astype(np.int32) * 27)[:, None] + _PARENT_SLOT32[child])
    key += _CHILD_SLOT32[child]
    return slots.take(key)


def next_level(
    neighbours: np.ndarray, level_bytes: np.ndarray, parent: np.ndarray, child: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The next level's tables from this level's neighbours (N, 26) and bytes (with a zero byte
    last) and the children's parents and positions: `child_slots`, the owners (M, 27) int32
    (the parent's 26 neighbours, then the parent), their bytes (M, 27) uint8 and the children's
    neighbour table (M, 26); one pass of the compiled kernel where it is built."""
    count = len(level_bytes) - 1
    slots = child_slots(count, parent, child)
    compiled = KERNELS.compiled()
    if compiled is not None:
        owners = np.empty((len(parent), 27), dtype=np.int32)
        owner_bytes = np.empty((len(parent), 27), dtype=np.uint8)
        table = np.empty((len(parent), 26), dtype=np.int32)
        compiled.next_level(
            np.ascontiguousarray(neighbours, dtype=np.int32),
            np.ascontiguousarray(parent, dtype=np.int64),
            np.ascontiguousarray(child, dtype=np.int64),
            slots,
            level_bytes,
            _PARENT_SLOT32,
            _CHILD_SLOT32,
            owners,
            owner_bytes,
            table,
        )
        return slots, owners, owner_bytes, table
    owners = np.empty((len(parent), 27), dtype=np.int32)
    owners[:, :26] = neighbours[parent]
    owners[:, 26] = parent
    owner_bytes = level_bytes.take(owners)
    table = child_neighbours(neighbours, level_bytes[:-1], parent, child, slots)
    return slots, owners, owner_bytes, table
