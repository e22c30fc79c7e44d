"""lossless-photo: exact round trips (odd sizes, gray, 1x1, strips, several tiles), small images
without the fitted predictors' cost, the pixel CRC refusing a damaged file, deterministic bytes,
and one-line errors for inputs it cannot code."""

from __future__ import annotations

import numpy as np
import pytest

from ncodec import api
from ncodec.errors import FormatError, InputError
from ncodec.format import NczHeader, PayloadKind
from ncodec.format.container import read_ncz, write_ncz
from ncodec.lossless_photo import tile
from ncodec.lossless_photo.codec import FrozenLosslessPhoto, tile_boxes
from ncodec.zoo import find_model, load_codec

MODEL = "lossless-photo"


def photo(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """A smooth random image with texture and edges (a stand-in for a photo crop)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = 100 + 60 * np.sin(x / 7.0) * np.cos(y / 5.0) + 40 * (x > width // 2)
    planes = [base + 20 * c + rng.normal(0, 4, base.shape) for c in range(channels)]
    image = np.clip(np.rint(np.stack(planes, axis=-1)), 0, 255).astype(np.uint8)
    return image[:, :, 0] if channels == 1 else image


def round_trip(image: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The file bytes and what decoding gives back (a gray image as its one plane)."""
    data = api.compress(image, MODEL)
    decoded = np.asarray(api.decode(data).data)
    return data, decoded[:, :, 0] if image.ndim == 2 else decoded


@pytest.mark.parametrize(
    "shape",
    [(1, 1), (1, 37), (29, 1), (2, 2), (5, 3), (17, 23), (64, 48), (33, 70)],
)
@pytest.mark.parametrize("channels", [3, 1])
def test_round_trip_is_exact_for_any_size(shape, channels):
    image = photo(*shape, channels=channels, seed=shape[0] * 100 + shape[1])
    data, back = round_trip(image)
    assert back.shape == image.shape and back.dtype == np.uint8
    np.testing.assert_array_equal(back, image)
    header, _ = read_ncz(data)
    assert header.mode == ("L" if channels == 1 else "RGB")


def test_extreme_values_and_noise_round_trip():
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (40, 41, 3), dtype=np.uint8)
    flat = np.zeros((30, 30, 3), np.uint8)
    flat[::2, 1::3] = 255
    for image in (noise, flat, np.full((9, 12, 3), 255, np.uint8)):
        np.testing.assert_array_equal(round_trip(image)[1], image)


def test_a_smooth_photo_costs_far_less_than_eight_bits():
    image = photo(96, 128)
    data, _ = round_trip(image)
    assert 8 * len(data) / image.size < 5.0


@pytest.mark.parametrize(("side", "channels"), [(8, 3), (16, 3), (16, 1), (32, 3)])
def test_a_small_image_sends_the_fixed_predictor_when_that_is_smaller(monkeypatch, side, channels):
    # Fitted weights cost about 1.8 KB of parameters per tile: an 8x8 photo became a 1.1 KB
    # file, 5.7x its raw size. Small tiles now also try the fixed predictor.
    image = photo(side, side, channels, seed=side)
    small, decoded = round_trip(image)
    np.testing.assert_array_equal(decoded, image)
    monkeypatch.setattr(tile, "SMALL_TILE_PIXELS", 0)  # fitted weights only, as before
    fitted = api.compress(image, MODEL)
    assert len(small) < 0.6 * len(fitted)
    assert len(small) < image.size + 80  # at most the raw pixels and the container


def test_many_tiles_round_trip_and_tiles_cover_the_image():
    codec = load_codec(find_model(MODEL))
    small = FrozenLosslessPhoto(codec.settings, tile=16)
    image = photo(45, 37, seed=9)
    encoded = small.compress(image, 75)
    header, _ = read_ncz(write_ncz(_header(encoded), encoded.streams))
    np.testing.assert_array_equal(small.decompress(encoded.streams, header), image)
    boxes = tile_boxes(45, 37, 16)
    assert len(boxes) == 9
    assert sum((b - t) * (r - left) for t, left, b, r in boxes) == 45 * 37


def _header(encoded):
    return NczHeader(
        model=MODEL, weights_hash="0" * 16, payload=encoded.payload, kind=PayloadKind.LOSSLESS_IMAGE
    )


def test_encoding_is_deterministic():
    image = photo(31, 44, seed=5)
    assert api.compress(image, MODEL) == api.compress(image, MODEL)


def test_a_damaged_stream_is_an_error_never_wrong_pixels():
    image = photo(48, 40, seed=2)
    data = api.compress(image, MODEL)
    header, streams = read_ncz(data)
    failures = 0
    for position in range(0, len(streams[1]) - 4, max(1, len(streams[1]) // 12)):
        damaged = bytearray(streams[1])
        damaged[position] ^= 0x5A
        try:
            back = api.decode(write_ncz(header, [streams[0], bytes(damaged)])).data
        except FormatError:
            failures += 1
            continue
        np.testing.assert_array_equal(back, image)  # decoded anyway: must then be exact
    assert failures > 0
    with pytest.raises(FormatError):
        api.decode(write_ncz(header, [streams[0][:-3], streams[1]]))


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.zeros((8, 8, 3), np.uint16), "8-bit"),
        (np.zeros((8, 8), np.float32), "8-bit"),
        (np.zeros((0, 5, 3), np.uint8), "empty"),
        (np.zeros((8, 8, 4), np.uint8), "H x W"),
    ],
)
def test_inputs_it_cannot_code_exactly_are_one_line_errors(bad, words):
    codec = load_codec(find_model(MODEL))
    with pytest.raises(InputError, match=words) as caught:
        codec.compress(bad, 75)
    assert "\n" not in str(caught.value)
