"""Known answers for MSE, PSNR (and its inverse), MS-SSIM, MS-SSIM in dB and bits per pixel."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage import data

from ncodec.metrics import (
    bits_per_pixel,
    mse,
    mse_from_psnr,
    msssim,
    msssim_db,
    psnr,
    psnr_from_mse,
)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A 192x176 RGB crop of skimage's astronaut (large enough for MS-SSIM's 161-pixel minimum)."""
    return np.ascontiguousarray(data.astronaut()[40:232, 180:356])


def test_psnr_of_a_constant_error_of_one_level_is_48_13_db(photo):
    shifted = np.clip(photo.astype(np.int16) + 1, 0, 255).astype(np.uint8)
    mask = photo < 255
    exact = photo.copy()
    exact[mask] = shifted[mask]
    exact[~mask] = photo[~mask] - 1  # every sample off by exactly one level
    assert mse(photo, exact) == 1.0
    assert psnr(photo, exact) == pytest.approx(10 * math.log10(255**2), abs=1e-9)


def test_uint8_and_float_images_on_the_255_scale_give_the_same_psnr(photo):
    noisy = photo.copy()
    noisy[::3, ::5] //= 2
    assert psnr(photo.astype(np.float32), noisy.astype(np.float64)) == psnr(photo, noisy)


def test_uint8_differences_do_not_wrap_around():
    dark, bright = np.zeros((4, 4), np.uint8), np.full((4, 4), 255, np.uint8)
    assert mse(dark, bright) == 255.0**2
    assert psnr(dark, bright) == 0.0


def test_psnr_is_infinite_for_identical_images(photo):
    assert psnr(photo, photo.copy()) == math.inf
    assert psnr_from_mse(0.0) == math.inf


def test_psnr_refuses_different_shapes(photo):
    with pytest.raises(ValueError, match="shape"):
        psnr(photo, photo[1:])
    with pytest.raises(ValueError, match="shape"):
        msssim(photo, photo[1:])


def test_psnr_from_mse_and_back_with_either_peak():
    assert psnr_from_mse(255.0**2 / 1000) == pytest.approx(30.0)
    assert psnr_from_mse(1e-3, peak=1.0) == pytest.approx(30.0)
    assert mse_from_psnr(30.0) == pytest.approx(65.025)
    assert mse_from_psnr(40.0, peak=1.0) == pytest.approx(1e-4)
    assert psnr_from_mse(mse_from_psnr(37.25)) == pytest.approx(37.25)


def test_msssim_is_one_for_identical_and_lower_for_noisy_images(photo):
    assert msssim(photo, photo) == pytest.approx(1.0, abs=1e-6)
    rng = np.random.default_rng(0)
    noisy = np.clip(photo + rng.normal(0, 20, photo.shape), 0, 255).astype(np.uint8)
    value = msssim(photo, noisy)
    assert 0.5 < value < 0.99


def test_msssim_is_nan_below_its_minimum_size():
    small = np.zeros((100, 300, 3), dtype=np.uint8)
    assert math.isnan(msssim(small, small))


def test_msssim_db_known_values():
    assert msssim_db(0.99) == pytest.approx(20.0)
    assert msssim_db(0.9) == pytest.approx(10.0)
    assert msssim_db(1.0) == math.inf
    assert math.isnan(msssim_db(math.nan))


def test_bits_per_pixel_of_kodak_sized_file():
    assert bits_per_pixel(49152, 512, 768) == 1.0
