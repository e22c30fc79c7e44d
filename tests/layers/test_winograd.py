"""The exact Winograd convolution equals the direct one bit for bit, and the sub-pixel form of a
transposed convolution equals the transposed convolution."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ncodec.layers import deconv
from ncodec.layers.subpixel import shuffle_phases, subpixel_kernel
from ncodec.layers.winograd import EXACT_LIMIT, SCALE, conv3x3, output_bound, winograd_kernel


@pytest.mark.parametrize("size", [(1, 1), (5, 7), (13, 10), (4, 400)])
def test_winograd_is_exactly_576_times_the_direct_convolution(size):
    gen = torch.Generator().manual_seed(0)
    weights = torch.randint(-4095, 4096, (6, 5, 3, 3), generator=gen).double()
    limit = 2**16
    x = torch.randint(-limit, limit + 1, (5, *size), generator=gen).double()
    transformed = winograd_kernel(weights)
    assert output_bound(transformed, limit) < EXACT_LIMIT
    direct = F.conv2d(x[None], weights, padding=1)[0]
    assert torch.equal(conv3x3(x, transformed), SCALE * direct)


def test_winograd_holds_at_the_bound_with_adversarial_signs():
    weights = torch.full((1, 32, 3, 3), 4095.0, dtype=torch.float64)  # largest exact l1 norm
    x = torch.full((32, 8, 8), 2.0**16, dtype=torch.float64)
    x[:, ::2] *= -1  # alternating rows: the transformed inputs reach their row-norm limits
    direct = F.conv2d(x[None], weights, padding=1)[0]
    transformed = winograd_kernel(weights)
    assert output_bound(transformed, 2.0**16) < EXACT_LIMIT
    assert torch.equal(conv3x3(x, transformed), SCALE * direct)


def test_subpixel_form_equals_the_transposed_convolution():
    torch.manual_seed(0)
    layer = deconv(4, 3).double()
    x = torch.randn(1, 4, 6, 9, dtype=torch.float64)
    expected = F.conv_transpose2d(x, layer.weight, None, 2, 2, 1)[0]
    phases = F.conv2d(x, subpixel_kernel(layer), padding=1)[0]
    torch.testing.assert_close(shuffle_phases(phases), expected, rtol=0, atol=1e-12)


def test_subpixel_rejects_other_geometries():
    with pytest.raises(TypeError):
        subpixel_kernel(deconv(4, 3, kernel=3))
