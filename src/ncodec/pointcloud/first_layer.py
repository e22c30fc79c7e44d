"""The occupancy network's first layer as a sum of table rows, without the 316 feature columns.

Almost every feature of `ncodec.pointcloud.context` is a sum of terms that each depend on one
byte or one small integer:

- whether a neighbour, a parent's neighbour or a shell cell exists, and how many unknown cells
  surround each child, are bits of one of the 27 parent-level bytes of the node's block (its
  "owners": the parent's 26 neighbours and the parent);
- the parent's shell is bits of the parent's own 26 owner bytes (by the parent's group);
- the near counts are sums over the known neighbours' bytes;
- the group one-hot and the 4 fixed integers (height, cell size, distance, slope) are values.

So `features @ W + b` is the sum, per node, of one table row per (group, owner column, byte),
per (parent group, column, byte), per (known offset, byte) and per (fixed feature, value),
plus a bias row per group: a fixed-length bag of rows, summed by torch's `embedding_bag`. Only
the clipped far counts are a matmul (on the rows that have any). Every table row is a sum of
weight rows and every partial sum of the layer is an integer below 2**24 times the layer's
power of two (`ncodec.pointcloud.integer_mlp`), so float32 gives the very same values as the
matmul on the features, in any order and on any machine.
"""

from __future__ import annotations

import weakref

import numpy as np
import torch

from ncodec.pointcloud import context, far
from ncodec.pointcloud.context import NEAR_FEATURES, LevelContext
from ncodec.pointcloud.integer_mlp import IntegerMLP
from ncodec.pointcloud.kernels import KERNELS
from ncodec.pointcloud.neighbours import CHILD_SLOT, PARENT_SLOT
from ncodec.pointcloud.scratch import Scratch, aligned_empty

GROUPS = context.GROUPS
OWNERS = 27
"""Owner columns: the parent's 26 neighbours, then the parent itself (SELF)."""
FIXED_VALUES = 129
"""Values 0..128 of each of the 4 fixed integer features."""
_SHELL = NEAR_FEATURES
_FAR_COUNTS = _SHELL + far.SHELL_SIZE
_PARENT_SHELL = _FAR_COUNTS + 24
STRIDE = 257
"""Rows per byte column: 256 bytes and one unused row, so that the zero-byte rows (the most
read, all zeros) of different columns do not fall into the same cache set."""
# Table layout (rows): owner bytes by group, parent owner bytes by parent group, known
# neighbour bytes, fixed values, biases.
_PARENT_BASE = GROUPS * OWNERS * STRIDE
_NEAR_BASE = _PARENT_BASE + GROUPS * 26 * STRIDE
_FIXED_BASE = _NEAR_BASE + 26 * STRIDE
_BIAS_BASE = _FIXED_BASE + 4 * FIXED_VALUES
_ROWS = _BIAS_BASE + GROUPS
_OWNER_KEYS = ((np.arange(GROUPS)[:, None] * OWNERS + np.arange(OWNERS)) * STRIDE).astype(np.int32)
_PARENT_KEYS = (_PARENT_BASE + np.arange(26) * STRIDE).astype(np.int32)
_NEAR_KEYS = (_NEAR_BASE + np.arange(26) * STRIDE).astype(np.int32)
_FIXED_KEYS = (_FIXED_BASE + np.arange(4) * FIXED_VALUES).astype(np.int32)
_KNOWN_OFFSET = far.KNOWN_OFFSET.astype(np.int64)
_FAR_TABLE = far.COUNTS.view(np.uint16)
BYTE_BITS = np.unpackbits(
    np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little"
).astype(np.float64)


