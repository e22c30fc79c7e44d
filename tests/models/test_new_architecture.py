"""A new architecture is one module plus a registration: this file registers a toy lossy image
codec (block means, uniform quantizer, integer Laplace tables) and round-trips an image through
the real command line, touching no other module of ncodec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from PIL import Image
from torch import nn

from ncodec.cli import main
from ncodec.coding import CdfTables, decode, encode, laplace_tables
from ncodec.format import NczHeader, PayloadKind
from ncodec.models import ARCHITECTURES, Architecture, register_architecture
from ncodec.models.image_codec import FrozenImageCodec
from ncodec.zoo import ENV_PATH, save_model


class BlockMeans(nn.Module):
    """Trainable part of the toy: one learnable quantizer step scale (so weights are non-empty)."""

    stride = 4

    def __init__(self, lambdas: tuple[float, ...]) -> None:
        super().__init__()
        self.config = type("Config", (), {"lambdas": lambdas})()
        self.step_scale = nn.Parameter(torch.ones(()))


class FrozenBlockMeans(FrozenImageCodec):
    """Codes 4x4 block means, step 2..27 grey levels from quality 100..1."""

    def __init__(self, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> None:
        super().__init__(module, arrays)
        sub = {k.removeprefix("tables."): v for k, v in arrays.items() if k.startswith("tables.")}
        self.tables = CdfTables.from_arrays(sub)

    def _step(self, q: int) -> float:
        return float(self.module.step_scale) * (2 + (99 - q) / 4) / 255.0

    def encode_padded(self, x, q, size, effort, options) -> tuple[list[bytes], Any]:
        means = F.avg_pool2d(x, self.stride)
        symbols = torch.round(means / self._step(q)).long().numpy()
        centred = symbols - np.round(symbols.mean(axis=(2, 3), keepdims=True)).astype(np.int64)
        offsets = (symbols - centred)[0, :, 0, 0].astype(np.int64)
        header = np.array([int(v) for v in offsets], dtype=np.int64)
        streams = [
            header.astype("<i2").tobytes(),
            encode(centred, np.zeros_like(centred), self.tables),
        ]
        return streams, None

    stream_count = 2

    def decode_padded(self, streams, padded, q) -> torch.Tensor:
        shape = (1, 3, padded[0] // self.stride, padded[1] // self.stride)
        offsets = np.frombuffer(streams[0], dtype="<i2").astype(np.int64).reshape(1, 3, 1, 1)
        symbols = decode(streams[1], np.zeros(shape, dtype=np.int64), self.tables) + offsets
        means = torch.from_numpy(symbols.astype(np.float32)) * self._step(q)
        return F.interpolate(means, scale_factor=self.stride, mode="nearest")


@register_architecture
class BlockMeansArchitecture(Architecture):
    name = "toy-block-means"
    kind = PayloadKind.LOSSY_IMAGE

    @classmethod
    def build(cls, config: Mapping[str, Any]) -> nn.Module:
        return BlockMeans(tuple(config["lambdas"]))

    @classmethod
    def export(cls, module: nn.Module) -> dict[str, np.ndarray]:
        return laplace_tables(np.array([6.0])).to_arrays("tables.")

    @classmethod
    def freeze(cls, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> FrozenImageCodec:
        return FrozenBlockMeans(module, arrays)


def test_toy_architecture_round_trips_through_the_cli(tmp_path, monkeypatch, photo):
    assert ARCHITECTURES["toy-block-means"] is BlockMeansArchitecture
    weights = tmp_path / "weights"
    weights.mkdir()
    config = {"lambdas": [0.01]}
    save_model(weights / "toy.safetensors", BlockMeans((0.01,)), "toy-block-means", config)
    monkeypatch.setenv(ENV_PATH, str(weights))
    source, packed, restored = tmp_path / "in.png", tmp_path / "in.ncz", tmp_path / "out.png"
    Image.fromarray(photo[:37, :53]).save(source)
    runner = CliRunner()
    result = runner.invoke(main, ["compress", str(source), "-o", str(packed), "--model", "toy"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["decompress", str(packed), "-o", str(restored)])
    assert result.exit_code == 0, result.output
    back = np.asarray(Image.open(restored))
    assert back.shape == (37, 53, 3)
    error = np.abs(back.astype(int) - photo[:37, :53].astype(int))
    assert error.mean() < 20  # block means of a smooth photo, not noise
    info = runner.invoke(main, ["info", str(packed), "--json"])
    assert info.exit_code == 0 and '"toy"' in info.output


def test_toy_header_is_a_lossy_image(tmp_path, monkeypatch, photo):
    from ncodec import api
    from ncodec.format.container import read_ncz

    weights = tmp_path / "w"
    weights.mkdir()
    save_model(
        weights / "toy.safetensors", BlockMeans((0.01,)), "toy-block-means", {"lambdas": [0.01]}
    )
    monkeypatch.setenv(ENV_PATH, str(weights))
    header, streams = read_ncz(api.compress_image(photo, "toy", 90))
    assert isinstance(header, NczHeader) and header.kind == PayloadKind.LOSSY_IMAGE
    assert len(streams) == 2
