"""Context from two cells away: a node's 5x5x5 same-level neighbourhood.

Below the scan's point spacing most octree nodes have no occupied cell among their 26
neighbours, so the one-cell context says nothing about which child holds the point. The next
points of the same laser ring are usually two cells away, and ring points lie locally in one
horizontal layer. Three feature blocks (all small integers):

- which of the 98 cells at Chebyshev distance 2 exist (the shell of the 5x5x5 block);
- for each of the 8 child cells, how many already-known occupied next-level cells of the
  5x5x5 block lie at Chebyshev distance >= 2 from it, by |dz| (0, 1, >= 2), clipped to 26 (24);
- which of the 98 shell cells of the parent's own 5x5x5 block exist.

Nothing is searched: a node's 5x5x5 block lies inside its parent's 3x3x3 block, so its cells'
existence is a bit of one of the parent-level bytes of that block, and their indices come from a
table of every parent-level node's 8 child slots (as in `ncodec.pointcloud.neighbours`). The
counts are accumulated only over the (node, cell) pairs that exist, deep in the tree a few per
node.
"""

from __future__ import annotations

import numpy as np

from ncodec.pointcloud.neighbours import OFFSETS, SELF
from ncodec.pointcloud.octree import CHILD_OFFSETS

GROUPS = 8
SHELL_SIZE = 98
COUNT_MAX = 26
FAR_FEATURES = 2 * SHELL_SIZE + 24
#: Largest value of each far feature.
FAR_MAX = np.array([1] * SHELL_SIZE + [COUNT_MAX] * 24 + [1] * SHELL_SIZE, dtype=np.int64)
#: (124, 3) offsets in {-2..2}^3 without (0, 0, 0), lexicographic.
OFFSETS5 = np.array(
    [
        (x, y, z)
        for x in range(-2, 3)
        for y in range(-2, 3)
        for z in range(-2, 3)
        if (x, y, z) != (0, 0, 0)
    ],
    dtype=np.int64,
)
SHELL = np.flatnonzero(np.abs(OFFSETS5).max(axis=1) == 2)


def _columns() -> tuple[np.ndarray, np.ndarray]:
    """For child position c and offset k: the parent-block column (0..25, SELF) and the child."""
    index = {tuple(o): i for i, o in enumerate(OFFSETS.tolist())}
    owner = np.zeros((8, len(OFFSETS5)), dtype=np.int64)
    slot = np.zeros((8, len(OFFSETS5)), dtype=np.int64)
    for c in range(8):
        target = CHILD_OFFSETS[c] + OFFSETS5
        for k, up in enumerate((target >> 1).tolist()):
            owner[c, k] = SELF if up == [0, 0, 0] else index[tuple(up)]
        low = target & 1
        slot[c] = low[:, 0] | (low[:, 1] << 1) | (low[:, 2] << 2)
    return owner, slot


OWNER_COLUMN, CHILD_SLOT = _columns()
#: BIT_COLUMN[c, k]: the bit (of the parent block's 27 bytes, unpacked) saying whether the cell
#: at offset k of a child-position-c node exists.
BIT_COLUMN = OWNER_COLUMN * 8 + CHILD_SLOT
_PARITY = (OFFSETS5 & 1) @ np.array([1, 2, 4])
#: Per group: the offsets whose nodes are coded in an earlier group.
KNOWN = [np.flatnonzero([(g ^ int(p)) < g for p in _PARITY]) for g in range(GROUPS)]


def _known_slots() -> tuple[np.ndarray, np.ndarray]:
    """KNOWN_MASK[g, j]: the child slots of owner column j that hold a cell at a known offset
    of a group-g node (a byte mask); KNOWN_OFFSET[g, j, s]: that offset (index of OFFSETS5)."""
    mask = np.zeros((GROUPS, 27), dtype=np.uint8)
    offset = np.zeros((GROUPS, 27, 8), dtype=np.intp)
    for g in range(GROUPS):
        for k in KNOWN[g]:
            column, slot = OWNER_COLUMN[g, k], CHILD_SLOT[g, k]
            mask[g, column] |= 1 << slot
            offset[g, column, slot] = k
    return mask, offset


KNOWN_MASK, KNOWN_OFFSET = _known_slots()


def _layer_counts() -> np.ndarray:
    """COUNTS[k, byte]: for each child c and |dz| class, the children of the byte of the node
    at offset k at Chebyshev distance >= 2 from child c (uint8, (124, 256, 24))."""
    adjacency = np.zeros((len(OFFSETS5), 8, 8, 3), dtype=np.int64)
    for k, offset in enumerate(OFFSETS5):
        for other in range(8):
            delta = 2 * offset + CHILD_OFFSETS[other] - CHILD_OFFSETS
            far = np.abs(delta).max(axis=1) >= 2
            adjacency[k, other, far, np.minimum(np.abs(delta[far, 2]), 2)] = 1
    bits = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little")
    return np.einsum("bo,koct->kbct", bits.astype(np.int64), adjacency).reshape(-1, 256, 24)


COUNTS = _layer_counts().astype(np.uint16).reshape(-1, 24).view(np.uint64)
"""Row 256 k + byte: the 24 counts that the byte of the node at offset k adds, as 16-bit lanes
of 6 uint64 (a block has 1,000 next-level cells, so sums of lanes never carry)."""


