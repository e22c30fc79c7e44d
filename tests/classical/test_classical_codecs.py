"""The shared classical-codec registry: real round trips, settings that reach the library,
versions, the gray path and the one-line error for unknown names."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest
from skimage import data

from ncodec.classical import CLASSICAL_CODECS, LOSSLESS_CODECS, classical_codec
from ncodec.errors import InputError
from ncodec.metrics import psnr

PHOTO = np.ascontiguousarray(data.astronaut()[100:196, 150:278])
LIBRARIES = {
    "jpeg": "libjpeg-turbo",
    "jpeg2000": "openjpeg",
    "webp": "libwebp",
    "avif": "libavif",
    "jpegxl": "libjxl",
}
LOSSLESS = {
    "png": "libpng",
    "jpeg2000-lossless": "openjpeg",
    "webp-lossless": "libwebp",
    "jpegxl-lossless": "libjxl",
}


def test_the_registries_hold_the_lossy_formats_in_harness_order_and_the_lossless_ones():
    assert list(CLASSICAL_CODECS) == list(LIBRARIES)
    assert list(LOSSLESS_CODECS) == list(LOSSLESS)
    assert not any(c.lossless for c in CLASSICAL_CODECS.values())
    assert all(c.lossless for c in LOSSLESS_CODECS.values())


@pytest.mark.parametrize("name", list(LOSSLESS))
@pytest.mark.parametrize("image", [PHOTO, np.ascontiguousarray(PHOTO[:, :, 1])])
def test_lossless_codecs_give_back_the_exact_pixels(name, image):
    codec = classical_codec(name)
    rgb = image if codec.gray_input or image.ndim == 3 else np.repeat(image[..., None], 3, 2)
    decoded = codec.decode(codec.encode(rgb, codec.quality_range[1]), threads=1)
    np.testing.assert_array_equal(decoded, rgb)
    assert codec.version.startswith(LOSSLESS[name] + " ")


def test_lossless_effort_settings_reach_the_library():
    webp, jxl = classical_codec("webp-lossless"), classical_codec("jpegxl-lossless")
    assert webp.encode(PHOTO, 100, method=6) != webp.encode(PHOTO, 100, method=0)
    assert jxl.encode(PHOTO, 100, effort=9) != jxl.encode(PHOTO, 100, effort=1)
    png = classical_codec("png")
    assert len(png.encode(PHOTO, 9)) < len(png.encode(PHOTO, 0))


@pytest.mark.parametrize("name", list(LIBRARIES))
def test_round_trip_keeps_the_shape_and_more_quality_costs_more_bits(name):
    codec = classical_codec(name)
    low, high = codec.quality_range
    small = codec.encode(PHOTO, low + (high - low) * 0.2)
    large = codec.encode(PHOTO, low + (high - low) * 0.8)
    decoded = codec.decode(large, threads=1)
    assert decoded.shape == PHOTO.shape and decoded.dtype == np.uint8
    assert decoded.flags.c_contiguous
    assert len(small) < len(large)
    assert psnr(PHOTO, codec.decode(small)) < psnr(PHOTO, decoded)
    assert codec.version.startswith(LIBRARIES[name] + " ")


@pytest.mark.parametrize("name", [n for n, c in CLASSICAL_CODECS.items() if c.gray_input])
def test_codecs_with_a_gray_input_code_gray_images_as_gray(name):
    gray = np.ascontiguousarray(PHOTO[:, :, 1])
    codec = CLASSICAL_CODECS[name]
    low, high = codec.quality_range
    assert codec.decode(codec.encode(gray, (low + high) / 2)).shape == gray.shape


def test_unset_settings_are_the_library_defaults_and_set_ones_reach_it():
    webp = classical_codec("webp")
    assert webp.encode(PHOTO, 50) == bytes(imagecodecs.webp_encode(PHOTO, level=50, lossless=False))
    assert webp.encode(PHOTO, 50, method=6) != webp.encode(PHOTO, 50, method=0)
    jpeg = classical_codec("jpeg")
    plain, optimized = jpeg.encode(PHOTO, 75), jpeg.encode(PHOTO, 75, optimize=True)
    assert len(optimized) < len(plain)
    np.testing.assert_array_equal(jpeg.decode(plain), jpeg.decode(optimized))


def test_an_unknown_name_is_a_one_line_input_error():
    with pytest.raises(InputError, match=r"unknown classical codec 'gif' \(known: jpeg, "):
        classical_codec("gif")


def test_a_setting_the_format_does_not_have_is_a_programming_error():
    with pytest.raises(TypeError, match="jpeg: unknown setting 'speed'"):
        classical_codec("jpeg").encode(PHOTO, 50, speed=3)
