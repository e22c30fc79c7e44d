"""Integer context features of octree nodes: what a node's occupancy byte is predicted from.

Each level is coded in 8 groups, by the nodes' child position within their parent (the parity
of their coordinates), so two nodes of a group are never neighbours and group g sees the coded
bytes of its neighbours in groups < g. A node's features, all small integers:

- which of its 26 neighbours exist (26), and which of its parent's 26 neighbours exist (26);
- for each of its 8 child cells, how many already-known occupied cells of the next level touch it
  by a face, an edge or a corner (24), and how many next-level cells around it are still
  unknown (8);
- its group (one-hot, 8);
- its height above the leaves, its cell size and its distance from the sensor (origin of the
  input coordinates) in half-octaves of millimetres, and its elevation slope (4);
- context from two cells away (`ncodec.pointcloud.far`, 220): the 5x5x5 block's shell, the
  known next-level cells there by layer, the parent's 5x5x5 shell.

Everything is integer arithmetic on the decoded octree and the header (step and bounding box),
so encoder and decoder compute identical features on any machine.
"""

from __future__ import annotations

import math

import numpy as np

from ncodec.pointcloud.far import FAR_FEATURES, FAR_MAX, FarContext
from ncodec.pointcloud.neighbours import OFFSETS
from ncodec.pointcloud.octree import CHILD_OFFSETS
from ncodec.pointcloud.scratch import Scratch

NEAR_FEATURES = 96
FEATURES = NEAR_FEATURES + FAR_FEATURES
#: Largest value of each feature (bounds the fixed-point network's accumulations).
FEATURE_MAX = np.concatenate(
    [np.array([1] * 52 + [26] * 32 + [1] * 8 + [21, 90, 90, 128], dtype=np.int64), FAR_MAX]
)
GROUPS = 8


def _adjacency() -> tuple[np.ndarray, np.ndarray]:
    """ADJ[(o, c'), (c, t)]: child c' of neighbour o touches child c with t+1 nonzero axes;
    ANY[o, c]: how many children of neighbour o touch child c."""
    adj = np.zeros((26, 8, 8, 3), dtype=np.float32)
    for o, offset in enumerate(OFFSETS):
        for other in range(8):
            for c in range(8):
                delta = 2 * offset + CHILD_OFFSETS[other] - CHILD_OFFSETS[c]
                if np.all(np.abs(delta) <= 1):
                    adj[o, other, c, int(np.count_nonzero(delta)) - 1] = 1
    return adj.reshape(208, 24), adj.sum(axis=(1, 3))


ADJ, ANY = _adjacency()
#: _BITS[byte]: its 8 bits (child 0 first) as float32.
_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little").astype(
    np.float32
)
_PARITY = (OFFSETS & 1) @ np.array([1, 2, 4])
#: KNOWN[g, o]: the neighbour at offset o of a group-g node is in an earlier group.
KNOWN = np.array([[(g ^ int(p)) < g for p in _PARITY] for g in range(GROUPS)])
#: Per group: the known and the unknown offsets, and the rows of ADJ / ANY they use.
_KNOWN_COLUMNS = [np.flatnonzero(row) for row in KNOWN]
_UNKNOWN_COLUMNS = [np.flatnonzero(~row) for row in KNOWN]
_ADJ_KNOWN = [ADJ.reshape(26, 8, 24)[c].reshape(-1, 24) for c in _KNOWN_COLUMNS]
_ANY_UNKNOWN = [ANY[c] for c in _UNKNOWN_COLUMNS]


def half_octaves(value_mm: float) -> int:
    """floor(2 * log2(value)), exactly (frexp and a comparison, no logarithm)."""
    mantissa, exponent = math.frexp(value_mm)
    return 2 * (exponent - 1) + int(mantissa >= math.sqrt(0.5))


