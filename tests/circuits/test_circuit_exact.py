"""The float circuit's likelihood equals brute-force enumeration; EM raises the likelihood; the
integer walker's conditionals are the circuit's conditionals (up to table rounding)."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from ncodec.circuits.em import EmSettings, em_step
from ncodec.circuits.fixed import IntegerCircuit, export_tables
from ncodec.circuits.hclt import Hclt
from ncodec.circuits.structure import Tree


def tiny(seed: int = 0) -> Hclt:
    """4 pixels, 3 hidden states, tree 1 <- 0 -> 2 -> 3, random distributions."""
    model = Hclt(4, 3, 2, 2)
    model.set_tree(Tree(np.array([-1, 0, 0, 2])))
    model.randomize(torch.Generator().manual_seed(seed), spread=4.0)
    for name in ("root", "edges", "leaves"):
        setattr(model, name, getattr(model, name).double())
    return model


def brute_joint(model: Hclt, x: np.ndarray, observed: list[int]) -> float:
    """P(x_observed) by summing over every hidden assignment (unobserved pixels marginalised)."""
    parent = model.parent.numpy()
    total = 0.0
    for z in itertools.product(range(model.hidden), repeat=model.size):
        p = float(model.root[z[0]])
        for i in range(1, model.size):
            p *= float(model.edges[i, z[parent[i]], z[i]])
        for i in observed:
            p *= float(model.leaves[i, z[i], x[i]])
        total += p
    return total


def test_log_likelihood_is_exact():
    model = tiny()
    x = np.array([[3, 200, 0, 17], [255, 255, 1, 0]])
    got = model.log_likelihood(torch.from_numpy(x)).numpy()
    want = [np.log(brute_joint(model, row, [0, 1, 2, 3])) for row in x]
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_em_raises_the_likelihood(digits, tiny_circuit):
    flat = torch.from_numpy(digits[:100].reshape(100, -1).astype(np.int64))
    model = Hclt(784, 3)
    model.set_tree(tiny_circuit.tree)
    model.randomize(torch.Generator().manual_seed(0))
    before = float(model.log_likelihood(flat).mean())
    em_step(model, flat, EmSettings(step=0.5))
    assert float(model.log_likelihood(flat).mean()) > before + 100


def test_integer_conditionals_match_the_circuit():
    model = tiny(1)
    tables = export_tables(*(getattr(model, n).numpy() for n in ("root", "edges", "leaves")))
    circuit = IntegerCircuit(model.tree, tables)
    x = np.array([[3, 200, 0, 17]])
    seen: list[int] = []

    def choose(node: int, pmf: np.ndarray) -> np.ndarray:
        got = pmf[0] / pmf[0].sum()
        value = int(x[0, node])
        want = brute_joint(model, x[0], [*seen, node]) / brute_joint(model, x[0], seen)
        assert abs(got[value] - want) <= 0.01 * want + 2.0**-15  # 15-bit table rounding
        seen.append(node)
        return x[:, node]

    assert circuit.walk(1, choose).tolist() == x.tolist()
    assert seen == [0, 1, 2, 3]
