"""Circuit coding: real streams round-trip every image, cost what the circuit says, decode to the
same bytes in fresh processes with 1 and 2 threads, and corrupt streams fail in one line."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from circuit_strokes import strokes

from ncodec import api
from ncodec.circuits.coder import decode_images, encode_images, ideal_bits
from ncodec.errors import FormatError, InputError, NcodecError
from ncodec.zoo import ENV_PATH


@pytest.fixture(scope="module")
def frozen(tiny_circuit):
    from ncodec.models import freeze

    return freeze(tiny_circuit)


def test_batch_round_trips_at_the_circuits_rate(frozen):
    images = strokes(40, seed=7)
    data = encode_images(frozen.circuit, images, block=16)
    np.testing.assert_array_equal(
        decode_images(frozen.circuit, data, 40, block=16), images.reshape(40, -1)
    )
    ideal = ideal_bits(frozen.circuit, images).sum()
    assert ideal < 8 * images.size / 3  # learned: far below 8 bits per pixel
    assert ideal <= 8 * len(data) <= ideal + 64 + 0.001 * ideal


def test_unseen_values_and_noise_still_round_trip(frozen):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    data = encode_images(frozen.circuit, images)
    np.testing.assert_array_equal(decode_images(frozen.circuit, data, 3), images.reshape(3, -1))


def test_corrupt_or_truncated_streams_fail_cleanly(frozen):
    images = strokes(4, seed=9)
    data = encode_images(frozen.circuit, images)
    with pytest.raises(FormatError):
        decode_images(frozen.circuit, data + b"\0\0\0\1", 4)
    with pytest.raises(FormatError):
        decode_images(frozen.circuit, data[:-3], 4)


_DECODE = """
import hashlib, sys
import torch
torch.set_num_threads(int(sys.argv[1]))
from ncodec import api
print(hashlib.sha256(api.decode(open(sys.argv[2], "rb").read()).data.tobytes()).hexdigest())
"""


def test_fresh_processes_with_1_and_2_threads_decode_the_same_digits(pc_installed, tmp_path):
    images = strokes(60, seed=11)
    (tmp_path / "a.ncz").write_bytes(api.compress(images, "pc-tiny"))
    runs = []
    for threads in ("1", "2"):
        env = {**os.environ, ENV_PATH: str(pc_installed)}
        env.update({f"{lib}_NUM_THREADS": threads for lib in ("OMP", "OPENBLAS", "MKL")})
        command = [sys.executable, "-c", _DECODE, threads, str(tmp_path / "a.ncz")]
        runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env))
    outputs = [run.communicate()[0].split() for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert outputs[0] == outputs[1] == [hashlib.sha256(images.tobytes()).hexdigest()]


def test_api_codes_one_digit_and_refuses_what_is_not_one(pc_installed):
    digit = strokes(1, seed=5)[0]
    data = api.compress(digit, "pc-tiny")
    decoded = api.decode(data)
    np.testing.assert_array_equal(decoded.data, digit)
    assert decoded.header.payload.shape == (28, 28)
    bad = {
        "16-bit": digit.astype(np.uint16) * 257,
        "float": digit.astype(np.float32) / 255,
        "wrong size": np.zeros((32, 32), np.uint8),
        "empty": np.zeros((0, 28, 28), np.uint8),
    }
    for what, array in bad.items():
        with pytest.raises(InputError) as err:
            api.compress(array, "pc-tiny")
        assert "\n" not in str(err.value), what


def test_a_header_that_claims_other_shapes_is_refused(pc_installed, frozen):
    from dataclasses import replace

    from ncodec.format.container import read_ncz

    header, streams = read_ncz(api.compress(strokes(1, seed=2)[0], "pc-tiny"))
    for shape in ((29, 28), (10**9, 28, 28), (3, 28)):
        fake = replace(header, payload=replace(header.payload, shape=shape))
        with pytest.raises(NcodecError):
            frozen.decompress(streams, fake)


@pytest.mark.parametrize("name", ["pc-mnist", "pc-fashion-mnist"])
def test_shipped_circuits_round_trip_digits_and_noise(name):
    from ncodec.zoo import installed_models

    if name not in installed_models():
        pytest.skip(f"{name} is not installed")
    rng = np.random.default_rng(0)
    images = np.concatenate([strokes(3, seed=12), rng.integers(0, 256, (1, 28, 28), np.uint8)])
    np.testing.assert_array_equal(api.decode(api.compress(images, name)).data, images)
