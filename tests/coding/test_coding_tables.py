"""Integer CDF tables: builder invariants, known answers, validation and storage round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from ncodec.coding.scales import scale_table
from ncodec.coding.tables import (
    DEFAULT_PRECISION,
    MAX_PRECISION,
    CdfTables,
    gaussian_tables,
    laplace_tables,
    logistic_tables,
    quantize_pmf,
    tables_from_cdf,
    tables_from_pmf,
)
from ncodec.errors import FormatError, InputError


def assert_well_formed(tables: CdfTables) -> None:
    """Check the documented invariants directly on the arrays."""
    total = 1 << tables.precision
    assert tables.cdf.dtype == np.int32 and tables.lengths.dtype == np.int32
    assert tables.offsets.dtype == np.int32
    assert tables.cdf.shape == (tables.num_tables, int(tables.lengths.max()) + 1)
    for row, length in zip(tables.cdf, tables.lengths, strict=True):
        assert row[0] == 0 and row[length] == total
        assert np.all(np.diff(row[: length + 1]) >= 1)
        assert np.all(row[length:] == total)


def test_quantize_known_answer() -> None:
    """[1/4, 1/2, 1/4] + zero tail at 4 bits: tail forced to 1, 15 split 4/7/4 by remainders."""
    counts = quantize_pmf(np.array([[0.25, 0.5, 0.25]]), np.array([0.0]), precision=4)
    assert counts.tolist() == [[4, 7, 4, 1]]


def test_tables_from_pmf_known_answer() -> None:
    tables = tables_from_pmf(np.array([[0.25, 0.5, 0.25]]), np.array([0.0]), [-1], precision=4)
    assert tables.cdf.tolist() == [[0, 4, 11, 15, 16]]
    assert tables.counts().tolist() == [[4, 7, 4, 1]]
    assert tables.lengths.tolist() == [4] and tables.offsets.tolist() == [-1]


def test_exactly_representable_pmf_is_kept() -> None:
    """Probabilities that are multiples of 2**-precision come back as exactly those counts."""
    counts = np.array([1000, 20000, 40000, 4535, 1])
    tables = tables_from_pmf(counts[None, :4] / 2**16, counts[None, 4] / 2**16, [0], precision=16)
    assert np.diff(tables.cdf[0]).tolist() == counts.tolist()


def test_tables_from_cdf_matches_discretized_gaussian() -> None:
    scales = np.array([0.7, 3.0, 20.0])
    lower, upper = np.array([-3, -12, -90]), np.array([3, 12, 90])
    tables = tables_from_cdf(lambda x: special.ndtr(x / scales[:, None]), lower, upper)
    assert_well_formed(tables)
    assert tables.lengths.tolist() == [8, 26, 182]
    assert tables.offsets.tolist() == [-3, -12, -90]
    total = 1 << tables.precision
    for t, s in enumerate(scales):
        values = np.arange(lower[t], upper[t] + 1)
        ideal = special.ndtr((values + 0.5) / s) - special.ndtr((values - 0.5) / s)
        got = np.diff(tables.cdf[t, : tables.lengths[t]]) / total
        np.testing.assert_allclose(got, ideal, atol=2.0 / total * len(values))


def test_tables_from_cdf_ragged_rows_are_padded() -> None:
    tables = tables_from_cdf(special.expit, np.array([0, -1]), np.array([0, 5]), precision=10)
    assert_well_formed(tables)
    assert tables.lengths.tolist() == [2, 8]
    assert tables.cdf[0].tolist() == [0, tables.cdf[0, 1], 1024, 1024, 1024, 1024, 1024, 1024, 1024]


@pytest.mark.parametrize("builder", [gaussian_tables, laplace_tables, logistic_tables])
def test_symmetric_builders(builder) -> None:
    scales = scale_table()
    tables = builder(scales)
    assert_well_formed(tables)
    assert tables.precision == DEFAULT_PRECISION
    half = (tables.lengths - 2) // 2
    assert np.array_equal(tables.offsets, -half) and np.all(np.diff(tables.lengths) >= 0)
    # Zero-mean and symmetric: the in-range counts read the same backwards (up to rounding).
    for t in (0, 31, 63):
        counts = np.diff(tables.cdf[t, : tables.lengths[t]]).astype(np.int64)
        assert np.all(np.abs(counts - counts[::-1]) <= 1)
        assert counts[half[t]] >= counts.max() - 1
    # The escape symbol holds (about) the requested tail mass, never less than one count.
    escape = (
        tables.cdf[np.arange(64), tables.lengths] - tables.cdf[np.arange(64), tables.lengths - 1]
    )
    assert np.all(escape >= 1) and np.all(escape <= 1e-9 * 2**24 + 2)


def test_support_grows_with_tail_mass_shrinking() -> None:
    wide = gaussian_tables([10.0], tail_mass=1e-12).lengths[0]
    narrow = gaussian_tables([10.0], tail_mass=1e-3).lengths[0]
    assert wide > narrow
    # +-z*sigma: z(1e-3 two-sided) = 3.29, so 2*ceil(32.9-0.5)+1 in-range values plus the escape.
    assert narrow == 2 * 33 + 1 + 1


def test_quantization_is_deterministic_and_floors_at_one() -> None:
    rng = np.random.default_rng(0)
    pmf = rng.random((5, 300)) ** 8
    pmf[:, ::7] = 0.0
    a = tables_from_pmf(pmf, np.full(5, 1e-12), np.arange(5), precision=12)
    b = tables_from_pmf(pmf.copy(), np.full(5, 1e-12), np.arange(5), precision=12)
    assert np.array_equal(a.cdf, b.cdf)
    assert_well_formed(a)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 4),
    width=st.integers(1, 40),
    precision=st.integers(6, MAX_PRECISION),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_pmfs_give_valid_tables(rows: int, width: int, precision: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pmf = rng.random((rows, width)) ** rng.integers(1, 20)
    pmf[rng.random(pmf.shape) < 0.2] = 0.0
    pmf[:, 0] += 1e-300
    lengths = rng.integers(1, width + 1, rows)
    tables = tables_from_pmf(
        pmf,
        rng.random(rows) * 0.1,
        rng.integers(-50, 50, rows),
        precision=precision,
        lengths=lengths,
    )
    assert_well_formed(tables)
    assert np.array_equal(tables.lengths, lengths + 1)


def test_to_from_arrays_round_trip_via_safetensors(tmp_path) -> None:
    from safetensors.numpy import load_file, save_file

    tables = laplace_tables([0.5, 4.0, 30.0], precision=20)
    path = tmp_path / "tables.safetensors"
    save_file(tables.to_arrays(prefix="hyper."), str(path))
    loaded = CdfTables.from_arrays(load_file(str(path)), prefix="hyper.")
    assert loaded.precision == 20
    for name in ("cdf", "lengths", "offsets"):
        assert np.array_equal(getattr(loaded, name), getattr(tables, name))
    assert all(a.dtype == np.int32 for a in tables.to_arrays().values())


def test_tables_are_read_only_copies() -> None:
    cdf = np.array([[0, 3, 4]])
    tables = CdfTables(cdf=cdf, lengths=np.array([2]), offsets=np.array([0]), precision=2)
    cdf[0, 1] = 1
    assert tables.cdf[0, 1] == 3
    with pytest.raises(ValueError):
        tables.cdf[0, 1] = 2


def _corruptions() -> list[tuple[str, dict]]:
    """A valid table set and ways to break it, each a dict of arrays for `from_arrays`."""
    good = tables_from_pmf(
        np.array([[0.2, 0.5, 0.3], [0.5, 0.5, 0]]),
        [0.01, 0.01],
        [0, 5],
        precision=8,
        lengths=np.array([3, 2]),
    ).to_arrays()
    cases = []

    def case(name: str, key: str, change) -> None:
        """Record `good` with array `key` replaced by `change(copy)`."""
        arrays = {k: v.copy() for k, v in good.items()}
        arrays[key] = change(arrays[key])
        cases.append((name, arrays))

    def set_at(index, value):
        """A change that writes one entry."""

        def change(a):
            """Write the entry in place and return the array."""
            a[index] = value
            return a

        return change

    case("first not zero", "cdf", set_at((0, 0), 1))
    case("not increasing", "cdf", set_at((0, 2), 0))
    case("flat step", "cdf", lambda a: set_at((0, 2), a[0, 1])(a))
    case("wrong total", "cdf", set_at((0, 4), 255))
    case("bad padding", "cdf", set_at((1, 4), 7))
    case("float cdf", "cdf", lambda a: a.astype(np.float32))
    case("1-D cdf", "cdf", lambda a: a[0])
    case("length too short", "lengths", set_at(0, 1))
    case("length too long", "lengths", set_at(1, 9))
    case("lengths count", "lengths", lambda a: a[:1])
    case("offsets count", "offsets", lambda a: np.concatenate([a, a]))
    case("offset overflow", "offsets", set_at(0, np.iinfo(np.int32).max - 1))
    case("precision zero", "precision", set_at(0, 0))
    case("precision too high", "precision", set_at(0, 31))
    case("precision shape", "precision", lambda a: np.array([8, 8], dtype=np.int32))
    case("precision float", "precision", lambda a: a.astype(np.float32))
    missing = dict(good)
    del missing["offsets"]
    cases.append(("missing key", missing))
    return cases


@pytest.mark.parametrize(("name", "arrays"), _corruptions(), ids=[c[0] for c in _corruptions()])
def test_malformed_tables_raise_format_error(name: str, arrays: dict) -> None:
    with pytest.raises(FormatError):
        CdfTables.from_arrays(arrays)


@pytest.mark.parametrize(
    "call",
    [
        lambda: tables_from_pmf(np.array([[0.5, np.nan]]), [0.0], [0]),
        lambda: tables_from_pmf(np.array([[0.5, -0.1]]), [0.0], [0]),
        lambda: tables_from_pmf(np.array([[0.0, 0.0]]), [0.0], [0]),
        lambda: tables_from_pmf(np.ones((1, 20)), [0.0], [0], precision=4),
        lambda: tables_from_pmf(np.ones((1, 2)), [0.0], [0], precision=25),
        lambda: tables_from_cdf(special.ndtr, np.array([3]), np.array([2])),
        lambda: gaussian_tables([1.0, -2.0]),
        lambda: laplace_tables([1.0], tail_mass=0.0),
    ],
)
def test_bad_builder_inputs_raise_input_error(call) -> None:
    with pytest.raises(InputError):
        call()
