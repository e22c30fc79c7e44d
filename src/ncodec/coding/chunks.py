"""Checked, ready-to-push groups of symbols: everything a push does before it touches the coder.

Separating the checks from the coder call lets a push fail on bad input without changing the
stack, and lets a writer queue pushes (copying what it needs) and fail at the call that caused it.
"""

from __future__ import annotations

import math
from typing import Any

import constriction
import numpy as np

from ncodec.coding.coder_models import MAX_UNIFORM_SIZE, UNIFORM_FAMILY
from ncodec.coding.escape import push_escapes
from ncodec.coding.grouping import TableGroups
from ncodec.coding.limits import groups_bits, overrun_bits, trailing_first_symbols
from ncodec.coding.tables import CdfTables
from ncodec.errors import InputError

_INT32 = np.iinfo(np.int32)


class TableChunk:
    """Integer symbols, each under the integer CDF table its index picks, grouped by table.

    Pushed as: the escape side channel first, then the groups from the last table to the first,
    so that a pop reads group 0, group 1, ..., then the escapes.
    """

    def __init__(self, symbols: np.ndarray, indexes: np.ndarray, tables: CdfTables) -> None:
        """Check symbols (int32 range, the indexes' shape) and map them to coder symbols."""
        symbols = np.asarray(symbols)
        groups = TableGroups(indexes, tables)
        if symbols.shape != groups.shape:
            raise InputError(f"symbols have shape {symbols.shape} but indexes {groups.shape}")
        values = checked_int32(symbols)
        relative = values[groups.order].astype(np.int64) - groups.offsets
        escaped = (relative < 0) | (relative >= groups.escape)
        self._escapes: tuple[np.ndarray, np.ndarray] | None = None
        if escaped.any():
            escape = groups.escape[escaped].astype(np.int64)
            self._escapes = (relative[escaped], escape)
            relative[escaped] = escape
        self._coded = relative.astype(np.int32)
        self._groups = groups.groups
        self._tables = tables

    def needed_bits(self) -> float:
        """Fewest bits these symbols can cost (the capacity rule of `ncodec.coding.limits`)."""
        return groups_bits(self._tables, self._groups)

    def overrun_bits(self) -> float:
        """Information a decoder pops from an empty coder at the end of this chunk, pushed
        alone: its trailing run of first symbols (unless an escape with payload ends it)."""
        if self._escapes is not None and np.any(self._escapes[0] != -1):
            return 0.0
        return self.trailing_run_bits()

    def trailing_run_bits(self) -> float:
        """Information in the trailing run of first symbols, whatever follows it: when an
        escape payload is all the coder holds under that run, the run is nearly free to encode
        and the capacity rule refuses the stream instead of the overrun rule."""
        run = trailing_first_symbols(self._coded, self._groups)
        return overrun_bits(self._tables, self._groups, run)

    def push_onto(self, coder: Any) -> None:
        """Push onto a constriction AnsCoder (cannot fail: everything was checked)."""
        if self._escapes is not None:
            push_escapes(coder, *self._escapes)
        for table, start, stop in reversed(self._groups):
            coder.encode_reverse(self._coded[start:stop], self._tables.coder_model(table))


class FamilyChunk:
    """Integer symbols under a constriction model family with per-symbol parameters."""

    def __init__(self, symbols: np.ndarray, family: Any, params: tuple[Any, ...]) -> None:
        """Check the family and copy symbols and parameters into the arrays constriction takes."""
        symbols = np.asarray(symbols)
        self._symbols = int32_symbols(symbols)
        self._family = checked_family(family)
        self._params = family_params(params, symbols.shape)

    def push_onto(self, coder: Any) -> None:
        """Push onto a constriction AnsCoder; InputError (stack unchanged) if the model refuses.

        Only the model knows its support, so a symbol it cannot code (zero probability, outside
        the family's range) is found while pushing; the coder is then put back where it was.
        """
        if self._symbols.size == 0:
            return
        position, state = coder.pos()
        try:
            coder.encode_reverse(self._symbols, self._family, *self._params)
        except BaseException as err:
            if isinstance(err, (KeyboardInterrupt, SystemExit, MemoryError)):
                raise
            coder.seek(position, state)
            raise InputError(f"the model family cannot code these symbols ({err})") from None