def _slot_weights(weight: np.ndarray, group: int) -> np.ndarray:
    """(27, 8, width) float64: the weight rows that child slot s of owner column j turns on
    for a group-`group` node (as a neighbour, by the unknown cells around it, as a shell
    cell), then the parent-shell rows for a group-`group` parent (26, 8, width)."""
    out = np.zeros((OWNERS, 8, weight.shape[1]))
    unknown = ~context.KNOWN[group]
    for o in range(26):
        rows = weight[o].copy()
        if unknown[o]:
            rows += context.ANY[o] @ weight[76:84]
        out[PARENT_SLOT[group, o], CHILD_SLOT[group, o]] += rows
    parents = np.zeros((OWNERS, 8, weight.shape[1]))
    for k, offset in enumerate(far.SHELL):
        column, slot = far.OWNER_COLUMN[group, offset], far.CHILD_SLOT[group, offset]
        out[column, slot] += weight[_SHELL + k]
        parents[column, slot] += weight[_PARENT_SHELL + k]
    return out, parents[:26]


def _byte_rows(slots: np.ndarray) -> np.ndarray:
    """(columns * STRIDE, width): row STRIDE j + byte sums the slot weights (columns, 8,
    width) of the byte's bits (float64, exact); the last row of each column is unused (0)."""
    columns, _, width = slots.shape
    rows = BYTE_BITS @ slots.transpose(1, 0, 2).reshape(8, columns * width)
    out = np.zeros((columns, STRIDE, width))
    out[:, :256] = rows.reshape(256, columns, width).transpose(1, 0, 2)
    return out.reshape(-1, width)


