"""Damaged streams are one-line FormatErrors; decoding gives the same pixels on 1 and 2 threads."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from ncodec import api
from ncodec.errors import FormatError
from ncodec.format.container import read_ncz
from ncodec.zoo import ENV_PATH


@pytest.fixture(scope="module")
def encoded(overfit_weights, small_photo) -> bytes:
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_PATH, str(overfit_weights))
    try:
        yield api.compress(small_photo, "overfit-quick", 75, effort=1)
    finally:
        mp.undo()


def _damaged(stream: bytes) -> list[bytes]:
    rng = np.random.default_rng(0)
    cases = [stream[:-4], stream[4:], stream[: len(stream) // 2], stream + stream[-4:], b""]
    cases.append(rng.integers(0, 256, len(stream), dtype=np.uint8).tobytes())
    for position in (0, len(stream) // 3, len(stream) - 1):
        flipped = bytearray(stream)
        flipped[position] ^= 0x5A
        cases.append(bytes(flipped))
    return cases


def test_damaged_streams_raise_format_error(quick_model, encoded):
    header, streams = read_ncz(encoded)
    codec = api.load_model(quick_model)
    assert codec.decompress(streams, header).shape == (32, 48, 3)
    for damaged in _damaged(streams[0]):
        with pytest.raises(FormatError) as info:
            codec.decompress([damaged], header)
        assert "\n" not in str(info.value)
    with pytest.raises(FormatError):
        codec.decompress([], header)


_DECODE = """
import hashlib, sys, torch
torch.set_num_threads(int(sys.argv[2]))
import ncodec.models.overfit
from ncodec import api
pixels = api.decode(open(sys.argv[1], 'rb').read()).rgb
print(torch.get_num_threads(), hashlib.sha256(pixels.tobytes()).hexdigest())
"""


def test_identical_pixels_on_one_and_two_threads(quick_model, encoded, overfit_weights, tmp_path):
    path = tmp_path / "image.ncz"
    path.write_bytes(encoded)
    env = {**os.environ, ENV_PATH: str(overfit_weights)}
    env.pop("OMP_NUM_THREADS", None)
    digests = set()
    for threads in (1, 2):
        out = subprocess.run(
            [sys.executable, "-c", _DECODE, str(path), str(threads)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.split()
        assert out[0] == str(threads)
        digests.add(out[1])
    here = hashlib.sha256(api.decode(encoded).rgb.tobytes()).hexdigest()
    assert digests == {here}
