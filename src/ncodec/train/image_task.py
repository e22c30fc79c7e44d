"""Training a variable-rate lossy image model: random crops, rate levels, rate + lambda * D."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ncodec.models import RateLevels, build_model
from ncodec.train.data import CropDataset
from ncodec.train.loss import rd_loss


class ImageRateDistortionTask:
    """Crops from training photos, each at a random rate-level position; loss from `rd_loss`."""

    log_fields = ("bpp", "mse", "psnr", "aux")

    def __init__(
        self,
        architecture: str,
        model_config: dict[str, Any],
        files: Sequence[Path],
        patch: int,
        batch_size: int,
        seed: int,
        distortion: str = "mse",
        aux_lr: float = 1e-3,
    ) -> None:
        self.name = architecture
        self.model_config = dict(model_config)
        self.levels = RateLevels(tuple(model_config["lambdas"]))
        self.data = CropDataset(files, patch, seed)
        self.batch_size = batch_size
        self.distortion = distortion
        self.aux_lr = aux_lr

    def build_model(self) -> torch.nn.Module:
        return build_model(self.name, self.model_config)

    def param_groups(self, model: torch.nn.Module, lr: float) -> list[dict[str, Any]]:
        """Main weights (clipped) and the density quantiles (trained only by the aux loss)."""
        quantiles = [p for n, p in model.named_parameters() if n.endswith("quantiles")]
        others = [p for n, p in model.named_parameters() if not n.endswith("quantiles")]
        return [
            {"params": others, "lr": lr, "name": "main", "clip": True},
            {"params": quantiles, "lr": self.aux_lr, "name": "quantiles", "clip": False},
        ]

    def batch(self, step: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 crops moved to the device and converted there, and their level positions."""
        x = self.data.batch_uint8(step, self.batch_size).to(device).float().div_(255.0)
        level = self.data.levels(step, self.batch_size, self.levels.count).to(device)
        return x, level

    def loss(
        self, model: torch.nn.Module, batch: tuple[torch.Tensor, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        x, level = batch
        out = model(x, level)  # transforms may run under the trainer's bf16 autocast
        with torch.autocast(x.device.type, enabled=False):
            terms = rd_loss(out, x, self.levels.lambdas_at(level), self.distortion)
        mse = terms["mse"].detach()
        terms["psnr"] = 10 * torch.log10(1 / mse.clamp(min=1e-10))
        terms["aux"] = model.aux_loss()
        return terms
