"""Integer CDF tables: the exact discrete models that encoder and decoder share bit for bit.

Floating-point densities are quantized ONCE (at model export) into integer cumulative counts;
coding only ever reads these integers, so decoding is exact on any machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from scipy import special

from ncodec.coding.coder_models import MAX_PRECISION, categorical_model
from ncodec.errors import FormatError, InputError

#: Default number of bits of the integer probabilities (each table sums to 2**precision).
DEFAULT_PRECISION = 24
#: Default probability mass left outside a table's support (coded through the escape symbol).
DEFAULT_TAIL_MASS = 1e-9

_INT32 = np.iinfo(np.int32)


@dataclass(frozen=True, eq=False)
class CdfTables:
    """T integer CDF tables; symbol `lengths[t]-1` of table t is the escape for out-of-range values.

    `cdf[t, :lengths[t]+1]` rises strictly from 0 to 2**precision; the padding after it holds
    2**precision. In-range values of table t are `offsets[t] .. offsets[t]+lengths[t]-2`.
    """

    cdf: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray
    precision: int
    _models: dict[int, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        """Store read-only int32 copies (so cached coder models never go stale) and validate."""
        for name in ("cdf", "lengths", "offsets"):
            value = np.asarray(getattr(self, name))
            if value.dtype.kind not in "iu":
                raise FormatError(f"CDF tables: {name} must be integers, got {value.dtype}")
            if value.size and (value.min() < _INT32.min or value.max() > _INT32.max):
                raise FormatError(f"CDF tables: {name} does not fit in int32")
            value = value.astype(np.int32, copy=True)
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        precision = self.precision
        if isinstance(precision, np.ndarray):
            precision = precision.reshape(-1)[0] if precision.size == 1 else precision
        if not isinstance(precision, (int, np.integer)) or isinstance(precision, bool):
            raise FormatError(f"CDF tables: precision must be an integer, got {self.precision!r}")
        object.__setattr__(self, "precision", int(precision))
        self.validate()

    @property
    def num_tables(self) -> int:
        """Number of tables T."""
        return int(self.lengths.shape[0])

    def validate(self) -> None:
        """Raise FormatError unless every table is a well-formed strictly increasing integer CDF."""
        cdf, lengths, offsets, precision = self.cdf, self.lengths, self.offsets, self.precision
        if not 1 <= precision <= MAX_PRECISION:
            raise FormatError(f"CDF tables: precision {precision} is outside 1..{MAX_PRECISION}")
        if cdf.ndim != 2 or lengths.ndim != 1 or offsets.ndim != 1:
            raise FormatError("CDF tables: cdf must be 2-D, lengths and offsets 1-D")
        num, width = cdf.shape
        if num == 0 or lengths.shape[0] != num or offsets.shape[0] != num:
            raise FormatError(
                f"CDF tables: {num} cdf rows, {lengths.shape[0]} lengths, "
                f"{offsets.shape[0]} offsets (need the same number, at least 1)"
            )
        if lengths.min() < 2 or lengths.max() + 1 != width:
            raise FormatError(
                f"CDF tables: lengths must be in 2..{width - 1} with the longest filling the "
                f"{width}-column cdf"
            )
        if (
            int(offsets.astype(np.int64).min()) < _INT32.min + 1
            or int((offsets.astype(np.int64) + lengths - 2).max()) > _INT32.max - 1
        ):
            raise FormatError("CDF tables: offsets + lengths leave the int32 range")
        total = 1 << precision
        columns = np.arange(width)[None, :]
        valid = columns <= lengths[:, None]
        if np.any(cdf[:, 0] != 0):
            raise FormatError("CDF tables: every cdf row must start at 0")
        if np.any(cdf[~valid] != total):
            raise FormatError(f"CDF tables: padding after a table must hold 2**precision={total}")
        if np.any(cdf[np.arange(num), lengths] != total):
            raise FormatError(f"CDF tables: every table must end at 2**precision={total}")
        steps = np.diff(cdf.astype(np.int64), axis=1)
        if np.any((steps <= 0) & valid[:, 1:]):
            raise FormatError("CDF tables: counts must be >= 1 (cdf strictly increasing)")

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Plain int32 arrays (keys `cdf`, `lengths`, `offsets`, `precision`) for safetensors."""
        return {
            f"{prefix}cdf": np.array(self.cdf),
            f"{prefix}lengths": np.array(self.lengths),
            f"{prefix}offsets": np.array(self.offsets),
            f"{prefix}precision": np.array([self.precision], dtype=np.int32),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any], prefix: str = "") -> CdfTables:
        """Rebuild (and validate) tables stored by `to_arrays`; FormatError if keys are missing."""
        keys = ("cdf", "lengths", "offsets", "precision")
        missing = [prefix + k for k in keys if prefix + k not in arrays]
        if missing:
            raise FormatError(f"CDF tables: missing arrays {', '.join(missing)}")
        values = [np.asarray(arrays[prefix + k]) for k in keys]
        precision = values[3].reshape(-1)
        if precision.shape != (1,) or precision.dtype.kind not in "iu":
            raise FormatError("CDF tables: precision must be one integer")
        return cls(cdf=values[0], lengths=values[1], offsets=values[2], precision=int(precision[0]))

    def counts(self) -> np.ndarray:
        """Integer count of every symbol, shape (T, Lmax); zero after each table's escape."""
        return np.diff(self.cdf.astype(np.int64), axis=1)

    @cached_property
    def cheapest_bits(self) -> np.ndarray:
        """Per table, the fewest bits any of its symbols costs: -log2(largest count / 2**P).

        A stream cannot hold more symbols than these costs allow (`ncodec.coding.limits`).
        """
        return -np.log2(self.counts().max(axis=1) / float(1 << self.precision))

    @cached_property
    def first_symbol_bits(self) -> np.ndarray:
        """Per table, the bits of its first symbol: what a pop from an empty coder returns."""
        return -np.log2(self.counts()[:, 0] / float(1 << self.precision))

    def coder_model(self, table: int) -> Any:
        """The constriction categorical model of one table (built once, then cached)."""
        model = self._models.get(table)
        if model is None:
            length = int(self.lengths[table])
            model = categorical_model(self.cdf[table, : length + 1], self.precision)
            self._models[table] = model
        return model


