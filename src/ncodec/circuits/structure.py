"""Chow-Liu tree over pixels: pairwise mutual information, maximum spanning tree, a root at the
tree's centre (shallowest levels), and the orders the circuit and the coder walk it in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Tree:
    """A rooted tree over D variables: `parent[root] == -1`."""

    parent: np.ndarray
    """int64 (D,): parent of each variable, -1 at the root."""

    def __post_init__(self) -> None:
        parent = np.asarray(self.parent, dtype=np.int64)
        object.__setattr__(self, "parent", parent)
        roots = np.flatnonzero(parent < 0)
        if parent.ndim != 1 or len(roots) != 1 or parent.max() >= len(parent):
            raise ValueError("a tree needs one root and parents inside 0..D-1")
        if len(self.preorder) != len(parent):
            raise ValueError("parent array has a cycle")

    @property
    def size(self) -> int:
        """Number of variables D."""
        return len(self.parent)

    @property
    def root(self) -> int:
        """The variable without a parent."""
        return int(np.flatnonzero(self.parent < 0)[0])

    def children(self) -> list[list[int]]:
        """Children of each variable, in increasing index order."""
        kids: list[list[int]] = [[] for _ in range(self.size)]
        for node, up in enumerate(self.parent.tolist()):
            if up >= 0:
                kids[up].append(node)
        return kids

    @property
    def preorder(self) -> np.ndarray:
        """Depth-first pre-order from the root (children in index order): the coding order."""
        kids = self.children()
        order, stack = [], [self.root]
        seen = np.zeros(self.size, dtype=bool)
        while stack:
            node = stack.pop()
            if seen[node]:
                break
            seen[node] = True
            order.append(node)
            stack.extend(reversed(kids[node]))
        return np.asarray(order, dtype=np.int64)

    def depth(self) -> np.ndarray:
        """Distance of each variable from the root."""
        depth = np.zeros(self.size, dtype=np.int64)
        for node in self.preorder[1:]:
            depth[node] = depth[self.parent[node]] + 1
        return depth

    def levels(self) -> list[np.ndarray]:
        """Variables grouped by depth, root level first."""
        depth = self.depth()
        return [np.flatnonzero(depth == d) for d in range(int(depth.max()) + 1)]


def mutual_information(data: np.ndarray, bins: int = 8) -> np.ndarray:
    """D x D pairwise mutual information (nats) of N x D uint8 samples coarsened to `bins` levels.

    One matrix product of one-hot codes gives every pair's joint histogram.
    """
    n, d = data.shape
    coarse = torch.from_numpy((data.astype(np.int64) * bins) // 256)
    onehot = torch.zeros(n, d, bins, dtype=torch.float32)
    onehot.scatter_(2, coarse.unsqueeze(-1), 1.0)
    onehot = onehot.reshape(n, d * bins)
    joint = (onehot.T @ onehot).double().reshape(d, bins, d, bins) + 0.01
    joint = joint / joint.sum(dim=(1, 3), keepdim=True)
    pi = joint.sum(dim=3, keepdim=True)
    pj = joint.sum(dim=1, keepdim=True)
    mi = (joint * (joint.log() - pi.log() - pj.log())).sum(dim=(1, 3))
    return mi.numpy()


def maximum_spanning_tree(weights: np.ndarray) -> np.ndarray:
    """Parent array (root 0) of a maximum spanning tree of a dense symmetric matrix (Prim)."""
    d = len(weights)
    parent = np.full(d, -1, dtype=np.int64)
    inside = np.zeros(d, dtype=bool)
    best = np.full(d, -np.inf)
    best_from = np.zeros(d, dtype=np.int64)
    node = 0
    for _ in range(d - 1):
        inside[node] = True
        better = (weights[node] > best) & ~inside
        best[better] = weights[node][better]
        best_from[better] = node
        candidates = np.where(inside, -np.inf, best)
        node = int(np.argmax(candidates))
        parent[node] = best_from[node]
    return parent


def reroot(parent: np.ndarray, root: int) -> np.ndarray:
    """The same undirected tree with its edges directed away from `root`."""
    d = len(parent)
    neighbours: list[list[int]] = [[] for _ in range(d)]
    for node, up in enumerate(parent.tolist()):
        if up >= 0:
            neighbours[node].append(up)
            neighbours[up].append(node)
    new = np.full(d, -2, dtype=np.int64)
    new[root] = -1
    queue = [root]
    for node in queue:
        for other in neighbours[node]:
            if new[other] == -2:
                new[other] = node
                queue.append(other)
    return new


def centre(parent: np.ndarray) -> int:
    """The middle of the tree's longest path (the root that makes the tree shallowest)."""
    far = int(np.argmax(Tree(reroot(parent, 0)).depth()))
    tree = Tree(reroot(parent, far))
    path = [int(np.argmax(tree.depth()))]
    while tree.parent[path[-1]] >= 0:
        path.append(int(tree.parent[path[-1]]))
    return path[len(path) // 2]


def chow_liu_tree(data: np.ndarray, bins: int = 8) -> Tree:
    """The Chow-Liu tree of N x D uint8 samples, rooted at its centre."""
    mi = mutual_information(data, bins)
    parent = maximum_spanning_tree(mi)
    return Tree(reroot(parent, centre(parent)))
