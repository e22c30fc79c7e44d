"""Settings of the overfitted codec: grid count, network widths, scale bank and effort levels.

They are stored as the config of `weights/overfit.safetensors`; the decoder reads the widths and
the bank from there, so two files coded with different configs never share a weights hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ncodec.errors import FormatError

DEFAULT_LAMBDAS = (0.001, 0.08)
"""Lambda of quality 1 and 100 (loss = bpp + lambda * 255^2 * MSE); geometric in between."""
DEFAULT_EFFORT_ITERATIONS = (250, 1000, 2500, 6000, 15000, 40000)
"""Encoder iterations of effort levels 1..6."""
DEFAULT_EFFORT_LEVEL = 2
"""Effort level used for effort 0."""


@dataclass(frozen=True)
class OverfitConfig:
    """Everything fixed per model (not per image): the decoder's shape and the table bank."""

    grids: int = 7
    """Latent grids at resolutions H/2^i x W/2^i, i = 0..grids-1."""
    arm_hidden: int = 16
    """Width of the two hidden layers of the entropy model (ARM)."""
    synthesis_hidden: tuple[int, ...] = (24, 24)
    """Widths of the 1x1 hidden layers of the synthesis (then 1x1 to RGB, two 3x3 residuals)."""
    log2_scale_min: int = -4
    """Smallest Laplace scale of the bank is 2**log2_scale_min."""
    log2_scale_max: int = 6
    """Largest Laplace scale of the bank is 2**log2_scale_max."""
    scales_per_octave: int = 8
    """Bank scales per factor of two (the ARM's log2-scale is rounded to 1/scales_per_octave)."""
    mean_fractions: int = 8
    """Means are rounded to 1/mean_fractions; one table per fraction and scale."""
    tail_mass: float = 1e-9
    """Laplace mass left to the escape symbol."""
    max_symbol: int = 512
    """Tables cover symbols -max_symbol..max_symbol at most (the rest escapes)."""
    lambdas: tuple[float, ...] = DEFAULT_LAMBDAS
    effort_iterations: tuple[int, ...] = DEFAULT_EFFORT_ITERATIONS
    default_effort: int = DEFAULT_EFFORT_LEVEL

    @property
    def scale_count(self) -> int:
        """Number of scales K in the bank."""
        return (self.log2_scale_max - self.log2_scale_min) * self.scales_per_octave + 1

    @property
    def table_count(self) -> int:
        """Number of tables: K scales times the mean fractions."""
        return self.scale_count * self.mean_fractions

    def iterations(self, effort: int) -> int:
        """Encoder iterations of an effort (0: the default level)."""
        level = effort or self.default_effort
        return self.effort_iterations[level - 1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples as lists)."""
        out = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


def overfit_config(config: Mapping[str, Any]) -> OverfitConfig:
    """An OverfitConfig from a stored dict; a malformed one is a FormatError."""
    known = set(OverfitConfig.__dataclass_fields__)
    values = {k: v for k, v in dict(config).items() if k in known}
    for key in ("synthesis_hidden", "lambdas", "effort_iterations"):
        if key in values:
            values[key] = tuple(values[key])
    try:
        cfg = OverfitConfig(**values)
    except TypeError as err:
        raise FormatError(f"bad overfit config: {err}") from None
    if not (
        1 <= cfg.grids <= 8
        and cfg.arm_hidden >= 1
        and cfg.scale_count >= 2
        and cfg.mean_fractions >= 1
        and cfg.effort_iterations
        and 1 <= cfg.default_effort <= len(cfg.effort_iterations)
    ):
        raise FormatError("bad overfit config: values out of range")
    return cfg