def quantize_pmf(
    pmf: np.ndarray, tail_mass: np.ndarray, precision: int = DEFAULT_PRECISION
) -> np.ndarray:
    """Integer counts (T, L+1) summing to 2**precision, every one >= 1, last one the escape.

    Symbols whose share of the mass is below one count get exactly 1; the rest of the mass is
    split proportionally and rounded by largest remainder. Sums are sequential (cumsum) so the
    result is a deterministic function of the float64 inputs.
    """
    pmf = np.asarray(pmf, dtype=np.float64)
    tail = np.asarray(tail_mass, dtype=np.float64).reshape(-1)
    if pmf.ndim != 2 or tail.shape[0] != pmf.shape[0]:
        raise InputError("quantize_pmf: pmf must be (T, L) and tail_mass (T,)")
    if not (np.all(np.isfinite(pmf)) and np.all(np.isfinite(tail))):
        raise InputError("quantize_pmf: probabilities must be finite")
    if np.any(pmf < 0) or np.any(tail < 0):
        raise InputError("quantize_pmf: probabilities must be >= 0")
    probs = np.concatenate([pmf, tail[:, None]], axis=1)
    return _quantize_rows(probs, np.full(probs.shape[0], probs.shape[1]), precision)


def _quantize_rows(probs: np.ndarray, lengths: np.ndarray, precision: int) -> np.ndarray:
    """Quantize the first `lengths[t]` probabilities of each row to counts >= 1 summing to 2**P."""
    if not 1 <= precision <= MAX_PRECISION:
        raise InputError(f"precision must be in 1..{MAX_PRECISION}, got {precision}")
    num, width = probs.shape
    total = 1 << precision
    valid = np.arange(width)[None, :] < lengths[:, None]
    if np.any(lengths > total):
        raise InputError(f"a table has more symbols than 2**precision={total}")
    probs = np.where(valid, probs, 0.0)
    sums = np.cumsum(probs, axis=1)[:, -1]
    if np.any(sums <= 0):
        raise InputError("every table needs positive total probability")
    probs = probs / sums[:, None]
    forced = valid & (probs * total < 1.0)
    for _ in range(width + 1):
        free = total - forced.sum(axis=1)
        rest = np.where(valid & ~forced, probs, 0.0)
        rest_sum = np.cumsum(rest, axis=1)[:, -1]
        scale = np.divide(free, rest_sum, out=np.zeros(num), where=rest_sum > 0)
        weights = rest * scale[:, None]
        newly = valid & ~forced & (weights < 1.0)
        if not newly.any():
            break
        forced |= newly
    base = np.floor(weights)
    remainder = (free - base.sum(axis=1)).astype(np.int64)
    fraction = np.where(valid & ~forced, weights - base, -1.0)
    order = np.argsort(-fraction, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(width)[None, :].repeat(num, axis=0), axis=1)
    counts = base.astype(np.int64) + (rank < remainder[:, None]) + forced
    counts = np.where(valid, counts, 0)
    # Float rounding can leave the row sum off by a count or so: settle it on the largest count.
    deficit = total - counts.sum(axis=1)
    counts[np.arange(num), np.argmax(counts, axis=1)] += deficit
    if np.any(counts.sum(axis=1) != total) or np.any(counts[valid] < 1):
        raise InputError("could not quantize the probabilities (degenerate table)")
    return counts


