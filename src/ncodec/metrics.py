"""Distortion and rate metrics, defined once: MSE, PSNR (8-bit, peak 255), MS-SSIM, bits per pixel.

Every PSNR in ncodec (eval records, bounds, training logs, `ncodec compress`) comes from here, so
numbers printed by different commands can be compared directly.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from pytorch_msssim import ms_ssim

PEAK_8BIT = 255.0
"""Largest sample value of an 8-bit image: the peak of every PSNR on the 0..255 scale."""

MSSSIM_MIN_SIDE = 161
"""MS-SSIM downsamples 4 times with an 11-tap window: the shorter side must exceed (11-1)*2**4."""


def mse(reference: np.ndarray, reconstruction: np.ndarray) -> float:
    """Mean squared error over all samples, in float64; images of different shapes are refused."""
    _check_same_shape(reference, reconstruction)
    diff = np.asarray(reference, dtype=np.float64) - np.asarray(reconstruction, dtype=np.float64)
    return float(np.mean(diff * diff))


def psnr_from_mse(error: float, peak: float = PEAK_8BIT) -> float:
    """PSNR in dB of a mean squared error: 10*log10(peak² / MSE); `inf` for zero error.

    The default peak is 255 (8-bit samples); tensors in [0, 1] use `peak=1.0`.
    """
    if error <= 0.0:
        return math.inf
    return 10.0 * math.log10(peak**2 / error)


def mse_from_psnr(db: float, peak: float = PEAK_8BIT) -> float:
    """The mean squared error that has PSNR `db`: peak² * 10^(-db/10) (inverse of psnr_from_mse)."""
    return peak**2 * 10.0 ** (-db / 10.0)


def psnr(reference: np.ndarray, reconstruction: np.ndarray) -> float:
    """PSNR in dB of two 8-bit images (uint8, or floats on the 0..255 scale), over all samples.

    Peak 255; `inf` for identical images; images of different shapes raise ValueError.
    """
    return psnr_from_mse(mse(reference, reconstruction))


def msssim(reference: np.ndarray, reconstruction: np.ndarray) -> float:
    """MS-SSIM of two HxWx3 uint8 images (pytorch-msssim, values in [0, 255], data_range=255).

    Returns NaN for images whose shorter side is below `MSSSIM_MIN_SIDE` (undefined there).
    """
    _check_same_shape(reference, reconstruction)
    if min(reference.shape[:2]) < MSSSIM_MIN_SIDE:
        return math.nan
    with torch.no_grad():
        value = ms_ssim(_as_batch(reference), _as_batch(reconstruction), data_range=PEAK_8BIT)
    return float(value)


def msssim_db(value: float) -> float:
    """MS-SSIM expressed in dB as -10*log10(1 - MS-SSIM) (spreads the values near 1)."""
    if math.isnan(value):
        return math.nan
    if value >= 1.0:
        return math.inf
    return -10.0 * math.log10(1.0 - value)


def bits_per_pixel(n_bytes: int, height: int, width: int) -> float:
    """Real rate: size of the encoded file in bits divided by the number of pixels."""
    return n_bytes * 8.0 / (height * width)


def _as_batch(image: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> 1x3xHxW float tensor in [0, 255]."""
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()


def _check_same_shape(reference: np.ndarray, reconstruction: np.ndarray) -> None:
    """Refuse to compare images of different shapes (a codec that changed the size is a bug)."""
    if reference.shape != reconstruction.shape:
        raise ValueError(f"shape mismatch: {reference.shape} vs {reconstruction.shape}")
