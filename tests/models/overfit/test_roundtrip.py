"""Encode at minimal effort, decode through the public API, and check the encoder's options."""

from __future__ import annotations

import numpy as np
import pytest

from ncodec import api
from ncodec.errors import InputError
from ncodec.format.container import NczHeader, read_ncz


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-12)))


def test_round_trip_through_the_api(quick_model, encoded, small_photo):
    header, streams = read_ncz(encoded[100])
    assert header.model == quick_model and len(streams) == 1 and header.quality == 100
    decoded = api.decode(encoded[100]).rgb
    assert decoded.shape == small_photo.shape and decoded.dtype == np.uint8
    flat = np.broadcast_to(small_photo.mean(axis=(0, 1)).round(), small_photo.shape)
    assert _psnr(decoded, small_photo) > _psnr(flat, small_photo) + 4
    assert np.array_equal(api.decode(encoded[100]).rgb, decoded)


def test_progress_is_reported(encoded):
    calls = encoded["progress"]
    assert calls[-1][:2] == (20, 20) and len(calls) == 2 * 20
    assert all(np.isfinite(c[2]) and c[2] > 0 and np.isfinite(c[3]) for c in calls)


def test_encoding_is_deterministic_and_quality_orders_rate(quick_model, encoded, small_photo):
    assert api.compress(small_photo, quick_model, 1, effort=1) == encoded[1]
    assert len(encoded[100]) > len(encoded[1])


def test_bad_options_are_input_errors(quick_model, small_photo):
    codec = api.load_model(quick_model)
    assert codec.max_effort() == 2 and set(codec.effort_options()) == {"device", "progress"}
    with pytest.raises(InputError):
        api.compress(small_photo, quick_model, 50, effort=3)
    with pytest.raises(InputError):
        api.compress(small_photo, quick_model, 50, effort=1, options={"device": "tpu"})
    with pytest.raises(InputError):
        api.compress(small_photo, quick_model, 50, effort=1, options={"progress": 3})
    with pytest.raises(InputError):
        api.compress(small_photo, quick_model, 50, effort=1, options={"unknown": 1})


def test_decode_macs_are_within_budget(quick_model):
    codec = api.load_model(quick_model)
    macs = codec.decode_macs(NczHeader.image(quick_model, "0" * 16, 512, 768))
    assert set(macs) == {"upsampling", "synthesis", "entropy_model"}
    assert 500 < sum(macs.values()) <= 3000
