"""End-to-end bound experiments: sample a source, train upper and lower bounds, collect a result.

Shared by the `ncodec bounds` command and the scripts in bench/. Results are plain dicts ready for
`report.write_result`: curves are lists of {"distortion": MSE per dim, "rate_bits": bits per dim}.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import partial
from typing import NamedTuple

import numpy as np
import torch

from ncodec.bounds import exact
from ncodec.bounds.codecs import codec_curve, mosaic
from ncodec.bounds.fitting import Fit
from ncodec.bounds.lower import (
    calibrate,
    calibrate_cap,
    evaluate_lower,
    lower_envelope,
    make_log_u,
    train_lower,
)
from ncodec.bounds.sources import GaussianSource, PatchSource
from ncodec.bounds.upper import (
    VariationalRD,
    evaluate_upper,
    linear_gaussian_model,
    mlp_model,
    train_upper,
)
from ncodec.errors import InputError
from ncodec.metrics import mse_from_psnr


@dataclass
class Settings:
    """Sample sizes and optimisation budgets (defaults: the committed Gaussian experiments)."""

    seed: int = 0
    train_samples: int = 100_000
    heldout_samples: int = 1_000_000
    upper_steps: int = 3000
    upper_batch: int = 512
    lower: bool = True
    lower_steps: int = 300
    lower_batch: int = 4096
    lower_eval_samples: int = 100_000
    lower_shape: str = "taper"
    diagonal: bool = False
    progress: bool = True


class Samples(NamedTuple):
    """The sample sets of one experiment; `lower` is (calibration, test) or None without it."""

    train: np.ndarray
    heldout: np.ndarray
    lower: tuple[np.ndarray, np.ndarray] | None


def draw_samples(
    train_src: GaussianSource | PatchSource,
    test_src: GaussianSource | PatchSource,
    settings: Settings,
) -> Samples:
    """Seed torch and numpy, then draw training, held-out and (with the lower bound)
    calibration and test samples, always in this order (bench scripts redraw the same ones)."""
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    train = train_src.sample(settings.train_samples, rng)
    heldout = test_src.sample(settings.heldout_samples, rng)
    if not settings.lower:
        return Samples(train, heldout, None)
    calib = train_src.sample(settings.lower_eval_samples, rng)
    return Samples(train, heldout, (calib, test_src.sample(settings.lower_eval_samples, rng)))


def _upper_and_lower(
    samples: Samples,
    lambdas: list[float],
    settings: Settings,
    model_factory: Callable[[np.ndarray], VariationalRD],
    lower_hidden: int = 0,
) -> tuple[list, list]:
    """Train one upper model and one dual function per λ; return upper points and dual lines."""
    train, heldout, lower_sets = samples
    uppers, lines = [], []
    for i, lam in enumerate(lambdas):
        start = time.perf_counter()
        fit = Fit(settings.upper_steps, settings.upper_batch, seed=settings.seed + i)
        fit = replace(fit, progress=settings.progress)
        model = train_upper(model_factory(train), train, lam, fit)
        uppers.append(evaluate_upper(model, heldout, lam, time.perf_counter() - start))
        if lower_sets is None:
            continue
        start = time.perf_counter()
        calib, test = lower_sets
        shape = settings.lower_shape
        log_u = make_log_u(train, settings.lower_batch, hidden=lower_hidden, shape=shape)
        fit = replace(fit, steps=settings.lower_steps, batch=settings.lower_batch)
        log_u = train_lower(log_u, train, lam, fit)
        if shape == "taper":
            log_u = calibrate(log_u, calib, lam, settings.lower_batch)
        else:
            log_u = calibrate_cap(log_u, calib, lam, settings.lower_batch)
        lines.append(evaluate_lower(log_u, test, lam, time.perf_counter() - start))
    return uppers, lines


def compare_upper(row: dict, variances: np.ndarray) -> dict:
    """Add the exact R(D) at the reported (confidence-adjusted) distortion and the rate gap."""
    d_max = float(np.mean(variances))
    if 0 < row["distortion"] < d_max:
        r = exact.gaussian_rate(variances, row["distortion"])
        row["exact_rate_bits"] = r
        row["gap_bits"] = row["rate_bits"] - r
        row["gap_relative"] = (row["rate_bits"] - r) / r if r > 0 else None
    return row


def gaussian_experiment(
    variances: np.ndarray, distortions: list[float], settings: Settings
) -> dict:
    """Bounds for i.i.d. Gaussian vectors at target distortions (per dim), with exact R(D)."""
    src = GaussianSource(variances)
    d_max = exact.gaussian_max_distortion(src.variances)
    for d in distortions:
        exact.water_level(src.variances, d)  # raises InputError outside (0, D_max)
    samples = draw_samples(src, src, settings)
    lambdas = [exact.gaussian_slope_lambda(src.variances, d) for d in distortions]
    start = time.perf_counter()
    model = partial(linear_gaussian_model, diagonal=settings.diagonal)
    uppers, lines = _upper_and_lower(samples, lambdas, settings, model)
    grid = sorted({*distortions, *np.geomspace(min(distortions) / 2, d_max * 0.95, 40).tolist()})
    grid = [d for d in grid if 0 < d < d_max]
    upper_rows = [compare_upper(p.as_dict(), src.variances) for p in uppers]
    result = {
        "source": {"kind": "gaussian", "dim": src.dim, "variances": src.variances.tolist()},
        "distortion_scale": "source units",
        "settings": asdict(settings),
        "targets": distortions,
        "exact": exact.gaussian_curve(src.variances, np.array(grid)),
        "upper": upper_rows,
        "lower": [],
        "seconds": 0.0,
    }
    if lines:
        result["lower"] = lower_envelope(lines, np.array(grid))
        result["lower_lines"] = [line.as_dict() for line in lines]
        result["lower_at_targets"] = []
        for d in distortions:
            lb = lower_envelope(lines, np.array([d]))[0]["rate_bits"]
            r = exact.gaussian_rate(src.variances, d)
            result["lower_at_targets"].append(
                {
                    "distortion": d,
                    "rate_bits": lb,
                    "exact_rate_bits": r,
                    "gap_bits": r - lb,
                    "gap_relative": (r - lb) / r,
                }
            )
    result["seconds"] = time.perf_counter() - start
    return result


PIXEL_SCALE = 255.0
MOSAIC_PATCHES = 65536
"""At most this many held-out patches (the first ones) are tiled into the codecs' mosaic."""


