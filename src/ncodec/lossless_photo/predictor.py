"""Integer prediction and activity contexts of one pass, and the encoder's least-squares fit.

A pass predicts `(sum_k w_k f_k + bias + 2**(SHIFT-1)) >> SHIFT`, clipped to 0..255, from the
samples f_k its `geometry.offsets` allow, with integer weights: int64 arithmetic, exact on any
machine. Its activity (the spread of the nearest neighbours around the prediction, plus the
residuals of the earlier channels at the same pixel) picks one of a few contexts, each coded
under its own integer table.
"""

from __future__ import annotations

import numpy as np

from ncodec.lossless_photo import geometry as geo

SHIFT = 12
"""Fraction bits of the integer predictor weights."""
WEIGHT_LIMIT = 1 << 20
"""Weights are clipped to +-this (in units of 2**-SHIFT)."""
_CHUNK = 1 << 21
"""Elements of a feature matrix the fit builds at once (bounded memory)."""


def predict(
    pad: np.ndarray,
    radius: int,
    step: geo.Step,
    shape: tuple[int, int],
    weights: np.ndarray,
) -> np.ndarray:
    """The integer prediction 0..255 of every pixel of the pass's phase (int64, `shape`)."""
    parity = geo.PHASES[step.phase]
    channels = pad.shape[2]
    acc = np.full(shape, int(weights[-1]) + (1 << (SHIFT - 1)), dtype=np.int64)
    where = geo.offsets(radius, step.phase, step.channel, channels)
    for w, (dy, dx, c) in zip(weights[: len(where)], where, strict=True):
        if w:
            acc += int(w) * geo.sample(pad, radius, parity, dy, dx, c, shape)
    for w, feature in zip(
        weights[len(where) : -1], nonlinear(pad, radius, step, shape), strict=True
    ):
        acc += int(w) * feature
    return np.clip(acc >> SHIFT, 0, 255)


EXTRA_FEATURES = 2
"""Nonlinear features after the samples: the sum of the flatter opposite pair of the nearest
neighbours (edge-directed), and the sum of the middle two of the four (a median)."""


def nonlinear(
    pad: np.ndarray, radius: int, step: geo.Step, shape: tuple[int, int]
) -> list[np.ndarray]:
    """The EXTRA_FEATURES integer features of a pass (same channel, nearest neighbours)."""
    parity = geo.PHASES[step.phase]
    a, b, c, d = (
        geo.sample(pad, radius, parity, dy, dx, step.channel, shape).astype(np.int64)
        for dy, dx in geo.nearest(step.phase)
    )
    if geo.PHASES[step.phase] == (1, 1):  # diagonals: (a, d) and (b, c) are opposite
        first, second = (a, d), (b, c)
    else:  # (a, b) vertical, (c, d) horizontal
        first, second = (a, b), (c, d)
    flat = np.where(
        np.abs(first[0] - first[1]) <= np.abs(second[0] - second[1]),
        first[0] + first[1],
        second[0] + second[1],
    )
    stacked = np.sort(np.stack([a, b, c, d]), axis=0)
    return [flat, stacked[1] + stacked[2]]


def activity(
    pad: np.ndarray,
    radius: int,
    step: geo.Step,
    shape: tuple[int, int],
    prediction: np.ndarray,
    earlier: list[np.ndarray],
    residuals: np.ndarray,
) -> np.ndarray:
    """Sum of |neighbour - prediction| and of the neighbours' own |residual| (`residuals`: the
    padded canvas of |residual|) over the nearest same-channel neighbours, plus twice the
    |residual| of each earlier channel at the same pixel (int64)."""
    parity = geo.PHASES[step.phase]
    total = np.zeros(shape, dtype=np.int64)
    for dy, dx in geo.nearest(step.phase):
        total += np.abs(geo.sample(pad, radius, parity, dy, dx, step.channel, shape) - prediction)
        total += geo.sample(residuals, radius, parity, dy, dx, step.channel, shape)
    for residual in earlier:
        total += 2 * np.abs(residual)
    return total


def contexts(act: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The context (0..len(thresholds)) of each activity value."""
    return np.searchsorted(thresholds, act, side="right").astype(np.int32)


class NormalEquations:
    """Accumulates X^T X and X^T y of one predictor over passes (float64, encoder only)."""

    def __init__(self, features: int) -> None:
        self.xtx = np.zeros((features + 1, features + 1))
        self.xty = np.zeros(features + 1)
        self.count = 0

    def add(
        self,
        pad: np.ndarray,
        radius: int,
        step: geo.Step,
        shape: tuple[int, int],
        target: np.ndarray,
    ) -> None:
        """Add the pixels of one pass (their samples and true values), a few rows at a time."""
        parity = geo.PHASES[step.phase]
        where = geo.offsets(radius, step.phase, step.channel, pad.shape[2])
        extra = nonlinear(pad, radius, step, shape)
        rows = max(1, _CHUNK // max(1, shape[1] * (len(where) + EXTRA_FEATURES + 1)))
        for r0 in range(0, shape[0], rows):
            r1 = min(shape[0], r0 + rows)
            columns = [
                geo.sample(pad, radius, parity, dy, dx, c, shape)[r0:r1] for dy, dx, c in where
            ]
            columns += [f[r0:r1] for f in extra]
            x = np.stack([*columns, np.ones((r1 - r0, shape[1]))], axis=-1)
            x = x.reshape(-1, len(columns) + 1)
            x = x.astype(np.float64)
            y = target[r0:r1].reshape(-1).astype(np.float64)
            self.xtx += x.T @ x
            self.xty += x.T @ y
            self.count += len(y)

    def solve(self) -> np.ndarray:
        """Ridge-regularized least-squares weights, as integers in units of 2**-SHIFT."""
        n = self.xty.size
        if self.count == 0:
            return np.zeros(n, dtype=np.int32)
        ridge = 1e-4 * (np.trace(self.xtx) / n + 1.0)
        try:
            w = np.linalg.solve(self.xtx + ridge * np.eye(n), self.xty)
        except np.linalg.LinAlgError:
            w = np.zeros(n)
        w = np.nan_to_num(w)
        return np.clip(np.rint(w * (1 << SHIFT)), -WEIGHT_LIMIT, WEIGHT_LIMIT).astype(np.int32)
