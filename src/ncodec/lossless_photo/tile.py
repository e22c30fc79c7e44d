"""Coding one tile: the base level uniformly, then every pass of `geometry.steps` in order.

The encoder walks the passes twice over the same canvases the decoder will see: once to fit
each predictor set (least squares), once to compute the integer residuals and their contexts;
it then picks, per predictor set and context, the stored table that codes those residuals in
the fewest bits. Per tile it sends the integer weights and table choices. A small tile also
tries two fixed predictors (`predictor.fixed_predictor`) with one table choice shared by every
predictor set, whose parameters compress to a few dozen bytes instead of about 1.8 KB, and
keeps whichever costs the fewest bytes (the decoder reads them all alike).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ncodec.coding import AnsStack, CdfTables, DecodeOrderWriter
from ncodec.errors import FormatError
from ncodec.lossless_photo import geometry as geo
from ncodec.lossless_photo import predictor as pr

RANGE = 255
"""Residuals lie in -RANGE..RANGE (pixel minus a prediction, both 0..255)."""
SMALL_TILE_PIXELS = 128 * 128
"""Tiles up to this size also try the fixed predictors (measured on training-photo crops:
bench/lossless_small_images.py)."""


@dataclass(frozen=True)
class Settings:
    """What encoder and decoder share: neighbourhood radius per predictor set, activity
    thresholds, the integer tables and each table's cost in bits per residual value."""

    radii: tuple[int, ...]
    thresholds: np.ndarray
    tables: CdfTables
    bits: np.ndarray
    """(tables, 2 * RANGE + 1) bits of each residual value under each table (encoder only)."""

    @property
    def contexts(self) -> int:
        """Number of activity contexts."""
        return len(self.thresholds) + 1

    def feature_count(self, group: int, phase: int, channel: int, channels: int) -> int:
        """Samples a predictor of this set, phase and channel reads (its weights: one more)."""
        where = geo.offsets(self.radii[group], phase, channel, channels)
        return len(where) + pr.EXTRA_FEATURES


def param_layout(settings: Settings, levels: int, channels: int) -> list[tuple[int, int, int]]:
    """(group, phase, channel) of every predictor a tile with `levels` levels sends, in order."""
    groups = min(levels - 1, geo.GROUPS)
    return [
        (g, i, c) for g in range(groups) for i in range(len(geo.PHASES)) for c in range(channels)
    ]


def param_bytes(settings: Settings, levels: int, channels: int) -> int:
    """Size of a tile's serialized parameters (int32 weights, one table choice per context)."""
    return sum(
        4 * (settings.feature_count(g, i, c, channels) + 1) + settings.contexts
        for g, i, c in param_layout(settings, levels, channels)
    )


def _walk(
    truth: list[np.ndarray], settings: Settings
) -> Iterator[tuple[geo.Step, np.ndarray, tuple[int, int], np.ndarray]]:
    """(step, padded canvas, phase shape, true values) of every pass, the canvas holding exactly
    what the decoder has decoded before that pass."""
    levels, channels = len(truth), truth[0].shape[2]
    for step in geo.steps(levels, channels):
        level = truth[step.level]
        if step.phase == 0 and step.channel == 0:
            canvas = np.zeros_like(level)
            canvas[0::2, 0::2] = truth[step.level + 1]
        parity = geo.PHASES[step.phase]
        radius = settings.radii[step.group]
        target = level[parity[0] :: 2, parity[1] :: 2, step.channel]
        yield step, geo.padded(canvas, radius), target.shape, target
        canvas[parity[0] :: 2, parity[1] :: 2, step.channel] = target


