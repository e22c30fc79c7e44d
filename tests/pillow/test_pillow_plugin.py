"""The Pillow plugin, exercised through Pillow's own API only: open, save, load, errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import ncodec.pillow  # noqa: F401  (registers the NCZ format)
from ncodec.errors import FormatError, InputError, ModelNotFoundError


@pytest.fixture
def rgb(photo) -> Image.Image:
    return Image.fromarray(photo[:64, :96])


def test_registered_with_pillow():
    assert Image.registered_extensions()[".ncz"] == "NCZ"
    assert Image.MIME["NCZ"] == "image/x-ncz"
    assert "NCZ" in Image.SAVE and "NCZ" in Image.OPEN


def test_rgb_round_trip_with_options(installed, rgb, tmp_path):
    path = tmp_path / "photo.ncz"
    rgb.save(path, quality=40, model="tiny-hp")
    with Image.open(path) as im:
        assert (im.format, im.size, im.mode) == ("NCZ", (96, 64), "RGB")
        assert im.info["model"] == "tiny-hp" and im.info["quality"] == 40
        assert im.get_format_mimetype() == "image/x-ncz"
        im.load()
        pixels = np.asarray(im)
    assert pixels.shape == (64, 96, 3) and pixels.dtype == np.uint8
    with Image.open(path) as again:  # decoding is deterministic
        assert np.array_equal(np.asarray(again), pixels)


def test_grayscale_round_trip_stays_grayscale(installed, rgb):
    buffer = io.BytesIO()
    rgb.convert("L").save(buffer, format="NCZ", quality=75, model="tiny-fp")
    buffer.seek(0)
    with Image.open(buffer) as im:
        assert (im.mode, im.size, im.info["model"]) == ("L", (96, 64), "tiny-fp")
        assert np.asarray(im).shape == (64, 96)


def test_quality_changes_the_file(installed, rgb, tmp_path):
    sizes = []
    for quality in (1, 100):
        rgb.save(tmp_path / f"q{quality}.ncz", quality=quality, model="tiny-hp")
        sizes.append((tmp_path / f"q{quality}.ncz").stat().st_size)
    assert sizes[0] < sizes[1]


def test_size_and_mode_are_known_before_decoding(installed, rgb, tmp_path, monkeypatch):
    path = tmp_path / "photo.ncz"
    rgb.save(path, model="tiny-hp")
    monkeypatch.setenv("NCODEC_WEIGHTS_PATH", str(tmp_path / "no-models-here"))
    with Image.open(path) as im:  # the model is gone: opening needs only the header
        assert (im.size, im.mode) == ((96, 64), "RGB")
        with pytest.raises(ModelNotFoundError, match="tiny-hp"):
            im.load()


def test_errors_are_one_line_ncodec_errors(installed, rgb, tmp_path):
    with pytest.raises(InputError, match="convert it to RGB or L"):
        rgb.convert("RGBA").save(tmp_path / "a.ncz", model="tiny-hp")
    with pytest.raises(InputError, match="quality"):
        rgb.save(tmp_path / "b.ncz", quality=101, model="tiny-hp")
    with pytest.raises(ModelNotFoundError, match="not installed"):
        rgb.save(tmp_path / "c.ncz", model="no-such-model")
    good = tmp_path / "good.ncz"
    rgb.save(good, model="tiny-hp")
    damaged = bytearray(good.read_bytes())
    damaged[-10] ^= 0xFF
    with pytest.raises(FormatError, match="checksum"):
        Image.open(io.BytesIO(bytes(damaged)))


def test_other_formats_still_open(rgb):
    buffer = io.BytesIO()
    rgb.save(buffer, format="PNG")
    buffer.seek(0)
    with Image.open(buffer) as im:
        assert im.format == "PNG"
