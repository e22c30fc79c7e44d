"""Fixed-point synthesis transform: the same pixels on every machine and thread count.

A float32 synthesis rounds its sums differently with other thread counts, CPUs or BLAS builds,
and output pixels near .5 then round the other way. Here every activation is an integer
(ACTIVATION_BITS fractional bits, clamped to +-ACTIVATION_LIMIT), every weight an integer
(WEIGHT_BITS per output channel), and every convolution a sum of integer products that float64
holds exactly (bounds checked when the synthesis is built), computed as an exact Winograd
convolution on the sub-pixel form of each transposed convolution. The only non-integer steps are
single IEEE operations (multiply, square root), correctly rounded on every machine, each
followed by rounding to the next integer grid. Precision is chosen so that the result stays
within half a grey level of the float synthesis: old files decode to within +-1 of before.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ncodec.layers import GDN
from ncodec.layers.subpixel import is_subpixel_deconv, subpixel_kernel
from ncodec.layers.winograd import (
    EXACT_LIMIT,
    SCALE,
    conv3x3_bands,
    output_bound,
    winograd_kernel,
)

ACTIVATION_BITS = 12
"""Fractional bits of every hidden activation."""
ACTIVATION_LIMIT = 2.0**16
"""Hidden activations (as integers) are clamped to +-ACTIVATION_LIMIT (|value| <= 16)."""
INPUT_LIMIT = 2.0**17
"""Latents (as integers / 2**input_bits) are clamped to +-INPUT_LIMIT."""
WEIGHT_BITS = 12
"""Each output channel's weights are scaled so that the largest is 2**WEIGHT_BITS - 1."""
GAMMA_BITS = 12
"""Bits of the largest GDN gamma entry of each row (power-of-two scale per row)."""
WINOGRAD_MIN_OUTPUTS = 64
"""Layers with at least this many stacked phase outputs use the Winograd convolution; narrower
ones (the final RGB layer) are cheaper as a direct float64 transposed convolution."""
GDN_COLUMNS = 4096
"""Pixels per GDN step (keeps its float64 temporaries small)."""


def _channel_scale(kernel: Tensor, dims: tuple[int, ...]) -> Tensor:
    """Per-output-channel scale mapping the largest weight to 2**WEIGHT_BITS - 1 (float64)."""
    peak = kernel.abs().amax(dim=dims)
    return (2.0**WEIGHT_BITS - 1) / torch.where(peak > 0, peak, torch.ones_like(peak))


