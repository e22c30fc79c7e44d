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
    header, streams = read_ncz(encoded[100])
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
import ncodec.models.overfit
from ncodec import api
data = open(sys.argv[1], 'rb').read()
for threads in (1, 2):
    torch.set_num_threads(threads)
    pixels = api.decode(data).rgb
    print(torch.get_num_threads(), hashlib.sha256(pixels.tobytes()).hexdigest())
"""


def test_identical_pixels_on_one_and_two_threads(encoded, overfit_weights, tmp_path):
    """A fresh process decodes with 1 and then 2 threads; both equal this process's pixels."""
    path = tmp_path / "image.ncz"
    path.write_bytes(encoded[100])
    env = {**os.environ, ENV_PATH: str(overfit_weights)}
    env.pop("OMP_NUM_THREADS", None)
    out = subprocess.run(
        [sys.executable, "-c", _DECODE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    assert out[0::2] == ["1", "2"]
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_PATH, str(overfit_weights))
    try:
        here = hashlib.sha256(api.decode(encoded[100]).rgb.tobytes()).hexdigest()
    finally:
        mp.undo()
    assert out[1::2] == [here, here]
