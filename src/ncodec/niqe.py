"""A NIQE-style no-reference naturalness score whose parameters are fitted on our own training
photos (no downloaded weights).

After Mittal, Soundararajan & Bovik (2013), "Making a completely blind image quality analyzer":
luminance is turned into mean-subtracted contrast-normalised (MSCN) coefficients (Gaussian
window, sigma 7/6); on 96x96 patches (48x48 at half scale) a generalised Gaussian fit of the MSCN
values (shape, variance) and asymmetric generalised Gaussian fits of the products of horizontal,
vertical and both diagonal neighbours (shape, mean, left and right variance) give 18 features per
scale, 36 per patch. A multivariate Gaussian fitted to the sharpest patches of pristine photos is
the model; an image's score is the Mahalanobis-like distance between that model and the Gaussian
of its own patches' features (pooled covariance). Higher = less natural.

Not bit-for-bit MATLAB NIQE: the half-scale image comes from a 5-tap binomial low-pass and
decimation (not bicubic resizing), and the model is fitted on BSDS500 training photos
(`bench/realism_niqe_fit.py`), not on the original 125 pristine images. Deterministic: no
random numbers; float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ncodec.swd import separable_filter

DEFAULT_MODEL = Path(__file__).parent / "niqe_data" / "niqe_bsds500.npz"
"""The shipped pristine model (fitted by bench/realism_niqe_fit.py)."""

PATCH = 96
SHARPNESS_KEEP = 0.75
"""Pristine patches kept for the model: sharpness above this fraction of the image's sharpest."""

_ALPHAS = np.arange(0.2, 10.0, 0.001)
_LGAMMA = np.vectorize(math.lgamma)
_RATIO = np.exp(2 * _LGAMMA(2 / _ALPHAS) - _LGAMMA(1 / _ALPHAS) - _LGAMMA(3 / _ALPHAS))


@dataclass(frozen=True)
class NiqeModel:
    """The pristine multivariate Gaussian: mean (36,) and covariance (36, 36) of the features."""

    mean: np.ndarray
    cov: np.ndarray

    def save(self, path: Path) -> None:
        """Write the two arrays as an .npz file."""
        np.savez(path, mean=self.mean, cov=self.cov)

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> NiqeModel:
        """Read a model written by `save` (default: the shipped one)."""
        with np.load(path) as data:
            return cls(mean=data["mean"], cov=data["cov"])


_GAUSS = np.exp(-0.5 * (np.arange(-3, 4) / (7 / 6)) ** 2)
_GAUSS /= _GAUSS.sum()


def _gauss_filter(plane: np.ndarray) -> np.ndarray:
    """Normalised 7-tap Gaussian (sigma 7/6) of a 2-D plane, reflect borders."""
    return separable_filter(plane[:, :, None], _GAUSS)[:, :, 0]


