"""The realism distance (ncodec.swd) ranks degradations in the known order and is deterministic."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from skimage import data

from ncodec.metrics import psnr
from ncodec.swd import (
    _expand,
    laplacian_pyramid,
    pyramid_bands,
    realism_swd,
    realism_swd_set,
    swd_levels,
)

CROPS = {
    "astronaut": lambda: data.astronaut()[40:200, 180:340],
    "coffee": lambda: data.coffee()[100:260, 200:360],
    "chelsea": lambda: data.chelsea()[50:210, 100:260],
}


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """The image after a libjpeg-turbo round trip at `quality`."""
    return imagecodecs.jpeg8_decode(imagecodecs.jpeg8_encode(image, level=quality))


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of each colour plane, rounded back to uint8."""
    out = gaussian_filter(image.astype(np.float64), (sigma, sigma, 0))
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module", params=sorted(CROPS))
def crop(request) -> np.ndarray:
    """A 160x160 RGB crop of a photo that is neither in Kodak nor in the training set."""
    return np.ascontiguousarray(CROPS[request.param]())


def test_an_image_against_itself_is_exactly_zero(crop):
    assert realism_swd(crop, crop) == 0.0


def test_jpeg_quality_90_50_10_gives_increasing_distance(crop):
    distances = [realism_swd(crop, jpeg(crop, q)) for q in (90, 50, 10)]
    assert 0.0 < distances[0] < distances[1] < distances[2]


def test_blur_sigma_half_one_two_gives_increasing_distance(crop):
    distances = [realism_swd(crop, blur(crop, s)) for s in (0.5, 1.0, 2.0)]
    assert 0.0 < distances[0] < distances[1] < distances[2]


def test_blur_is_farther_than_jpeg_blocking_at_the_same_psnr(crop):
    blurred = blur(crop, 1.0)
    target = psnr(crop, blurred)
    quality = min(range(2, 96, 2), key=lambda q: abs(psnr(crop, jpeg(crop, q)) - target))
    blocked = jpeg(crop, quality)
    assert abs(psnr(crop, blocked) - target) < 1.0
    assert realism_swd(crop, blurred) > 2.0 * realism_swd(crop, blocked)


def test_deterministic_known_values_independent_of_the_global_random_state():
    image = np.random.RandomState(7).randint(0, 256, (64, 96, 3)).astype(np.uint8)
    noise = np.random.RandomState(8).randint(-20, 21, image.shape)
    other = np.clip(image.astype(np.int64) + noise, 0, 255).astype(np.uint8)
    first = swd_levels(image, other)
    np.random.seed(123)
    np.random.random(1000)
    assert swd_levels(image, other) == first
    assert len(first) == pyramid_bands(image.shape) + 1 == 3  # 64 rows: 2 bands + residual
    # fixed positions and directions (legacy RandomState streams): the same on any machine
    np.testing.assert_allclose(first, [0.0103616694, 0.0177759143, 0.0471610934], rtol=1e-8)


def test_pyramid_reconstructs_the_image():
    image = data.coffee()[:100, :150].astype(np.float64)
    bands = laplacian_pyramid(image)
    rebuilt = bands[-1]
    for band in reversed(bands[:-1]):
        rebuilt = band + _expand(rebuilt, band.shape)
    np.testing.assert_allclose(rebuilt, image, atol=1e-9)


def test_pooled_set_is_zero_for_identical_pairs_and_grows_with_degradation():
    images = [np.ascontiguousarray(make()) for make in CROPS.values()]
    assert realism_swd_set([(im, im) for im in images]) == 0.0
    mild = realism_swd_set([(im, jpeg(im, 70)) for im in images])
    strong = realism_swd_set([(im, jpeg(im, 10)) for im in images])
    assert 0.0 < mild < strong


def test_refuses_images_of_different_shapes():
    image = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="shape"):
        realism_swd(image, image[:32])
    with pytest.raises(ValueError, match="no image pairs"):
        realism_swd_set([])
