"""The learned codecs' real coding path: round trips, decoder = encoder-side reconstruction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ncodec import api
from ncodec.format.container import read_ncz
from ncodec.models.image_codec import image_tensor, pad_to_multiple
from ncodec.zoo import find_model, load_codec


def encoder_side_reconstruction(codec, rgb: np.ndarray, quality: int) -> np.ndarray:
    """What the decoder must output, computed from the encoder's own quantized latents."""
    q = quality - 1
    x = pad_to_multiple(image_tensor(rgb), codec.stride)
    with torch.no_grad():
        y = codec.module.g_a(x) * codec.y_gain[q].view(1, -1, 1, 1)
        if codec.stream_count == 1:
            y_hat = torch.round(y)
        else:
            z = torch.round(
                codec.module.h_a(y / codec.y_gain[q].view(1, -1, 1, 1))
                * codec.z_gain[q].view(1, -1, 1, 1)
            )
            _, means = codec._hyper_params(z.double(), q)
            y_hat = torch.round(y - means.float()).double() + means
        x_hat = codec.synthesizer(q)(y_hat)
    x_hat = x_hat[0, :, : rgb.shape[0], : rgb.shape[1]]
    return torch.round(x_hat.clamp(0, 1) * 255).to(torch.uint8).permute(1, 2, 0).numpy()


@pytest.mark.parametrize("model", ["tiny-hp", "tiny-fp"])
@pytest.mark.parametrize("quality", [1, 60, 100])
def test_decoder_reproduces_encoder_reconstruction(installed, photo, model, quality):
    data = api.compress_image(photo, model=model, quality=quality)
    decoded = api.decompress_image(data)
    codec = load_codec(find_model(model))
    expected = encoder_side_reconstruction(codec, photo, quality)
    assert decoded.shape == photo.shape
    np.testing.assert_array_equal(decoded, expected)


def test_quality_changes_rate_monotonically_in_the_latent_gain(installed, photo):
    sizes = [len(api.compress_image(photo, model="tiny-hp", quality=q)) for q in (1, 100)]
    assert sizes[0] < sizes[1]


def test_header_records_model_geometry_and_quality(installed, photo):
    data = api.compress_image(photo[:37, :53], model="tiny-fp", quality=42)
    header, streams = read_ncz(data)
    assert (header.model, header.height, header.width, header.quality) == ("tiny-fp", 37, 53, 42)
    assert header.weights_hash == find_model("tiny-fp").weights_hash
    assert len(streams) == 1


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (65, 1), (64, 64)])
def test_odd_sizes_round_trip_to_the_same_shape(installed, shape):
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    for model in ("tiny-hp", "tiny-fp"):
        decoded = api.decompress_image(api.compress_image(rgb, model=model, quality=50))
        assert decoded.shape == (*shape, 3)
        assert decoded.dtype == np.uint8


def test_quality_outside_range_is_rejected(installed, photo):
    from ncodec.errors import InputError

    for bad in (0, 101, float("nan"), -5):
        with pytest.raises(InputError):
            api.compress_image(photo, model="tiny-hp", quality=bad)


def test_header_hash_is_the_hash_of_the_bytes_the_codec_was_built_from(installed, photo):
    from ncodec.format.weights_hash import weights_hash_of_file

    entry = find_model("tiny-fp")
    codec = load_codec(entry)
    assert codec.weights_hash == weights_hash_of_file(entry.path)
    header, _ = read_ncz(api.compress_image(photo, model="tiny-fp", quality=10))
    assert header.weights_hash == codec.weights_hash


def test_decode_macs_are_counted_per_part(installed):
    from ncodec.format import NczHeader

    header = NczHeader.image("tiny-hp", "0" * 16, 64, 64)
    hp = load_codec(find_model("tiny-hp")).decode_macs(header)
    fp = load_codec(find_model("tiny-fp")).decode_macs(header)
    assert set(hp) == {"synthesis", "hyper_synthesis"} and set(fp) == {"synthesis"}
    assert hp["synthesis"] == fp["synthesis"] > hp["hyper_synthesis"] > 0


def test_shipped_synthesis_macs_match_a_hand_count():
    """hyperprior-mse: N=128, M=192, four 5x5 stride-2 transposed convs and three IGDNs."""
    codec = load_codec(find_model("hyperprior-mse"))
    from ncodec.format import NczHeader

    macs = codec.decode_macs(NczHeader.image("hyperprior-mse", "0" * 16, 64, 64))
    n, m = 128, 192
    per_pixel = 25 * (m * n / 256 + n * n / 64 + n * n / 16 + n * 3 / 4)
    per_pixel += n * n / 64 + n * n / 16 + n * n / 4  # IGDN after each: 1/8, 1/4, 1/2 resolution
    assert macs["synthesis"] == pytest.approx(per_pixel)
