"""Integer prediction and activity contexts of one pass, and the encoder's least-squares fit.

A pass predicts `(sum_k w_k f_k + bias + 2**(SHIFT-1)) >> SHIFT`, clipped to 0..255, from the
samples f_k its `geometry.offsets` allow, two nonlinear features and the residuals of the
nearest neighbours, with integer weights. The sums are integers far below 2**53 computed in
float64, so they are exact in any order on any machine.
The activity (the nearest neighbours' distance to the prediction and their own residuals, plus
the residuals of the earlier channels at the same pixel) picks the context whose integer table
codes the residual.
"""

from __future__ import annotations

import numpy as np

from ncodec.lossless_photo import geometry as geo

SHIFT = 12
"""Fraction bits of the integer predictor weights."""
WEIGHT_LIMIT = 1 << 20
"""Weights are clipped to +-this (in units of 2**-SHIFT): every sum stays below 2**40."""
EXTRA_FEATURES = 6
"""Features after the samples: the sum of the flatter opposite pair of the nearest neighbours
(edge-directed), the sum of the middle two of the four (a median), and the four neighbours'
residuals (error feedback)."""
NEAR_WEIGHT, RESIDUAL_WEIGHT, EARLIER_WEIGHT = 1, 3, 2
"""Activity = NEAR * sum |neighbour - prediction| + RESIDUAL * sum |neighbour residual|
+ EARLIER * sum |earlier channel residual| (weights chosen on held-out training photos)."""


def nearest_samples(
    pad: np.ndarray, radius: int, step: geo.Step, shape: tuple[int, int]
) -> list[np.ndarray]:
    """The four nearest known same-channel samples of every pixel of the pass (int64)."""
    parity = geo.PHASES[step.phase]
    return [
        geo.sample(pad, radius, parity, dy, dx, step.channel, shape).astype(np.int64)
        for dy, dx in geo.nearest(step.phase)
    ]


def design(
    pad: np.ndarray, radius: int, step: geo.Step, shape: tuple[int, int], residuals: np.ndarray
) -> np.ndarray:
    """(pixels, features + 1) float64: the samples, the nonlinear features, the nearest
    neighbours' residuals and a 1 (bias)."""
    parity = geo.PHASES[step.phase]
    where = geo.offsets(radius, step.phase, step.channel, pad.shape[2])
    columns = [geo.sample(pad, radius, parity, dy, dx, c, shape) for dy, dx, c in where]
    a, b, c, d = nearest_samples(pad, radius, step, shape)
    first, second = ((a, d), (b, c)) if parity == (1, 1) else ((a, b), (c, d))
    flat = np.where(
        np.abs(first[0] - first[1]) <= np.abs(second[0] - second[1]),
        first[0] + first[1],
        second[0] + second[1],
    )
    ordered = np.sort(np.stack([a, b, c, d]), axis=0)
    columns += [flat, ordered[1] + ordered[2]]
    columns += [
        geo.sample(residuals, radius, parity, dy, dx, step.channel, shape)
        for dy, dx in geo.nearest(step.phase)
    ]
    columns.append(np.ones(shape))
    return np.stack(columns, axis=-1).reshape(-1, len(columns)).astype(np.float64)


def fixed_predictor(
    radius: int, phase: int, channel: int, channels: int, colour: bool = True
) -> np.ndarray:
    """Weights of a fixed predictor for a pass: half the median-like feature (the mean of the
    middle two of the four nearest neighbours); with `colour`, a later channel instead takes
    the first channel's value at the pixel plus the mean difference of the two channels over
    the four nearest neighbours. Few small powers of two, so they compress to almost nothing:
    what a small tile sends when fitted weights would cost more than they save."""
    where = geo.offsets(radius, phase, channel, channels)
    weights = np.zeros(len(where) + EXTRA_FEATURES + 1, dtype=np.int32)
    column = {offset: index for index, offset in enumerate(where)}
    near = geo.nearest(phase)
    needed = [(0, 0, 0), *((dy, dx, c) for dy, dx in near for c in (0, channel))]
    if not colour or channel == 0 or not all(offset in column for offset in needed):
        weights[len(where) + 1] = 1 << (SHIFT - 1)
        return weights
    weights[column[(0, 0, 0)]] = 1 << SHIFT
    for dy, dx in near:
        weights[column[(dy, dx, channel)]] += 1 << (SHIFT - 2)
        weights[column[(dy, dx, 0)]] -= 1 << (SHIFT - 2)
    return weights


def predict(x: np.ndarray, weights: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The integer prediction 0..255 of every pixel (int64, `shape`); weights (F + 1,)."""
    acc = (x @ weights.astype(np.float64)).astype(np.int64)
    return np.clip((acc + (1 << (SHIFT - 1))) >> SHIFT, 0, 255).reshape(shape)


def activity(
    pad: np.ndarray,
    radius: int,
    step: geo.Step,
    shape: tuple[int, int],
    prediction: np.ndarray,
    earlier: list[np.ndarray],
    residuals: np.ndarray,
) -> np.ndarray:
    """The activity of every pixel (int64): see NEAR_WEIGHT; `residuals` is the padded canvas
    of the |residual| of everything decoded so far."""
    parity = geo.PHASES[step.phase]
    total = np.zeros(shape, dtype=np.int64)
    for near, (dy, dx) in zip(
        nearest_samples(pad, radius, step, shape), geo.nearest(step.phase), strict=True
    ):
        total += NEAR_WEIGHT * np.abs(near - prediction)
        total += RESIDUAL_WEIGHT * np.abs(
            geo.sample(residuals, radius, parity, dy, dx, step.channel, shape)
        )
    for residual in earlier:
        total += EARLIER_WEIGHT * np.abs(residual)
    return total


def contexts(act: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The context (0..len(thresholds)) of each activity value."""
    return np.searchsorted(thresholds, act, side="right").astype(np.int32)


class NormalEquations:
    """Accumulates X^T X and X^T y of one predictor over passes (float64, encoder only)."""

    def __init__(self, features: int) -> None:
        self.xtx = np.zeros((features + 1, features + 1))
        self.xty = np.zeros(features + 1)

    def add(self, x: np.ndarray, target: np.ndarray) -> None:
        """Add the pixels of one pass: its design matrix and true values."""
        self.xtx += x.T @ x
        self.xty += x.T @ target.reshape(-1).astype(np.float64)

    def solve(self) -> np.ndarray:
        """Ridge-regularized least-squares weights (F + 1,), integers in units of 2**-SHIFT."""
        n = self.xty.size
        ridge = 1e-4 * (np.trace(self.xtx) / n + 1.0)
        try:
            weights = np.linalg.solve(self.xtx + ridge * np.eye(n), self.xty)
        except np.linalg.LinAlgError:
            weights = np.zeros(n)
        scaled = np.rint(np.nan_to_num(weights) * (1 << SHIFT))
        return np.clip(scaled, -WEIGHT_LIMIT, WEIGHT_LIMIT).astype(np.int32)
