"""Intensity (the 4th LiDAR channel): quantization to a step and an adaptive context coder.

Values become integers q = round(value / step) - base in 0..levels-1 (`quantize`); a decoded
value is float32((q + base) * step), so with a step the values are exact multiples of
("lossless", found by `choose_step`) the round trip is bit-exact. Points that share a geometry
cell get the rounded mean of their q (`per_cell`).

Coding (`encode`/`decode`) follows one of two orders of the decoded points (`point_order`):
their Morton order, which keeps neighbours in space close in the list, or a ring order that
approximates a spinning LiDAR's scan lines (points sorted by elevation slope in bins of 1/256,
then by azimuth), where neighbours in the list are consecutive returns of one laser; the encoder
keeps the shorter stream (`encode_best`). Along the order, it is a hierarchical interpolation:
first every 64th point (each as the difference to the previous one of them), then for
s = 32, 16, ..., 1 the points at odd multiples of s, each predicted as the mean of the already
decoded points s before and s after it. The residual is coded under one of 64 adaptive contexts
(how far apart the two neighbours are, 8 classes, times the predicted level, 8 classes): integer
counts over residuals -RANGE..RANGE plus an escape (larger residuals, Elias-gamma coded by
`AnsStack`), starting flat and adapted after every chunk of CHUNK points, so a chunk's tables
depend only on what was decoded before it. No Python loop per point; the order's keys use only
IEEE operations that are exact or correctly rounded (+, *, /, sqrt), the rest is integers.
"""

from __future__ import annotations

import math

import numpy as np

from ncodec.coding import AnsStack, DecodeOrderWriter
from ncodec.errors import FormatError, InputError
from ncodec.pointcloud.adaptive import tables_from_counts

LOSSLESS = "lossless"
#: Steps tried by "lossless", largest first (8-bit, percent, 16-bit and decimal sensors).
EXACT_STEPS = (1.0, 0.1, 1 / 255, 2.0**-8, 0.01, 0.001, 1 / 65535, 2.0**-16, 1e-4)
MAX_LEVELS = 1 << 16
STRIDE = 64
RANGE = 40
CHUNK = 4096
INCREMENT = 8
SPREAD_EDGES = np.array([0, 1, 2, 4, 8, 16, 32])
LEVEL_CLASSES = 8
ORDERS = ("morton", "ring")
RING_BINS = 256
RING_SLOPE_LIMIT = 4.0
CONTEXTS = (len(SPREAD_EDGES) + 1) * LEVEL_CLASSES + 1
"""The interpolation contexts and one for the first points (every STRIDE-th)."""


def parse_setting(setting: object) -> str | float:
    """ "lossless" or a positive step (a number or its text); else a one-line InputError."""
    if isinstance(setting, str) and setting.strip().lower() == LOSSLESS:
        return LOSSLESS
    try:
        step = float(setting)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        step = math.nan
    if isinstance(setting, bool) or not math.isfinite(step) or step <= 0:
        raise InputError(f"intensity must be 'lossless' or a positive step, got {setting!r}")
    return step


def decoded_values(q: np.ndarray, base: int, step: float) -> np.ndarray:
    """Float32 intensities of quantized levels."""
    return ((q.astype(np.int64) + base).astype(np.float64) * step).astype(np.float32)


def choose_step(values: np.ndarray, setting: str | float) -> float:
    """The step of a setting: a given step as is; for "lossless" the largest EXACT_STEPS step
    that reproduces every value bit for bit (InputError if none does)."""
    if setting != LOSSLESS:
        return float(setting)
    for step in EXACT_STEPS:
        q = np.rint(values.astype(np.float64) / step)
        if np.abs(q).max() < MAX_LEVELS and np.array_equal(
            decoded_values(q.astype(np.int64), 0, step).view(np.uint32), values.view(np.uint32)
        ):
            return step
    raise InputError(
        "intensities are not all multiples of a known step (1, 1/255, 0.01, ...): "
        "give the intensity a step instead of 'lossless'"
    )


