"""ANS streams of many images under an integer circuit, coded pixel by pixel in blocks.

Decoding order: block 0's pixels in coding order (every image of the block at once), then
block 1, ... The encoder walks the blocks last to first and pushes each block's pixels in
reverse, so it never holds more than one block's distributions. The categorical weights are
whole numbers (`ncodec.circuits.fixed`); constriction's fast quantisation turns them into its
24-bit model with IEEE basic operations in a fixed order, so the decoder rebuilds the very same
model from the same integers.
"""

from __future__ import annotations

import numpy as np

from ncodec.circuits.fixed import IntegerCircuit
from ncodec.coding import AnsStack
from ncodec.coding.coder_models import MODELS
from ncodec.errors import FormatError

CATEGORICAL = MODELS.Categorical(perfect=False)
"""Per-symbol categorical with float weights (leaky: every value stays codable)."""
BLOCK = 256
"""Images walked together."""


def _blocks(count: int, block: int) -> list[tuple[int, int]]:
    return [(start, min(start + block, count)) for start in range(0, count, block)]


def encode_images(circuit: IntegerCircuit, images: np.ndarray, block: int = BLOCK) -> bytes:
    """One stream holding N x D uint8 images."""
    flat = images.reshape(len(images), -1)
    stack = AnsStack()
    for start, stop in reversed(_blocks(len(flat), block)):
        pixels = flat[start:stop].astype(np.int64)
        steps: list[tuple[np.ndarray, np.ndarray]] = []

        def choose(node: int, pmf: np.ndarray, pixels: np.ndarray = pixels, steps=steps):
            steps.append((pixels[:, node], pmf))
            return pixels[:, node]

        circuit.walk(stop - start, choose)
        for symbols, pmf in reversed(steps):
            stack.push_family(symbols, CATEGORICAL, pmf)
    return stack.to_bytes()


def decode_images(
    circuit: IntegerCircuit, data: bytes, count: int, block: int = BLOCK
) -> np.ndarray:
    """The N x D uint8 images of a stream from `encode_images` (FormatError if it is not one)."""
    stack = AnsStack.from_bytes(data)
    out = np.zeros((count, circuit.size), dtype=np.uint8)
    for start, stop in _blocks(count, block):
        shape = (stop - start,)

        def choose(node: int, pmf: np.ndarray, shape=shape) -> np.ndarray:
            return stack.pop_family(CATEGORICAL, pmf, shape=shape)

        out[start:stop] = circuit.walk(stop - start, choose)
    if not stack.is_empty():
        raise FormatError("corrupt circuit stream (data left after the last pixel)")
    return out


def ideal_bits(circuit: IntegerCircuit, images: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """-log2 of the integer circuit's probability of each image (no coder), for comparison
    with real file sizes."""
    flat = images.reshape(len(images), -1)
    bits = np.zeros(len(flat))
    for start, stop in _blocks(len(flat), block):
        pixels = flat[start:stop].astype(np.int64)
        rows = np.arange(stop - start)

        def choose(node: int, pmf: np.ndarray, pixels=pixels, rows=rows, start=start, stop=stop):
            p = pmf[rows, pixels[:, node]] / pmf.sum(-1)
            bits[start:stop] -= np.log2(np.maximum(p, 2.0**-24))
            return pixels[:, node]

        circuit.walk(stop - start, choose)
    return bits