def tables_from_pmf(
    pmf: np.ndarray,
    tail_mass: np.ndarray,
    offsets: np.ndarray,
    precision: int = DEFAULT_PRECISION,
    lengths: np.ndarray | None = None,
) -> CdfTables:
    """Tables from in-range probabilities pmf (T, L), escape mass tail_mass (T,) and offsets (T,).

    `lengths` (T,) optionally says how many pmf columns of each row are in range (default: all L);
    the escape symbol follows them.
    """
    pmf = np.asarray(pmf, dtype=np.float64)
    if pmf.ndim != 2 or pmf.shape[1] < 1:
        raise InputError("tables_from_pmf: pmf must have shape (T, L) with L >= 1")
    num, width = pmf.shape
    tail = np.broadcast_to(np.asarray(tail_mass, dtype=np.float64), (num,))
    in_range = np.full(num, width) if lengths is None else np.asarray(lengths).reshape(-1)
    if in_range.shape != (num,) or np.any(in_range < 1) or np.any(in_range > width):
        raise InputError("tables_from_pmf: lengths must be (T,) in 1..L")
    if not (np.all(np.isfinite(pmf)) and np.all(np.isfinite(tail))):
        raise InputError("tables_from_pmf: probabilities must be finite")
    if np.any(pmf < 0) or np.any(tail < 0):
        raise InputError("tables_from_pmf: probabilities must be >= 0")
    probs = np.zeros((num, width + 1))
    probs[:, :width] = np.where(np.arange(width)[None, :] < in_range[:, None], pmf, 0.0)
    probs[np.arange(num), in_range] = tail
    counts = _quantize_rows(probs, in_range + 1, precision)
    cdf = np.zeros((num, width + 2), dtype=np.int64)
    np.cumsum(counts, axis=1, out=cdf[:, 1:])
    width_used = int(in_range.max()) + 2
    return CdfTables(
        cdf=cdf[:, :width_used],
        lengths=in_range + 1,
        offsets=np.broadcast_to(np.asarray(offsets), (num,)),
        precision=precision,
    )


