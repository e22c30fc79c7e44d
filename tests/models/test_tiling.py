"""Tiled transforms: memory bounded by the tile, results identical to the whole image."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from ncodec import api
from ncodec.models.tiling import Tiling, map_tiled
from ncodec.zoo import find_model, load_codec


def test_spans_cover_the_output_once_with_aligned_halos():
    t = Tiling(tile=48, halo=32, down=16)
    spans = list(t.spans(1000))
    assert spans[0][:2] == (0, 48) and spans[-1][1] == 1000 // 16
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert all(s[2] % 16 == 0 and s[2] <= 16 * s[0] for s in spans)
    with pytest.raises(ValueError):
        Tiling(tile=10, halo=2, up=16)


@pytest.mark.parametrize("model", ["tiny-hp", "tiny-fp"])
def test_tiled_synthesis_is_bit_identical_to_one_piece(installed, model):
    codec = load_codec(find_model(model))
    y = torch.round(torch.randn(1, 24, 7, 9) * 4)
    whole = codec.synthesizer(10)(y)
    small = map_tiled(codec.synthesizer(10), y, Tiling(tile=32, halo=2, up=16))
    assert torch.equal(whole, small)


def test_tiled_hyper_parameters_are_identical(installed):
    codec = load_codec(find_model("tiny-hp"))
    z = torch.round(torch.randn(1, 16, 5, 7) * 3).double()
    indexes, means = codec._hyper_params(z, 40)
    with pytest.MonkeyPatch.context() as patch:
        from ncodec.models import hyperprior_codec

        patch.setattr(hyperprior_codec, "HYPER_SYNTHESIS_TILING", Tiling(tile=4, halo=2, up=4))
        small_indexes, small_means = codec._hyper_params(z, 40)
    assert np.array_equal(indexes, small_indexes) and torch.equal(means, small_means)


@pytest.mark.parametrize("model", ["tiny-hp", "tiny-fp"])
def test_an_image_larger_than_a_tile_round_trips_like_a_whole_one(
    installed, photo, monkeypatch, model
):
    rgb = np.ascontiguousarray(np.concatenate([photo, photo[:, ::-1]], axis=1)[:, :200])
    whole = api.compress_image(rgb, model=model, quality=60)
    decoded_whole = api.decompress_image(whole)
    for module in ("hyperprior_codec", "factorized_codec"):
        target = f"ncodec.models.{module}"
        monkeypatch.setattr(f"{target}.ANALYSIS_TILING", Tiling(tile=4, halo=32, down=16))
        monkeypatch.setattr(f"{target}.SYNTHESIS_TILING", Tiling(tile=48, halo=2, up=16))
    # Decoding in 48-pixel tiles gives the same pixels as in one piece.
    assert np.array_equal(api.decompress_image(whole), decoded_whole)
    # Float analysis in windows may round a latent differently, so sizes agree only closely.
    tiled = api.compress_image(rgb, model=model, quality=60)
    assert len(tiled) == pytest.approx(len(whole), rel=0.02)
    assert api.decompress_image(tiled).shape == rgb.shape
