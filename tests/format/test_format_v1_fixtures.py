"""Format-1 files written by the shipped model before format 2 keep decoding to the same pixels,
and encoding the same crops still produces the same coded streams."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from ncodec import api
from ncodec.format.container import read_ncz
from ncodec.io import load_image

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ncz_v1"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


@pytest.fixture(autouse=True)
def _shipped_only(monkeypatch):
    monkeypatch.delenv("NCODEC_WEIGHTS_PATH", raising=False)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_v1_file_decodes_to_the_recorded_pixels(name: str) -> None:
    data = (FIXTURES / f"{name}.ncz").read_bytes()
    assert data[4] == 1, "fixture must stay a format-1 file"
    pixels = api.decompress_image(data)
    recorded = load_image(str(FIXTURES / f"{name}.png")).rgb
    assert pixels.shape == recorded.shape
    # The float32 synthesis rounds a few pixels differently with other thread counts (issue 16),
    # so until the synthesis is fixed-point: identical but for rare off-by-one pixels.
    moved = np.abs(pixels.astype(np.int16) - recorded.astype(np.int16))
    assert moved.max() <= 1
    assert np.count_nonzero(moved) <= max(2, moved.size // 1000)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_encoding_the_same_crop_gives_the_same_streams(name: str) -> None:
    from skimage.data import astronaut

    case = EXPECTED[name]
    top, left, height, width = case["crop"]
    rgb = np.ascontiguousarray(astronaut()[top : top + height, left : left + width])
    _, streams = read_ncz(api.compress_image(rgb, "hyperprior-mse", case["quality"]))
    assert [hashlib.sha256(s).hexdigest() for s in streams] == case["stream_sha256"]