def quantize(values: np.ndarray, step: float) -> tuple[np.ndarray, int, int]:
    """Levels q (int64, 0..levels-1), base and levels of float intensities at `step`."""
    scaled = np.rint(values.astype(np.float64) / step)
    if np.abs(scaled).max() >= 2.0**40:
        raise InputError(f"intensity step {step:g} is too fine for these values")
    q = scaled.astype(np.int64)
    base = int(q.min())
    levels = int(q.max()) - base + 1
    if levels > MAX_LEVELS:
        raise InputError(
            f"intensity step {step:g} gives {levels} levels (at most {MAX_LEVELS}): "
            "use a larger step"
        )
    return q - base, base, levels


def per_cell(q: np.ndarray, cell: np.ndarray, cells: int) -> np.ndarray:
    """The rounded mean level of the points of each cell (`cell[i]`: point i's cell)."""
    total = np.bincount(cell, weights=q, minlength=cells).astype(np.int64)
    count = np.bincount(cell, minlength=cells).astype(np.int64)
    return (2 * total + count) // (2 * count)


def check_header(fields: object) -> tuple[float, int, int, str]:
    """(step, base, levels, order) of a file's `intensity` header field; FormatError if bad."""
    keys = ("step", "base", "levels", "order")
    ok = isinstance(fields, dict) and set(fields) == set(keys) and fields["order"] in ORDERS
    step, base, levels, order = (fields[k] for k in keys) if ok else (0, 0, 0, "")
    integers = all(isinstance(v, int) and not isinstance(v, bool) for v in (base, levels))
    if not (ok and integers and isinstance(step, float) and math.isfinite(step) and step > 0):
        raise FormatError(f"invalid header: intensity quantization {fields!r}")
    if not (abs(base) < 2**40 and 1 <= levels <= MAX_LEVELS):
        raise FormatError(f"invalid header: intensity quantization {fields!r}")
    return step, base, levels, order


