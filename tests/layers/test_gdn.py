"""GDN known answers: identity when gamma = 0 and beta = 1; IGDN undoes GDN for one channel."""

from __future__ import annotations

import torch

from ncodec.layers import GDN


def test_gdn_is_identity_with_zero_gamma_and_unit_beta():
    gdn = GDN(3)
    with torch.no_grad():
        gdn.gamma.zero_()
    x = torch.randn(2, 3, 4, 5)
    assert torch.allclose(gdn(x), x, atol=1e-5)


def test_gdn_known_value_single_channel():
    gdn = GDN(1, gamma_init=0.5)
    x = torch.full((1, 1, 1, 1), 2.0)
    # y = x / sqrt(beta + gamma * x^2) = 2 / sqrt(1 + 0.5 * 4)
    assert abs(gdn(x).item() - 2 / 3**0.5) < 1e-5


def test_inverse_gdn_multiplies():
    igdn = GDN(1, inverse=True, gamma_init=0.5)
    x = torch.full((1, 1, 1, 1), 2.0)
    assert abs(igdn(x).item() - 2 * 3**0.5) < 1e-5
