"""load_image_array: the same conversion rules as files, for the Python API."""

from __future__ import annotations

import numpy as np
import pytest

from ncodec.errors import InputError
from ncodec.io import MAX_PIXELS, is_grayscale_mode, load_image_array
from ncodec.io.arrays import (
    ALPHA_NOTICE,
    BOOL_NOTICE,
    DEPTH16_NOTICE,
    FLOAT_NOTICE,
    GRAY_NOTICE,
)

RGB = np.random.default_rng(7).integers(0, 256, (5, 6, 3), dtype=np.uint8)


def test_uint8_rgb_is_returned_unchanged_but_copied():
    source = RGB.copy()
    loaded = load_image_array(source)
    np.testing.assert_array_equal(loaded.rgb, RGB)
    assert (loaded.mode, loaded.notices, loaded.source_format) == ("RGB", [], None)
    source[0, 0, 0] ^= 0xFF
    assert loaded.rgb[0, 0, 0] == RGB[0, 0, 0]  # no aliasing of the caller's array


def test_non_contiguous_input_gives_contiguous_rgb():
    loaded = load_image_array(RGB[:, ::2, ::-1])
    assert loaded.rgb.flags.c_contiguous
    np.testing.assert_array_equal(loaded.rgb, RGB[:, ::2, ::-1])


@pytest.mark.parametrize("shape", [(5, 6), (5, 6, 1)])
def test_gray_arrays(shape):
    gray = RGB[:, :, 0].reshape(shape)
    loaded = load_image_array(gray)
    np.testing.assert_array_equal(loaded.rgb, np.repeat(RGB[:, :, :1], 3, axis=2))
    assert (loaded.mode, loaded.notices) == ("L", [GRAY_NOTICE])


def test_alpha_arrays():
    rgba = np.concatenate([RGB, np.zeros((5, 6, 1), np.uint8)], axis=2)
    loaded = load_image_array(rgba)
    np.testing.assert_array_equal(loaded.rgb, RGB)
    assert (loaded.mode, loaded.notices) == ("RGBA", [ALPHA_NOTICE])
    loaded = load_image_array(rgba[:, :, 1:3])
    np.testing.assert_array_equal(loaded.rgb, np.repeat(RGB[:, :, 1:2], 3, axis=2))
    assert (loaded.mode, loaded.notices) == ("LA", [GRAY_NOTICE, ALPHA_NOTICE])


def test_uint16_known_answers():
    values = np.array([[0, 128, 129, 32767, 32768, 65406, 65407, 65535]], np.uint16)
    loaded = load_image_array(values)
    np.testing.assert_array_equal(loaded.rgb[0, :, 1], [0, 0, 1, 127, 128, 254, 255, 255])
    assert (loaded.mode, loaded.notices) == ("I;16", [GRAY_NOTICE, DEPTH16_NOTICE])


def test_float_known_answers():
    values = np.array([[0.0, 0.4 / 255, 0.6 / 255, 0.5, 254.4 / 255, 1.0]], np.float32)
    loaded = load_image_array(np.dstack([values] * 3))
    np.testing.assert_array_equal(loaded.rgb[0, :, 0], [0, 0, 1, 128, 254, 255])
    assert loaded.notices == [FLOAT_NOTICE]


def test_bool_is_black_and_white():
    loaded = load_image_array(np.array([[True, False]]))
    np.testing.assert_array_equal(loaded.rgb[0, :, 0], [255, 0])
    assert loaded.mode == "1" and BOOL_NOTICE in loaded.notices


def test_mode_override():
    assert load_image_array(RGB, mode="CMYK").mode == "CMYK"


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((0, 4, 3), np.uint8), r"zero size \(4x0 pixels\)"),
        (np.zeros((4, 0), np.uint8), "zero size"),
        (np.zeros(12, np.uint8), "unsupported image array shape"),
        (np.zeros((4, 4, 5), np.uint8), "unsupported image array shape"),
        (np.zeros((2, 4, 4, 3), np.uint8), "unsupported image array shape"),
        (np.zeros((4, 4, 3), np.int64), "unsupported pixel type int64"),
        (np.full((4, 4), 1.5), r"must lie in \[0, 1\], found \[1.5, 1.5\]"),
        (np.full((4, 4), -0.1), "must lie in"),
        (np.full((4, 4), np.nan), "NaN or infinite"),
    ],
)
def test_invalid_arrays(array, message):
    with pytest.raises(InputError, match=message):
        load_image_array(array)


def test_pixel_cap():
    width = MAX_PIXELS // 2 + 1
    huge = np.broadcast_to(np.zeros(1, np.uint8), (2, width))  # no real memory
    with pytest.raises(InputError, match=f"too large: {width}x2"):
        load_image_array(huge)


@pytest.mark.parametrize(
    ("mode", "gray"),
    [
        ("L", True),
        ("LA", True),
        ("1", True),
        ("I;16", True),
        ("I;16B", True),
        ("I", True),
        ("F", True),
        ("RGB", False),
        ("RGBA", False),
        ("P", False),
        ("CMYK", False),
    ],
)
def test_is_grayscale_mode(mode, gray):
    assert is_grayscale_mode(mode) is gray
