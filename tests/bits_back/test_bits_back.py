"""Lossy bits-back coding of the shipped hyperprior's hyper-latent: exact files, bits given back."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.data import astronaut

from ncodec import api
from ncodec.coding import AnsStack
from ncodec.errors import FormatError, InputError
from ncodec.format import read_ncz, write_ncz
from ncodec.models.bits_back import BitsBackHyperprior, chain_entries, decode_chain, encode_chain
from ncodec.models.image_codec import padded_tensor
from ncodec.zoo import find_model, load_codec

MODEL = "hyperprior-mse"


@pytest.fixture(scope="module")
def coder() -> BitsBackHyperprior:
    return BitsBackHyperprior.of(load_codec(find_model(MODEL)))


@pytest.fixture(scope="module")
def crops() -> list[np.ndarray]:
    """Three 128x192 crops of a real photograph."""
    image = astronaut()
    return [
        np.ascontiguousarray(image[r : r + 128, c : c + 192])
        for r, c in ((0, 0), (200, 100), (380, 300))
    ]


def test_single_image_file_decodes_exactly_and_is_marked(crops):
    data = api.compress_image(crops[0], MODEL, 20, options={"bits_back": True})
    header, streams = read_ncz(data)
    assert "bits_back" in header.extra and len(streams) == 1
    first = api.decompress_image(data)
    assert first.shape == crops[0].shape
    assert np.array_equal(first, api.decompress_image(data))
    psnr = 10 * np.log10(255**2 / np.mean((first.astype(float) - crops[0]) ** 2))
    assert psnr > 20


def test_same_pixels_with_one_and_two_threads(crops):
    data = api.compress_image(crops[1], MODEL, 40, options={"bits_back": True})
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = api.decompress_image(data)
        torch.set_num_threads(2)
        two = api.decompress_image(data)
    finally:
        torch.set_num_threads(before)
    assert np.array_equal(one, two)


def test_bits_given_back_equal_the_bits_borrowed(coder, crops):
    """Encoding pops z from random initial bits; decoding restores exactly those bits."""
    initial = np.random.default_rng(0).integers(0, 2**32, 512, dtype=np.uint64)
    raw = initial.astype("<u4").tobytes()
    stack = AnsStack.from_bytes(raw)
    x = padded_tensor(crops[0], 64)
    y_hat = coder.latents(x, 10)
    z_nearest = (coder.centres(y_hat, 10) + 128) >> 8
    coder.push(stack, y_hat, 10)
    decoder = AnsStack.from_bytes(stack.to_bytes())
    decoded = coder.pop(decoder, (128, 192), 10)
    assert decoder.to_bytes() == raw
    assert np.array_equal(decoded.numpy(), y_hat.astype(np.float64))
    # z was really drawn from q (not always the nearest integer), and paid from the initial
    # bits: the stack grew by less than the same y_hat and z cost when pushed alone
    _, z = coder.pop_given(AnsStack.from_bytes(stack.to_bytes()), (128, 192), 10)
    assert np.any(z != z_nearest)
    alone = AnsStack()
    coder.push_given(alone, y_hat, z, 10)
    assert len(stack.to_bytes()) - len(raw) < len(alone.to_bytes()) - 8


def test_chain_decodes_every_image_and_consumes_the_stream(coder, crops):
    items = [(padded_tensor(c, 64), q) for c, q in zip(crops, (5, 30, 60), strict=True)]
    stream = encode_chain(coder, items)
    sizes = [((128, 192), q) for _, q in items]
    decoded = decode_chain(coder, stream, sizes)
    for (x, q), y in zip(items, decoded, strict=True):
        assert np.array_equal(y.numpy(), coder.latents(x, q).astype(np.float64))
    with pytest.raises(FormatError):
        decode_chain(coder, stream + bytes(4), sizes)


def test_bad_bits_back_headers_are_one_line_errors(crops):
    data = api.compress_image(crops[0], MODEL, 20, options={"bits_back": True})
    header, streams = read_ncz(data)
    for value in ({"q": "0" * 16}, {"q": 3}, {"q": header.extra["bits_back"]["q"], "x": 1}):
        bad = write_ncz(_with_extra(header, {"bits_back": value}), streams)
        with pytest.raises(FormatError):
            api.decompress_image(bad)
    for chain in ([[0, 5, "RGB", 1]], [[5, 5, "RGB", 101]], [[5, 5, "", 1]], "x", [[1, 2]]):
        with pytest.raises(FormatError):
            chain_entries({"q": "a", "chain": chain})


def test_options_that_cannot_combine_are_refused(crops):
    with pytest.raises(InputError, match="effort"):
        api.compress_image(crops[0], MODEL, 20, effort=2, options={"bits_back": True})
    with pytest.raises(InputError, match="true or false"):
        api.compress_image(crops[0], MODEL, 20, options={"bits_back": "yes"})


def _with_extra(header, extra):
    import dataclasses

    return dataclasses.replace(header, extra=extra)


def test_multi_image_file_decodes_every_image(crops):
    from ncodec.bits_back_files import compress_images, decompress_images

    data = compress_images(crops, MODEL, 10)
    images = decompress_images(data)
    assert len(images) == 3
    assert np.array_equal(images[0], api.decompress_image(data))
    for crop, image in zip(crops, images, strict=True):
        # y_hat does not depend on z, so each image is what its one-image file decodes to
        single = api.compress_image(crop, MODEL, 10, options={"bits_back": True})
        assert np.array_equal(image, api.decompress_image(single))


def test_far_weights_decide_how_often_z_leaves_the_nearer_integer(coder, crops):
    import dataclasses

    y_hat = coder.latents(padded_tensor(crops[2], 64), 5)
    nearer = (coder.centres(y_hat, 5) + 128) >> 8
    raw = np.random.default_rng(1).integers(0, 2**32, 4096, dtype=np.uint64).astype("<u4")
    flips = []
    for weight in (0, 128):
        far = np.full((nearer.shape[1], 256), weight)
        variant = BitsBackHyperprior(coder.codec, dataclasses.replace(coder.companion, far=far))
        stack = AnsStack.from_bytes(raw.tobytes())
        variant.push(stack, y_hat, 5)
        _, z = variant.pop_given(AnsStack.from_bytes(stack.to_bytes()), (128, 192), 5)
        flips.append(float(np.mean(z != nearer)))
        decoder = AnsStack.from_bytes(stack.to_bytes())
        variant.pop(decoder, (128, 192), 5)
        assert decoder.to_bytes() == raw.tobytes()
    assert flips[0] == 0.0 and 0.35 < flips[1] < 0.65