class FixedDeconv:
    """One 5x5 stride-2 transposed conv with integer weights, from and to integer activations.

    Output value = (integer sum + integer bias) * multiplier, one correctly rounded product,
    then rounded to the next layer's grid (hidden layers) or returned as is (the last layer).
    """

    def __init__(
        self,
        layer: nn.ConvTranspose2d,
        input_bits: int,
        output_bits: int | None,
        input_limit: float = ACTIVATION_LIMIT,
    ) -> None:
        if not is_subpixel_deconv(layer):
            raise TypeError(f"fixed-point synthesis expects 5x5 stride-2 deconvs, not {layer}")
        self.winograd = 4 * layer.out_channels >= WINOGRAD_MIN_OUTPUTS
        if self.winograd:  # (4 * out, in, 3, 3): one output channel per (phase, channel)
            self.kernel = subpixel_kernel(layer).double()
            self.bias = layer.bias.detach().double().repeat(4)
        else:  # (in, out, 5, 5)
            self.kernel = layer.weight.detach().double()
            self.bias = layer.bias.detach().double()
        self.input_bits, self.output_bits = input_bits, output_bits
        self.input_limit = input_limit
        self._cache: dict[int, tuple[Tensor, Tensor, Tensor]] = {}

    def _prepare(self, input_scale: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        in_dim, out_dim = (1, 0) if self.winograd else (0, 1)
        kernel = self.kernel
        if input_scale is not None:
            shape = [1, 1, 1, 1]
            shape[in_dim] = -1
            kernel = kernel * input_scale.double().view(shape)
        scale = _channel_scale(kernel, tuple(d for d in range(4) if d != out_dim))
        shape = [1, 1, 1, 1]
        shape[out_dim] = -1
        integer = torch.round(kernel * scale.view(shape))
        unit = scale * 2.0**self.input_bits
        if self.winograd:
            weights, factor = winograd_kernel(integer), SCALE
            bound = output_bound(weights, self.input_limit)
        else:
            weights, factor = integer, 1
            bound = float(integer.abs().sum(dim=(0, 2, 3)).max()) * self.input_limit
        bias = torch.round(self.bias * unit) * factor
        if bound + float(bias.abs().max()) >= EXACT_LIMIT:
            raise ValueError("fixed-point synthesis would overflow float64's exact range")
        multiplier = 2.0 ** (self.output_bits or 0) / (unit * factor)
        return weights, bias.view(-1, 1, 1), multiplier.view(-1, 1, 1)

    def weights(self, input_scale: Tensor | None, key: int) -> tuple[Tensor, Tensor, Tensor]:
        """(integer weights, integer bias, output multiplier), input_scale folded in (cached)."""
        if key not in self._cache:
            if len(self._cache) >= 8:
                self._cache.clear()
            self._cache[key] = self._prepare(input_scale)
        return self._cache[key]

    def __call__(self, x: Tensor, input_scale: Tensor | None = None, key: int = 0) -> Tensor:
        weights, bias, multiplier = self.weights(input_scale, key)
        x = torch.clamp(x, -self.input_limit, self.input_limit)
        if not self.winograd:
            acc = F.conv_transpose2d(x[None], weights, None, 2, 2, 1)[0]
            return self._finish(acc, bias, multiplier)
        height, width = x.shape[1], x.shape[2]
        out = x.new_empty(weights.shape[1] // 4, 2 * height, 2 * width)
        phases = out.view(-1, height, 2, width, 2)
        for top, band in conv3x3_bands(x, weights):
            band = self._finish(band, bias, multiplier)
            rows = band.shape[1]
            phases[:, top : top + rows] = band.view(2, 2, -1, rows, width).permute(2, 3, 0, 4, 1)
        return out

    def _finish(self, acc: Tensor, bias: Tensor, multiplier: Tensor) -> Tensor:
        y = acc.add_(bias).mul_(multiplier)  # one correctly rounded product per value
        return y.round_() if self.output_bits is not None else y


class FixedInverseGDN:
    """IGDN x * sqrt(beta + gamma @ x^2) on integer activations: exact sums, one sqrt, one round.

    Each row of gamma has its own even power-of-two scale, so sqrt undoes it exactly.
    """

    def __init__(self, gdn: GDN, bits: int) -> None:
        if not gdn.inverse:
            raise TypeError("fixed-point synthesis expects inverse GDN layers")
        beta, gamma = (t.detach().double() for t in gdn.effective_params())
        peak = gamma.abs().amax(dim=1)
        exponent = torch.frexp(torch.where(peak > 0, peak, torch.ones_like(peak)))[1]
        shift = (GAMMA_BITS - exponent.double()).view(-1, 1)
        # Rows with tiny gamma must not push beta's integer past float64's exact range.
        beta_exponent = torch.frexp(beta.abs() + 1.0)[1].double().view(-1, 1)
        shift = torch.minimum(shift, 52 - 2 * bits - beta_exponent)
        shift = shift - torch.remainder(shift, 2)
        self.gamma = torch.round(gamma * 2.0**shift)
        self.beta = torch.round(beta.view(-1, 1) * 2.0 ** (shift + 2 * bits))
        self.rescale = 2.0 ** -(shift / 2 + bits)
        bound = self.gamma.abs().sum(1, keepdim=True) * ACTIVATION_LIMIT**2 + self.beta.abs()
        if float(bound.max()) >= EXACT_LIMIT:
            raise ValueError("fixed-point GDN would overflow float64's exact range")

    def __call__(self, x: Tensor) -> Tensor:
        channels, height, width = x.shape
        flat = x.reshape(channels, -1)
        out = torch.empty_like(flat)
        for start in range(0, flat.shape[1], GDN_COLUMNS):
            part = flat[:, start : start + GDN_COLUMNS].clamp(-ACTIVATION_LIMIT, ACTIVATION_LIMIT)
            norm = torch.addmm(self.beta, self.gamma, part * part)  # exact integers
            norm.sqrt_().mul_(part).mul_(self.rescale).round_()
            out[:, start : start + GDN_COLUMNS] = norm
        return out.view(channels, height, width)


class FixedPointSynthesis:
    """Integer twin of a trained `synthesis_transform` (deconv, IGDN, ..., deconv) whose input
    latents hold integers / 2**input_bits exactly."""

    def __init__(self, sequential: nn.Sequential, input_bits: int) -> None:
        self.input_bits = input_bits
        modules = list(sequential)
        self.layers: list[FixedDeconv | FixedInverseGDN] = []
        for i, module in enumerate(modules):
            if isinstance(module, nn.ConvTranspose2d):
                first, last = i == 0, i == len(modules) - 1
                bits_out = None if last else ACTIVATION_BITS
                if first:
                    layer = FixedDeconv(module, input_bits, bits_out, INPUT_LIMIT)
                else:
                    layer = FixedDeconv(module, ACTIVATION_BITS, bits_out)
                self.layers.append(layer)
            elif isinstance(module, GDN):
                self.layers.append(FixedInverseGDN(module, ACTIVATION_BITS))
            else:
                raise TypeError(f"fixed-point synthesis supports deconv and IGDN, not {module}")

    @torch.no_grad()
    def __call__(self, y: Tensor, inverse_gain: Tensor, key: int) -> Tensor:
        """(1, 3, 16H, 16W) float64 reconstruction of latents y (1, M, H, W) (before the
        inverse gain); `inverse_gain` (M,) is folded into the first layer's weights, cached
        under `key` (the quality index)."""
        first = self.layers[0]
        assert isinstance(first, FixedDeconv)
        x = torch.round(y[0].double() * 2.0**self.input_bits)
        x = first(x, inverse_gain, key)
        for layer in self.layers[1:]:
            x = layer(x)
        return x[None]
