"""The integer hyper-synthesis gives the same integers through its exact Winograd path as
through the direct convolutions, and falls back to them when magnitudes could overflow."""

from __future__ import annotations

import torch

from ncodec.entropy.integer_network import IntegerHyperSynthesis
from ncodec.models.transforms import hyper_synthesis


def _direct(synthesis: IntegerHyperSynthesis) -> IntegerHyperSynthesis:
    for layer in synthesis.layers:
        layer.transformed = None
    return synthesis


def test_winograd_path_gives_the_direct_integers():
    torch.manual_seed(0)
    h_s = hyper_synthesis(16, 24)
    z = torch.round(torch.randn(1, 16, 5, 6) * 8).double()
    gain = torch.full((16,), 4096.0 * 1.7).round()
    fast = IntegerHyperSynthesis(h_s)
    assert all(layer.transformed is not None for layer in fast.layers)
    assert torch.equal(fast(z, gain), _direct(IntegerHyperSynthesis(h_s))(z, gain))


def test_huge_activations_take_the_direct_path_and_stay_exact():
    torch.manual_seed(1)
    h_s = hyper_synthesis(16, 24)
    z = torch.full((1, 16, 3, 3), 2.0**40).double()
    gain = torch.full((16,), 4096.0)
    layer = IntegerHyperSynthesis(h_s).layers[0]
    assert layer._winograd(z) is None
    assert torch.equal(
        IntegerHyperSynthesis(h_s)(z, gain), _direct(IntegerHyperSynthesis(h_s))(z, gain)
    )
