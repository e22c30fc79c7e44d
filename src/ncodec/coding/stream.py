"""A streaming ANS coder: a stack of symbols that models can push and pop one chunk at a time.

Unlike the one-shot `encode`/`decode`, the model of each chunk may depend on what was popped
before it, which is what autoregressive contexts, probabilistic circuits, octree contexts and
bits-back coding need. ANS is a stack: the last chunk pushed is the first popped, so an encoder
pushes in the reverse of the decoding order (or queues chunks in a `DecodeOrderWriter`).

Chunks come in three kinds, each popped with the arguments it was pushed with:

- `push(symbols, indexes, tables)`: integers under integer CDF tables, one table per symbol;
  values outside a table's range go through its escape symbol and a side channel (see
  `ncodec.coding.escape`), so any int32 value can be coded.
- `push_family(symbols, family, *params)`: a constriction model family with per-symbol
  parameters, e.g. `QuantizedGaussian(-100, 100)` with means and standard deviations, or
  `Categorical(perfect=False)` with one probability row per symbol. Float parameters must be
  bit-identical at the decoder.
- `push_uniform(symbols, sizes)`: symbols uniform over 0..size-1.

Example (a context model: the table of each symbol is the previous symbol):

>>> import numpy as np
>>> from ncodec.coding import DecodeOrderWriter, AnsStack, tables_from_pmf
>>> tables = tables_from_pmf(np.array([[0.9, 0.1], [0.2, 0.8]]), 1e-6, 0)
>>> writer = DecodeOrderWriter()
>>> previous = 0
>>> for symbol in [0, 0, 1, 1, 1, 0]:
...     writer.write(np.array([symbol]), np.array([previous]), tables)
...     previous = symbol
>>> stack = AnsStack.from_bytes(writer.to_bytes())
>>> decoded = [0]
>>> for _ in range(6):
...     decoded.append(int(stack.pop(np.array([decoded[-1]]), tables)[0]))
>>> decoded[1:], stack.is_empty()
([0, 0, 1, 1, 1, 0], True)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import constriction
import numpy as np

from ncodec.coding.chunks import (
    FamilyChunk,
    TableChunk,
    UniformChunk,
    checked_family,
    family_params,
    uniform_sizes,
)
from ncodec.coding.coder_models import UNIFORM_FAMILY
from ncodec.coding.escape import pop_escapes
from ncodec.coding.grouping import TableGroups
from ncodec.coding.limits import (
    MAX_OVERRUN_BITS,
    check_capacity,
    groups_bits,
    overrun_bits,
    trailing_first_symbols,
)
from ncodec.coding.tables import CdfTables
from ncodec.errors import FormatError, InputError

_AnsCoder = constriction.stream.stack.AnsCoder
_INT32 = np.iinfo(np.int32)
Chunk = TableChunk | FamilyChunk | UniformChunk


class AnsStack:
    """A stack of entropy-coded symbols (constriction's `AnsCoder`); bytes are its uint32 words.

    A pop that finds data no push could have written raises FormatError, and leaves the stack
    unusable; a push that raises InputError leaves it unchanged.

    A *strict* stack (`from_bytes(data, strict=True)`) also enforces the capacity and overrun
    rules of `ncodec.coding.limits` on table and uniform pops, so that a stream too short for
    what is popped fails fast instead of yielding invented symbols. They assume tables whose
    first symbol is improbable or cheap, as exported densities are; a lenient stack only
    counts `overrun_bits`.
    """

    def __init__(self, strict: bool = False) -> None:
        """An empty stack."""
        self._coder = _AnsCoder()
        self._strict = bool(strict)
        self._overrun_bits = 0.0

    @property
    def overrun_bits(self) -> float:
        """Information of the table-coded symbols popped after the data ran out (see limits)."""
        return self._overrun_bits

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview, strict: bool = False) -> AnsStack:
        """The stack whose `to_bytes()` gave `data`; FormatError if it cannot be one."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError(f"entropy-coded data must be bytes, got {type(data).__name__}")
        raw = bytes(data)
        if len(raw) % 4:
            raise FormatError(f"entropy-coded data has {len(raw)} bytes, not a multiple of 4")
        stack = cls(strict)
        with _data_errors():
            stack._coder = _AnsCoder(np.frombuffer(raw, dtype="<u4").astype(np.uint32))
        return stack

    def to_bytes(self) -> bytes:
        """The stack's content: little-endian uint32 words, the top of the stack last."""
        return self._coder.get_compressed().astype("<u4").tobytes()

    def num_bits(self) -> int:
        """Size of `to_bytes()` in bits (whole 32-bit words)."""
        return int(self._coder.num_bits())

    def is_empty(self) -> bool:
        """True when everything pushed (or read from bytes) has been popped."""
        return bool(self._coder.is_empty())

    def push(self, symbols: np.ndarray, indexes: np.ndarray, tables: CdfTables) -> None:
        """Push int32-range integers, symbol i under table `indexes[i]` (same shapes)."""
        self._push(TableChunk(symbols, indexes, tables))

    def pop(self, indexes: np.ndarray, tables: CdfTables) -> np.ndarray:
        """Pop what `push(symbols, indexes, tables)` pushed: int32 symbols shaped like indexes."""
        groups = TableGroups(indexes, tables)
        coder = self._coder
        if self._strict:
            check_capacity(self.num_bits() // 8, groups_bits(tables, groups.groups), groups.size)
        with _data_errors():
            grouped = np.empty(groups.size, dtype=np.int32)
            for table, start, stop in groups.groups:
                grouped[start:stop] = coder.decode(tables.coder_model(table), stop - start)
            escaped = grouped == groups.escape
            relative = None
            if escaped.any():
                relative = pop_escapes(coder, groups.escape[escaped].astype(np.int64))
            if coder.is_empty() and (relative is None or np.all(relative == -1)):
                self._count_overrun(grouped, groups, tables)
            grouped += groups.offsets  # cannot overflow: valid tables keep in-range values in int32
            if relative is not None:
                outliers = relative + groups.offsets[escaped]
                if outliers.min() < _INT32.min or outliers.max() > _INT32.max:
                    raise FormatError("corrupt entropy-coded data (escaped value outside int32)")
                grouped[escaped] = outliers
        values = np.empty(groups.size, dtype=np.int32)
        values[groups.order] = grouped
        return values.reshape(groups.shape)

    def _count_overrun(self, grouped: np.ndarray, groups: TableGroups, tables: CdfTables) -> None:
        """Add the trailing first symbols of a pop that emptied the coder; FormatError past
        `MAX_OVERRUN_BITS` if strict (the stream ended before the symbols did).

        Escaped values that are all just below their range (zero payload) are free for the
        encoder too, so they do not stop the run; any other escape does.
        """
        run = trailing_first_symbols(grouped, groups.groups)
        self._overrun_bits += overrun_bits(tables, groups.groups, run)
        if self._strict and self._overrun_bits > MAX_OVERRUN_BITS:
            raise FormatError(
                f"corrupt entropy-coded data (the stream ends {int(run.sum())} symbols early)"
            )

    def push_family(self, symbols: np.ndarray, family: Any, *params: Any) -> None:
        """Push integers under a constriction model family, parameters given per symbol.

        Each parameter is a scalar (shared by all symbols) or an array shaped like `symbols`,
        or like `symbols` plus one axis (a row per symbol, as Categorical's probabilities).
        Without parameters, `family` is a fully specified model used for every symbol.
        """
        self._push(FamilyChunk(symbols, family, params))

    def pop_family(self, family: Any, *params: Any, shape: tuple[int, ...]) -> np.ndarray:
        """Pop what `push_family(symbols, family, *params)` pushed: int32 symbols of `shape`."""
        shape = _checked_shape(shape)
        family = checked_family(family)
        arrays = family_params(params, shape, copy=False)
        count = math.prod(shape)
        if count == 0:
            return np.zeros(shape, dtype=np.int32)
        with _data_errors():
            if arrays:
                values = self._coder.decode(family, *arrays)
            else:
                values = self._coder.decode(family, count)
        return np.asarray(values, dtype=np.int32).reshape(shape)

    def push_uniform(self, symbols: np.ndarray, sizes: np.ndarray | int) -> None:
        """Push integers uniform over 0..size-1; `sizes` (1..2**24) broadcasts to the symbols."""
        self._push(UniformChunk(symbols, sizes))

    def pop_uniform(
        self, sizes: np.ndarray | int, shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        """Pop what `push_uniform(symbols, sizes)` pushed: int32 of `shape` (default: sizes')."""
        shape = np.shape(sizes) if shape is None else _checked_shape(shape)
        flat = uniform_sizes(sizes, shape)
        values = np.zeros(flat.size, dtype=np.int32)
        coded = flat > 1
        if coded.any():
            if self._strict:
                bits = float(np.log2(flat[coded].astype(np.float64)).sum())
                check_capacity(self.num_bits() // 8, bits, int(coded.sum()))
            with _data_errors():
                values[coded] = self._coder.decode(UNIFORM_FAMILY, flat[coded])
        return values.reshape(shape)

    def _push(self, chunk: Chunk) -> None:
        """Push a checked chunk."""
        chunk.push_onto(self._coder)


class DecodeOrderWriter:
    """Collects chunks in the order a decoder will pop them, and pushes them reversed at the end.

    An autoregressive encoder computes its models in decoding order, while a stack must be
    filled in the reverse order: this writer checks and keeps each chunk (a copy) until then.
    """

    def __init__(self) -> None:
        """No chunks yet."""
        self._chunks: list[Chunk] = []

    def __len__(self) -> int:
        """Number of chunks written."""
        return len(self._chunks)

    def write(self, symbols: np.ndarray, indexes: np.ndarray, tables: CdfTables) -> None:
        """Queue a chunk the decoder will `pop(indexes, tables)`."""
        self._chunks.append(TableChunk(symbols, indexes, tables))

    def write_family(self, symbols: np.ndarray, family: Any, *params: Any) -> None:
        """Queue a chunk the decoder will `pop_family(family, *params, shape=...)`."""
        self._chunks.append(FamilyChunk(symbols, family, params))

    def write_uniform(self, symbols: np.ndarray, sizes: np.ndarray | int) -> None:
        """Queue a chunk the decoder will `pop_uniform(sizes, ...)`."""
        self._chunks.append(UniformChunk(symbols, sizes))

    def to_stack(self) -> AnsStack:
        """A new stack holding all chunks, pushed last written first (the first is on top)."""
        stack = AnsStack()
        for chunk in reversed(self._chunks):
            stack._push(chunk)
        return stack

    def to_bytes(self) -> bytes:
        """The bytes of a new stack holding all chunks, the first written on top."""
        return self.to_stack().to_bytes()


def _checked_shape(shape: Any) -> tuple[int, ...]:
    """A shape as a tuple of non-negative ints, or InputError."""
    try:
        dims = tuple(int(n) for n in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    except (TypeError, ValueError):
        raise InputError(f"shape must be a tuple of integers, got {shape!r}") from None
    if any(n < 0 for n in dims):
        raise InputError(f"shape must not be negative, got {shape!r}")
    return dims


@contextmanager
def _data_errors() -> Iterator[None]:
    """Report whatever the coder raises on data as FormatError (Rust panics are BaseException)."""
    try:
        yield
    except (FormatError, InputError):
        raise
    except BaseException as err:
        if isinstance(err, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        raise FormatError(f"corrupt entropy-coded data ({err})") from None