def _exists(owner_bytes: np.ndarray, group: int, columns: np.ndarray) -> np.ndarray:
    """(n, len(columns)) uint8: whether the cells at offsets `columns` of group-`group` nodes
    with parent blocks `owner_bytes` (n, 27) exist (one bit of one of the 27 bytes each)."""
    bits = owner_bytes[:, OWNER_COLUMN[group, columns]]
    bits >>= CHILD_SLOT[group, columns].astype(np.uint8)
    bits &= 1
    return bits


def shells(owner_bytes: np.ndarray | None, groups: list[np.ndarray], count: int) -> np.ndarray:
    """(count, 98) uint8: the shells of a level's nodes (zeros without `owner_bytes`)."""
    shell = np.zeros((count, SHELL_SIZE), dtype=np.uint8)
    if owner_bytes is not None:
        for group, index in enumerate(groups):
            shell[index] = _exists(owner_bytes[index], group, SHELL)
    return shell


class FarContext:
    """One level's far features: the shells (computed when first asked for), the counts per
    group as bytes get known."""

    def __init__(
        self,
        groups: list[np.ndarray],
        owners: np.ndarray | None = None,
        owner_bytes: np.ndarray | None = None,
        slots: np.ndarray | None = None,
        parent: np.ndarray | None = None,
        above: FarContext | None = None,
    ) -> None:
        """`groups`: the level's node indices by child position; `owners` (N, 27): the
        parent-level indices of each node's parent's 26 neighbours and of the parent itself
        (-1: none), `owner_bytes` their bytes, `slots` (8 P + 8): this level's index of child c
        of parent-level node p at 8 p + c (-1: none), `parent` (N,) each node's parent and
        `above` the parent level's FarContext, of which only the owner bytes and child
        positions are kept (`above_bytes`, `above_child`): the parents' shells are bits of
        them. Without them (the root) every feature is 0."""
        self.count = sum(len(index) for index in groups)
        self.groups = groups
        self.owners, self.owner_bytes, self.slots = owners, owner_bytes, slots
        self.parent = parent
        self.above_bytes = None if above is None else above.owner_bytes
        self.above_child = None
        if above is not None and above.owner_bytes is not None:
            self.above_child = np.empty(above.count, dtype=np.intp)
            for group, index in enumerate(above.groups):
                self.above_child[index] = group
        self._shell: np.ndarray | None = None
        self._parent_shell: np.ndarray | None = None

    @property
    def shell(self) -> np.ndarray:
        """(N, 98) uint8: which cells of each node's 5x5x5 shell exist."""
        if self._shell is None:
            self._shell = shells(self.owner_bytes, self.groups, self.count)
        return self._shell

    @property
    def parent_shell(self) -> np.ndarray:
        """(N, 98) uint8: the parents' shells."""
        if self._parent_shell is None:
            if self.above_bytes is None or self.parent is None:
                self._parent_shell = np.zeros((self.count, SHELL_SIZE), dtype=np.uint8)
            else:
                child = self.above_child[self.parent]
                groups = [np.flatnonzero(child == g) for g in range(GROUPS)]
                self._parent_shell = shells(self.above_bytes[self.parent], groups, self.count)
        return self._parent_shell

    def sparse_counts(
        self, group: int, index: np.ndarray, level_bytes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows (of `index`) with a known cell in their 5x5x5 block, increasing, and
        their (m, 24) uint16 counts; the other rows' are 0. See `counts`."""
        none = np.zeros(0, dtype=np.intp), np.zeros((0, 24), dtype=np.uint16)
        if not len(KNOWN[group]) or self.owners is None:
            return none
        # The existing known cells: the set bits of the owner bytes under the known slots.
        masked = self.owner_bytes[index]
        masked &= KNOWN_MASK[group]
        flat = np.flatnonzero(masked)
        if not len(flat):
            return none
        bits = np.unpackbits(masked.ravel()[flat][:, None], axis=1, bitorder="little")
        pair, slot = np.nonzero(bits)
        flat = flat[pair]
        rows, column = np.divmod(flat, 27)
        owner = self.owners.ravel().take(index[rows] * 27 + column)
        cells = self.slots.take(owner.astype(np.intp) * 8 + slot)
        offset = KNOWN_OFFSET[group].ravel().take(column * 8 + slot)
        pairs = COUNTS.take(offset * 256 + level_bytes.take(cells), axis=0)
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        sums = np.add.reduceat(pairs, starts, axis=0).view(np.uint16)
        return rows[starts], np.minimum(sums, COUNT_MAX)

    def counts(self, group: int, index: np.ndarray, level_bytes: np.ndarray) -> np.ndarray:
        """(n, 24) int32 counts for the group-`group` nodes `index`: for each child and |dz|
        class, the known occupied next-level cells of the 5x5x5 block at Chebyshev distance
        >= 2 from it (clipped); `level_bytes` this level's bytes (known in earlier groups)
        with a zero byte last."""
        out = np.zeros((len(index), 24), dtype=np.int32)
        rows, counts = self.sparse_counts(group, index, level_bytes)
        out[rows] = counts
        return out
