"""The compiled context-network kernels (`_kernels.c`), or None where they were not built.

They compute exactly what the numpy path of `first_layer` and `integer_mlp` computes (integers
in float32 with every partial sum below 2**24, integer count arithmetic), node by node without
temporary arrays, so files and decoded points are the same with or without them; they only make
coding faster. `NCODEC_POINTCLOUD_REFERENCE=1` or `KERNELS.reference_only()` runs numpy.
"""

from __future__ import annotations

from ncodec.optional_kernels import OptionalKernels

try:
    from ncodec.pointcloud import _kernels as _compiled
except ImportError:  # not built (no compiler at install time): numpy runs instead
    _compiled = None

KERNELS = OptionalKernels(
    _compiled,
    "NCODEC_POINTCLOUD_REFERENCE",
    "numpy computes the same tables, slower",
    lambda module: module.instruction_set(),
)
