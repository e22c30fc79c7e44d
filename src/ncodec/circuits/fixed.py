"""The circuit in integers: exported tables and the exact conditionals P(x_i | x_<i) in coding
order, bit-identical on every machine and thread count.

Why it is exact: every vector and table holds whole numbers, and the walker works in float64
only on whole numbers small enough that every product and every partial sum is below 2**53.
Such sums are exact in any order, so a BLAS matrix product gives the same bits whatever its
blocking, vector width, FMA use or thread count; the renormalisation is a power-of-two scaling
and a floor, also exact. Bounds (K <= 64 = 2**6 states):

    vector <= 2**VECTOR_BITS (20); tables <= 2**TABLE_BITS (15)
    vector @ table     <= 2**(20 + 15 + 6) = 2**41
    vector * vector    <= 2**40

Coding order is the tree's depth-first pre-order. When pixel i is coded all its ancestors are
known, and every not-yet-coded pixel sits in a subtree whose message is exactly 1 (a
marginalised subtree sums to one), so P(x_i, x_<i) needs only the *outside* vector of i, one
K x K product from its parent's accumulator, and an upward K x K product each time a subtree is
complete: O(K^2 + 256 K) work per pixel, independent of the tree's size and depth.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ncodec.circuits.structure import Tree

TABLE_BITS = 15
"""Every row of the exported tables sums to 2**TABLE_BITS."""
VECTOR_BITS = 20
"""Walker vectors are rescaled so their largest entry lies in [2**19, 2**20)."""
MAX_HIDDEN = 64


def quantize_rows(probs: np.ndarray, bits: int = TABLE_BITS, floor: int = 0) -> np.ndarray:
    """Rows of probabilities -> int32 rows summing to 2**bits (each entry >= `floor`); the
    rounding remainder goes to each row's largest entry."""
    probs = np.asarray(probs, dtype=np.float64)
    total = 1 << bits
    spare = total - floor * probs.shape[-1]
    rows = np.floor(probs / probs.sum(-1, keepdims=True) * spare + 0.5).astype(np.int64) + floor
    top = np.argmax(rows, axis=-1)
    rest = total - rows.sum(-1)
    np.put_along_axis(
        rows, top[..., None], np.take_along_axis(rows, top[..., None], -1) + rest[..., None], -1
    )
    if (rows < 0).any():
        raise ValueError("probabilities too flat to quantize")
    return rows.astype(np.int32)


def export_tables(root: np.ndarray, edges: np.ndarray, leaves: np.ndarray) -> dict[str, np.ndarray]:
    """Integer tables of float distributions: root (K,), edges (D, K, K), leaves (D, K, 256)
    stored as int16 (each entry < 2**15)."""
    return {
        "root": quantize_rows(root, floor=1),
        "edges": quantize_rows(edges, floor=1),
        "leaves": _fit_int16(quantize_rows(leaves)),
    }


def _fit_int16(rows: np.ndarray) -> np.ndarray:
    """Rows summing to 2**15 as int16: a row with all its mass on one value (2**15, one more
    than int16 holds) gives one unit of it to the next value."""
    full = np.argwhere(rows == 1 << TABLE_BITS)
    for *index, value in full:
        rows[(*index, value)] -= 1
        rows[(*index, (value + 1) % rows.shape[-1])] += 1
    return rows.astype(np.int16)


def _renorm(x: np.ndarray) -> np.ndarray:
    """Rows scaled by a power of two and floored so the row maximum lies in
    [2**(VECTOR_BITS-1), 2**VECTOR_BITS); an all-zero row becomes all ones."""
    top = x.max(axis=-1, keepdims=True)
    x = np.floor(np.ldexp(x, VECTOR_BITS - np.frexp(top)[1]))
    if not top.all():
        x[top[..., 0] == 0] = 1.0
    return x


class IntegerCircuit:
    """The exported tables of an HCLT plus its tree: walks images in coding order."""

    def __init__(self, tree: Tree, tables: dict[str, np.ndarray]) -> None:
        root, edges, leaves = (np.asarray(tables[k]) for k in ("root", "edges", "leaves"))
        d, k = tree.size, len(root)
        if not 1 <= k <= MAX_HIDDEN or edges.shape != (d, k, k) or leaves.shape != (d, k, 256):
            raise ValueError("circuit tables do not match the tree")
        self.tree = tree
        self.order = tree.preorder
        self.parent = tree.parent
        self.root = root.astype(np.float64)
        self.edges = edges.astype(np.float64)
        self.edges_t = np.ascontiguousarray(self.edges.transpose(0, 2, 1))
        self.leaves = leaves.astype(np.float64)
        self.leaves_t = np.ascontiguousarray(self.leaves.transpose(0, 2, 1))  # (D, 256, K)
        if self.edges.min() < 0 or self.leaves.min() < 0 or self.root.min() < 1:
            raise ValueError("circuit tables must be non-negative")

    @property
    def size(self) -> int:
        """Pixels per image."""
        return self.tree.size

    def walk(self, batch: int, choose: Callable[[int, np.ndarray], np.ndarray]) -> np.ndarray:
        """Visit the pixels of `batch` images in coding order; `choose(pixel, pmf)` gets the
        (batch, 256) integer-valued float64 weights of P(x_pixel | earlier pixels) and returns
        the pixel's values (int, shape (batch,)), e.g. the known ones (encoder) or the decoded
        ones (decoder). Returns the (batch, D) values."""
        values = np.zeros((batch, self.size), dtype=np.int64)
        outside: dict[int, np.ndarray] = {}
        inside: dict[int, np.ndarray] = {}
        through: dict[int, np.ndarray] = {}
        stack: list[int] = []
        for node in self.order.tolist():
            up = int(self.parent[node])
            while stack and stack[-1] != up:
                self._finish(stack.pop(), outside, inside, through)
            if up < 0:
                out = np.broadcast_to(self.root, (batch, len(self.root)))
            else:
                out = _renorm(through[up] @ self.edges[node])
            x = np.asarray(choose(node, out @ self.leaves[node]), dtype=np.int64)
            values[:, node] = x
            outside[node] = out
            inside[node] = self.leaves_t[node][x]  # whole numbers < 2**TABLE_BITS
            through[node] = _renorm(out * inside[node])
            stack.append(node)
        return values

    def _finish(self, node: int, outside: dict, inside: dict, through: dict) -> None:
        """Node's subtree is complete: multiply its upward message into its parent.

        outside[n] is P(z_n, pixels above n) (scaled); inside[n] is P(x_n | z_n) times the
        messages of n's finished children; through[n] = outside[n] * inside[n] is what flows
        down to n's next child."""
        message = _renorm(inside.pop(node) @ self.edges_t[node])
        del outside[node], through[node]
        up = int(self.parent[node])
        inside[up] = _renorm(inside[up] * message)
        through[up] = _renorm(outside[up] * inside[up])
