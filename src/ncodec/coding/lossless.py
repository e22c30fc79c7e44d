"""Plain lossless coding: integer data + a discrete model + the ANS coder -> bytes, and back.

A model says, for every element, which integer CDF table codes it. Two kinds exist:

- `TableModel(tables, indexes)`: explicit `CdfTables` and per-element table indexes.
- `DiscretizedModel` (built by `gaussian`, `laplace`, `logistic`): a continuous density with
  per-element `loc` and `scale`, discretized on unit bins. The scale picks the nearest table
  at or above it from a log-spaced scale table, and the value is coded as `x - round(loc)`
  under that zero-mean table (as in CompressAI's Gaussian conditional).

Model parameters broadcast to the data shape, and must be bit-identical at the decoder.

Example:

>>> import numpy as np
>>> from ncodec.coding import lossless
>>> x = np.array([[0, 3, -2], [1, 40, 0]])
>>> model = lossless.gaussian(loc=0.3, scale=np.array([[1.0, 2.0, 1.5], [1.0, 3.0, 0.5]]))
>>> data = lossless.compress(x, model)
>>> len(data)  # bytes, a multiple of 4 (32-bit ANS words)
8
>>> lossless.decompress(data, model, x.shape).tolist()
[[0, 3, -2], [1, 40, 0]]
>>> iid = lossless.laplace(loc=0, scale=2.0)  # one table for all elements
>>> lossless.decompress(lossless.compress(x, iid), iid, x.shape).tolist()
[[0, 3, -2], [1, 40, 0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

import numpy as np

from ncodec.coding import ans
from ncodec.coding import tables as cdf
from ncodec.coding.scales import scale_table
from ncodec.errors import InputError

Family = Literal["gaussian", "laplace", "logistic"]
_BUILDERS = {
    "gaussian": cdf.gaussian_tables,
    "laplace": cdf.laplace_tables,
    "logistic": cdf.logistic_tables,
}
_INT32 = np.iinfo(np.int32)


class DiscreteModel(Protocol):
    """Anything that maps data of a given shape to coder symbols, table indexes and tables."""

    def coding_plan(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, cdf.CdfTables]:
        """(shift, indexes, tables): element i is coded as `x[i] - shift[i]` under its table."""
        ...


@dataclass(frozen=True, eq=False)
class TableModel:
    """Explicit integer tables and per-element table indexes (broadcast to the data shape)."""

    tables: cdf.CdfTables
    indexes: np.ndarray | int

    def coding_plan(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, cdf.CdfTables]:
        """No shift; the given indexes."""
        indexes = _broadcast(np.asarray(self.indexes), shape, "indexes")
        return np.zeros(shape, dtype=np.int64), indexes, self.tables


@dataclass(frozen=True, eq=False)
class DiscretizedModel:
    """A continuous density per element (family, loc, scale), discretized on unit bins."""

    family: Family
    loc: np.ndarray | float
    scale: np.ndarray | float
    scales: tuple[float, ...] = tuple(scale_table())
    tail_mass: float = cdf.DEFAULT_TAIL_MASS
    precision: int = cdf.DEFAULT_PRECISION

    def __post_init__(self) -> None:
        """Reject unknown families and non-finite or non-positive parameters early."""
        if self.family not in _BUILDERS:
            raise InputError(f"unknown model family {self.family!r} (use {', '.join(_BUILDERS)})")
        loc, scale = np.asarray(self.loc, dtype=np.float64), np.asarray(self.scale, np.float64)
        if not np.all(np.isfinite(loc)) or np.any(np.abs(loc) > _INT32.max):
            raise InputError("loc must be finite and within the int32 range")
        if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise InputError("scale must be finite and positive")

    def tables(self) -> cdf.CdfTables:
        """The zero-mean integer tables of the scale table (built once per setting, cached)."""
        return _cached_tables(self.family, tuple(self.scales), self.tail_mass, self.precision)

    def coding_plan(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, cdf.CdfTables]:
        """Shift by round(loc); index = first table scale >= scale (clamped to the last)."""
        loc = _broadcast(np.asarray(self.loc, dtype=np.float64), shape, "loc")
        scale = _broadcast(np.asarray(self.scale, dtype=np.float64), shape, "scale")
        scales = np.asarray(self.scales, dtype=np.float64)
        indexes = np.minimum(np.searchsorted(scales, scale, side="left"), scales.size - 1)
        return np.rint(loc).astype(np.int64), indexes.astype(np.int32), self.tables()


def gaussian(loc: np.ndarray | float, scale: np.ndarray | float, **options) -> DiscretizedModel:
    """Discretized Gaussian with mean `loc` and standard deviation `scale` per element."""
    return DiscretizedModel("gaussian", loc, scale, **options)


def laplace(loc: np.ndarray | float, scale: np.ndarray | float, **options) -> DiscretizedModel:
    """Discretized Laplace with location `loc` and scale `scale` (b) per element."""
    return DiscretizedModel("laplace", loc, scale, **options)


def logistic(loc: np.ndarray | float, scale: np.ndarray | float, **options) -> DiscretizedModel:
    """Discretized logistic with location `loc` and scale `scale` per element."""
    return DiscretizedModel("logistic", loc, scale, **options)


def compress(x: np.ndarray, model: DiscreteModel) -> bytes:
    """Entropy-code the integers `x` (int32 range) under `model`; the shape is not stored."""
    x = np.asarray(x)
    if x.dtype.kind not in "iu":
        raise InputError(f"data must be integers, got dtype {x.dtype}")
    shift, indexes, tables = model.coding_plan(x.shape)
    symbols = x.astype(np.int64) - shift
    if symbols.size and (symbols.min() < _INT32.min or symbols.max() > _INT32.max):
        raise InputError("data minus round(loc) must lie in the int32 range")
    return ans.encode(symbols, indexes, tables)


def decompress(data: bytes, model: DiscreteModel, shape: tuple[int, ...]) -> np.ndarray:
    """Decode bytes from `compress` with the same model into an int64 array of `shape`."""
    shape = tuple(int(n) for n in shape)
    shift, indexes, tables = model.coding_plan(shape)
    return ans.decode(data, indexes, tables).astype(np.int64) + shift


def _broadcast(value: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """Broadcast a model parameter to the data shape, or raise InputError."""
    try:
        return np.broadcast_to(value, shape)
    except ValueError:
        raise InputError(f"model {name} of shape {value.shape} does not fit data {shape}") from None


@lru_cache(maxsize=32)
def _cached_tables(
    family: str, scales: tuple[float, ...], tail_mass: float, precision: int
) -> cdf.CdfTables:
    """Tables for one (family, scale table, tail mass, precision), shared by all models."""
    return _BUILDERS[family](np.asarray(scales), tail_mass=tail_mass, precision=precision)
