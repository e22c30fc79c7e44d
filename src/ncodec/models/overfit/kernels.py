"""The compiled decoder kernels (`_kernels.c`), or None where they were not built.

The kernels compute exactly what the PyTorch reference computes (integer values in float32,
every sum below 2**24), fused per block of pixels, so a decoder with them gives the same pixels
as one without; they only make it faster. `reference_only()` switches them off, for the tests
that compare both paths and for timing the reference.
"""

from __future__ import annotations

import numpy as np
import torch

from ncodec.optional_kernels import OptionalKernels

try:
    from ncodec.models.overfit import _kernels as _compiled
except ImportError:  # not built (no compiler at install time): the reference runs instead
    _compiled = None

DISABLE_VARIABLE = "NCODEC_OVERFIT_REFERENCE"
"""Set to 1 to decode with the PyTorch reference even where the kernels are built."""

KERNELS = OptionalKernels(
    _compiled,
    DISABLE_VARIABLE,
    "the PyTorch reference decodes: same pixels, slower",
    lambda module: module.instruction_set(),
)
compiled = KERNELS.compiled
built = KERNELS.built
describe = KERNELS.describe
reference_only = KERNELS.reference_only


def as_buffer(tensor: torch.Tensor | np.ndarray) -> np.ndarray:
    """A C-contiguous float32 array of a tensor (no copy when it already is one)."""
    array = tensor.numpy() if isinstance(tensor, torch.Tensor) else tensor
    return np.ascontiguousarray(array, dtype=np.float32)
