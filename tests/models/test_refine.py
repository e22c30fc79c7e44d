"""Encoder-side latent refinement with Adam (`refine_method="adam"`; SGA, the default search, is
tested in test_sga.py): real files get cheaper in rate + lambda * distortion, decode as usual,
and steps=0 changes nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from ncodec import api
from ncodec.cli import main
from ncodec.errors import InputError
from ncodec.models import RateLevels
from ncodec.zoo import find_model, load_codec

ADAM = {"refine_method": "adam"}


def real_loss(codec, rgb: np.ndarray, data: bytes, quality: int) -> float:
    """bpp of the whole .ncz file + lambda * 255^2 * MSE of its decoded pixels."""
    decoded = api.decompress_image(data).astype(np.float64) / 255.0
    mse = float(np.mean((decoded - rgb.astype(np.float64) / 255.0) ** 2))
    bpp = 8 * len(data) / (rgb.shape[0] * rgb.shape[1])
    return bpp + codec.rate_lambda(quality) * 255.0**2 * mse


def test_lambda_at_trained_levels_and_geometric_midpoints():
    levels = RateLevels((0.001, 0.004, 0.016))
    assert levels.lambda_at(0.0) == pytest.approx(0.001)
    assert levels.lambda_at(2.0) == pytest.approx(0.016)
    assert levels.lambda_at(0.5) == pytest.approx(0.002)
    assert levels.lambda_at(1.5) == pytest.approx(0.008)
    assert levels.lambda_at(9.0) == pytest.approx(0.016)
    assert levels.positions_of([0.001, 0.002, 0.016, 0.032]) == pytest.approx([0, 0.5, 2, 2.5])
    positions = torch.tensor([0.0, 0.5, 1.5])
    assert levels.lambdas_at(positions).tolist() == pytest.approx([0.001, 0.002, 0.008])


def test_quality_maps_to_the_trained_lambdas_at_the_ends(installed):
    codec = load_codec(find_model("tiny-hp"))
    assert codec.rate_lambda(1) == pytest.approx(0.005)
    assert codec.rate_lambda(100) == pytest.approx(0.02)
    assert codec.rate_lambda(50) == pytest.approx(math.sqrt(0.005 * 0.02), rel=0.02)


def test_zero_steps_writes_the_same_bytes(installed, photo):
    plain = api.compress_image(photo, model="tiny-hp", quality=60)
    assert api.compress_image(photo, model="tiny-hp", quality=60, effort=0) == plain


def test_refined_file_decodes_and_costs_less(installed, photo):
    codec = load_codec(find_model("tiny-hp"))
    plain = api.compress_image(photo, model="tiny-hp", quality=50)
    refined = api.compress_image(photo, model="tiny-hp", quality=50, effort=25, options=ADAM)
    assert refined != plain
    assert api.decompress_image(refined).shape == photo.shape
    assert real_loss(codec, photo, refined, 50) < real_loss(codec, photo, plain, 50)


def test_shipped_model_saves_at_least_one_percent_in_twenty_steps(installed):
    from skimage.data import astronaut

    rgb = np.ascontiguousarray(astronaut()[0:256, 128:384])
    codec = load_codec(find_model("hyperprior-mse"))
    plain = api.compress_image(rgb, model="hyperprior-mse", quality=50)
    refined = api.compress_image(rgb, model="hyperprior-mse", quality=50, effort=20, options=ADAM)
    before, after = real_loss(codec, rgb, plain, 50), real_loss(codec, rgb, refined, 50)
    assert after < 0.99 * before, (before, after)


def test_bf16_search_writes_a_valid_cheaper_file(installed, photo):
    codec = load_codec(find_model("tiny-hp"))
    plain = api.compress_image(photo, model="tiny-hp", quality=50)
    fast = api.compress_image(
        photo, model="tiny-hp", quality=50, effort=25, options={**ADAM, "refine_precision": "bf16"}
    )
    assert api.decompress_image(fast).shape == photo.shape
    assert real_loss(codec, photo, fast, 50) < real_loss(codec, photo, plain, 50)
    with pytest.raises(InputError, match="refine precision"):
        api.compress_image(photo, model="tiny-hp", effort=2, options={"refine_precision": "fp16"})


def test_trace_reports_the_objective_it_kept(installed, photo):
    codec = load_codec(find_model("tiny-hp"))
    trace = codec.compress(photo, 50, 10, ADAM).trace
    assert trace is not None and trace.steps == 10
    assert trace.loss_after <= trace.loss_before
    assert codec.compress(photo, 50, 0).trace is None


def test_bad_step_counts_and_adam_on_factorized_models_are_rejected(installed, photo):
    for steps in (-1, 1.5, True, api.MAX_REFINE_STEPS + 1):
        with pytest.raises(InputError, match="effort must be an integer from 0 to 10000"):
            api.compress_image(photo, model="tiny-hp", effort=steps, options=ADAM)
    with pytest.raises(InputError, match="no encoder option 'refine_method'"):
        api.compress_image(photo, model="tiny-fp", effort=3, options=ADAM)


def test_cli_refine_flag(installed, photo, tmp_path):
    png = tmp_path / "photo.png"
    Image.fromarray(photo).save(png)
    out = tmp_path / "photo.ncz"
    args = ["compress", str(png), "-o", str(out), "--model", "tiny-hp", "--refine", "5"]
    args = [*args[:-2], "--refine-method", "adam", *args[-2:]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    result = CliRunner().invoke(main, [*args[:-1], "-2", "--force"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("ncodec: error: effort must be an integer")
    result = CliRunner().invoke(main, [*args, "--effort", "4", "--force"])
    assert result.exit_code == 2
    assert "disagree" in result.output
    result = CliRunner().invoke(main, [*args, "--refine-precision", "bf16", "--force"])
    assert result.exit_code == 0, result.output
    assert api.decompress_image(out.read_bytes()).shape == photo.shape