def encode_tile(tile: np.ndarray, settings: Settings, writer: DecodeOrderWriter) -> bytes:
    """Queue the tile's symbols on `writer` (decoding order); return its parameters' bytes.

    The predictors read the residuals of earlier passes, which depend on the predictors: they
    are fitted twice, first without residuals, then on the residuals of the first fit."""
    h, w, channels = tile.shape
    shapes = geo.level_shapes(h, w)
    truth = [
        np.ascontiguousarray(tile[:: 1 << k, :: 1 << k]).astype(np.int32)
        for k in range(len(shapes))
    ]
    writer.write_uniform(truth[-1].reshape(-1), 256)
    layout = param_layout(settings, len(shapes), channels)
    weights = None
    for _ in range(2):
        equations = {
            key: pr.NormalEquations(settings.feature_count(*key, channels)) for key in layout
        }
        _passes(truth, settings, weights, equations)
        weights = {key: eq.solve() for key, eq in equations.items()}
    candidates = [_candidate(truth, settings, layout, weights, shared=False)]
    if h * w <= SMALL_TILE_PIXELS:
        for colour in (False, True):
            fixed = {
                (g, i, c): pr.fixed_predictor(settings.radii[g], i, c, channels, colour)
                for g, i, c in layout
            }
            candidates.append(_candidate(truth, settings, layout, fixed, shared=True))
    best = min(candidates, key=lambda candidate: candidate.bytes)
    for key, residual, context in best.coded:
        writer.write(residual, best.choices[key][context], settings.tables)
    return best.params


@dataclass(frozen=True)
class _Candidate:
    """One way to code a tile: its passes, table choices, parameter bytes and estimated size."""

    coded: list[tuple[tuple[int, int, int], np.ndarray, np.ndarray]]
    choices: dict[tuple[int, int, int], np.ndarray]
    params: bytes
    bytes: float
    """zlib-compressed parameters plus the residuals' bits under the chosen tables, in bytes."""


def _candidate(
    truth: list[np.ndarray],
    settings: Settings,
    layout: list[tuple[int, int, int]],
    weights: dict[tuple[int, int, int], np.ndarray],
    shared: bool,
) -> _Candidate:
    """Code the tile's passes with these weights; `shared`: one table choice for all sets."""
    coded = _passes(truth, settings, weights, None)
    choices = _choose_tables(coded, layout, settings, shared)
    params = b"".join(
        weights[key].astype("<i4").tobytes() + choices[key].tobytes() for key in layout
    )
    bits = sum(
        float(settings.bits[choices[key][context], residual + RANGE].sum())
        for key, residual, context in coded
    )
    return _Candidate(coded, choices, params, len(zlib.compress(params, 9)) + bits / 8)


def _passes(
    truth: list[np.ndarray],
    settings: Settings,
    weights: dict | None,
    equations: dict | None,
) -> list[tuple[tuple[int, int, int], np.ndarray, np.ndarray]]:
    """(predictor, residual, context) of every pass with these weights (None: no prediction,
    residuals read as 0), adding every pass to `equations` when given."""
    coded = []
    earlier: list[np.ndarray] = []
    residuals = np.zeros_like(truth[-1])
    for step, pad, shape, target in _walk(truth, settings):
        key = (step.group, step.phase, step.channel)
        radius = settings.radii[step.group]
        residuals = _next_level(residuals, truth[step.level].shape, step)
        padded_residuals = geo.padded(residuals, radius)
        x = pr.design(pad, radius, step, shape, padded_residuals)
        if equations is not None:
            equations[key].add(x, target)
        if weights is None:
            continue
        earlier = [] if step.channel == 0 else earlier
        prediction = pr.predict(x, weights[key], shape)
        residual = target - prediction
        act = pr.activity(pad, radius, step, shape, prediction, earlier, padded_residuals)
        coded.append((key, residual.astype(np.int32), pr.contexts(act, settings.thresholds)))
        earlier = [*earlier, residual]
        _store(residuals, step, residual)
    return coded


def _next_level(canvas: np.ndarray, shape: tuple, step: geo.Step) -> np.ndarray:
    """At the first pass of a level, a zero canvas of the level's `shape` (H, W, C) holding the
    coarser level's canvas on phase (0, 0); else the same canvas."""
    if step.phase or step.channel:
        return canvas
    finer = np.zeros(shape, dtype=canvas.dtype)
    finer[0::2, 0::2] = canvas
    return finer


