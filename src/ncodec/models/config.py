"""Shared architecture settings of the learned codecs: channel widths and trained rate levels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_LAMBDAS = (0.0018, 0.0035, 0.0067, 0.013, 0.025, 0.0483)
"""CompressAI's MSE lambdas for qualities 1..6 (loss = bpp + lambda * 255^2 * MSE)."""


@dataclass
class CodecConfig:
    """Channel widths N (transforms) and M (latent), and one lambda per gain-unit rate level."""

    n: int = 128
    m: int = 192
    lambdas: tuple[float, ...] = field(default_factory=lambda: DEFAULT_LAMBDAS)

    def to_dict(self) -> dict:
        return {**asdict(self), "lambdas": list(self.lambdas)}


def image_config(config: Mapping[str, Any]) -> CodecConfig:
    """A CodecConfig from a stored config dict (lambdas may come as a JSON list)."""
    cfg = dict(config)
    if "lambdas" in cfg:
        cfg["lambdas"] = tuple(cfg["lambdas"])
    return CodecConfig(**cfg)
