"""The scale table: the same bits on every machine, equal to the one the shipped model stores."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ncodec.coding import SCALE_LEVELS, SCALE_MAX, SCALE_MIN, scale_table
from ncodec.entropy import default_scale_table
from ncodec.errors import InputError

SHIPPED = Path(__file__).resolve().parents[2] / "weights" / "hyperprior-mse.safetensors"


def bits(values: np.ndarray) -> list[int]:
    """The float64 bit patterns, so that equality means identical to the last bit."""
    return np.asarray(values, dtype=np.float64).view(np.uint64).tolist()


@pytest.mark.skipif(not SHIPPED.exists(), reason="shipped weights not installed")
def test_default_table_is_the_shipped_models_table_bit_for_bit() -> None:
    """New exports must store the very table the shipped model was exported with."""
    from safetensors.numpy import load_file

    stored = load_file(str(SHIPPED))["coding.scale_table"]
    assert bits(scale_table()) == bits(stored)
    assert bits(default_scale_table()) == bits(stored)


def test_entropy_models_use_the_coding_table() -> None:
    assert bits(default_scale_table()) == bits(scale_table())
    assert bits(default_scale_table(17)) == bits(scale_table(count=17))


@pytest.mark.parametrize(
    ("low", "high", "count"), [(0.11, 256.0, 64), (0.5, 50.0, 48), (2.0, 2.0, 3)]
)
def test_table_is_log_spaced_within_one_ulp_of_numpy(low: float, high: float, count: int) -> None:
    table = scale_table(low, high, count)
    approximate = np.exp(np.linspace(math.log(low), math.log(high), count))
    assert table.dtype == np.float64 and table.shape == (count,)
    assert np.all(np.abs(table - approximate) <= np.spacing(approximate))
    assert abs(table[0] - low) <= np.spacing(low) and abs(table[-1] - high) <= np.spacing(high)


def test_defaults_and_fresh_arrays() -> None:
    table = scale_table()
    assert (SCALE_MIN, SCALE_MAX, SCALE_LEVELS) == (0.11, 256.0, 64) == (0.11, 256.0, table.size)
    expected = bits(table)
    table[:] = 0  # callers get their own array, the cached values stay intact
    assert bits(scale_table()) == expected


@pytest.mark.parametrize(
    "args", [(0.0, 1.0, 4), (-1.0, 1.0, 4), (2.0, 1.0, 4), (1.0, math.inf, 4), (1.0, 2.0, 0)]
)
def test_bad_arguments(args) -> None:
    with pytest.raises(InputError, match="scale table"):
        scale_table(*args)
