"""Decode cost in multiply-accumulates per pixel, counted from the layer shapes.

Upsampling: each x2 step filters every channel of the stack with 4 taps per output sample
along rows, then along columns. Synthesis: every layer's fan-in per output value. Entropy
model: per latent, its pass's first layer plus the two others; grid i holds 4**-i latents per
pixel. The counts assume every grid is coded (a file whose grids are all zero costs less).
"""

from __future__ import annotations

from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.geometry import PASSES, context_size
from ncodec.models.overfit.parameters import UPSAMPLING_FAN_IN, synthesis_layers

MAC_BUDGET = 3000
"""Largest decode cost per pixel this codec allows itself."""


def upsampling_macs(config: OverfitConfig) -> float:
    """Per full-resolution pixel: the x2 step to resolution 2**-j carries grids j+1.. ."""
    total = 0.0
    for j in range(config.grids - 1):  # step producing resolution j from j + 1
        channels = config.grids - 1 - j
        area_in = 4.0 ** -(j + 1)
        rows = channels * 2 * area_in * UPSAMPLING_FAN_IN  # (2h, w) outputs
        cols = channels * 4 * area_in * UPSAMPLING_FAN_IN  # (2h, 2w) outputs
        total += rows + cols
    return total


def synthesis_macs(config: OverfitConfig) -> float:
    """Per pixel: the sum of every layer's fan-in times its output channels."""
    return float(sum(la.cin * la.kernel**2 * la.cout for la in synthesis_layers(config)))


def arm_macs(config: OverfitConfig) -> float:
    """Per pixel, with every grid coded."""
    hidden = config.arm_hidden
    first = sum(context_size(p) for p in range(PASSES)) / PASSES * hidden
    per_latent = first + hidden * hidden + hidden * 2
    latents = sum(4.0**-i for i in range(config.grids))
    return per_latent * latents


def decode_macs(config: OverfitConfig) -> dict[str, float]:
    """MACs per pixel by part; asserts the total stays within MAC_BUDGET."""
    parts = {
        "upsampling": upsampling_macs(config),
        "synthesis": synthesis_macs(config),
        "entropy_model": arm_macs(config),
    }
    total = sum(parts.values())
    assert total <= MAC_BUDGET, f"overfit decode cost {total:.0f} MAC/pixel > {MAC_BUDGET}"
    return parts
