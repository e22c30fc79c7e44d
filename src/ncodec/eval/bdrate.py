"""Bjøntegaard delta rate and delta PSNR with piecewise cubic (PCHIP) interpolation.

Follows the common implementations (VCEG-M33 with the PCHIP variant of JCTVC-O0035 / CompressAI):
log-rate is interpolated as a function of quality (BD-rate) and quality as a function of log-rate
(BD-PSNR), and the mean difference is taken over the overlapping interval only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator


@dataclass(frozen=True)
class BDResult:
    """A Bjøntegaard delta and the interval (in the integration variable) it was averaged over."""

    value: float
    overlap: tuple[float, float] | None

    @property
    def defined(self) -> bool:
        """True when the curves overlapped and the delta is a number."""
        return self.overlap is not None and not math.isnan(self.value)


def _monotone_curve(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Sort points by x, drop non-finite ones and average duplicate x values (PCHIP needs x strictly
    increasing)."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError("a curve needs two 1-D sequences of equal length")
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    unique_x, inverse = np.unique(xs, return_inverse=True)
    sums = np.zeros_like(unique_x)
    np.add.at(sums, inverse, ys)
    counts = np.bincount(inverse, minlength=unique_x.size)
    return unique_x, sums / np.maximum(counts, 1)


def _mean_difference(
    x_anchor: Sequence[float],
    y_anchor: Sequence[float],
    x_test: Sequence[float],
    y_test: Sequence[float],
) -> tuple[float, tuple[float, float] | None]:
    """Mean of (test - anchor) of the PCHIP interpolants y(x) over the overlap of their x ranges."""
    xa, ya = _monotone_curve(x_anchor, y_anchor)
    xt, yt = _monotone_curve(x_test, y_test)
    if xa.size < 2 or xt.size < 2:
        return math.nan, None
    low, high = max(xa[0], xt[0]), min(xa[-1], xt[-1])
    if not high > low:
        return math.nan, None
    anchor_area = PchipInterpolator(xa, ya).integrate(low, high)
    test_area = PchipInterpolator(xt, yt).integrate(low, high)
    return float((test_area - anchor_area) / (high - low)), (float(low), float(high))


def bd_rate(
    anchor_rate: Sequence[float],
    anchor_quality: Sequence[float],
    test_rate: Sequence[float],
    test_quality: Sequence[float],
) -> BDResult:
    """Average rate difference in percent of `test` against `anchor` at equal quality
    (negative = test needs fewer bits); overlap is the quality interval (e.g. dB)."""
    delta_log, overlap = _mean_difference(
        anchor_quality, np.log(anchor_rate), test_quality, np.log(test_rate)
    )
    if overlap is None:
        return BDResult(math.nan, None)
    return BDResult(100.0 * (math.exp(delta_log) - 1.0), overlap)


def bd_quality(
    anchor_rate: Sequence[float],
    anchor_quality: Sequence[float],
    test_rate: Sequence[float],
    test_quality: Sequence[float],
) -> BDResult:
    """Average quality difference (e.g. BD-PSNR in dB) of `test` over `anchor` at equal rate;
    overlap is the rate interval in the rate unit (e.g. bpp)."""
    delta, overlap = _mean_difference(
        np.log(anchor_rate), anchor_quality, np.log(test_rate), test_quality
    )
    if overlap is None:
        return BDResult(math.nan, None)
    return BDResult(delta, (math.exp(overlap[0]), math.exp(overlap[1])))
