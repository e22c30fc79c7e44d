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
FIXED_POINT_PIXELS = {
    "astro-128x64-q100": "60abb6cc48f494a025e9e1a0ba0258e3765c07ae596dca4298d64a128a2eda41",
    "astro-61x83-q75": "4515313e04d305e22805d7868c953c61f1d6c759b51a9bd2a5af37bfb5b06d39",
    "astro-96x128-q1": "2607071d170678de3a136807fe206fa419ac98017792d9e7c40348f21cb62917",
    "astro-96x128-q50": "9e4377d9d9cf0db1967a3c677655619d20970eac95fb77eda55ae3cba6745fc4",
}
"""sha256 of the pixels the fixed-point decoder gives (recorded once; machine-independent)."""


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
    # The recorded pixels came from the float32 synthesis; the fixed-point synthesis that replaced
    # it stays within half a grey level of it, so a pixel moves by at most 1 (a few percent do).
    moved = np.abs(pixels.astype(np.int16) - recorded.astype(np.int16))
    assert moved.max() <= 1
    assert np.count_nonzero(moved) <= moved.size // 10


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_v1_file_decodes_to_the_same_pixels_on_every_machine(name: str) -> None:
    """The fixed-point synthesis is exact integer arithmetic: these hashes hold everywhere."""
    data = (FIXTURES / f"{name}.ncz").read_bytes()
    digest = hashlib.sha256(api.decompress_image(data).tobytes()).hexdigest()
    assert digest == FIXED_POINT_PIXELS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_encoding_the_same_crop_gives_the_same_streams(name: str) -> None:
    from skimage.data import astronaut

    case = EXPECTED[name]
    top, left, height, width = case["crop"]
    rgb = np.ascontiguousarray(astronaut()[top : top + height, left : left + width])
    _, streams = read_ncz(api.compress_image(rgb, "hyperprior-mse", case["quality"]))
    assert [hashlib.sha256(s).hexdigest() for s in streams] == case["stream_sha256"]
