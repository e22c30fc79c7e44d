"""Grouping of symbols by table, so that each table's symbols are coded with one coder call."""

from __future__ import annotations

import numpy as np

from ncodec.coding.tables import CdfTables
from ncodec.errors import InputError


class TableGroups:
    """The elements of an index array grouped by table (stable), shared by pusher and popper.

    `order` lists element positions grouped by table; `groups` holds (table, start, stop) of each
    used table's run in that order; `offsets` and `escape` hold each grouped element's table
    offset and escape symbol.
    """

    def __init__(self, indexes: np.ndarray, tables: CdfTables) -> None:
        """Check the indexes and group element positions by table."""
        if not isinstance(tables, CdfTables):
            raise InputError(f"tables must be CdfTables, got {type(tables).__name__}")
        indexes = np.asarray(indexes)
        if indexes.dtype.kind not in "iu":
            raise InputError(f"indexes must be integers, got dtype {indexes.dtype}")
        flat = indexes.reshape(-1)
        num_tables = tables.num_tables
        self.shape = indexes.shape
        self.size = flat.size
        if self.size == 0:
            lowest = highest = 0
        elif self.size == 1:
            lowest = highest = int(flat[0])
        else:
            lowest, highest = int(flat.min()), int(flat.max())
        if lowest < 0 or highest >= num_tables:
            raise InputError(f"indexes must lie in 0..{num_tables - 1}")
        if self.size and lowest == highest:
            self._one_table(lowest, tables)
        else:
            self._sort(flat, tables)

    def _one_table(self, table: int, tables: CdfTables) -> None:
        """All elements share one table (as in a context model's single-symbol chunks): no sort."""
        self.order = np.arange(self.size)
        self.groups = [(table, 0, self.size)]
        self.offsets = np.full(self.size, tables.offsets[table])
        self.escape = np.full(self.size, tables.lengths[table] - 1)

    def _sort(self, flat: np.ndarray, tables: CdfTables) -> None:
        """Group element positions by table with a stable radix sort."""
        num_tables = tables.num_tables
        narrow = np.uint8 if num_tables <= 256 else np.uint16 if num_tables <= 65536 else np.int64
        flat = flat.astype(narrow)
        self.order = np.argsort(flat, kind="stable")
        counts = np.bincount(flat, minlength=num_tables)
        stops = np.cumsum(counts)
        self.groups = [
            (int(t), int(stops[t] - counts[t]), int(stops[t])) for t in np.flatnonzero(counts)
        ]
        # Table facts per element, in grouped (sorted) order: runs of constants, cheap to build.
        self.offsets = np.repeat(tables.offsets, counts)
        self.escape = np.repeat(tables.lengths - 1, counts)
