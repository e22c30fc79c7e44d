"""Closed-form rate–distortion functions used as ground truth for the sample-based bounds.

Gaussian vectors under MSE (reverse water-filling) and Bernoulli(p) under Hamming distortion.
Rates are in bits per dimension; distortions are mean squared error (or error rate) per dimension.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from ncodec.errors import InputError


def check_variances(variances: np.ndarray | list[float]) -> np.ndarray:
    """Return the variances as a 1-D float array, or raise InputError if any is not positive."""
    var = np.asarray(variances, dtype=np.float64).reshape(-1)
    if var.size == 0:
        raise InputError("need at least one variance")
    if not np.all(np.isfinite(var)) or np.any(var <= 0):
        raise InputError(f"variances must be finite and > 0, got min {var.min():g}")
    return var


def gaussian_max_distortion(variances: np.ndarray | list[float]) -> float:
    """D_max = mean variance: the distortion reached at zero rate by coding nothing."""
    return float(check_variances(variances).mean())


def _check_distortion(distortion: float, d_max: float) -> float:
    """Raise InputError unless 0 < D < D_max."""
    d = float(distortion)
    if not (0.0 < d < d_max):
        raise InputError(f"distortion must lie in (0, {d_max:g}), got {d:g}")
    return d


def water_level(variances: np.ndarray | list[float], distortion: float) -> float:
    """Reverse water-filling level θ with mean(min(θ, σ²)) = D (D per dimension)."""
    var = check_variances(variances)
    d = _check_distortion(distortion, float(var.mean()))
    return float(brentq(lambda t: np.minimum(t, var).mean() - d, 0.0, float(var.max()), xtol=1e-15))


def gaussian_rate(variances: np.ndarray | list[float], distortion: float) -> float:
    """R(D) in bits per dimension of independent Gaussians with these variances under MSE."""
    var = check_variances(variances)
    theta = water_level(var, distortion)
    return float(np.sum(0.5 * np.log2(np.maximum(var / theta, 1.0))) / var.size)


def gaussian_slope_lambda(variances: np.ndarray | list[float], distortion: float) -> float:
    """Lagrange multiplier λ = -dR/dD with R in nats (total) and D the total squared error.

    For Gaussians λ = 1/(2θ); training rate_nats + λ·‖x - x̂‖² then targets distortion D.
    """
    return 1.0 / (2.0 * water_level(variances, distortion))


def gaussian_curve(variances: np.ndarray | list[float], distortions: np.ndarray) -> list[dict]:
    """Exact R(D) points `{"distortion", "rate_bits"}` at the given per-dimension distortions."""
    return [
        {"distortion": float(d), "rate_bits": gaussian_rate(variances, float(d))}
        for d in distortions
    ]


def binary_entropy(p: float | np.ndarray) -> float | np.ndarray:
    """h(p) in bits, with h(0) = h(1) = 0."""
    p = np.asarray(p, dtype=np.float64)
    q = np.clip(p, 1e-300, 1.0)
    r = np.clip(1.0 - p, 1e-300, 1.0)
    out = -(p * np.log2(q) + (1.0 - p) * np.log2(r))
    return float(out) if out.ndim == 0 else out


def bernoulli_rate(p: float, distortion: float) -> float:
    """R(D) = h(p) - h(D) in bits of a Bernoulli(p) source under Hamming distortion."""
    if not (0.0 < p < 1.0):
        raise InputError(f"Bernoulli p must lie in (0, 1), got {p:g}")
    d_max = min(p, 1.0 - p)
    d = _check_distortion(distortion, d_max)
    return float(binary_entropy(p) - binary_entropy(d))


def bits(nats: float) -> float:
    """Convert nats to bits."""
    return nats / math.log(2.0)