def _store(canvas: np.ndarray, step: geo.Step, values: np.ndarray) -> None:
    """Write a pass's values into its phase and channel of a level canvas."""
    parity = geo.PHASES[step.phase]
    canvas[parity[0] :: 2, parity[1] :: 2, step.channel] = values


def _choose_tables(
    coded: list[tuple[tuple[int, int, int], np.ndarray, np.ndarray]],
    layout: list[tuple[int, int, int]],
    settings: Settings,
    shared: bool = False,
) -> dict[tuple[int, int, int], np.ndarray]:
    """Per predictor (or, `shared`, for all at once) and context, the table with the fewest
    bits for its residuals (uint8)."""
    width = 2 * RANGE + 1
    histograms = {key: np.zeros(settings.contexts * width, dtype=np.int64) for key in layout}
    for key, residual, context in coded:
        index = context.reshape(-1).astype(np.int64) * width + residual.reshape(-1) + RANGE
        histograms[layout[0] if shared else key] += np.bincount(
            index, minlength=settings.contexts * width
        )
    choices = {
        key: np.argmin(hist.reshape(settings.contexts, width) @ settings.bits.T, axis=1).astype(
            np.uint8
        )
        for key, hist in histograms.items()
    }
    return {key: choices[layout[0]] for key in layout} if shared else choices


def decode_tile(
    stack: AnsStack, params: bytes, shape: tuple[int, int], channels: int, settings: Settings
) -> np.ndarray:
    """Pop one tile (H, W, channels) uint8 coded by `encode_tile` with these parameters."""
    shapes = geo.level_shapes(*shape)
    layout = param_layout(settings, len(shapes), channels)
    weights, choices = _read_params(params, layout, channels, settings)
    base = stack.pop_uniform(256, shape=(*shapes[-1], channels))
    canvas = np.asarray(base, dtype=np.int32).reshape(*shapes[-1], channels)
    earlier: list[np.ndarray] = []
    residuals = np.zeros_like(canvas)
    for step in geo.steps(len(shapes), channels):
        canvas = _next_level(canvas, (*shapes[step.level], channels), step)
        residuals = _next_level(residuals, (*shapes[step.level], channels), step)
        key = (step.group, step.phase, step.channel)
        parity = geo.PHASES[step.phase]
        radius = settings.radii[step.group]
        pad = geo.padded(canvas, radius)
        phase_shape = geo.phase_shape(shapes[step.level], parity)
        earlier = [] if step.channel == 0 else earlier
        padded_residuals = geo.padded(residuals, radius)
        x = pr.design(pad, radius, step, phase_shape, padded_residuals)
        prediction = pr.predict(x, weights[key], phase_shape)
        act = pr.activity(pad, radius, step, phase_shape, prediction, earlier, padded_residuals)
        indexes = choices[key][pr.contexts(act, settings.thresholds)]
        residual = stack.pop(indexes, settings.tables).astype(np.int64)
        values = residual + prediction
        if values.size and (values.min() < 0 or values.max() > 255):
            raise FormatError("corrupted: a decoded sample lies outside 0..255")
        _store(canvas, step, values)
        _store(residuals, step, residual)
        earlier = [*earlier, residual]
    return canvas.astype(np.uint8)


def _read_params(
    params: bytes, layout: list[tuple[int, int, int]], channels: int, settings: Settings
) -> tuple[dict, dict]:
    """Weights (int32) and table choices of a tile's predictors from their bytes."""
    weights, choices, at = {}, {}, 0
    for key in layout:
        n = settings.feature_count(*key, channels) + 1
        weights[key] = np.frombuffer(params, "<i4", n, at).astype(np.int64)
        at += 4 * n
        chosen = np.frombuffer(params, np.uint8, settings.contexts, at).astype(np.int64)
        at += settings.contexts
        if chosen.max(initial=0) >= settings.tables.num_tables:
            raise FormatError("corrupted: a table choice names no stored table")
        choices[key] = chosen
    if any(np.abs(w).max(initial=0) > pr.WEIGHT_LIMIT for w in weights.values()):
        raise FormatError("corrupted: a predictor weight is out of range")
    return weights, choices
