"""The compiled decoder kernels (`_kernels.c`), or None where they were not built.

The kernels compute exactly what the PyTorch reference computes (integer values in float32,
every sum below 2**24), fused per block of pixels, so a decoder with them gives the same pixels
as one without; they only make it faster. `reference_only()` switches them off, for the tests
that compare both paths and for timing the reference.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import numpy as np
import torch

try:
    from ncodec.models.overfit import _kernels as _compiled
except ImportError:  # not built (no compiler at install time): the reference runs instead
    _compiled = None

DISABLE_VARIABLE = "NCODEC_OVERFIT_REFERENCE"
"""Set to 1 to decode with the PyTorch reference even where the kernels are built."""

_disabled = os.environ.get(DISABLE_VARIABLE) == "1"


def compiled() -> ModuleType | None:
    """The kernel module, or None if it is not built or switched off."""
    return None if _disabled else _compiled


def built() -> bool:
    """Whether the kernels were built (whether or not they are switched off)."""
    return _compiled is not None


def describe() -> str:
    """One line for `ncodec --version`: which overfit decoder runs here."""
    if _compiled is None:
        return "not built (the PyTorch reference decodes: same pixels, slower)"
    if _disabled:
        return f"built, switched off by {DISABLE_VARIABLE}=1"
    return f"compiled ({_compiled.instruction_set()})"


@contextmanager
def reference_only() -> Iterator[None]:
    """Decode with the PyTorch reference inside."""
    global _disabled
    previous, _disabled = _disabled, True
    try:
        yield
    finally:
        _disabled = previous


def as_buffer(tensor: torch.Tensor | np.ndarray) -> np.ndarray:
    """A C-contiguous float32 array of a tensor (no copy when it already is one)."""
    array = tensor.numpy() if isinstance(tensor, torch.Tensor) else tensor
    return np.ascontiguousarray(array, dtype=np.float32)
