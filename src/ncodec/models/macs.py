"""Count the multiply-accumulates a network spends, by running it once with forward hooks.

Convolutions (plain and transposed), linear layers and GDN (a 1x1 convolution over squared
inputs) are counted; element-wise activations are not (they are not MACs).
"""

from __future__ import annotations

import torch
from torch import nn

from ncodec.layers import GDN


def _conv_macs(module: nn.Conv2d | nn.ConvTranspose2d, inp: torch.Tensor, out: torch.Tensor) -> int:
    kernel = module.kernel_size[0] * module.kernel_size[1]
    per_tap = module.in_channels // module.groups
    if isinstance(module, nn.ConvTranspose2d):  # every input element scatters a kernel
        return inp.numel() // inp.shape[0] * kernel * module.out_channels // module.groups
    return out.numel() // out.shape[0] * kernel * per_tap


def count_macs(network: nn.Module, *inputs: torch.Tensor) -> int:
    """MACs of one forward pass of `network` on `inputs` (per batch element)."""
    total = 0

    def hook(module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        nonlocal total
        inp = args[0]
        if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
            total += _conv_macs(module, inp, output)
        elif isinstance(module, nn.Linear):
            total += output.numel() // output.shape[0] * module.in_features
        elif isinstance(module, GDN):
            channels = inp.shape[1]
            total += inp.numel() // inp.shape[0] * channels

    handles = [
        m.register_forward_hook(hook)
        for m in network.modules()
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear | GDN)
    ]
    try:
        with torch.no_grad():
            network(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return total
