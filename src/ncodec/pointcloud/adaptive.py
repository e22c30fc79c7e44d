"""Non-learned contexts for the ablation: occupancy counts per context, adapted as coding goes.

The context of a node is which of its 6 face neighbours exist and its height above the leaves
(1, 2, or more): 192 contexts, each a table of 255 counts that starts flat and gains INCREMENT
for every byte coded under it. Counts are updated after each group (8 per level), so a group's
tables depend only on groups already decoded.
"""

from __future__ import annotations

import numpy as np

from ncodec.coding import AnsStack, CdfTables, DecodeOrderWriter
from ncodec.pointcloud.integer_mlp import PRECISION, SYMBOLS
from ncodec.pointcloud.neighbours import OFFSETS

INCREMENT = 16
HEIGHT_CLASSES = 3
CONTEXTS = 64 * HEIGHT_CLASSES
_FACES = np.flatnonzero(np.abs(OFFSETS).sum(axis=1) == 1)
_FACE_WEIGHTS = 1 << np.arange(6)


def tables_from_counts(counts: np.ndarray, offset: int) -> CdfTables:
    """Integer CDF tables (PRECISION bits) proportional to non-negative counts (T, K), the last
    column being the escape: every symbol gets at least 1, what the floors leave goes to the
    most counted one. In-range values are offset .. offset + K - 2."""
    free = (1 << PRECISION) - counts.shape[1]
    scaled = 1 + (counts * free) // counts.sum(axis=1, keepdims=True)
    top = np.argmax(counts, axis=1)
    scaled[np.arange(len(counts)), top] += (1 << PRECISION) - scaled.sum(axis=1)
    cdf = np.zeros((len(counts), counts.shape[1] + 1), dtype=np.int64)
    cdf[:, 1:] = np.cumsum(scaled, axis=1)
    lengths = np.full(len(counts), counts.shape[1])
    return CdfTables(cdf, lengths, np.full(len(counts), offset, dtype=np.int64), PRECISION)


class AdaptiveContexts:
    """Stateful per-context counts; one instance codes one cloud."""

    stateless = False

    def __init__(self) -> None:
        self.counts = np.ones((CONTEXTS, SYMBOLS), dtype=np.int64)

    def _contexts(self, features: np.ndarray) -> np.ndarray:
        faces = features[:, _FACES].astype(np.int64) @ _FACE_WEIGHTS
        height = np.minimum(features[:, 92].astype(np.int64), HEIGHT_CLASSES) - 1
        return faces + 64 * height

    def _tables(self, contexts: np.ndarray) -> tuple[np.ndarray, CdfTables]:
        """Integer tables of the used contexts (255 symbols + an unused escape) and indexes."""
        used, index = np.unique(contexts, return_inverse=True)
        counts = np.zeros((len(used), SYMBOLS + 1), dtype=np.int64)
        counts[:, :SYMBOLS] = self.counts[used]
        return index.reshape(-1), tables_from_counts(counts, 0)

    def write(self, writer: DecodeOrderWriter, features: np.ndarray, symbols: np.ndarray) -> None:
        """Queue a group's symbols (occupancy - 1) under the current tables, then adapt."""
        contexts = self._contexts(features)
        index, tables = self._tables(contexts)
        writer.write(symbols, index, tables)
        np.add.at(self.counts, (contexts, symbols), INCREMENT)

    def pop(self, stack: AnsStack, features: np.ndarray) -> np.ndarray:
        """Pop a group's symbols, then adapt exactly as `write` did."""
        contexts = self._contexts(features)
        index, tables = self._tables(contexts)
        symbols = stack.pop(index, tables).astype(np.int64)
        np.add.at(self.counts, (contexts, symbols), INCREMENT)
        return symbols
