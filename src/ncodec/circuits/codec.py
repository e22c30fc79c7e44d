"""The registered `hclt` architecture: digits (one H x W image or N x H x W) to an integer-tensor
`.ncz` and back, coded pixel by pixel with the integer circuit's exact conditionals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from torch import nn

from ncodec.circuits.coder import decode_images, encode_images
from ncodec.circuits.digits import check_digit_batch, digit_pixels
from ncodec.circuits.fixed import IntegerCircuit, export_tables
from ncodec.circuits.hclt import Hclt
from ncodec.errors import FormatError, InputError
from ncodec.format import NczHeader, PayloadKind, TensorInfo
from ncodec.models.protocol import Architecture, Encoded, FrozenCodec
from ncodec.models.registry import register_architecture

MAX_IMAGES = 100_000
"""Most images one file may hold (bounds what a header can make the decoder allocate)."""


class FrozenCircuitCodec(FrozenCodec):
    """Codes uint8 digits of one shape with an integer HCLT (quality and effort do not apply)."""

    kind = PayloadKind.INTEGER_TENSOR

    def __init__(self, circuit: IntegerCircuit, shape: tuple[int, int]) -> None:
        self.circuit = circuit
        self.shape = shape

    def compress(
        self, data: Any, quality: int, effort: int = 0, options: Mapping[str, Any] | None = None
    ) -> Encoded:
        """One digit (H x W array or loaded 8-bit grayscale image) or a batch N x H x W."""
        if isinstance(data, np.ndarray) and data.ndim == 3:
            images = check_digit_batch(data, self.shape, "digit batch")
            if len(images) > MAX_IMAGES:
                raise InputError(f"{len(images)} images in one file (at most {MAX_IMAGES})")
            shape: tuple[int, ...] = images.shape
        else:
            images = digit_pixels(data, self.shape)[np.newaxis]
            shape = self.shape
        stream = encode_images(self.circuit, images)
        return Encoded([stream], TensorInfo(tuple(int(s) for s in shape), "uint8"))

    def decompress(self, streams: Sequence[bytes], header: NczHeader) -> np.ndarray:
        """The H x W (or N x H x W) uint8 digits of a file this codec wrote."""
        info = header.payload
        if not isinstance(info, TensorInfo) or info.dtype != "uint8":
            raise FormatError("a digit file holds a uint8 tensor")
        shape = tuple(info.shape)
        count = 1 if shape == self.shape else shape[0] if shape[1:] == self.shape else 0
        if not 1 <= count <= MAX_IMAGES or len(streams) != 1:
            raise FormatError(f"tensor of shape {shape} is not digits of this model {self.shape}")
        return decode_images(self.circuit, streams[0], count).reshape(shape)


@register_architecture
class HcltArchitecture(Architecture):
    """Hidden Chow-Liu Tree circuit over the pixels of small grayscale images."""

    name = "hclt"
    kind = PayloadKind.INTEGER_TENSOR

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {"hidden": 16, "height": 28, "width": 28}

    @classmethod
    def build(cls, config: Mapping[str, Any]) -> nn.Module:
        height, width = int(config["height"]), int(config["width"])
        return Hclt(height * width, int(config["hidden"]), height, width)

    @classmethod
    def export(cls, module: nn.Module) -> dict[str, np.ndarray]:
        return export_tables(
            *(getattr(module, name).double().cpu().numpy() for name in ("root", "edges", "leaves"))
        )

    @classmethod
    def freeze(cls, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> FrozenCodec:
        try:
            circuit = IntegerCircuit(module.tree, dict(arrays))
        except (KeyError, ValueError) as err:
            raise FormatError(f"circuit weights are inconsistent ({err})") from None
        return FrozenCircuitCodec(circuit, (module.height, module.width))
