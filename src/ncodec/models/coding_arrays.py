"""Arrays stored beside the float weights for coding: per-quality gains and integer tables.

They are evaluated once at export from the trained floats; coding reads only these arrays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from ncodec.coding import CdfTables
from ncodec.errors import FormatError
from ncodec.models.gains import GainUnits
from ncodec.models.rate_levels import RateLevels


@torch.no_grad()
def gain_arrays(gains: GainUnits, prefix: str, lambdas: tuple[float, ...]) -> dict[str, np.ndarray]:
    """Per-quality gain and inverse gain vectors (100, C), evaluated once at export."""
    gain, inverse = gains(RateLevels(lambdas).positions())
    return {
        f"{prefix}_gain": gain[:, :, 0, 0].float().numpy(),
        f"{prefix}_inverse_gain": inverse[:, :, 0, 0].float().numpy(),
    }


def prefixed(prefix: str, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`{prefix.key: value}`: how table arrays are namespaced beside the weights."""
    return {f"{prefix}.{k}": v for k, v in arrays.items()}


def tables_under(arrays: Mapping[str, np.ndarray], prefix: str) -> CdfTables:
    """The CdfTables stored under `prefix.`."""
    sub = {k[len(prefix) + 1 :]: v for k, v in arrays.items() if k.startswith(prefix + ".")}
    return CdfTables.from_arrays(sub)


def float_array(arrays: Mapping[str, np.ndarray], key: str) -> torch.Tensor:
    """A stored float32 array as a tensor; a missing key is a FormatError naming it."""
    try:
        return torch.from_numpy(np.asarray(arrays[key], np.float32))
    except KeyError:
        raise FormatError(f"model weights lack coding array '{key}'") from None
