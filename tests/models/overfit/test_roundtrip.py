"""Encode at minimal effort, decode through the public API, and check the encoder's options."""

from __future__ import annotations

import numpy as np
import pytest

from ncodec import api
from ncodec.errors import InputError
from ncodec.format.container import read_ncz


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-12)))


def test_round_trip_through_the_api(quick_model, small_photo):
    calls = []
    options = {"progress": lambda *args: calls.append(args)}
    data = api.compress(small_photo, quick_model, 60, effort=1, options=options)
    header, streams = read_ncz(data)
    assert header.model == quick_model and len(streams) == 1
    decoded = api.decode(data).rgb
    assert decoded.shape == small_photo.shape and decoded.dtype == np.uint8
    assert _psnr(decoded, small_photo) > 18
    assert np.array_equal(api.decode(data).rgb, decoded)
    assert calls and calls[-1][:2] == (40, 40)
    assert all(np.isfinite(c[2]) and np.isfinite(c[3]) for c in calls)


def test_encoding_is_deterministic_and_quality_orders_rate(quick_model, small_photo):
    low = api.compress(small_photo, quick_model, 1, effort=1)
    assert api.compress(small_photo, quick_model, 1, effort=1) == low
    high = api.compress(small_photo, quick_model, 100, effort=1)
    assert len(high) > len(low)


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
    header, _ = read_ncz(api.compress(np.zeros((8, 8, 3), np.uint8), quick_model, 50, 1))
    macs = codec.decode_macs(header)
    assert set(macs) == {"upsampling", "synthesis", "entropy_model"}
    assert 500 < sum(macs.values()) <= 3000
