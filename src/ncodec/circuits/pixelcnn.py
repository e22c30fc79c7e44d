"""The neural baseline the circuits are measured against: a small PixelCNN (masked convolutions,
a 256-way softmax per pixel) coded with the same ANS stack, pixel by pixel in raster order.

Encoding gets every conditional from one pass over the whole image; decoding runs the network
once per pixel on the partly decoded images (that is what makes autoregressive nets slow). The
two agree bit for bit on one machine with a fixed thread count: a pixel's logits read only
earlier pixels, the masked weights add exact zeros, and every pass has the same shapes. The
softmax is turned into integer weights (2**20 scale, floor, +1) before coding. Unlike the
circuits, this baseline is not promised to decode identically on other machines.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ncodec.coding import AnsStack
from ncodec.coding.coder_models import MODELS
from ncodec.errors import FormatError

CATEGORICAL = MODELS.Categorical(perfect=False)
WEIGHT_SCALE = float(1 << 20)


class MaskedConv(nn.Conv2d):
    """A convolution that sees only pixels above, and left on the same row ('A': not the centre
    itself; 'B': the centre too, for layers after the first)."""

    def __init__(self, kind: str, cin: int, cout: int, size: int) -> None:
        super().__init__(cin, cout, size, padding=size // 2)
        mask = torch.ones_like(self.weight)
        centre = size // 2
        mask[:, :, centre, centre + (kind == "B") :] = 0
        mask[:, :, centre + 1 :] = 0
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelCnn(nn.Module):
    """Masked 7x7 'A' layer, `layers` residual 3x3 'B' layers, a 1x1 head to 256 logits."""

    def __init__(self, channels: int = 32, layers: int = 4) -> None:
        super().__init__()
        self.first = MaskedConv("A", 1, channels, 7)
        self.body = nn.ModuleList(MaskedConv("B", channels, channels, 3) for _ in range(layers))
        self.head = nn.Sequential(
            nn.ReLU(),
            MaskedConv("B", channels, channels, 1),
            nn.ReLU(),
            MaskedConv("B", channels, 256, 1),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (N, 256, H, W) of N x H x W uint8-valued images."""
        x = self.first(images.float().unsqueeze(1) / 127.5 - 1.0)
        for layer in self.body:
            x = x + layer(torch.relu(x))
        return self.head(x)

    def nll_bits(self, images: torch.Tensor) -> torch.Tensor:
        """Mean bits per pixel of the softmax (the training loss)."""
        logits = self(images)
        return nn.functional.cross_entropy(logits, images.long()) / np.log(2.0)


def _weights(logits: torch.Tensor) -> np.ndarray:
    """(..., 256) integer-valued float64 weights of a softmax over the last axis."""
    probs = torch.softmax(logits.double(), dim=-1).numpy()
    return np.floor(probs * WEIGHT_SCALE) + 1.0


@torch.no_grad()
def encode(model: PixelCnn, images: np.ndarray) -> bytes:
    """One stream of N x H x W uint8 images (raster order, all images of a row step at once)."""
    logits = model(torch.from_numpy(images)).permute(0, 2, 3, 1)  # (N, H, W, 256)
    stack = AnsStack()
    _, h, w = images.shape
    for row in reversed(range(h)):
        for col in reversed(range(w)):
            stack.push_family(
                images[:, row, col].astype(np.int32), CATEGORICAL, _weights(logits[:, row, col])
            )
    return stack.to_bytes()


@torch.no_grad()
def decode(
    model: PixelCnn, data: bytes, count: int, height: int = 28, width: int = 28
) -> np.ndarray:
    """The images of `encode`'s stream: one network pass per pixel."""
    stack = AnsStack.from_bytes(data)
    images = torch.zeros((count, height, width), dtype=torch.uint8)
    for row in range(height):
        for col in range(width):
            logits = model(images)[:, :, row, col]
            values = stack.pop_family(CATEGORICAL, _weights(logits), shape=(count,))
            images[:, row, col] = torch.from_numpy(values.astype(np.uint8))
    if not stack.is_empty():
        raise FormatError("corrupt stream (data left after the last pixel)")
    return images.numpy()
