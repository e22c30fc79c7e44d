"""Stochastic Gumbel annealing: the schedule, the relaxed rounding, and real files that get
cheaper in rate + lambda * distortion and decode with the unchanged decoder."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from ncodec import api
from ncodec.cli import main
from ncodec.errors import InputError
from ncodec.models.sga import (
    FINAL_DECAY,
    TAU_MAX,
    WARMUP_FRACTION,
    sga_round,
    temperature,
)
from ncodec.zoo import find_model, load_codec


def real_cost(model: str, rgb: np.ndarray, data: bytes, quality: int) -> float:
    """bpp of the whole .ncz file + lambda * 255^2 * MSE of its decoded pixels."""
    codec = load_codec(find_model(model))
    decoded = api.decompress_image(data).astype(np.float64) / 255.0
    mse = float(np.mean((decoded - rgb.astype(np.float64) / 255.0) ** 2))
    bpp = 8 * len(data) / (rgb.shape[0] * rgb.shape[1])
    return bpp + codec.rate_lambda(quality) * 255.0**2 * mse


def test_schedule_holds_then_decays_to_the_papers_end_value():
    steps = 100
    warm = [temperature(t, steps) for t in range(int(WARMUP_FRACTION * steps) + 1)]
    assert warm == [TAU_MAX] * len(warm)
    decaying = [temperature(t, steps) for t in range(int(WARMUP_FRACTION * steps), steps + 1)]
    assert all(a > b for a, b in itertools.pairwise(decaying))
    assert temperature(steps, steps) == pytest.approx(TAU_MAX * math.exp(-FINAL_DECAY))
    # At 2000 steps it is the paper's 0.5 exp(-0.001 (t - 700)).
    for t in (0, 700, 1000, 1500, 2000):
        assert temperature(t, 2000) == pytest.approx(min(0.5, 0.5 * math.exp(-1e-3 * (t - 700))))
    for step, steps in ((-1, 10), (11, 10), (0, 0)):
        with pytest.raises(ValueError):
            temperature(step, steps)


def test_relaxed_rounding_stays_between_neighbours_and_sharpens_when_cold():
    generator = torch.Generator().manual_seed(0)
    x = torch.linspace(-3.0, 3.0, 4001)
    for tau in (0.5, 0.05):
        sample = sga_round(x, tau, generator)
        assert torch.all(sample >= torch.floor(x) - 1e-6)
        assert torch.all(sample <= torch.floor(x) + 1 + 1e-6)
    frac = x - torch.floor(x)
    clear = (frac - 0.5).abs() > 0.2  # far from the midpoint the nearer integer wins when cold
    cold = sga_round(x, 0.01, generator)
    assert torch.mean((cold[clear] - torch.round(x[clear])).abs()).item() < 0.01
    hot = sga_round(x, 0.5, generator)
    assert torch.mean((hot[clear] - torch.round(x[clear])).abs()).item() > 0.05
    # Differentiable in x (the gradient flows through the rounding probabilities).
    v = torch.tensor([0.3, 1.6], requires_grad=True)
    sga_round(v, 0.5, generator).sum().backward()
    assert v.grad is not None and torch.all(v.grad > 0)


@pytest.mark.parametrize("model", ["tiny-hp", "tiny-fp"])
def test_sga_file_decodes_and_costs_less(installed, photo, model):
    plain = api.compress_image(photo, model=model, quality=50)
    searched = api.compress_image(photo, model=model, quality=50, effort=20)
    assert searched != plain
    assert api.decompress_image(searched).shape == photo.shape
    assert real_cost(model, photo, searched, 50) < real_cost(model, photo, plain, 50)
    trace = load_codec(find_model(model)).compress(photo, 50, 20).trace
    assert trace.steps == 20 and trace.loss_after < trace.loss_before


def test_shipped_model_saves_in_twenty_sga_steps(installed):
    from skimage.data import astronaut

    rgb = np.ascontiguousarray(astronaut()[0:256, 128:384])
    plain = api.compress_image(rgb, model="hyperprior-mse", quality=50)
    searched = api.compress_image(rgb, model="hyperprior-mse", quality=50, effort=20)
    before = real_cost("hyperprior-mse", rgb, plain, 50)
    after = real_cost("hyperprior-mse", rgb, searched, 50)
    assert after < 0.98 * before, (before, after)


def test_methods_differ_and_are_deterministic(installed, photo):
    sga = api.compress_image(photo, model="tiny-hp", quality=50, effort=5)
    adam = api.compress_image(
        photo, model="tiny-hp", quality=50, effort=5, options={"refine_method": "adam"}
    )
    assert sga != adam
    assert api.compress_image(photo, model="tiny-hp", quality=50, effort=5) == sga


def test_bad_efforts_and_options_are_one_line_errors(installed, photo):
    for model in ("tiny-hp", "tiny-fp"):
        for effort in (-1, 1.5, True, "3", api.MAX_REFINE_STEPS + 1):
            with pytest.raises(InputError, match="effort must be an integer from 0 to 10000"):
                api.compress_image(photo, model=model, effort=effort)
        with pytest.raises(InputError, match="refine precision"):
            api.compress_image(photo, model=model, effort=1, options={"refine_precision": "fp8"})
    with pytest.raises(InputError, match="refine method must be one of sga, adam"):
        api.compress_image(photo, model="tiny-hp", effort=1, options={"refine_method": "lbfgs"})
    with pytest.raises(InputError, match="no encoder option 'refine_method'"):
        api.compress_image(photo, model="tiny-fp", effort=1, options={"refine_method": "sga"})


def test_cli_effort_and_method(installed, photo, tmp_path):
    png = tmp_path / "photo.png"
    Image.fromarray(photo).save(png)
    out = tmp_path / "photo.ncz"
    args = ["compress", str(png), "-o", str(out), "--model", "tiny-fp", "--effort", "3"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert api.decompress_image(out.read_bytes()).shape == photo.shape
    result = CliRunner().invoke(main, [*args, "--refine-method", "adam", "--force"])
    assert result.exit_code == 2
    assert result.output.strip() == "ncodec: error: --refine-method does not apply to this model"
    hp = [*args[:5], "tiny-hp", "--effort", "3", "--refine-method", "adam", "--force"]
    result = CliRunner().invoke(main, hp)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, [*hp[:-3], "--refine-method", "newton", "--force"])
    assert result.exit_code == 2
