"""The `overfit` architecture: a per-image decoder learned by the encoder and sent in the file.

The shared "weights" are only the config and the integer Laplace table bank; everything else
(latent grids, entropy model, upsampling, synthesis) is fitted to each image by the encoder and
coded into the stream, so the decoder is small and fast while the encoder is slow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from ncodec.coding import CdfTables
from ncodec.errors import FormatError, InputError
from ncodec.format.container import NczHeader, PayloadKind
from ncodec.models.image_codec import FrozenImageCodec
from ncodec.models.overfit.config import OverfitConfig, overfit_config
from ncodec.models.overfit.decoder import IntegerDecoder
from ncodec.models.overfit.encoder import Recipe, encode_one
from ncodec.models.overfit.macs import decode_macs
from ncodec.models.overfit.stream import Bank, read_stream
from ncodec.models.overfit.tables import build_bank
from ncodec.models.protocol import Architecture
from ncodec.models.registry import register_architecture

DEVICES = ("cpu", "cuda")
TABLES_PREFIX = "tables."


class OverfitModule(nn.Module):
    """The shared part of the model: its config (no trainable weights)."""

    architecture = "overfit"

    def __init__(self, config: OverfitConfig) -> None:
        super().__init__()
        self.config = config
        self.stride = 1 << (config.grids - 1)


class FrozenOverfit(FrozenImageCodec):
    """One stream per image: the per-image decoder's parameters, then its latent grids."""

    stream_count = 1
    slow_encoder = True

    def __init__(self, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> None:
        super().__init__(module, arrays)
        self.config: OverfitConfig = module.config
        sub = {k[len(TABLES_PREFIX) :]: v for k, v in arrays.items() if k.startswith(TABLES_PREFIX)}
        self.bank = Bank(self.config, CdfTables.from_arrays(sub))

    def max_effort(self) -> int:
        """Effort levels 1..N pick the encoder's iteration count (0: the default level)."""
        return len(self.config.effort_iterations)

    def effort_options(self) -> tuple[str, ...]:
        return ("device", "progress")

    def encode_padded(
        self,
        x: torch.Tensor,
        q: int,
        size: tuple[int, int],
        effort: int,
        options: Mapping[str, Any],
    ) -> tuple[list[bytes], Any]:
        device = options.get("device", "cpu") or "cpu"
        if device not in DEVICES:
            raise InputError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
        if device == "cuda" and not torch.cuda.is_available():
            raise InputError("device 'cuda' was asked for but no CUDA device is available")
        progress = options.get("progress")
        if progress is not None and not callable(progress):
            raise InputError("progress must be a callable (iteration, total, bpp, psnr)")
        recipe = Recipe(iterations=self.config.iterations(effort))
        stream, trace = encode_one(
            self.bank,
            x,
            tuple(size),
            self.rate_lambda(q + 1),
            recipe,
            device=device,
            progress=progress,
        )
        return [stream], trace

    def decode_padded(self, streams: list[bytes], padded: tuple[int, int], q: int) -> torch.Tensor:
        quantized, grids = read_stream(self.bank, streams[0], padded)
        return IntegerDecoder(self.config, quantized).synthesize(grids)

    def decode_pixels(
        self, streams: list[bytes], padded: tuple[int, int], q: int, height: int, width: int
    ) -> np.ndarray:
        """The uint8 image, converted from the integer reconstruction in one pass (the same
        pixels as rounding `decode_padded`)."""
        quantized, grids = read_stream(self.bank, streams[0], padded)
        return IntegerDecoder(self.config, quantized).pixels(grids, height, width)

    def decode_macs(self, header: NczHeader) -> dict[str, float]:
        """Worst-case MACs per pixel (every grid coded) of upsampling, synthesis and ARM."""
        return decode_macs(self.config)


@register_architecture
class OverfitArchitecture(Architecture):
    """Cool-chic / C3-style overfitted codec with a 4-pass integer entropy model."""

    name = "overfit"
    kind = PayloadKind.LOSSY_IMAGE

    @classmethod
    def build(cls, config: Mapping[str, Any]) -> nn.Module:
        return OverfitModule(overfit_config(config))

    @classmethod
    def export(cls, module: nn.Module) -> dict[str, np.ndarray]:
        return build_bank(module.config).to_arrays(TABLES_PREFIX)

    @classmethod
    def freeze(cls, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> FrozenOverfit:
        if not any(k.startswith(TABLES_PREFIX) for k in arrays):
            raise FormatError("overfit weights lack their table bank")
        return FrozenOverfit(module, arrays)

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return OverfitConfig().to_dict()
