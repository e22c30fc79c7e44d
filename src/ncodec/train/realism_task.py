"""Training a realism head (`ncodec.models.realism_head`) against a latent-conditioned patch
discriminator, with the base codec frozen.

The base model's latents and MSE reconstructions of random training crops are computed once
(`build_cache`), so a step costs only the head and the discriminator. The loss is
rate-free (the file does not change): lambda_mse * MSE + beta * (w_adv * non-saturating GAN loss
+ w_fm * discriminator feature matching), beta drawn per crop from U[0, 1]; the discriminator
sees the latents as HiFiC's and MS-ILLM's do. Generator and discriminator share one optimiser step
of the common `Trainer`: the generator's loss reads the discriminator through detached
parameters, the discriminator's loss reads detached fakes, so each gradient reaches one side.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call

from ncodec.models.realism_head import RealismHead
from ncodec.train.data import CropDataset

LATENT_DOWNSAMPLING = 16


class PatchDiscriminator(nn.Module):
    """PatchGAN logits for 16x16-pixel cells of an image, conditioned on its latents."""

    def __init__(self, latent_channels: int, width: int = 32) -> None:
        super().__init__()
        self.project = nn.Conv2d(latent_channels, 12, 1)
        widths = [3 + 12, width, 2 * width, 4 * width]
        self.convs = nn.ModuleList(
            nn.Conv2d(a, b, 4, stride=2, padding=1) for a, b in itertools.pairwise(widths)
        )
        self.logits = nn.Conv2d(widths[-1], 1, 3, padding=1)

    def forward(self, x: Tensor, y_hat: Tensor) -> tuple[Tensor, list[Tensor]]:
        """(logits (B, 1, H/8, W/8), hidden features) of images x in [0, 1]."""
        condition = F.interpolate(self.project(y_hat), scale_factor=16, mode="nearest")
        h = torch.cat([x * 2.0 - 1.0, condition], dim=1)
        features = []
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
            features.append(h)
        return self.logits(h), features


@torch.no_grad()
def base_latents(base: nn.Module, x: Tensor, level: Tensor) -> dict[str, Tensor]:
    """The base hyperprior's dequantized latents y_hat and float reconstruction x0 of images x
    at rate-level positions `level` (as its codec quantizes: y - means rounded)."""
    y_gain, y_inverse = base.y_gains(level)
    z_gain, z_inverse = base.z_gains(level)
    y = base.g_a(x)
    z_hat = torch.round(base.h_a(y) * z_gain) * z_inverse
    means, _ = base.hyper_parameters(z_hat)
    means = means * y_gain
    y_hat = (torch.round(y * y_gain - means) + means) * y_inverse
    return {"x0": base.g_s(y_hat), "y_hat": y_hat}


def build_cache(
    base: nn.Module, data: CropDataset, count: int, levels: Sequence[int], seed: int
) -> dict[str, Tensor]:
    """`count` crops with the base model's y_hat (float16), float reconstruction (float16) and
    originals (uint8); crop i is coded at a rate level drawn from `levels`."""
    rng = np.random.default_rng([seed, 7])
    parts: dict[str, list[Tensor]] = {"x": [], "x0": [], "y_hat": [], "level": []}
    for i in range(count):
        level = torch.tensor([float(rng.choice(levels))])
        coded = base_latents(base, data.batch(i, 1), level)
        parts["x"].append(data.batch_uint8(i, 1))
        parts["x0"].append(coded["x0"].half())
        parts["y_hat"].append(coded["y_hat"].half())
        parts["level"].append(level)
    return {k: torch.cat(v) for k, v in parts.items()}


class RealismTask:
    """A `TrainingTask`: the head and the discriminator as one ModuleDict."""

    name = "realism-head"
    log_fields = ("psnr", "psnr_base", "adv", "fm", "d_loss")

    def __init__(
        self,
        cache: dict[str, Tensor],
        crop: int,
        batch_size: int,
        seed: int,
        weights: dict[str, float],
        d_lr_scale: float = 1.0,
        smooth: bool = False,
    ) -> None:
        if crop % LATENT_DOWNSAMPLING:
            raise ValueError("crops must be multiples of 16 pixels")
        self.cache = cache
        self.crop, self.batch_size, self.seed = crop, batch_size, seed
        self.weights = weights
        self.d_lr_scale = d_lr_scale
        self.smooth = smooth
        self.latent_channels = int(cache["y_hat"].shape[1])

    def build_model(self) -> nn.Module:
        return nn.ModuleDict(
            {
                "head": RealismHead(self.latent_channels, self.smooth),
                "disc": PatchDiscriminator(self.latent_channels),
            }
        )

    def param_groups(self, model: nn.Module, lr: float) -> list[dict[str, Any]]:
        return [
            {"name": "head", "params": list(model["head"].parameters()), "lr": lr},
            {
                "name": "disc",
                "params": list(model["disc"].parameters()),
                "lr": lr * self.d_lr_scale,
            },
        ]

    def batch(self, step: int, device: torch.device) -> dict[str, Tensor]:
        """Sub-crops (aligned to the latent grid) of cached crops, and a beta per crop."""
        rng = np.random.default_rng([self.seed, step, 3])
        total, size = self.cache["x"].shape[0], self.cache["x"].shape[-1]
        cells, crop_cells = size // LATENT_DOWNSAMPLING, self.crop // LATENT_DOWNSAMPLING
        picks = rng.integers(total, size=self.batch_size)
        rows = rng.integers(cells - crop_cells + 1, size=self.batch_size)
        cols = rng.integers(cells - crop_cells + 1, size=self.batch_size)
        out: dict[str, list[Tensor]] = {"x": [], "x0": [], "y_hat": []}
        for i, r, c in zip(picks, rows, cols, strict=True):
            p, q = r * LATENT_DOWNSAMPLING, c * LATENT_DOWNSAMPLING
            out["x"].append(self.cache["x"][i, :, p : p + self.crop, q : q + self.crop])
            out["x0"].append(self.cache["x0"][i, :, p : p + self.crop, q : q + self.crop])
            out["y_hat"].append(self.cache["y_hat"][i, :, r : r + crop_cells, c : c + crop_cells])
        beta = torch.from_numpy(rng.uniform(0.0, 1.0, self.batch_size)).float()
        return {
            "x": torch.stack(out["x"]).float().div_(255.0).to(device),
            "x0": torch.stack(out["x0"]).float().to(device),
            "y_hat": torch.stack(out["y_hat"]).float().to(device),
            "beta": beta.to(device),
        }

    def loss(self, model: nn.Module, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        x, x0, y_hat, beta = batch["x"], batch["x0"], batch["y_hat"], batch["beta"]
        pixels = torch.round(x0.clamp(0.0, 1.0) * 255.0) / 255.0
        fake = model["head"](pixels, y_hat, beta)
        disc = model["disc"]
        real_logits, real_features = disc(x, y_hat)
        fake_logits, _ = disc(fake.detach(), y_hat)
        d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        frozen = {name: p.detach() for name, p in disc.named_parameters()}
        gen_logits, gen_features = functional_call(disc, frozen, (fake, y_hat))
        adv = F.softplus(-gen_logits).mean(dim=(1, 2, 3))
        fm = sum(
            (g - r.detach()).abs().mean(dim=(1, 2, 3))
            for g, r in zip(gen_features, real_features, strict=True)
        )
        mse = ((fake - x) ** 2).mean(dim=(1, 2, 3))
        w = self.weights
        g_loss = (w["mse"] * mse * 255.0**2 + beta * (w["adv"] * adv + w["fm"] * fm)).mean()
        base_mse = ((x0.clamp(0, 1) - x) ** 2).mean(dim=(1, 2, 3))
        return {
            "loss": g_loss + d_loss,
            "psnr": (10 * torch.log10(1.0 / mse.clamp_min(1e-10))).mean().detach(),
            "psnr_base": (10 * torch.log10(1.0 / base_mse.clamp_min(1e-10))).mean(),
            "adv": adv.mean().detach(),
            "fm": fm.mean().detach(),
            "d_loss": d_loss.detach(),
        }


def save_cache(cache: dict[str, Tensor], path: Path) -> None:
    """Write a cache atomically."""
    tmp = path.with_suffix(".tmp")
    torch.save(cache, tmp)
    tmp.replace(path)
