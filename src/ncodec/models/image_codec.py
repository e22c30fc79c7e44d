"""What every frozen lossy-image codec shares: padding, pixels, qualities, the image header.

Architectures subclass `FrozenImageCodec` and override two hooks, `encode_padded` and
`decode_padded` (as TensorFlow Compression's entropy models differ only by overridden hooks);
`stream_count` and `stride` come from the architecture.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ncodec.errors import FormatError, InputError
from ncodec.format import ImageInfo, NczHeader, PayloadKind
from ncodec.models.config import image_config
from ncodec.models.protocol import Architecture, Encoded, FrozenCodec
from ncodec.models.rate_levels import RateLevels
from ncodec.models.tiling import Tiling, run_tiled

Size = tuple[int, int]
"""(height, width)."""
Options = Mapping[str, Any]
"""Encoder options of one call (names checked by the api against `effort_options`)."""
Coded = tuple[list[bytes], Any]
"""Coded streams and an optional encoder trace."""


def image_tensor(rgb: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> (1, 3, H, W) float32 in [0, 1]."""
    pixels = torch.from_numpy(np.array(rgb, dtype=np.uint8, copy=True))
    return pixels.permute(2, 0, 1)[None].float().div_(255.0)


def pad_to_multiple(x: torch.Tensor, stride: int) -> torch.Tensor:
    """Replicate-pad the bottom and right so both sides are multiples of `stride`."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % stride, (-w) % stride
    return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x


def padded_tensor(rgb: np.ndarray, stride: int) -> torch.Tensor:
    """`pad_to_multiple(image_tensor(rgb), stride)`, padding the uint8 pixels before converting,
    so a large image costs one float copy instead of three."""
    height, width = rgb.shape[:2]
    padding = ((0, (-height) % stride), (0, (-width) % stride), (0, 0))
    return image_tensor(np.pad(rgb, padding, mode="edge"))


def to_pixels(x_hat: torch.Tensor, height: int, width: int) -> np.ndarray:
    """(1, 3, H', W') in [0, 1] -> HxWx3 uint8 (cropped, clamped, rounded)."""
    x_hat = x_hat[0, :, :height, :width]
    pixels = torch.round(x_hat.clamp(0, 1) * 255.0).to(torch.uint8)
    return pixels.permute(1, 2, 0).contiguous().numpy()


def tiled_pixels(
    fn: Callable[[Tensor], Tensor], latents: Tensor, tiling: Tiling, height: int, width: int
) -> np.ndarray:
    """HxWx3 uint8 pixels of a synthesis `fn` run tile by tile over `latents` (1, M, h, w): only
    one tile's reconstruction is held at a time."""
    pixels = np.empty((height, width, 3), dtype=np.uint8)

    def place(x_hat: Tensor, top: int, bottom: int, left: int, right: int) -> None:
        bottom, right = min(bottom, height), min(right, width)
        if top < bottom and left < right:
            pixels[top:bottom, left:right] = to_pixels(x_hat, bottom - top, right - left)

    run_tiled(fn, latents, tiling, place)
    return pixels


def split_image(data: Any) -> tuple[np.ndarray, str]:
    """(HxWx3 uint8 RGB, Pillow mode) of a `LoadedImage`-like object or a plain RGB array."""
    rgb = getattr(data, "rgb", data)
    mode = getattr(data, "mode", "RGB")
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise InputError(f"expected an HxWx3 uint8 RGB image, got {rgb.dtype} {rgb.shape}")
    return rgb, mode


class FrozenImageCodec(FrozenCodec):
    """A variable-rate lossy image codec: quality 1..100 picks a rate-level position."""

    kind: ClassVar[PayloadKind] = PayloadKind.LOSSY_IMAGE
    stream_count: ClassVar[int] = 1
    """Number of coded streams per image."""

    def __init__(self, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> None:
        self.module = module.eval()
        self.arrays = dict(arrays)
        self.levels = RateLevels(tuple(module.config.lambdas))
        self.stride: int = module.stride

    def rate_lambda(self, quality: int) -> float:
        """Lambda (loss = bpp + lambda * 255^2 * MSE) that quality 1..100 was trained for."""
        return self.levels.lambda_of_quality(quality)

    @torch.no_grad()
    def compress(
        self, data: Any, quality: int, effort: int = 0, options: Mapping[str, Any] | None = None
    ) -> Encoded:
        rgb, mode = split_image(data)
        if not 0 <= effort <= self.max_effort():
            raise InputError(f"effort must be from 0 to {self.max_effort()}, got {effort}")
        # Passed without a local reference, so the hook may drop the padded image once used.
        streams, trace = self.encode_padded(
            padded_tensor(rgb, self.stride), int(quality) - 1, rgb.shape[:2], effort, options or {}
        )
        info = ImageInfo(height=rgb.shape[0], width=rgb.shape[1], mode=mode, quality=int(quality))
        return Encoded(streams=streams, payload=info, trace=trace)

    @torch.no_grad()
    def decompress(self, streams: Sequence[bytes], header: NczHeader) -> np.ndarray:
        if len(streams) != self.stream_count:
            raise FormatError(f"expected {self.stream_count} coded streams, found {len(streams)}")
        height, width = header.height, header.width
        padded = (-(-height // self.stride) * self.stride, -(-width // self.stride) * self.stride)
        return self.decode_pixels(list(streams), padded, header.quality - 1, height, width)

    @abstractmethod
    def encode_padded(self, x: Tensor, q: int, size: Size, effort: int, options: Options) -> Coded:
        """Hook: coded streams (and an optional trace) of a padded image at quality index q."""

    @abstractmethod
    def decode_padded(self, streams: list[bytes], padded: Size, q: int) -> Tensor:
        """Hook: the (1, 3, H', W') reconstruction of a padded image from its streams."""

    def decode_pixels(
        self, streams: list[bytes], padded: Size, q: int, height: int, width: int
    ) -> np.ndarray:
        """Hook: the HxWx3 uint8 image; override to decode in tiles without holding the whole
        float reconstruction (default: `decode_padded`, cropped and rounded)."""
        return to_pixels(self.decode_padded(streams, padded, q), height, width)


class ImageArchitecture(Architecture):
    """An image architecture whose module takes a `CodecConfig` and whose frozen codec takes
    (module, arrays): subclasses name the two classes and write only `export`."""

    kind: ClassVar[PayloadKind] = PayloadKind.LOSSY_IMAGE
    module_class: ClassVar[type[nn.Module]]
    frozen_class: ClassVar[type[FrozenImageCodec]]

    @classmethod
    def build(cls, config: Mapping[str, Any]) -> nn.Module:
        return cls.module_class(image_config(config))

    @classmethod
    def freeze(cls, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> FrozenImageCodec:
        return cls.frozen_class(module, arrays)
