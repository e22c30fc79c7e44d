"""Periodic held-out evaluation during training: estimated bits per pixel and PSNR per level."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ncodec.errors import InputError
from ncodec.metrics import mse, psnr_from_mse
from ncodec.train.data import load_training_image
from ncodec.train.loss import rate_bpp


def on_cpu(model: torch.nn.Module) -> torch.nn.Module:
    """The model itself if it is on the CPU, else a CPU copy (validation codes on the CPU)."""
    if all(p.device.type == "cpu" for p in model.parameters()):
        return model
    return copy.deepcopy(model).cpu()


def center_crops(files: Sequence[Path], size: int = 256) -> torch.Tensor:
    """Center crops (N, 3, size, size) in [0, 1] of the held-out images that are large enough."""
    images = [load_training_image(f) for f in files]
    size = min([size] + [min(im.shape[:2]) // 64 * 64 for im in images])
    if size < 64:
        raise InputError("held-out images must be at least 64x64 pixels")
    crops = []
    for img in images:
        h, w = img.shape[:2]
        top, left = (h - size) // 2, (w - size) // 2
        crops.append(img[top : top + size, left : left + size])
    return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float().div_(255.0)


def make_real_validator(files: Sequence[Path], levels: int, size: int = 256, count: int = 8):
    """A callback (model, step) -> per quality: real bpp (coded bytes), estimated bpp and PSNR.

    Exports the current weights' integer tables and codes held-out crops for real, so the log
    shows what a shipped model would achieve, not only the training objective.
    """
    from ncodec.format import NczHeader
    from ncodec.models import freeze

    crops = center_crops(files[:count], size)
    images = [(c.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy() for c in crops]
    estimate = make_estimated_validator(files[:count], levels, size)

    @torch.no_grad()
    def validate(model: torch.nn.Module, step: int) -> dict:
        model = on_cpu(model)
        result = estimate(model, step)
        codec = freeze(model)
        for quality in (1, 50, 100):
            total_bytes, error = 0, 0.0
            for rgb in images:
                streams = codec.compress(rgb, quality).streams
                total_bytes += sum(len(s) for s in streams)
                header = NczHeader.image("validation", "0" * 16, *rgb.shape[:2], quality=quality)
                back = codec.decompress(streams, header)
                error += mse(rgb, back) / len(images)
            pixels = len(images) * images[0].shape[0] * images[0].shape[1]
            result[f"q{quality}"] = {
                "bpp_real_streams": round(8 * total_bytes / pixels, 4),
                "psnr": round(psnr_from_mse(error), 3),
            }
        return result

    return validate


def make_estimated_validator(files: Sequence[Path], levels: int, size: int = 256):
    """A callback (model, step) -> {level: {bpp_estimated, psnr}}: the training proxy.

    The rate is -log2 of the likelihoods of noisy latents (as in training), not a real file;
    at low rates it is well above the real coded size, which `make_real_validator` reports.
    """
    images = center_crops(files, size)
    size = images.shape[-1]

    @torch.no_grad()
    def validate(model: torch.nn.Module, step: int) -> dict:
        model = on_cpu(model)
        result = {}
        for level in sorted({0, (levels - 1) // 2, levels - 1}):
            t = torch.full((images.shape[0],), float(level))
            out = model(images, t)
            error = float(((out["x_hat"].clamp(0, 1) - images) ** 2).mean())
            bpp = float(rate_bpp(out, size * size).mean())
            result[str(level)] = {
                "bpp_estimated": round(bpp, 4),
                "psnr": round(psnr_from_mse(error, peak=1.0), 3),
            }
        return result

    return validate
