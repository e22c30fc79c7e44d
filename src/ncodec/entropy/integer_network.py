"""Integer-arithmetic hyper-synthesis, so encoder and decoder derive identical entropy parameters.

Floating-point convolutions can round differently across machines and thread counts; if the
predicted scale of one latent crossed a table boundary, decoding would desynchronise. Here the
hyper-synthesis runs on integers (Ballé et al. 2019, "Integer networks for data compression with
latent-variable models"): weights are rounded to integers once, activations are fixed-point
integers, and every convolution is computed in float64 on integer values whose partial sums stay
below 2**53, so each sum is exact whatever the summation order, BLAS or thread count.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ncodec.layers.subpixel import is_subpixel_deconv, shuffle_phases, subpixel_weight
from ncodec.layers.winograd import SCALE as WINOGRAD_SCALE
from ncodec.layers.winograd import conv3x3, output_bound, winograd_kernel

ACTIVATION_BITS = 8
"""Fractional bits of every activation: value = integer / 2**ACTIVATION_BITS."""
WEIGHT_BITS = 12
"""Weights are scaled so their largest magnitude is just below 2**WEIGHT_BITS."""
GAIN_BITS = 12
"""Fractional bits of the fixed-point gains."""
ACTIVATION_LIMIT = 2.0**22
"""Activations are clamped to +-2**22; with |w| < 2**12 and < 2**13 terms, sums stay < 2**47."""


def _weight_shift(weight: torch.Tensor) -> int:
    """Largest shift s with max|w| * 2**s < 2**WEIGHT_BITS, computed exactly via frexp."""
    peak = float(weight.abs().max())
    if peak == 0.0:
        return WEIGHT_BITS
    _, exponent = np.frexp(peak)  # peak = mantissa * 2**exponent, mantissa in [0.5, 1)
    return WEIGHT_BITS - int(exponent)


def fixed_point(values: torch.Tensor, bits: int) -> torch.Tensor:
    """round(values * 2**bits) as integer-valued float64 (exact: scaling by 2**bits is exact)."""
    return torch.round(values.double() * 2.0**bits)


def _floor_shift(acc: torch.Tensor, shift: int) -> torch.Tensor:
    """floor(acc / 2**shift), exact for integer-valued float64."""
    return torch.floor(acc * 2.0**-shift)


class IntegerLayer:
    """One conv or transposed conv with integer weights and bias, as float64 tensors.

    5x5 stride-2 transposed convs and 3x3 stride-1 convs also keep their exact Winograd form
    (`ncodec.layers.winograd`), used whenever the input's actual magnitude proves every sum
    exact; it gives the very same integers as the direct convolution, in fewer operations.
    """

    def __init__(self, layer: nn.Conv2d | nn.ConvTranspose2d, relu: bool) -> None:
        self.transposed = isinstance(layer, nn.ConvTranspose2d)
        self.stride, self.padding = layer.stride, layer.padding
        self.output_padding = getattr(layer, "output_padding", (0, 0))
        self.relu = relu
        self.shift = _weight_shift(layer.weight.detach())
        self.weight = fixed_point(layer.weight.detach(), self.shift)
        self.bias = fixed_point(layer.bias.detach(), self.shift + ACTIVATION_BITS)
        self.transformed: torch.Tensor | None = None
        geometry = (layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.groups)
        plain_3x3 = not self.transposed and geometry == ((3, 3), (1, 1), (1, 1), (1, 1), 1)
        if is_subpixel_deconv(layer) or plain_3x3:
            kernel = subpixel_weight(self.weight) if self.transposed else self.weight
            self.transformed = winograd_kernel(kernel)
            self.unit_bound = output_bound(self.transformed, 1.0)
            self.phase_bias = self.bias.repeat(4) if self.transposed else self.bias

    def _winograd(self, x: torch.Tensor) -> torch.Tensor | None:
        """The exact sum by Winograd, or None when |x| is too large to prove it exact."""
        if self.transformed is None or x.shape[0] != 1:
            return None
        peak = float(x.abs().max()) if x.numel() else 0.0
        if self.unit_bound * peak + WINOGRAD_SCALE * float(self.bias.abs().max()) >= 2.0**52:
            return None
        acc = conv3x3(x[0], self.transformed).div_(WINOGRAD_SCALE)  # exact integers
        acc = acc.add_(self.phase_bias.view(-1, 1, 1))
        return (shuffle_phases(acc) if self.transposed else acc)[None]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        acc = self._winograd(x)
        if acc is None and self.transposed:
            acc = F.conv_transpose2d(
                x, self.weight, self.bias, self.stride, self.padding, self.output_padding
            )
        elif acc is None:
            acc = F.conv2d(x, self.weight, self.bias, self.stride, self.padding)
        out = _floor_shift(acc, self.shift)
        if self.relu:
            out = torch.clamp(out, 0.0, ACTIVATION_LIMIT)
        return torch.clamp(out, -ACTIVATION_LIMIT, ACTIVATION_LIMIT)


class IntegerHyperSynthesis:
    """Fixed-point twin of a trained `hyper_synthesis` Sequential (convs separated by ReLU)."""

    def __init__(self, sequential: nn.Sequential) -> None:
        modules = list(sequential)
        self.layers: list[IntegerLayer] = []
        for i, module in enumerate(modules):
            if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
                relu = i + 1 < len(modules) and isinstance(modules[i + 1], nn.ReLU)
                self.layers.append(IntegerLayer(module, relu))
            elif not isinstance(module, nn.ReLU):
                raise TypeError(f"integer hyper-synthesis supports conv and ReLU, not {module}")

    @torch.no_grad()
    def __call__(self, z_symbols: torch.Tensor, inverse_gain_fixed: torch.Tensor) -> torch.Tensor:
        """Integer outputs (fixed point, ACTIVATION_BITS) from integer hyper-latent symbols.

        `inverse_gain_fixed` holds the per-channel inverse gain as integers with GAIN_BITS.
        """
        x = z_symbols.double() * inverse_gain_fixed.double().view(1, -1, 1, 1)
        x = torch.clamp(
            _floor_shift(x, GAIN_BITS - ACTIVATION_BITS), -ACTIVATION_LIMIT, ACTIVATION_LIMIT
        )
        for layer in self.layers:
            x = layer(x)
        return x


def apply_gain_fixed(values: torch.Tensor, gain_fixed: torch.Tensor) -> torch.Tensor:
    """floor(values * gain / 2**GAIN_BITS) for fixed-point integer values and per-channel gains."""
    return _floor_shift(values * gain_fixed.double().view(1, -1, 1, 1), GAIN_BITS)


def scale_indexes(scales_fixed: torch.Tensor, scale_table: np.ndarray) -> np.ndarray:
    """Index of the smallest table scale >= each fixed-point scale (integer comparisons only)."""
    thresholds = np.round(np.asarray(scale_table, dtype=np.float64) * 2.0**ACTIVATION_BITS)
    flat = scales_fixed.numpy().reshape(-1)
    idx = np.searchsorted(thresholds[:-1], flat, side="left")
    return idx.astype(np.int32).reshape(scales_fixed.shape)