class LevelContext:
    """The features of one octree level's nodes; `occupancy` fills in as groups are coded."""

    def __init__(
        self,
        coords: np.ndarray,
        child: np.ndarray,
        neighbours: np.ndarray,
        parent_neighbours: np.ndarray,
        height: int,
        step_mm: float,
        sensor: np.ndarray,
        far: FarContext,
    ) -> None:
        """Nodes at `coords` (N, 3) of side 2**height leaf cells; `sensor` is the leaf cell of
        the coordinate origin; `parent_neighbours` (N, 26) are the parents' neighbour rows;
        `far` the level's 5x5x5 context."""
        self.neighbours = neighbours
        self.far = far
        self.coords = coords
        self.child = child
        # One extra zero byte: a neighbour index of -1 (empty cell) reads it.
        self._bytes = np.zeros(len(coords) + 1, dtype=np.uint8)
        self.occupancy = self._bytes[:-1]
        self.groups = far.groups
        step_h = half_octaves(step_mm)
        doubled = (coords << (height + 1)) + (1 << height) - 1 - 2 * sensor[None, :]
        squared = np.einsum("ij,ij->i", doubled, doubled)
        bits = np.frexp(squared.astype(np.float64))[1]
        planar = np.abs(doubled[:, 0]) + np.abs(doubled[:, 1]) + 1
        slope = np.clip((64 * doubled[:, 2]) // planar, -64, 64) + 64
        self._parent_neighbours = parent_neighbours
        fixed = np.empty((len(coords), 4), dtype=np.int16)
        fixed[:, 0] = height
        fixed[:, 1] = np.clip(step_h + 2 * height, 0, 90)
        fixed[:, 2] = np.clip(bits + step_h - 2, 0, 90)
        fixed[:, 3] = slope
        self.fixed_values = fixed
        """(N, 4) int16: the height, cell size, distance and slope features."""

    def occupancy_with_zero(self) -> np.ndarray:
        """The bytes followed by one zero byte (what index -1, an empty cell, reads)."""
        return self._bytes

    def fixed_integers(self, index: np.ndarray) -> np.ndarray:
        """(n, 4) int16: the height, cell size, distance and slope features of nodes `index`."""
        return self.fixed_values[index]

    def features(self, group: int, buffer: Scratch | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The node indexes of a group and their features (n, FEATURES) float32 (small
        integers, exact); in `buffer`'s rows if given (overwritten by the next call)."""
        index = self.groups[group]
        rows = self.neighbours[index]
        exists = rows >= 0
        if buffer is None:
            out = np.zeros((len(index), FEATURES), dtype=np.float32)
        else:
            # Reused across groups: a fresh (n, 316) array per group costs a page fault per
            # 4 KiB (the OS zeroes every new page), about as much as writing the features.
            out = buffer.array("features", (len(index), FEATURES), np.float32)
            out[:, 52:76] = 0
            out[:, 84:92] = 0
        out[:, :26] = exists
        out[:, 26:52] = self._parent_neighbours[index] >= 0
        known = _KNOWN_COLUMNS[group]
        if len(known):
            known_bytes = self._bytes.take(rows[:, known])
            # Deep in the tree most nodes have no occupied known neighbour: their counts are 0.
            some = np.flatnonzero(known_bytes.any(axis=1))
            child_bits = _BITS.take(known_bytes[some], axis=0).reshape(len(some), 8 * len(known))
            out[some, 52:76] = child_bits @ _ADJ_KNOWN[group]
        unknown = _UNKNOWN_COLUMNS[group]
        np.matmul(exists[:, unknown].astype(np.float32), _ANY_UNKNOWN[group], out=out[:, 76:84])
        out[:, 84 + group] = 1
        out[:, 92:96] = self.fixed_values[index]
        far = NEAR_FEATURES
        out[:, far : far + 98] = self.far.shell[index]
        out[:, far + 98 : far + 122] = self.far.counts(group, index, self._bytes)
        out[:, far + 122 :] = self.far.parent_shell[index]
        return index, out
