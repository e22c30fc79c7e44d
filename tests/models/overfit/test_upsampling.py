"""The x2 upsampling: bicubic at initialization, and the training form equals the decoder's."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ncodec.models.overfit.parameters import BICUBIC_TAPS
from ncodec.models.overfit.upsampling import (
    transposed_kernels,
    upsample2x,
    upsample2x_transposed,
)


def test_initial_kernel_is_bicubic_with_replicated_borders():
    x = torch.randn(1, 3, 5, 7, generator=torch.Generator().manual_seed(0))
    bicubic = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
    assert torch.allclose(upsample2x(x, BICUBIC_TAPS, lambda t: t), bicubic, atol=1e-5)


def test_transposed_convolution_equals_the_separable_decoder_form():
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 4, 6, generator=generator)
    taps = torch.randn(2, 4, generator=generator)
    both = upsample2x_transposed(x, taps)
    for b in range(2):
        alone = upsample2x(x[b : b + 1], tuple(taps[b].tolist()), lambda t: t)
        assert torch.allclose(both[b : b + 1], alone, atol=1e-5)


def test_separable_training_form_equals_the_2d_transposed_kernel():
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(2, 3, 5, 4, generator=generator)
    taps = torch.randn(2, 4, generator=generator)
    weight = transposed_kernels(taps)[:, None].expand(2, 3, 8, 8).reshape(-1, 1, 8, 8)
    padded = F.pad(x.reshape(1, 6, 5, 4), (2, 2, 2, 2), mode="replicate")
    direct = F.conv_transpose2d(padded, weight, stride=2, padding=7, groups=6).view(2, 3, 10, 8)
    assert torch.allclose(upsample2x_transposed(x, taps), direct, atol=1e-5)
