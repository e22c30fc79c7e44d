"""Known answers for PSNR, MS-SSIM, MS-SSIM in dB and bits per pixel."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ncodec.eval.metrics import bits_per_pixel, msssim, msssim_db, psnr


def test_psnr_of_a_constant_error_of_one_level_is_48_13_db(eval_photo):
    shifted = np.clip(eval_photo.astype(np.int16) + 1, 0, 255).astype(np.uint8)
    mask = eval_photo < 255
    exact = eval_photo.copy()
    exact[mask] = shifted[mask]
    exact[~mask] = eval_photo[~mask] - 1  # every sample off by exactly one level
    assert psnr(eval_photo, exact) == pytest.approx(10 * math.log10(255**2), abs=1e-9)


def test_psnr_is_infinite_for_identical_images(eval_photo):
    assert psnr(eval_photo, eval_photo.copy()) == math.inf


def test_psnr_refuses_different_shapes(eval_photo):
    with pytest.raises(ValueError, match="shape"):
        psnr(eval_photo, eval_photo[1:])


def test_msssim_is_one_for_identical_and_lower_for_noisy_images(eval_photo):
    assert msssim(eval_photo, eval_photo) == pytest.approx(1.0, abs=1e-6)
    rng = np.random.default_rng(0)
    noisy = np.clip(eval_photo + rng.normal(0, 20, eval_photo.shape), 0, 255).astype(np.uint8)
    value = msssim(eval_photo, noisy)
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