class FirstLayer:
    """The table of the first layer `(weight_t, bias)` (FEATURES x width float32)."""

    def __init__(self, weight_t: np.ndarray, bias: np.ndarray) -> None:
        weight = np.asarray(weight_t, dtype=np.float64)
        if weight.shape[0] != context.FEATURES:
            raise ValueError(f"first layer takes {weight.shape[0]} features")
        table = np.zeros((_ROWS, weight.shape[1]))
        for g in range(GROUPS):
            owners, parents = _slot_weights(weight, g)
            block = _byte_rows(owners).reshape(OWNERS, STRIDE, -1)
            block[:26, 1:256] += weight[26:52, None, :]  # a nonzero byte: that node exists
            table[_OWNER_KEYS[g, 0] : _OWNER_KEYS[g, 0] + OWNERS * STRIDE] = block.reshape(
                -1, weight.shape[1]
            )
            start = _PARENT_BASE + g * 26 * STRIDE
            table[start : start + 26 * STRIDE] = _byte_rows(parents)
        adjacency = context.ADJ.reshape(26, 8, 24).astype(np.float64)
        near = np.einsum("osc,cw->osw", adjacency, weight[52:76])
        table[_NEAR_BASE:_FIXED_BASE] = _byte_rows(near)
        values = np.arange(FIXED_VALUES, dtype=np.float64)[:, None]
        for i in range(4):
            table[_FIXED_KEYS[i] : _FIXED_KEYS[i] + FIXED_VALUES] = values * weight[92 + i]
        table[_BIAS_BASE:] = weight[84:92] + np.asarray(bias, dtype=np.float64)
        # Exact: each entry is an integer multiple of the layer's power of two below 2**24.
        aligned = aligned_empty(table.shape, np.float32)
        aligned[...] = table
        self.table = torch.from_numpy(aligned)
        self.far_counts = np.ascontiguousarray(weight[_FAR_COUNTS:_PARENT_SHELL], np.float32)
        zero_keys = np.r_[_OWNER_KEYS.ravel(), _PARENT_BASE + np.arange(GROUPS * 26) * STRIDE]
        zero_keys = np.r_[zero_keys, _NEAR_KEYS, _FIXED_KEYS]
        self.zero_rows_empty = not np.any(table[zero_keys])
        """Whether the rows of byte 0 and value 0 are zero (they are by construction): the
        compiled kernel skips them."""

    def _compiled_preactivation(
        self, level: LevelContext, group: int, scratch: Scratch | None
    ) -> np.ndarray:
        """`preactivation`'s outputs from the compiled kernel (the same float32 values), in
        `scratch` if given."""
        index = level.groups[group]
        level_far = level.far
        width = self.table.shape[1]
        empty = np.zeros((0, OWNERS), dtype=np.uint8)
        owner_bytes = empty if level_far.owner_bytes is None else level_far.owner_bytes
        no_slots = np.zeros(0, dtype=np.int32)
        owners = no_slots.reshape(0, OWNERS) if level_far.owners is None else level_far.owners
        slots = no_slots if level_far.slots is None else level_far.slots
        if level_far.above_bytes is None:
            parent = above_child = np.zeros(0, dtype=np.int64)
            above_bytes = empty
        else:
            parent, above_child = level_far.parent, level_far.above_child
            above_bytes = level_far.above_bytes
        shape = (len(index), width)
        scratch = Scratch() if scratch is None else scratch
        out = scratch.array("first", shape, np.float32)
        KERNELS.compiled().first_layer(
            np.ascontiguousarray(index, dtype=np.int64),
            self.table.numpy(),
            width,
            _OWNER_KEYS[group],
            np.ascontiguousarray(owner_bytes),
            np.ascontiguousarray(parent, dtype=np.int64),
            np.ascontiguousarray(above_child, dtype=np.int64),
            np.ascontiguousarray(above_bytes),
            _PARENT_BASE,
            np.ascontiguousarray(level.neighbours, dtype=np.int32),
            context._KNOWN_COLUMNS[group].astype(np.int64),
            _NEAR_KEYS,
            level.occupancy_with_zero(),
            level.fixed_values,
            _FIXED_KEYS,
            _BIAS_BASE + group,
            np.ascontiguousarray(owners, dtype=np.int32),
            np.ascontiguousarray(slots, dtype=np.int32),
            far.KNOWN_MASK[group],
            _KNOWN_OFFSET[group],
            _FAR_TABLE,
            far.COUNT_MAX,
            self.far_counts,
            out,
        )
        return out

    def preactivation(
        self, level: LevelContext, group: int, scratch: Scratch | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The group's node indices and `level.features(group) @ weight_t + bias`, exactly
        (with the compiled kernels, in `scratch`'s buffer if given)."""
        index = level.groups[group]
        if self.zero_rows_empty and KERNELS.compiled() is not None:
            return index, self._compiled_preactivation(level, group, scratch)
        known = context._KNOWN_COLUMNS[group]
        level_far = level.far
        keys = np.empty((len(index), OWNERS + 26 + len(known) + 5), dtype=np.int32)
        if level_far.owner_bytes is None:
            keys[:, :OWNERS] = _OWNER_KEYS[group]
        else:
            np.add(level_far.owner_bytes[index], _OWNER_KEYS[group], out=keys[:, :OWNERS])
        if level_far.above_bytes is None:
            keys[:, OWNERS : OWNERS + 26] = _PARENT_KEYS
        else:
            parent = level_far.parent[index]
            rows = (level_far.above_child[parent] * (26 * STRIDE)).astype(np.int32)[:, None]
            np.add(rows, _PARENT_KEYS, out=keys[:, OWNERS : OWNERS + 26])
            keys[:, OWNERS : OWNERS + 26] += level_far.above_bytes[parent, :26]
        neighbours = level.neighbours[index][:, known]
        np.add(
            level.occupancy_with_zero().take(neighbours),
            _NEAR_KEYS[known],
            out=keys[:, OWNERS + 26 : OWNERS + 26 + len(known)],
        )
        np.add(level.fixed_integers(index), _FIXED_KEYS, out=keys[:, -5:-1])
        keys[:, -1] = _BIAS_BASE + group
        out = torch.nn.functional.embedding_bag(torch.from_numpy(keys), self.table, mode="sum")
        out = out.numpy()
        rows, counts = level_far.sparse_counts(group, index, level.occupancy_with_zero())
        if len(rows):
            out[rows] += counts.astype(np.float32) @ self.far_counts
        return index, out


_TABLES: weakref.WeakKeyDictionary[IntegerMLP, FirstLayer] = weakref.WeakKeyDictionary()


def first_layer(network: IntegerMLP) -> FirstLayer:
    """The network's first-layer table (built once per network)."""
    if network not in _TABLES:
        _TABLES[network] = FirstLayer(*network.layers[0])
    return _TABLES[network]