def _to_255(points: list[dict]) -> list[dict]:
    """Convert distortions from the 0..1 pixel scale to the 0..255 scale (MSE × 255²)."""
    out = []
    for p in points:
        q = dict(p)
        q["distortion"] = p["distortion"] * PIXEL_SCALE**2
        if "distortion_se" in q:
            q["distortion_se"] = p["distortion_se"] * PIXEL_SCALE**2
        out.append(q)
    return out


def patch_experiment(
    train_dir: str,
    test_dir: str,
    patch: int,
    gray: bool,
    psnr_targets: list[float],
    settings: Settings,
    codecs: list[str],
    latent_dim: int | None = None,
    max_train_images: int | None = None,
) -> dict:
    """Bounds for image patches: train on `train_dir`, measure on patches of `test_dir`.

    λ per target follows the Gaussian slope λ = 1/(2·MSE) on the 0..1 scale; distortions in the
    result are MSE per value on the 0..255 scale.
    """
    if not psnr_targets:
        raise InputError("need at least one PSNR target")
    train_src = PatchSource(train_dir, patch, gray, max_images=max_train_images)
    test_src = PatchSource(test_dir, patch, gray)
    samples = draw_samples(train_src, test_src, settings)
    dim = train_src.dim
    latent = latent_dim or dim
    lambdas = [1.0 / (2.0 * mse_from_psnr(p, peak=1.0)) for p in psnr_targets]
    start = time.perf_counter()
    model = partial(mlp_model, latent_dim=latent)
    uppers, lines = _upper_and_lower(samples, lambdas, settings, model, lower_hidden=128)
    upper = _to_255([p.as_dict() for p in uppers])
    d_lo = min(p["distortion"] for p in upper) / 2 / PIXEL_SCALE**2
    d_hi = max(p["distortion"] for p in upper) * 2 / PIXEL_SCALE**2
    grid = np.geomspace(d_lo, d_hi, 40)
    result = {
        "source": {
            "kind": "patches",
            "train": str(train_dir),
            "test": str(test_dir),
            "patch": patch,
            "gray": gray,
            "dim": dim,
            "latent_dim": latent,
            "max_train_images": max_train_images,
        },
        "distortion_scale": "pixel values 0..255",
        "settings": asdict(settings),
        "psnr_targets": psnr_targets,
        "exact": [],
        "upper": upper,
        "lower": _to_255(lower_envelope(lines, grid)) if lines else [],
        "lower_lines": [line.as_dict() for line in lines],
        "codecs": {},
    }
    img = mosaic(samples.heldout[:MOSAIC_PATCHES], patch, gray)
    for name in codecs:
        result["codecs"][name] = codec_curve(name, img)
    result["codec_mosaic_shape"] = list(img.shape)
    result["seconds"] = time.perf_counter() - start
    return result