def mscn(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MSCN coefficients of a luminance plane (0..255) and the local deviation (sharpness)."""
    mu = _gauss_filter(luma)
    sigma = np.sqrt(np.abs(_gauss_filter(luma * luma) - mu * mu))
    return (luma - mu) / (sigma + 1.0), sigma


def _alpha(ratio: float) -> float:
    """Shape whose moment ratio Γ(2/a)²/(Γ(1/a)Γ(3/a)) is nearest to `ratio`."""
    return float(_ALPHAS[np.argmin((_RATIO - ratio) ** 2)])


def ggd_features(x: np.ndarray) -> tuple[float, float]:
    """Generalised Gaussian fit by moment matching: (shape, variance)."""
    variance = float(np.mean(x * x))
    mean_abs = float(np.mean(np.abs(x)))
    return _alpha(mean_abs**2 / max(variance, 1e-12)), variance


def aggd_features(x: np.ndarray) -> tuple[float, float, float, float]:
    """Asymmetric generalised Gaussian fit: (shape, mean, left variance, right variance)."""
    left, right = x[x < 0], x[x > 0]
    left_var = float(np.mean(left * left)) if left.size else 1e-12
    right_var = float(np.mean(right * right)) if right.size else 1e-12
    gamma = math.sqrt(left_var) / max(math.sqrt(right_var), 1e-12)
    r_hat = float(np.mean(np.abs(x))) ** 2 / max(float(np.mean(x * x)), 1e-12)
    r_norm = r_hat * (gamma**3 + 1) * (gamma + 1) / (gamma**2 + 1) ** 2
    alpha = _alpha(r_norm)
    scale = math.exp(
        math.lgamma(2 / alpha) - 0.5 * (math.lgamma(1 / alpha) + math.lgamma(3 / alpha))
    )
    mean = (math.sqrt(right_var) - math.sqrt(left_var)) * scale
    return alpha, mean, left_var, right_var


def _patch_features(coeffs: np.ndarray) -> list[float]:
    """The 18 features of one MSCN patch."""
    features = list(ggd_features(coeffs))
    for shifted in (
        coeffs[:, :-1] * coeffs[:, 1:],
        coeffs[:-1, :] * coeffs[1:, :],
        coeffs[:-1, :-1] * coeffs[1:, 1:],
        coeffs[:-1, 1:] * coeffs[1:, :-1],
    ):
        features.extend(aggd_features(shifted.ravel()))
    return features


def _luma(image: np.ndarray) -> np.ndarray:
    """BT.601 luminance in float64 (a gray image passes through)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        return image
    return image[..., :3] @ np.array([0.299, 0.587, 0.114])


def _half(plane: np.ndarray) -> np.ndarray:
    """Half-scale plane: 5-tap binomial low-pass, then every other sample."""
    return separable_filter(plane[:, :, None])[::2, ::2, 0]


def patch_features(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features (N x 36) of the image's whole 96x96 patches and each patch's sharpness."""
    luma = _luma(image)
    rows, cols = luma.shape[0] // PATCH, luma.shape[1] // PATCH
    if rows == 0 or cols == 0:
        raise ValueError(f"image {luma.shape} is smaller than one {PATCH}x{PATCH} patch")
    luma = luma[: rows * PATCH, : cols * PATCH]
    full, sigma = mscn(luma)
    half, _ = mscn(_half(luma))
    features, sharpness = [], []
    for r in range(rows):
        for c in range(cols):
            p, h = PATCH, PATCH // 2
            features.append(
                _patch_features(full[r * p : (r + 1) * p, c * p : (c + 1) * p])
                + _patch_features(half[r * h : (r + 1) * h, c * h : (c + 1) * h])
            )
            sharpness.append(float(sigma[r * p : (r + 1) * p, c * p : (c + 1) * p].mean()))
    return np.asarray(features), np.asarray(sharpness)


def fit_niqe(images: list[np.ndarray]) -> NiqeModel:
    """The pristine model: Gaussian of the sharpest patches' features over all `images`."""
    kept = []
    for image in images:
        features, sharpness = patch_features(image)
        kept.append(features[sharpness > SHARPNESS_KEEP * sharpness.max()])
    stacked = np.concatenate(kept)
    return NiqeModel(mean=stacked.mean(axis=0), cov=np.cov(stacked, rowvar=False))


@lru_cache(maxsize=1)
def shipped_model() -> NiqeModel:
    """The shipped pristine model, read once."""
    return NiqeModel.load()


def niqe(image: np.ndarray, model: NiqeModel | None = None) -> float:
    """NIQE-style score of one image (at least 96x96) against the pristine model (default:
    the shipped one); higher = less natural. NaN for an image smaller than one patch."""
    if min(np.shape(image)[:2]) < PATCH:
        return math.nan
    model = model or shipped_model()
    features, _ = patch_features(image)
    cov = np.cov(features, rowvar=False) if len(features) > 1 else np.zeros_like(model.cov)
    diff = model.mean - features.mean(axis=0)
    pooled = (model.cov + cov) / 2
    return float(math.sqrt(max(diff @ np.linalg.pinv(pooled) @ diff, 0.0)))
