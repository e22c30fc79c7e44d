"""The float per-image decoder that the encoder trains: latent grids plus ARM, upsampling and
synthesis parameters, for B images of the same padded size at once (each image has its own
parameters; Adam's per-element updates keep the images independent)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from ncodec.models.overfit.arm import rate_bits
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.fixed_point import LATENT
from ncodec.models.overfit.geometry import grid_shapes
from ncodec.models.overfit.parameters import initial_parameters, synthesis_layers
from ncodec.models.overfit.synthesis import synthesize
from ncodec.models.overfit.upsampling import upsample2x_transposed, upsample_grids

Quantizer = Callable[[torch.Tensor], torch.Tensor]


def _key(name: str) -> str:
    """ParameterDict keys cannot hold dots."""
    return name.replace(".", "__")


def decode_float(
    grids: list[torch.Tensor], params: Mapping[str, torch.Tensor], config: OverfitConfig
) -> torch.Tensor:
    """(B, 3, H, W) reconstruction of (B, h_i, w_i) latent grids with float parameters."""
    # No clamp to the upsampled range here: latents are within +-255 and the kernel's overshoot
    # almost never leaves +-256, so the integer decoder's clamp is not worth its cost in training.
    taps = params["up.taps"]
    stack = upsample_grids(grids, lambda t: upsample2x_transposed(t, taps))
    return synthesize(stack, synthesis_layers(config), params)


class OverfitNet(nn.Module):
    """Trainable latents and decoder parameters of B images of one padded size."""

    def __init__(
        self,
        config: OverfitConfig,
        padded: tuple[int, int],
        batch: int = 1,
        generator: torch.Generator | None = None,
        start: Mapping[str, torch.Tensor] | None = None,
    ) -> None:
        """Zero latents; decoder parameters from `start` (one image's values, shared by the
        batch) where given, else the random initialization."""
        super().__init__()
        self.config = config
        self.latents = nn.ParameterList(
            nn.Parameter(torch.zeros(batch, h, w)) for h, w in grid_shapes(*padded, config.grids)
        )
        values = initial_parameters(config, batch, generator)
        unknown = set(start or {}) - set(values)
        if unknown:
            raise ValueError(f"unknown decoder parameters in start: {sorted(unknown)}")
        for name, value in (start or {}).items():
            values[name] = value.detach().float().expand(batch, *value.shape).clone()
        self.decoder = nn.ParameterDict({_key(k): nn.Parameter(v) for k, v in values.items()})

    def params(self) -> dict[str, torch.Tensor]:
        """Decoder parameters by name, (B, *shape) each."""
        return {k.replace("__", "."): v for k, v in self.decoder.items()}

    def forward(self, quantize: Quantizer) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction (B, 3, H, W), rate in bits (B,)) with `quantize` applied to latents."""
        limit = float(LATENT.limit)
        grids = [quantize(latent.clamp(-limit, limit)) for latent in self.latents]
        params = self.params()
        return decode_float(grids, params, self.config), rate_bits(grids, params, self.config)
