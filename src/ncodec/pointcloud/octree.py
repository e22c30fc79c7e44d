"""An octree as one occupancy byte per node and level, built and inverted with numpy only.

Level d (0 = root) lists the occupied cells of side 2**(depth-d) in Morton order; a node's byte
has bit c set when child c (x + 2y + 4z of the child's lowest coordinate bits) is occupied.
Children of a level's nodes are, in order, the next level's nodes, so nothing but the bytes is
needed to rebuild the cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ncodec.pointcloud import morton

#: (8, 3) offset of child c within its parent: (c & 1, c >> 1 & 1, c >> 2 & 1).
CHILD_OFFSETS = np.array([[c & 1, (c >> 1) & 1, (c >> 2) & 1] for c in range(8)], dtype=np.int64)


@dataclass(frozen=True)
class Octree:
    """`depth` levels of occupancy bytes (uint8), level 0 being the single root."""

    depth: int
    occupancy: list[np.ndarray]

    @property
    def node_count(self) -> int:
        """Number of coded bytes (internal nodes)."""
        return sum(len(level) for level in self.occupancy)


def build(cells: np.ndarray, depth: int) -> tuple[Octree, np.ndarray]:
    """The octree of non-negative cells below 2**depth, and its leaf cells (unique, Morton order).

    Duplicate cells collapse into one leaf.
    """
    codes = np.unique(morton.encode(cells))
    leaves = morton.decode(codes)
    levels: list[np.ndarray] = []
    for _ in range(depth):
        parents = codes >> 3
        starts = np.flatnonzero(np.r_[True, parents[1:] != parents[:-1]])
        child_bits = (np.ones(len(codes), np.uint8) << (codes & 7).astype(np.uint8)).astype(
            np.uint8
        )
        levels.append(np.bitwise_or.reduceat(child_bits, starts).astype(np.uint8))
        codes = parents[starts]
    levels.reverse()
    return Octree(depth, levels), leaves


def expand(coords: np.ndarray, occupancy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The children of nodes at `coords` (N, 3) with bytes `occupancy`: their coordinates,
    parent index and child position, in Morton order."""
    flat = np.flatnonzero(np.unpackbits(np.asarray(occupancy, dtype=np.uint8), bitorder="little"))
    parent = flat >> 3
    child = flat & 7
    out = coords[parent]
    out <<= 1
    out += CHILD_OFFSETS[child]
    return out, parent, child


def leaves_of(octree: Octree) -> np.ndarray:
    """The leaf cells (Morton order) that the octree's bytes describe."""
    coords = np.zeros((1, 3), dtype=np.int64)
    for level in octree.occupancy:
        if len(level) != len(coords):
            raise ValueError("octree levels do not match their parents' occupancy")
        coords = expand(coords, level)[0]
    return coords
