"""Lossless API: discretized continuous models and explicit tables around the ANS coder."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncodec.coding import lossless
from ncodec.coding.tables import gaussian_tables, tables_from_pmf
from ncodec.errors import FormatError, InputError


def test_module_docstring_example() -> None:
    result = doctest.testmod(lossless)
    assert result.attempted >= 5 and result.failed == 0


@settings(max_examples=40, deadline=None)
@given(
    family=st.sampled_from(["gaussian", "laplace", "logistic"]),
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 20),
    cols=st.integers(1, 20),
)
def test_per_element_loc_and_scale_round_trip(family: str, seed: int, rows: int, cols: int) -> None:
    rng = np.random.default_rng(seed)
    loc = rng.normal(size=(rows, cols)) * 50
    scale = np.exp(rng.uniform(np.log(0.05), np.log(400), (rows, cols)))
    x = np.rint(loc + rng.normal(size=(rows, cols)) * scale).astype(np.int64)
    x.flat[0] = 2**30  # far outlier
    model = lossless.DiscretizedModel(family, loc, scale)
    data = lossless.compress(x, model)
    decoded = lossless.decompress(data, model, x.shape)
    assert decoded.dtype == np.int64 and np.array_equal(decoded, x)


def test_rate_tracks_the_model_scale() -> None:
    """Coding N(0, 4) data under its own model costs about its entropy; a wrong scale costs more."""
    rng = np.random.default_rng(0)
    x = np.rint(rng.normal(size=50_000) * 4).astype(np.int32)
    right = len(lossless.compress(x, lossless.gaussian(0.0, 4.0))) * 8 / x.size
    wrong = len(lossless.compress(x, lossless.gaussian(0.0, 40.0))) * 8 / x.size
    entropy = 0.5 * np.log2(2 * np.pi * np.e * 16)  # differential entropy ~ discrete entropy
    assert abs(right - entropy) < 0.02
    assert wrong > right + 1.5


def test_loc_is_rounded_before_coding() -> None:
    """x - round(loc) is coded: a large mean costs nothing extra when it is known."""
    rng = np.random.default_rng(1)
    noise = np.rint(rng.normal(size=10_000)).astype(np.int64)
    centred = lossless.compress(noise, lossless.laplace(0.0, 1.0))
    shifted = lossless.compress(noise + 100_000, lossless.laplace(100_000.2, 1.0))
    assert centred == shifted


def test_table_model_with_broadcast_index() -> None:
    tables = tables_from_pmf(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), [1e-4, 1e-4], [0, 10])
    x = np.array([[0, 1, 2, 0], [10, 12, 12, -5]])
    model = lossless.TableModel(tables, np.array([[0], [1]]))
    assert np.array_equal(lossless.decompress(lossless.compress(x, model), model, x.shape), x)


def test_scale_picks_first_table_at_or_above() -> None:
    model = lossless.gaussian(0.0, np.array([0.01, 0.11, 0.12, 256.0, 1e6]))
    _, indexes, tables = model.coding_plan((5,))
    assert indexes.tolist() == [0, 0, 1, 63, 63]
    assert tables is lossless.gaussian(1.0, 1.0).tables()  # built once, shared
    assert np.array_equal(tables.cdf, gaussian_tables(np.asarray(model.scales)).cdf)


@pytest.mark.parametrize(
    "call",
    [
        lambda: lossless.DiscretizedModel("cauchy", 0.0, 1.0),
        lambda: lossless.gaussian(0.0, 0.0),
        lambda: lossless.gaussian(np.nan, 1.0),
        lambda: lossless.laplace(0.0, -1.0),
        lambda: lossless.compress(np.zeros(3), lossless.gaussian(0.0, 1.0)),
        lambda: lossless.compress(np.zeros(3, dtype=int), lossless.gaussian(np.zeros(4), 1.0)),
        lambda: lossless.decompress(b"", lossless.gaussian(np.zeros(4), 1.0), (3,)),
        lambda: lossless.compress(np.array([2**31 - 1]), lossless.gaussian(-5.0, 1.0)),
    ],
)
def test_bad_models_and_data_raise_input_error(call) -> None:
    with pytest.raises(InputError):
        call()


def test_decompress_rejects_corrupt_data() -> None:
    model = lossless.gaussian(0.0, 3.0)
    data = lossless.compress(np.arange(100) % 5, model)
    with pytest.raises(FormatError):
        lossless.decompress(data[:-2], model, (100,))
