"""Distortion metrics on 8-bit RGB images: PSNR and MS-SSIM as published results use them."""

from __future__ import annotations

import math

import numpy as np
import torch
from pytorch_msssim import ms_ssim

# MS-SSIM downsamples 4 times with an 11-tap window: the shorter side must exceed (11 - 1) * 2**4.
MSSSIM_MIN_SIDE = 161


def _check_pair(reference: np.ndarray, reconstruction: np.ndarray) -> None:
    """Refuse to compare images of different shapes (a codec that changed the size is a bug)."""
    if reference.shape != reconstruction.shape:
        raise ValueError(f"shape mismatch: {reference.shape} vs {reconstruction.shape}")


def psnr(reference: np.ndarray, reconstruction: np.ndarray) -> float:
    """PSNR in dB over all RGB samples (peak 255); `inf` for identical images."""
    _check_pair(reference, reconstruction)
    diff = reference.astype(np.float64) - reconstruction.astype(np.float64)
    mse = float(np.mean(diff * diff))
    if mse == 0.0:
        return math.inf
    return 10.0 * math.log10(255.0**2 / mse)


def msssim(reference: np.ndarray, reconstruction: np.ndarray) -> float:
    """MS-SSIM of two HxWx3 uint8 images (pytorch-msssim, values in [0, 255], data_range=255).

    Returns NaN for images whose shorter side is below `MSSSIM_MIN_SIDE` (undefined there).
    """
    _check_pair(reference, reconstruction)
    if min(reference.shape[:2]) < MSSSIM_MIN_SIDE:
        return math.nan

    def to_tensor(img: np.ndarray) -> torch.Tensor:
        """HxWx3 uint8 -> 1x3xHxW float tensor in [0, 255]."""
        return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float()

    with torch.no_grad():
        value = ms_ssim(to_tensor(reference), to_tensor(reconstruction), data_range=255.0)
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