class UniformChunk:
    """Integer symbols 0..size-1, uniform over each symbol's own alphabet size."""

    def __init__(self, symbols: np.ndarray, sizes: np.ndarray | int) -> None:
        """Check sizes (1..2**24) and symbols (0..size-1); size-1 alphabets cost nothing."""
        symbols = np.asarray(symbols)
        values = int32_symbols(symbols)
        sizes_flat = uniform_sizes(sizes, symbols.shape)
        if values.size and (np.any(values < 0) or np.any(values >= sizes_flat)):
            raise InputError("uniform symbols must lie in 0..size-1")
        coded = sizes_flat > 1
        self._symbols = np.ascontiguousarray(values[coded])
        self._sizes = np.ascontiguousarray(sizes_flat[coded])

    def push_onto(self, coder: Any) -> None:
        """Push onto a constriction AnsCoder (cannot fail: everything was checked)."""
        if self._symbols.size:
            coder.encode_reverse(self._symbols, UNIFORM_FAMILY, self._sizes)


def checked_int32(symbols: np.ndarray) -> np.ndarray:
    """Integer symbols, flat (a view when possible), if they all fit in int32; else InputError."""
    if symbols.dtype.kind not in "iu":
        raise InputError(f"symbols must be integers, got dtype {symbols.dtype}")
    values = symbols.reshape(-1)
    if values.size and (values.min() < _INT32.min or values.max() > _INT32.max):
        raise InputError("symbols must lie in the int32 range")
    return values


def int32_symbols(symbols: np.ndarray) -> np.ndarray:
    """A flat int32 copy of integer symbols that fit in int32, or InputError."""
    return checked_int32(symbols).astype(np.int32)


def checked_family(family: Any) -> Any:
    """The family if it is a constriction model (family), else InputError."""
    if not isinstance(family, constriction.stream.model.Model):
        raise InputError(f"family must be a constriction model, got {type(family).__name__}")
    return family


def family_params(
    params: tuple[Any, ...], shape: tuple[int, ...], copy: bool = True
) -> list[np.ndarray]:
    """Per-symbol float64 parameters: each a scalar (shared) or shaped `shape` or `shape + (K,)`.

    `copy` protects queued pushes from later edits of the caller's arrays; a pop uses the
    parameters at once and passes `copy=False` (no copy of float64 arrays that are contiguous)."""
    count = math.prod(shape)
    arrays = []
    for param in params:
        array = np.array(param, dtype=np.float64, copy=copy or None)
        if array.ndim == 0:
            array = np.full(count, array)
        elif array.shape[: len(shape)] == shape and array.ndim <= len(shape) + 1:
            array = array.reshape(count, *array.shape[len(shape) :])
        else:
            raise InputError(f"a family parameter of shape {array.shape} does not fit {shape}")
        # One pass without a temporary: a finite sum means every value is finite (inf and NaN
        # propagate); only an overflowing sum needs the element-wise check.
        if not np.isfinite(array.sum()) and not np.all(np.isfinite(array)):
            raise InputError("family parameters must be finite")
        arrays.append(np.ascontiguousarray(array))
    return arrays


def uniform_sizes(sizes: np.ndarray | int, shape: tuple[int, ...]) -> np.ndarray:
    """Alphabet sizes broadcast to `shape`, flat int32, each in 1..2**24, or InputError."""
    sizes = np.asarray(sizes)
    if sizes.dtype.kind not in "iu":
        raise InputError(f"uniform sizes must be integers, got dtype {sizes.dtype}")
    try:
        flat = np.broadcast_to(sizes, shape).reshape(-1)
    except ValueError:
        raise InputError(f"uniform sizes of shape {sizes.shape} do not fit {shape}") from None
    if flat.size and (flat.min() < 1 or flat.max() > MAX_UNIFORM_SIZE):
        raise InputError(f"uniform sizes must lie in 1..{MAX_UNIFORM_SIZE}")
    return flat.astype(np.int32)
