"""Stored integer data of bits-back coding: y tables with fractional means and the q network.

Bits-back coding needs y_hat that does not depend on the hyper-latent (the decoder computes the
posterior q(z | y_hat) before it re-encodes z), so y is quantized as round(y * gain) instead of
round(y - mean) + mean, and coded under a Gaussian whose mean is not an integer. The shipped
tables are zero-mean; this companion file adds, for the narrow scales where a mean's fraction
matters, one table per (scale, mean in 1/FRACTIONS steps). Wider scales use the shipped table
at the rounded mean. The tables are built once (export time, float64) and stored as integers,
so coding never depends on floating-point rounding.

The companion may also store the weights of the q network (a network shaped like h_a, as
float16: encoder and decoder read the same stored values and round them to integers the same
way); without them the q network is the model's own h_a.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy import special
from torch import nn

from ncodec.coding import CdfTables, tables_from_cdf
from ncodec.coding.tables import DEFAULT_PRECISION, DEFAULT_TAIL_MASS
from ncodec.errors import FormatError

FRACTION_BITS = 4
FRACTIONS = 1 << FRACTION_BITS
"""Mean fractions per narrow scale: means are rounded to 1/16 of a bin."""
NARROW_SCALES = 32
"""Scale-table entries (the smallest) that get fractional-mean tables."""
SUFFIX = ".bits-back.npz"
"""Companion file of weights/NAME.safetensors: weights/NAME.bits-back.npz."""


def shifted_tables(scales: np.ndarray, fractions: int = FRACTIONS) -> CdfTables:
    """Discretized Gaussian tables for every (scale, mean f / fractions), row scale*F + f
    (export time: float64 CDFs quantized once to integers)."""
    scales = np.asarray(scales, np.float64)
    quantile = -float(special.ndtri(DEFAULT_TAIL_MASS / 2))
    sigma = np.repeat(scales, fractions)
    mean = np.tile(np.arange(fractions) / fractions, scales.size)
    upper = np.maximum(np.ceil(sigma * quantile - 0.5), 1).astype(np.int64)
    return tables_from_cdf(
        lambda x: special.ndtr((x - mean[:, None]) / sigma[:, None]),
        -upper,
        upper + 1,
        DEFAULT_PRECISION,
    )


@dataclass(frozen=True)
class Companion:
    """A model's bits-back data: narrow fractional-mean y tables, q network, file hash."""

    narrow: CdfTables
    q_net: dict[str, np.ndarray]
    digest: str
    far: np.ndarray | None = None
    """Weight (0..128 of 256) of the farther integer per (z channel, frac of mu in 1/256)."""

    @classmethod
    def load(cls, path: Path) -> Companion:
        """Read a companion file; FormatError if it is not one."""
        try:
            raw = path.read_bytes()
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: np.asarray(data[key]) for key in data.files}
        except (OSError, ValueError) as err:
            raise FormatError(f"cannot read bits-back data {path.name}: {err}") from None
        narrow = CdfTables.from_arrays(arrays, "narrow_")
        q_net = {
            k[len("q_net.") :]: v.astype(np.float32)
            for k, v in arrays.items()
            if k.startswith("q_net.")
        }
        far = arrays.get("q_far")
        if far is not None and (
            far.ndim != 2 or far.shape[1] != 256 or far.min() < 0 or far.max() > 128
        ):
            raise FormatError("bits-back data: q_far must be (channels, 256) weights in 0..128")
        far = None if far is None else far.astype(np.int64)
        return cls(narrow, q_net, hashlib.sha256(raw).hexdigest()[:16], far)


def save_companion(
    path: Path, scale_table: np.ndarray, q_net: nn.Module | None, far: np.ndarray | None = None
) -> None:
    """Write the companion file of a model: tables from its scale table, the q network's
    weights unless it is the model's h_a (None), the far-choice weights unless stochastic
    rounding (None)."""
    arrays = shifted_tables(np.asarray(scale_table)[:NARROW_SCALES]).to_arrays("narrow_")
    if far is not None:
        arrays["q_far"] = np.asarray(far, dtype=np.int32)
    for key, value in (q_net.state_dict() if q_net is not None else {}).items():
        arrays[f"q_net.{key}"] = value.detach().to(torch.float16).numpy()
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def companion_path(weights: Path) -> Path:
    """weights/NAME.safetensors -> weights/NAME.bits-back.npz."""
    return weights.with_name(weights.stem + SUFFIX)


def y_tables(narrow: CdfTables, shipped: CdfTables) -> CdfTables:
    """Narrow fractional-mean tables first, then the shipped zero-mean tables of wider scales."""
    wide = np.arange(NARROW_SCALES, shipped.num_tables)
    width = max(narrow.cdf.shape[1], shipped.cdf.shape[1])
    total = 1 << shipped.precision
    if narrow.precision != shipped.precision:
        raise FormatError("bits-back tables and model tables differ in precision")
    cdf = np.full((narrow.num_tables + wide.size, width), total, dtype=np.int64)
    cdf[: narrow.num_tables, : narrow.cdf.shape[1]] = narrow.cdf
    cdf[narrow.num_tables :, : shipped.cdf.shape[1]] = shipped.cdf[wide]
    return CdfTables(
        cdf=cdf,
        lengths=np.concatenate([narrow.lengths, shipped.lengths[wide]]),
        offsets=np.concatenate([narrow.offsets, shipped.offsets[wide]]),
        precision=shipped.precision,
    )


def y_symbols(
    means_fixed: np.ndarray, indexes: np.ndarray, fraction_bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """(integer subtracted from y_hat, table index) of each element, in integers only.

    `means_fixed` are the means as integers with `fraction_bits` fractional bits. A narrow
    scale uses its table for the mean rounded to 1/FRACTIONS (floor subtracted); a wide scale
    the shipped table at the mean rounded to an integer.
    """
    means_fixed = means_fixed.astype(np.int64)
    step = fraction_bits - FRACTION_BITS
    sixteenths = (means_fixed + (1 << (step - 1))) >> step
    narrow = indexes < NARROW_SCALES
    base = np.where(
        narrow,
        sixteenths >> FRACTION_BITS,
        (means_fixed + (1 << (fraction_bits - 1))) >> fraction_bits,
    )
    table = np.where(
        narrow,
        indexes.astype(np.int64) * FRACTIONS + (sixteenths & (FRACTIONS - 1)),
        NARROW_SCALES * FRACTIONS + indexes.astype(np.int64) - NARROW_SCALES,
    )
    return base, table.astype(np.int32)
