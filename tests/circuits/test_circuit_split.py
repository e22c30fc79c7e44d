"""Growing a trained circuit: splitting every hidden state in two keeps its distribution."""

from __future__ import annotations

import numpy as np
import torch


def test_split_states_doubles_k_and_keeps_the_likelihood(tiny_circuit, digits):
    x = torch.from_numpy(digits[:50].reshape(50, -1).astype(np.int64))
    exact = tiny_circuit.split_states(torch.Generator().manual_seed(0), noise=0.0)
    assert exact.hidden == 2 * tiny_circuit.hidden
    assert torch.equal(exact.parent, tiny_circuit.parent)
    before = tiny_circuit.log_likelihood(x)
    assert torch.allclose(exact.log_likelihood(x), before, atol=1e-4)
    shaken = tiny_circuit.split_states(torch.Generator().manual_seed(0), noise=0.05)
    assert not torch.equal(shaken.leaves[:, 0], shaken.leaves[:, 1])  # halves can diverge
    assert torch.allclose(shaken.leaves.sum(-1), torch.ones_like(shaken.leaves[..., 0]))
    assert torch.allclose(shaken.log_likelihood(x), before, atol=0.5)
