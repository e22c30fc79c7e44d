"""The NIQE-style no-reference score (ncodec.niqe): known shapes, shipped model, known order."""

from __future__ import annotations

import math

import imagecodecs
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from skimage import data

from ncodec.niqe import NiqeModel, aggd_features, ggd_features, niqe, patch_features


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """skimage's astronaut, 512x512 RGB (25 whole 96x96 patches; not a training photo)."""
    return data.astronaut()


def test_ggd_fit_recovers_gaussian_and_laplacian_shapes():
    rng = np.random.RandomState(0)
    alpha, variance = ggd_features(rng.standard_normal(200_000) * 3.0)
    assert alpha == pytest.approx(2.0, abs=0.05) and variance == pytest.approx(9.0, rel=0.02)
    assert ggd_features(rng.laplace(size=200_000))[0] == pytest.approx(1.0, abs=0.05)
    symmetric = aggd_features(rng.standard_normal(200_000))
    assert symmetric[0] == pytest.approx(2.0, abs=0.1) and abs(symmetric[1]) < 0.02


def test_shipped_model_is_a_valid_gaussian():
    model = NiqeModel.load()
    assert model.mean.shape == (36,) and model.cov.shape == (36, 36)
    np.testing.assert_allclose(model.cov, model.cov.T)
    assert np.all(np.linalg.eigvalsh(model.cov) > -1e-9)


def test_blur_and_blocking_score_less_natural_than_the_original(photo):
    def blur(sigma: float) -> np.ndarray:
        out = gaussian_filter(photo.astype(np.float64), (sigma, sigma, 0))
        return np.clip(np.round(out), 0, 255).astype(np.uint8)

    original = niqe(photo)
    assert niqe(photo) == original  # no randomness
    blurred = [niqe(blur(s)) for s in (1.0, 2.0)]
    assert original < blurred[0] < blurred[1]
    blocked = imagecodecs.jpeg8_decode(imagecodecs.jpeg8_encode(photo, level=5))
    assert niqe(blocked) > original


def test_images_smaller_than_one_patch_have_no_score():
    assert math.isnan(niqe(np.zeros((64, 200, 3), np.uint8)))
    with pytest.raises(ValueError, match="smaller than one"):
        patch_features(np.zeros((64, 200, 3), np.uint8))