def tables_from_cdf(
    cdf_fn: Callable[[np.ndarray], np.ndarray],
    lower: np.ndarray,
    upper: np.ndarray,
    precision: int = DEFAULT_PRECISION,
) -> CdfTables:
    """Discretize T continuous CDFs on unit bins: pmf(v) = F(v+0.5) - F(v-0.5), v in lower..upper.

    `cdf_fn` maps float64 edges (T, K) to the CDF of each row's table; mass outside
    [lower-0.5, upper+0.5] goes to the escape symbol.
    """
    lower = np.asarray(lower, dtype=np.int64).reshape(-1)
    upper = np.asarray(upper, dtype=np.int64).reshape(-1)
    if lower.shape != upper.shape or lower.size == 0 or np.any(upper < lower):
        raise InputError("tables_from_cdf: lower and upper must be (T,) with upper >= lower")
    sizes = upper - lower + 1
    width = int(sizes.max())
    steps = np.minimum(np.arange(width + 1)[None, :], sizes[:, None])
    edges = (lower[:, None] + steps).astype(np.float64) - 0.5
    values = np.asarray(cdf_fn(edges), dtype=np.float64)
    if values.shape != edges.shape:
        raise InputError(f"tables_from_cdf: cdf_fn returned {values.shape}, expected {edges.shape}")
    pmf = np.diff(values, axis=1)
    tail = values[:, 0] + (1.0 - values[:, -1])
    return tables_from_pmf(
        np.maximum(pmf, 0.0), np.maximum(tail, 0.0), lower, precision, lengths=sizes
    )


def _check_tail_mass(tail_mass: float) -> float:
    """The tail mass as a float in (0, 1), or InputError."""
    if not 0 < tail_mass < 1:
        raise InputError(f"tail_mass must be in (0, 1), got {tail_mass}")
    return float(tail_mass)


def _symmetric_tables(
    scales: np.ndarray,
    tail_mass: float,
    precision: int,
    cdf: Callable[[np.ndarray], np.ndarray],
    tail_quantile: float,
) -> CdfTables:
    """Zero-mean tables for a unit-scale symmetric CDF, support covering 1 - tail_mass."""
    scales = np.asarray(scales, dtype=np.float64).reshape(-1)
    if scales.size == 0 or not np.all(np.isfinite(scales)) or np.any(scales <= 0):
        raise InputError("scales must be a non-empty array of positive finite numbers")
    upper = np.maximum(np.ceil(scales * tail_quantile - 0.5), 1).astype(np.int64)
    return tables_from_cdf(lambda x: cdf(x / scales[:, None]), -upper, upper, precision)


def gaussian_tables(
    scales: np.ndarray, tail_mass: float = DEFAULT_TAIL_MASS, precision: int = DEFAULT_PRECISION
) -> CdfTables:
    """Zero-mean discretized Gaussian tables, one per standard deviation in `scales`."""
    tail_mass = _check_tail_mass(tail_mass)
    quantile = -float(special.ndtri(tail_mass / 2))
    return _symmetric_tables(scales, tail_mass, precision, special.ndtr, quantile)


def laplace_tables(
    scales: np.ndarray, tail_mass: float = DEFAULT_TAIL_MASS, precision: int = DEFAULT_PRECISION
) -> CdfTables:
    """Zero-mean discretized Laplace tables, one per scale b (density exp(-|x|/b) / 2b)."""
    tail_mass = _check_tail_mass(tail_mass)

    def laplace_cdf(x: np.ndarray) -> np.ndarray:
        """Unit-scale Laplace CDF, each branch evaluated where it does not overflow."""
        return np.where(x < 0, 0.5 * np.exp(np.minimum(x, 0)), 1 - 0.5 * np.exp(-np.maximum(x, 0)))

    return _symmetric_tables(scales, tail_mass, precision, laplace_cdf, -np.log(tail_mass))


def logistic_tables(
    scales: np.ndarray, tail_mass: float = DEFAULT_TAIL_MASS, precision: int = DEFAULT_PRECISION
) -> CdfTables:
    """Zero-mean discretized logistic tables, one per scale s (CDF 1 / (1 + exp(-x/s)))."""
    tail_mass = _check_tail_mass(tail_mass)
    quantile = float(np.log(2 / tail_mass - 1))
    return _symmetric_tables(scales, tail_mass, precision, special.expit, quantile)
