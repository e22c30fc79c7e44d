"""Chow-Liu structure: the tree follows the strongest dependencies, is rooted at its centre, and
the coding order visits every parent before its children."""

from __future__ import annotations

import numpy as np
import pytest

from ncodec.circuits.structure import Tree, centre, chow_liu_tree, reroot


def test_chow_liu_links_copied_pixels_and_rejects_cycles():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (2000, 1))
    noisy = lambda v: np.clip(v + rng.integers(-20, 21, v.shape), 0, 255)  # noqa: E731
    # chain 0 -> 1 -> 2 (each a noisy copy of the previous), 3 and 4 independent noise
    x1 = noisy(base)
    data = np.hstack([base, x1, noisy(x1), rng.integers(0, 256, (2000, 2))]).astype(np.uint8)
    tree = chow_liu_tree(data)
    edges = {frozenset((i, int(p))) for i, p in enumerate(tree.parent) if p >= 0}
    assert {frozenset((0, 1)), frozenset((1, 2))} <= edges
    assert frozenset((0, 2)) not in edges
    with pytest.raises(ValueError):
        Tree(np.array([1, 0, -1]))


def test_preorder_puts_parents_first_and_the_centre_is_the_shallowest_root():
    chain = np.array([-1, 0, 1, 2, 3, 4, 5])
    assert centre(chain) == 3
    tree = Tree(reroot(chain, 3))
    assert int(tree.depth().max()) == 3
    position = np.empty(tree.size, dtype=int)
    position[tree.preorder] = np.arange(tree.size)
    for node, up in enumerate(tree.parent):
        if up >= 0:
            assert position[up] < position[node]
    assert sorted(tree.preorder.tolist()) == list(range(tree.size))
