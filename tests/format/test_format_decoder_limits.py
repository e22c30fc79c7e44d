"""Decoder limits: a header must agree with its streams and with the pixel limit, checked
before anything image-sized is allocated (regressions from the attack in issue 16)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ncodec import api
from ncodec.errors import FormatError, InputError, ResourceError
from ncodec.format import ImageInfo, NczHeader, read_ncz, write_ncz

MODEL = "hyperprior-mse"


@pytest.fixture(autouse=True)
def _shipped_only(monkeypatch):
    monkeypatch.delenv("NCODEC_WEIGHTS_PATH", raising=False)


@pytest.fixture(scope="module")
def codec():
    return api.load_model(MODEL)


def file_with(codec, height: int, width: int, streams, quality: int = 50) -> bytes:
    header = NczHeader(MODEL, codec.weights_hash, ImageInfo(height, width, "RGB", quality))
    return write_ncz(header, list(streams))


@pytest.fixture(scope="module")
def photo_file(photo) -> bytes:
    return api.compress_image(photo, MODEL, 50)


@pytest.mark.parametrize(("height", "width"), [(4096, 4096), (1, 65535), (65535, 1), (2048, 3)])
def test_empty_streams_under_a_large_header_fail_at_once(codec, height, width):
    # Regression: 47 bytes announcing 4096x4096 decoded for 50 s using 7.3 GB; 83 bytes
    # announcing 1x65535 strips took 15 s and 2.2 GB.
    data = file_with(codec, height, width, [b"", b""])
    start = time.perf_counter()
    with pytest.raises(FormatError, match=r"stream 0 has 0 bytes .* does not match"):
        api.decode(data)
    assert time.perf_counter() - start < 0.5


def test_a_header_over_the_pixel_limit_is_refused_before_the_model_loads(codec):
    # Regression: 49 bytes announcing 16384x16384 made torch ask for a 15 GB block.
    data = file_with(codec, 16384, 16384, [b"", b""])
    with pytest.raises(ResourceError, match="exceeds the decoder limit of 33554432 pixels"):
        api.decode(data)
    with pytest.raises(FormatError, match="needs at least 347116"):
        api.decode(data, max_pixels=1 << 28)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, (1 << 28) + 1, "100"])
def test_the_pixel_limit_must_be_sensible(photo_file, bad):
    with pytest.raises(InputError, match="max_pixels"):
        api.decode(photo_file, max_pixels=bad)


def test_the_pixel_limit_counts_the_header_size(photo_file):
    assert api.decode(photo_file, max_pixels=96 * 128).rgb.shape == (96, 128, 3)
    with pytest.raises(ResourceError, match="128x96"):
        api.decode(photo_file, max_pixels=96 * 128 - 1)


@pytest.mark.parametrize(("height", "width"), [(96, 194), (96, 129), (96, 256), (160, 128)])
def test_a_header_announcing_more_latents_than_coded_fails(codec, photo_file, height, width):
    # Regression: a flipped width byte (CRC recomputed) turned 128x96 into 194x96 silently.
    _, streams = read_ncz(photo_file)
    with pytest.raises(FormatError, match="corrupt"):
        api.decode(file_with(codec, height, width, streams))


@pytest.mark.parametrize(("height", "width"), [(64, 128), (96, 64)])
def test_a_header_announcing_fewer_latents_than_coded_fails(codec, photo_file, height, width):
    _, streams = read_ncz(photo_file)
    with pytest.raises(FormatError, match="does not end where it should"):
        api.decode(file_with(codec, height, width, streams))


def test_two_empty_streams_do_not_decode_to_an_image(codec):
    # Regression: two empty streams decoded to a 64x64 image.
    with pytest.raises(FormatError, match=r"ends \d+ symbols early"):
        api.decode(file_with(codec, 64, 64, [b"", b""]))


@pytest.mark.parametrize("quality", [1, 49, 51, 75, 100])
def test_a_changed_quality_byte_fails(codec, photo_file, quality):
    # Regression: quality 50 -> 51 (CRC recomputed) decoded a different image.
    _, streams = read_ncz(photo_file)
    with pytest.raises(FormatError, match="corrupt entropy-coded data"):
        api.decode(file_with(codec, 96, 128, streams, quality))


@pytest.mark.parametrize(
    "failure",
    [MemoryError(), RuntimeError("DefaultCPUAllocator: not enough memory: you tried to allocate")],
)
def test_running_out_of_memory_is_a_resource_error(codec, photo_file, monkeypatch, failure):
    def fail(*_args):
        raise failure

    monkeypatch.setattr(type(codec), "decompress", fail)
    with pytest.raises(ResourceError, match="not enough memory to decode a 128x96 image"):
        api.decode(photo_file)


def test_other_runtime_errors_are_not_disguised(codec, photo_file, monkeypatch):
    def fail(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(type(codec), "decompress", fail)
    with pytest.raises(RuntimeError, match="a bug"):
        api.decode(photo_file)


def test_the_minimum_stream_lengths_grow_with_the_image(codec):
    sizes = [
        codec.min_stream_bytes(NczHeader(MODEL, codec.weights_hash, ImageInfo(s, s, "RGB", 50)))
        for s in (64, 1024, 4096)
    ]
    z = [size[0] for size in sizes]
    assert z[0] == 0 < z[1] < z[2] and z[2] > 16 * z[1] * 0.9
    assert np.all([len(size) == 2 for size in sizes])
