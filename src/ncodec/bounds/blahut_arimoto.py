"""Blahut–Arimoto: R(D) of a discrete source, traced over a sweep of slopes at once.

The iteration runs in the log domain and is vectorised over the slope axis, so a whole curve
costs one numpy loop. Continuous sources of low dimension are handled by discretising them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from ncodec.errors import InputError


@dataclass(frozen=True)
class BlahutArimotoCurve:
    """Points (distortion, rate in bits) reached by Blahut–Arimoto, one per slope."""

    slopes: np.ndarray
    distortion: np.ndarray
    rate_bits: np.ndarray
    iterations: int

    def points(self) -> list[dict]:
        """The curve as `{"distortion", "rate_bits"}` dicts, sorted by distortion."""
        order = np.argsort(self.distortion)
        return [
            {"distortion": float(self.distortion[i]), "rate_bits": float(self.rate_bits[i])}
            for i in order
        ]


def blahut_arimoto(
    p_x: np.ndarray,
    distortion: np.ndarray,
    slopes: np.ndarray,
    tol: float = 1e-12,
    max_iter: int = 20000,
) -> BlahutArimotoCurve:
    """Run Blahut–Arimoto for every slope s (minimising I(X;Y) + s·E d) simultaneously.

    p_x: source probabilities (X,); distortion: matrix d(x, y) of shape (X, Y); slopes: (S,) > 0.
    Stops when the reproduction marginals change by less than `tol` (max abs, log domain).
    """
    p_x = np.asarray(p_x, dtype=np.float64)
    dist = np.asarray(distortion, dtype=np.float64)
    s = np.asarray(slopes, dtype=np.float64).reshape(-1)
    if p_x.ndim != 1 or dist.ndim != 2 or dist.shape[0] != p_x.size:
        raise InputError("distortion matrix must have shape (len(p_x), number of outputs)")
    if np.any(p_x < 0) or not np.isclose(p_x.sum(), 1.0):
        raise InputError("p_x must be a probability vector")
    if s.size == 0 or np.any(s <= 0):
        raise InputError("slopes must be positive")
    with np.errstate(divide="ignore"):
        log_px = np.log(p_x)[None, :, None]  # (1, X, 1)
    energy = -s[:, None, None] * dist[None]  # (S, X, Y)
    log_qy = np.full((s.size, dist.shape[1]), -np.log(dist.shape[1]))
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 - iteration count is reported
        log_cond = log_qy[:, None, :] + energy
        log_cond -= logsumexp(log_cond, axis=2, keepdims=True)
        new_log_qy = logsumexp(log_px + log_cond, axis=1)
        finite = np.isfinite(new_log_qy) | np.isfinite(log_qy)
        change = np.abs(np.exp(new_log_qy) - np.exp(log_qy))[finite]
        log_qy = new_log_qy
        if change.size == 0 or change.max() < tol:
            break
    log_cond = log_qy[:, None, :] + energy
    log_cond -= logsumexp(log_cond, axis=2, keepdims=True)
    joint = np.exp(log_px + log_cond)  # p(x) q(y|x)
    with np.errstate(invalid="ignore"):
        info = np.where(joint > 0, joint * (log_cond - log_qy[:, None, :]), 0.0)
    rate = info.sum(axis=(1, 2)) / np.log(2.0)
    dist_mean = (joint * dist[None]).sum(axis=(1, 2))
    return BlahutArimotoCurve(s, dist_mean, np.maximum(rate, 0.0), iteration)


def bernoulli_problem(p: float) -> tuple[np.ndarray, np.ndarray]:
    """Source probabilities and Hamming distortion matrix of a Bernoulli(p) source."""
    if not (0.0 < p < 1.0):
        raise InputError(f"Bernoulli p must lie in (0, 1), got {p:g}")
    return np.array([1.0 - p, p]), np.array([[0.0, 1.0], [1.0, 0.0]])


def discretized_gaussian_problem(
    variance: float, bins: int = 201, span: float = 6.0
) -> tuple[np.ndarray, np.ndarray]:
    """A scalar N(0, variance) quantised to `bins` cells over ±span·σ, with squared error.

    Reproduction points are the same grid; the result approaches the Gaussian R(D) as bins grow.
    """
    if variance <= 0:
        raise InputError(f"variance must be > 0, got {variance:g}")
    sigma = float(np.sqrt(variance))
    grid = np.linspace(-span * sigma, span * sigma, bins)
    log_p = -0.5 * (grid / sigma) ** 2
    p = np.exp(log_p - logsumexp(log_p))
    return p, (grid[:, None] - grid[None, :]) ** 2
