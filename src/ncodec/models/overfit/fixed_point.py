"""Fixed-point formats of the integer decoder, and the 2**24 bound that makes float32 exact.

Every value the decoder computes is an integer times a power of two. A layer multiplies integer
activations by integer weights and sums them; if every partial sum stays below 2**24 in
magnitude, float32 represents each one exactly, so float32 BLAS and convolutions give the same
result in any summation order, on any machine and thread count. Rescaling is a multiplication
by a power of two (exact) followed by floor (exact); rounding half up adds half a step to the
bias first (at most 2**15, well inside the room a layer leaves for its bias).

Formats (value = integer * 2**-frac, |integer| <= limit):

| tensor                      | frac | limit     | range        |
|-----------------------------|------|-----------|--------------|
| latents                     | 0    | 255       | +-255        |
| upsampled latents           | 6    | 2**14 - 1 | +-256        |
| synthesis hidden (ReLU)     | 8    | 2**12 - 1 | [0, 16)      |
| synthesis RGB path          | 10   | 2**11 - 1 | +-2          |
| ARM hidden (ReLU)           | 6    | 2**12 - 1 | [0, 64)      |

Weights are signed 8-bit integers (|w| <= 127) and biases signed 13-bit integers (|b| <= 4095),
each tensor with its own exponent (fractional bits, 0..16) chosen by the encoder; a bias is
scaled to its layer's accumulator units and clamped to what the bound leaves free. A layer's
worst-case accumulation is fan_in * input limit * 127, which `LayerSpec` asserts is below 2**24
with room left for the bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

ACC_LIMIT = 1 << 24
"""Every accumulation stays strictly below this magnitude (float32 integers are exact below)."""
WEIGHT_LIMIT = 127
"""Largest integer weight magnitude (signed 8-bit)."""
MIN_BIAS_ROOM = 1 << 20
"""A layer must leave at least this much of the accumulator range to its bias."""
BIAS_INT_LIMIT = (1 << 12) - 1
"""Largest bias integer magnitude as stored (before scaling to accumulator units)."""
MAX_EXPONENT = 16
"""Parameter exponents (fractional bits) lie in 0..MAX_EXPONENT."""


@dataclass(frozen=True)
class Format:
    """Integers with `frac` fractional bits, magnitude at most `limit`."""

    frac: int
    limit: int

    @property
    def max_value(self) -> float:
        """Largest representable magnitude as a real number."""
        return self.limit * 2.0**-self.frac


LATENT = Format(0, 255)
UPSAMPLED = Format(6, (1 << 14) - 1)
SYNTHESIS_HIDDEN = Format(8, (1 << 12) - 1)
RGB = Format(10, (1 << 11) - 1)
ARM_HIDDEN = Format(6, (1 << 12) - 1)


@dataclass(frozen=True)
class LayerSpec:
    """A layer's worst case: fan-in taps of `source`-format inputs times 8-bit weights."""

    name: str
    fan_in: int
    source: Format

    def __post_init__(self) -> None:
        """Assert the 2**24 bound with room for the bias (a config that breaks it is refused)."""
        if self.accumulation_bound() + MIN_BIAS_ROOM >= ACC_LIMIT:
            raise ValueError(
                f"layer {self.name}: fan-in {self.fan_in} x {self.source.limit} x {WEIGHT_LIMIT} "
                f"leaves no room below 2**24; use fewer inputs"
            )

    def accumulation_bound(self) -> int:
        """Largest |sum of products| any weights and inputs can reach."""
        return self.fan_in * self.source.limit * WEIGHT_LIMIT

    def bias_limit(self) -> int:
        """Largest |bias| in accumulator units that keeps every sum below 2**24."""
        return ACC_LIMIT - 1 - self.accumulation_bound()


def half(shift: int) -> float:
    """What to add before `rescale_` to round half up instead (0 for no right shift)."""
    return float(1 << (shift - 1)) if shift > 0 else 0.0


def rescale_(acc: torch.Tensor, shift: int) -> torch.Tensor:
    """In place: floor(acc / 2**shift) for integer-valued float tensors (exact: power-of-two
    scaling, then floor)."""
    if shift:
        acc.mul_(2.0**-shift).floor_()
    return acc


def quantize_parameter(values: torch.Tensor, exponent: int, limit: int) -> torch.Tensor:
    """round(values * 2**exponent) clamped to +-limit, as integer-valued float32."""
    return torch.clamp(torch.round(values.double() * 2.0**exponent), -limit, limit).float()


def headroom_exponent(values: torch.Tensor, limit: int) -> int:
    """Largest exponent e in 0..MAX_EXPONENT with round(max|values| * 2**e) <= limit."""
    peak = float(values.detach().abs().max()) if values.numel() else 0.0
    exponent = MAX_EXPONENT
    while exponent > 0 and round(peak * 2.0**exponent) > limit:
        exponent -= 1
    return exponent