def _pseudo_azimuth(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A monotone stand-in for the azimuth in [0, 4) (the 'diamond angle'): one division, so
    IEEE arithmetic gives the same value on every machine (atan2 would not)."""
    total = np.abs(x) + np.abs(y)
    total[total == 0] = 1.0
    upper = np.where(x >= 0, y / total, 1 - x / total)
    lower = np.where(x < 0, 2 - y / total, 3 + x / total)
    return np.where(y >= 0, upper, lower)


def point_order(name: str, cells: np.ndarray, sensor: np.ndarray) -> np.ndarray | None:
    """The permutation of the decoded cells (Morton order) that the levels are coded in; None
    for Morton order itself. Only exact IEEE operations (+, *, /, sqrt, floor) on integers."""
    if name == "morton":
        return None
    d = (cells - sensor[None, :]).astype(np.float64)
    planar = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
    slope = d[:, 2] / np.where(planar == 0, 1.0, planar)
    ring = np.floor(np.clip(slope, -RING_SLOPE_LIMIT, RING_SLOPE_LIMIT) * RING_BINS)
    return np.lexsort((_pseudo_azimuth(d[:, 0], d[:, 1]), ring))


def encode_best(
    q: np.ndarray, levels: int, cells: np.ndarray, sensor: np.ndarray
) -> tuple[bytes, str]:
    """The shortest stream of the levels (of the cells, Morton order) over ORDERS, and its order."""
    best: tuple[bytes, str] | None = None
    for name in ORDERS:
        order = point_order(name, cells, sensor)
        data = encode(q if order is None else q[order], levels)
        if best is None or len(data) < len(best[0]):
            best = (data, name)
    assert best is not None
    return best


def decode_ordered(
    data: bytes, levels: int, cells: np.ndarray, sensor: np.ndarray, name: str
) -> np.ndarray:
    """The levels of the cells (Morton order) from a stream of `encode_best`."""
    order = point_order(name, cells, sensor)
    coded = decode(data, len(cells), levels)
    if order is None:
        return coded
    q = np.empty_like(coded)
    q[order] = coded
    return q


def _plan(count: int) -> list[np.ndarray]:
    """The points of each interpolation pass, in decoding order (the first: every STRIDE-th)."""
    passes = [np.arange(0, count, STRIDE)]
    s = STRIDE // 2
    while s >= 1:
        passes.append(np.arange(s, count, 2 * s))
        s //= 2
    return passes


def _interpolation(q: np.ndarray, index: np.ndarray, s: int, levels: int) -> tuple:
    """Prediction and context of points `index` from the decoded points s before and after."""
    left = q[index - s]
    after = index + s
    right = q[np.where(after < len(q), after, index - s)]
    prediction = (left + right + 1) >> 1
    spread = np.searchsorted(SPREAD_EDGES, np.abs(left - right), side="right")
    contexts = spread * LEVEL_CLASSES + (prediction * LEVEL_CLASSES) // levels
    return prediction, contexts


class _Counts:
    """The adaptive counts of every context; one instance codes one cloud."""

    def __init__(self) -> None:
        self.counts = np.ones((CONTEXTS, 2 * RANGE + 2), dtype=np.int64)

    def tables(self, contexts: np.ndarray) -> tuple[np.ndarray, object]:
        used, index = np.unique(contexts, return_inverse=True)
        return index.reshape(-1), tables_from_counts(self.counts[used], -RANGE)

    def adapt(self, contexts: np.ndarray, residuals: np.ndarray) -> None:
        slot = np.where(np.abs(residuals) <= RANGE, residuals + RANGE, 2 * RANGE + 1)
        np.add.at(self.counts, (contexts, slot), INCREMENT)


def _chunks(index: np.ndarray) -> list[slice]:
    return [slice(start, start + CHUNK) for start in range(0, len(index), CHUNK)]


def encode(q: np.ndarray, levels: int) -> bytes:
    """The entropy-coded levels (0..levels-1) of the points in decoding (Morton) order."""
    q = q.astype(np.int64)
    writer = DecodeOrderWriter()
    counts = _Counts()
    passes = _plan(len(q))
    first = passes[0]
    residuals = np.diff(q[first], prepend=0)
    for rows in _chunks(first):
        contexts = np.full(len(residuals[rows]), CONTEXTS - 1)
        writer.write(residuals[rows], *counts.tables(contexts))
        counts.adapt(contexts, residuals[rows])
    for k, index in enumerate(passes[1:]):
        prediction, contexts = _interpolation(q, index, STRIDE >> (k + 1), levels)
        residuals = q[index] - prediction
        for rows in _chunks(index):
            writer.write(residuals[rows], *counts.tables(contexts[rows]))
            counts.adapt(contexts[rows], residuals[rows])
    return writer.to_bytes()


def decode(data: bytes, count: int, levels: int) -> np.ndarray:
    """The levels (int64, count) coded by `encode`; FormatError if the stream is corrupt."""
    stack = AnsStack.from_bytes(data)
    counts = _Counts()
    q = np.zeros(count, dtype=np.int64)
    passes = _plan(count)
    first = passes[0]
    residuals = np.zeros(len(first), dtype=np.int64)
    for rows in _chunks(first):
        contexts = np.full(len(residuals[rows]), CONTEXTS - 1)
        residuals[rows] = stack.pop(*counts.tables(contexts))
        counts.adapt(contexts, residuals[rows])
    q[first] = np.cumsum(residuals)
    _check(q[first], levels)
    for k, index in enumerate(passes[1:]):
        prediction, contexts = _interpolation(q, index, STRIDE >> (k + 1), levels)
        for rows in _chunks(index):
            residuals = stack.pop(*counts.tables(contexts[rows])).astype(np.int64)
            counts.adapt(contexts[rows], residuals)
            q[index[rows]] = prediction[rows] + residuals
        _check(q[index], levels)
    if not stack.is_empty():
        raise FormatError("corrupt intensity stream (data left after the last point)")
    return q


def _check(q: np.ndarray, levels: int) -> None:
    if len(q) and (q.min() < 0 or q.max() >= levels):
        raise FormatError("corrupt intensity stream (a level outside the header's range)")
