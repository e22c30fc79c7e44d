"""Learned contexts: each node's 255-way table from the fixed-point occupancy network.

Tables are pushed as constriction categorical rows whose float weights are
`count * 2**(24 - PRECISION) - 1`: with these integer weights constriction's quantization is
exact (see `ncodec.coding.coder_models.categorical_model`), so the coder uses exactly the
integer counts, and a whole group is one vectorized coder call.
"""

from __future__ import annotations

import constriction
import numpy as np

from ncodec.coding import AnsStack
from ncodec.coding.coder_models import CODER_PRECISION
from ncodec.pointcloud.integer_mlp import PRECISION, IntegerMLP

CATEGORICAL = constriction.stream.model.Categorical(perfect=False)
WEIGHT_BITS = CODER_PRECISION - PRECISION


class LearnedContexts:
    """Stateless: a node's table depends only on its features."""

    stateless = True

    def __init__(self, network: IntegerMLP) -> None:
        self.network = network

    def push(self, stack: AnsStack, features: np.ndarray, symbols: np.ndarray) -> None:
        """Push a group's symbols (occupancy - 1)."""
        if len(symbols):
            stack.push_family(
                symbols, CATEGORICAL, self.network.coder_weights(features, WEIGHT_BITS)
            )

    def pop(self, stack: AnsStack, features: np.ndarray) -> np.ndarray:
        """Pop a group's symbols."""
        if not len(features):
            return np.zeros(0, dtype=np.int64)
        weights = self.network.coder_weights(features, WEIGHT_BITS)
        return stack.pop_family(CATEGORICAL, weights, shape=(len(features),)).astype(np.int64)
