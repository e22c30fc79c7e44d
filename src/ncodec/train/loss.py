"""Rate + lambda * distortion, with the rate in bits per pixel from the model's likelihoods."""

from __future__ import annotations

import torch
from pytorch_msssim import ms_ssim


def rate_bpp(out: dict[str, torch.Tensor], num_pixels: int) -> torch.Tensor:
    """Per-image bits per pixel: -sum log2(likelihood) over every latent, (B,)."""
    total = 0.0
    for key, lik in out.items():
        if key.startswith("likelihoods"):
            total = total + torch.log2(lik).flatten(1).sum(1)
    return -total / num_pixels


def rd_loss(
    out: dict[str, torch.Tensor], x: torch.Tensor, lmbda: torch.Tensor, distortion: str = "mse"
) -> dict[str, torch.Tensor]:
    """Batch mean of bpp + lambda * D, D = 255^2 * MSE or 1 - MS-SSIM (CompressAI's scale)."""
    _n, _, h, w = x.shape
    bpp = rate_bpp(out, h * w)
    mse = ((out["x_hat"] - x) ** 2).flatten(1).mean(1)
    if distortion == "mse":
        dist = 255.0**2 * mse
    else:
        dist = 1.0 - ms_ssim(out["x_hat"].clamp(0, 1), x, data_range=1.0, size_average=False)
    loss = (bpp + lmbda * dist).mean()
    return {"loss": loss, "bpp": bpp.mean(), "mse": mse.mean(), "distortion": dist.mean()}
