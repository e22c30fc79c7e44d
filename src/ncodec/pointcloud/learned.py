"""Learned contexts: each node's tables from the fixed-point occupancy network.

Tables are pushed as constriction categorical rows whose float weights are
`count * 2**(24 - PRECISION) - 1`: with these integer weights constriction's quantization is
exact (see `ncodec.coding.coder_models.categorical_model`), so the coder uses exactly the
integer counts, and a whole group is one vectorized coder call.

Two codings of the same network output:

- `LearnedContexts` (coding 1, the first two releases' files): the byte as one 255-way symbol.
- `SplitContexts` (coding 3): first a 9-way symbol, which single child or "several", from the
  network's split head (on the last hidden layer), then, only for "several", which of
  the 247 patterns with several children, from the full head's logits of those patterns. Deep
  in the tree almost every node has one child, so most nodes need only the 9 logits and a
  9-symbol table instead of 255 of each.
"""

from __future__ import annotations

import constriction
import numpy as np

from ncodec.coding import AnsStack
from ncodec.coding.coder_models import CODER_PRECISION
from ncodec.pointcloud.context import LevelContext
from ncodec.pointcloud.first_layer import first_layer
from ncodec.pointcloud.integer_mlp import PRECISION, SEVERAL, SINGLES, SYMBOLS, IntegerMLP
from ncodec.pointcloud.scratch import Scratch

CATEGORICAL = constriction.stream.model.Categorical(perfect=False)
WEIGHT_BITS = CODER_PRECISION - PRECISION
#: SPLIT[symbol]: the 9-way symbol (child index of a single child, 8 for several children);
#: RANK_SEVERAL[symbol]: the index among the patterns with several children.
SPLIT = np.full(SYMBOLS, len(SINGLES), dtype=np.int64)
SPLIT[SINGLES] = np.arange(len(SINGLES))
RANK_SEVERAL = np.zeros(SYMBOLS, dtype=np.int64)
RANK_SEVERAL[SEVERAL] = np.arange(len(SEVERAL))


class LearnedContexts:
    """Coding 1. Stateless: a node's table depends only on its features."""

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


class SplitContexts(LearnedContexts):
    """Coding 3: a 9-way symbol per node, then a 247-way one for nodes with several children.

    Its inputs are the first layer's outputs from `ncodec.pointcloud.first_layer` (the same
    values as from the features, without materializing them)."""

    def __init__(self, network: IntegerMLP) -> None:
        super().__init__(network)
        self.scratch = Scratch()

    def inputs(self, level: LevelContext, group: int) -> tuple[np.ndarray, np.ndarray]:
        """A group's node indices and what `push` and `pop` take for them (valid until the
        next group's)."""
        return first_layer(self.network).preactivation(level, group, self.scratch)

    def _tables(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The split head's coder weights and the hidden activations of a group."""
        return self.network.split_coder_weights(features, WEIGHT_BITS, True, self.scratch)

    def _several(self, hidden: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Coder weights of the several-children patterns of the nodes `rows`."""
        chosen = self.scratch.array("chosen", (len(rows), hidden.shape[1]), hidden.dtype)
        np.take(hidden, rows, axis=0, out=chosen)
        return self.network.several_coder_weights(chosen, WEIGHT_BITS, self.scratch)

    def push(self, stack: AnsStack, features: np.ndarray, symbols: np.ndarray) -> None:
        """Push a group's symbols (occupancy - 1): the several-children part first (it is
        popped last). `features`: from `inputs`."""
        if not len(symbols):
            return
        head_weights, hidden = self._tables(features)
        head = SPLIT[symbols]
        several = np.flatnonzero(head == len(SINGLES))
        if len(several):
            weights = self._several(hidden, several)
            stack.push_family(RANK_SEVERAL[symbols[several]], CATEGORICAL, weights)
        stack.push_family(head, CATEGORICAL, head_weights)

    def pop(self, stack: AnsStack, features: np.ndarray) -> np.ndarray:
        """Pop a group's symbols; `features`: from `inputs`."""
        if not len(features):
            return np.zeros(0, dtype=np.int64)
        head_weights, hidden = self._tables(features)
        head = stack.pop_family(CATEGORICAL, head_weights, shape=(len(features),))
        symbols = SINGLES[np.minimum(head.astype(np.int64), len(SINGLES) - 1)]
        several = np.flatnonzero(head == len(SINGLES))
        if len(several):
            weights = self._several(hidden, several)
            rank = stack.pop_family(CATEGORICAL, weights, shape=(len(several),))
            symbols[several] = SEVERAL[rank.astype(np.int64)]
        return symbols
