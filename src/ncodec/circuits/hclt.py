"""The Hidden Chow-Liu Tree circuit in floats: a hidden variable with K states per pixel, wired
like the pixels' Chow-Liu tree, and a categorical leaf over 256 values under each hidden state.

    P(x) = sum_z P(z_root) prod_{i != root} P(z_i | z_parent(i)) prod_i P(x_i | z_i)

The exact log-likelihood is one upward pass, vectorised over a batch of images and over all
nodes of a tree level at once. The distributions are tensors (not `nn.Parameter`s): training is
EM (`ncodec.circuits.em`), whose expected counts are the gradient of the log-likelihood times the
parameters. Only the tree (`parent`) is persistent state: the shipped codec codes with the integer
tables exported from these floats (`ncodec.circuits.fixed`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ncodec.circuits.structure import Tree

VALUES = 256
"""Categories of each leaf (8-bit pixels)."""


class Hclt(nn.Module):
    """An HCLT over `size` pixels with `hidden` states per hidden variable."""

    def __init__(self, size: int, hidden: int, height: int = 28, width: int = 28) -> None:
        super().__init__()
        self.size, self.hidden, self.height, self.width = size, hidden, height, width
        parent = torch.full((size,), -1, dtype=torch.int64)
        parent[1:] = torch.arange(size - 1)  # a chain until a learned tree is set
        self.register_buffer("parent", parent)
        self.register_buffer("root", torch.full((hidden,), 1.0 / hidden), persistent=False)
        self.register_buffer(
            "edges", torch.full((size, hidden, hidden), 1.0 / hidden), persistent=False
        )
        """edges[i, a, b] = P(z_i = b | z_parent(i) = a) (the root's row is unused)."""
        self.register_buffer(
            "leaves", torch.full((size, hidden, VALUES), 1.0 / VALUES), persistent=False
        )
        """leaves[i, a, v] = P(x_i = v | z_i = a)."""

    @property
    def tree(self) -> Tree:
        """The Chow-Liu tree the hidden variables are wired by."""
        return Tree(self.parent.cpu().numpy())

    def set_tree(self, tree: Tree) -> None:
        """Wire the hidden variables by `tree` (D variables)."""
        if tree.size != self.size:
            raise ValueError(f"tree over {tree.size} variables for a {self.size}-pixel circuit")
        self.parent.copy_(torch.from_numpy(tree.parent))

    def randomize(self, generator: torch.Generator, spread: float = 1.0) -> None:
        """Random distributions (Dirichlet-like by normalised exponentials) to break symmetry."""

        def rand(*shape: int) -> torch.Tensor:
            x = torch.exp(spread * torch.rand(*shape, generator=generator, dtype=torch.float64))
            return (x / x.sum(-1, keepdim=True)).to(self.edges.dtype)

        self.root.copy_(rand(self.hidden))
        self.edges.copy_(rand(self.size, self.hidden, self.hidden))
        self.leaves.copy_(rand(self.size, self.hidden, VALUES))

    def split_states(self, generator: torch.Generator, noise: float = 0.02) -> Hclt:
        """A circuit with twice the hidden states and the same distribution up to `noise`: every
        state becomes two halves with (slightly perturbed) copies of its leaf, so training a
        larger K can start from a trained smaller one instead of from random tables."""
        wide = Hclt(self.size, 2 * self.hidden, self.height, self.width)
        wide.parent.copy_(self.parent)
        half = torch.arange(2 * self.hidden) // 2
        wide.root.copy_(self.root[half] / 2)
        wide.edges.copy_(self.edges[:, half][:, :, half] / 2)
        shake = 1 + noise * (2 * torch.rand(wide.leaves.shape, generator=generator) - 1)
        leaves = self.leaves[:, half] * shake.to(self.leaves.dtype)
        wide.leaves.copy_(leaves / leaves.sum(-1, keepdim=True))
        return wide

    def log_likelihood(
        self,
        x: torch.Tensor,
        root: torch.Tensor | None = None,
        edges: torch.Tensor | None = None,
        leaves: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """log P(x) in nats for B x D integer pixels (distributions may be overridden, e.g. by
        tensors that require grad)."""
        root = self.root if root is None else root
        edges = self.edges if edges is None else edges
        leaves = self.leaves if leaves is None else leaves
        x = x.reshape(x.shape[0], -1).long()
        batch = x.shape[0]
        # log P(x_i | z_i) for every pixel and state: (B, D, K)
        picked = leaves.permute(0, 2, 1)[torch.arange(self.size), x]
        log_leaf = picked.clamp_min(1e-30).log()
        levels = _levels(self)
        incoming = None
        for depth in range(len(levels) - 1, 0, -1):
            nodes, up_local = levels[depth]
            a = log_leaf[:, nodes]
            if incoming is not None:
                a = a + incoming
            top = a.amax(-1, keepdim=True).detach()
            inside = torch.exp(a - top)  # (B, n, K_child)
            # u(z_parent) = sum_c P(c | parent) inside(c): (n, B, Kc) @ (n, Kc, Kp)
            message = torch.bmm(inside.transpose(0, 1), edges[nodes].transpose(1, 2))
            log_message = message.transpose(0, 1).clamp_min(1e-300).log() + top
            n_up = len(levels[depth - 1][0])
            incoming = log_message.new_zeros(batch, n_up, self.hidden).index_add(
                1, up_local, log_message
            )
        root_node = levels[0][0]
        a = log_leaf[:, root_node] + (incoming if incoming is not None else 0.0)
        return torch.logsumexp(a[:, 0] + root.clamp_min(1e-30).log(), dim=-1)


def _levels(module: Hclt) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Per depth: the level's nodes and, for each, its parent's index within the level above
    (cached on the module until the tree changes)."""
    key = module.parent.numpy().tobytes()
    cached = getattr(module, "_levels_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    tree = module.tree
    levels = tree.levels()
    position = np.zeros(tree.size, dtype=np.int64)
    for nodes in levels:
        position[nodes] = np.arange(len(nodes))
    out = []
    for depth, nodes in enumerate(levels):
        up = position[tree.parent[nodes]] if depth else np.zeros(len(nodes), dtype=np.int64)
        out.append((torch.from_numpy(nodes), torch.from_numpy(up)))
    module._levels_cache = (key, out)
    return out
