"""ANS coding: round trips with outliers, exact model probabilities, determinism, bad input."""

from __future__ import annotations

import constriction
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncodec.coding.ans import decode, encode
from ncodec.coding.coder_models import categorical_model
from ncodec.coding.scales import scale_table
from ncodec.coding.tables import CdfTables, gaussian_tables, tables_from_pmf
from ncodec.errors import FormatError, InputError

INT32 = np.iinfo(np.int32)
OUTLIERS = [INT32.min, INT32.max, 2**30, -(2**30), 2**30 + 12345, -(2**31) + 1, 70000, -65537]


def random_tables(rng: np.random.Generator, count: int, precision: int) -> CdfTables:
    """Random tables with ragged lengths, zero-probability symbols and assorted offsets."""
    width = int(rng.integers(1, 30))
    pmf = rng.random((count, width)) ** rng.integers(1, 10)
    pmf[rng.random(pmf.shape) < 0.2] = 0.0
    pmf[:, 0] += 1e-3
    lengths = rng.integers(1, width + 1, count)
    offsets = rng.integers(-1000, 1000, count)
    tail = rng.random(count) * rng.choice([0.0, 1e-6, 0.1], count)
    return tables_from_pmf(pmf, tail, offsets, precision=precision, lengths=lengths)


def random_symbols(rng: np.random.Generator, indexes: np.ndarray, tables: CdfTables) -> np.ndarray:
    """Mostly in-range symbols, with some just outside the range and some far outliers."""
    low = tables.offsets[indexes].astype(np.int64)
    span = tables.lengths[indexes].astype(np.int64) - 1
    symbols = low + (rng.random(indexes.shape) * (span + 4)).astype(np.int64) - 2
    far = rng.random(indexes.shape) < 0.05
    symbols[far] = rng.choice(OUTLIERS, int(far.sum()))
    wild = rng.random(indexes.shape) < 0.02
    symbols[wild] = rng.integers(INT32.min, INT32.max, int(wild.sum()), endpoint=True)
    return symbols


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.lists(st.integers(0, 40), min_size=1, max_size=3),
    num_tables=st.integers(1, 6),
    precision=st.integers(8, 24),
)
def test_random_round_trip_with_outliers(seed, shape, num_tables, precision) -> None:
    rng = np.random.default_rng(seed)
    tables = random_tables(rng, num_tables, precision)
    indexes = rng.integers(0, num_tables, shape)
    symbols = random_symbols(rng, indexes, tables)
    data = encode(symbols, indexes, tables)
    assert len(data) % 4 == 0
    decoded = decode(data, indexes, tables)
    assert decoded.dtype == np.int32 and decoded.shape == tuple(shape)
    assert np.array_equal(decoded, symbols)


@given(value=st.integers(INT32.min, INT32.max), offset=st.integers(-(2**20), 2**20))
@settings(max_examples=200, deadline=None)
def test_any_int32_value_round_trips(value: int, offset: int) -> None:
    tables = tables_from_pmf(np.array([[0.5, 0.3, 0.2]]), [1e-3], [offset])
    symbols = np.array([value, offset, value], dtype=np.int64)
    indexes = np.zeros(3, dtype=np.int64)
    assert decode(encode(symbols, indexes, tables), indexes, tables).tolist() == symbols.tolist()


def test_hyperprior_sized_latent_round_trip() -> None:
    rng = np.random.default_rng(7)
    tables = gaussian_tables(scale_table())
    indexes = rng.integers(0, 64, (8, 16, 24)).astype(np.int16)
    symbols = np.rint(rng.normal(size=indexes.shape) * scale_table()[indexes]).astype(np.int32)
    symbols[0, 0, :3] = [2**30, -(2**30), 10**6]
    data = encode(symbols, indexes, tables)
    assert np.array_equal(decode(data, indexes, tables), symbols)


def test_empty_input() -> None:
    tables = gaussian_tables([1.0])
    empty = np.zeros((0, 3), dtype=np.int32)
    assert encode(empty, empty, tables) == b""
    assert decode(b"", empty, tables).shape == (0, 3)


@pytest.mark.parametrize("precision", [1, 2, 8, 16, 23, 24])
def test_coder_model_uses_exactly_the_stored_integers(precision: int) -> None:
    """Probe constriction's decoder at every CDF boundary: quantile c*2**(24-P) starts symbol i."""
    rng = np.random.default_rng(precision)
    length = 1 if precision == 1 else int(rng.integers(2, min(40, 2**precision - 1)))
    pmf = rng.random((1, length)) ** 6
    pmf[0, ::3] = 0.0  # zero-probability symbols get exactly one count (weight 0 for P=24)
    pmf[0, 0] = 1.0
    tables = tables_from_pmf(pmf, [0.0], [0], precision=precision)
    cdf = tables.cdf[0, : tables.lengths[0] + 1].astype(np.int64)
    model = categorical_model(cdf, precision)
    scaled = cdf << (24 - precision)
    for symbol in range(len(cdf) - 1):
        for quantile in (scaled[symbol], scaled[symbol + 1] - 1):
            state = np.array([quantile | (1 << 31)], dtype=np.uint32)
            decoded = constriction.stream.stack.AnsCoder(state).decode(model)
            assert decoded == symbol, (symbol, quantile)


def test_size_matches_ideal_for_exact_dyadic_model() -> None:
    """With probabilities 1/2, 1/4, 1/8, 1/8 the stream costs 1.75 bits/symbol (+ one state)."""
    counts = np.array([8, 4, 2, 1, 1])  # last count = escape, never used
    tables = tables_from_pmf(counts[None, :4] / 16, [1 / 16], [0], precision=4)
    rng = np.random.default_rng(0)
    symbols = rng.choice(4, 100_000, p=counts[:4] / counts[:4].sum())
    ideal_bits = -np.log2(counts[symbols] / 16).sum()
    size_bits = 8 * len(encode(symbols, np.zeros_like(symbols), tables))
    assert ideal_bits <= size_bits <= ideal_bits + 64


def test_stream_without_escapes_is_plain_grouped_ans() -> None:
    """No escapes, no side-channel bytes: the stream is exactly one ANS pass over the groups."""
    tables = gaussian_tables([2.0, 5.0, 0.3])
    rng = np.random.default_rng(3)
    indexes = rng.integers(0, 3, 10_000)
    low, high = tables.offsets[indexes], tables.offsets[indexes] + tables.lengths[indexes] - 2
    symbols = np.clip(np.rint(rng.normal(size=10_000) * 2), low, high).astype(np.int64)
    coder = constriction.stream.stack.AnsCoder()
    for table in (2, 1, 0):  # a stack: the last pushed group is decoded first
        group = symbols[indexes == table] - tables.offsets[table]
        cdf = tables.cdf[table, : tables.lengths[table] + 1]
        coder.encode_reverse(group.astype(np.int32), categorical_model(cdf, tables.precision))
    assert encode(symbols, indexes, tables) == coder.get_compressed().astype("<u4").tobytes()


def test_escape_costs_a_few_bytes() -> None:
    tables = gaussian_tables([2.0, 5.0])
    rng = np.random.default_rng(3)
    indexes = rng.integers(0, 2, 10_000)
    symbols = np.rint(rng.normal(size=10_000) * 2).astype(np.int64)
    base = len(encode(symbols, indexes, tables))
    symbols[17] = 2**30
    with_outlier = len(encode(symbols, indexes, tables))
    # escape symbol (<= 24 bits) + 5.1-bit length + 31 payload bits, plus word rounding
    assert 4 <= with_outlier - base <= 12


def test_rebuilt_tables_give_identical_bytes() -> None:
    """Coding depends only on the stored integers: tables rebuilt from arrays are equivalent."""
    rng = np.random.default_rng(11)
    tables = random_tables(rng, 5, 16)
    indexes = rng.integers(0, 5, 5000)
    symbols = random_symbols(rng, indexes, tables)
    data = encode(symbols, indexes, tables)
    rebuilt = CdfTables.from_arrays({k: v.copy() for k, v in tables.to_arrays().items()})
    assert encode(symbols, indexes, rebuilt) == data
    assert np.array_equal(decode(data, indexes, rebuilt), symbols)


def test_known_answer_bytes() -> None:
    """Freeze the stream format: a fixed small input must keep producing the same bytes."""
    tables = tables_from_pmf(
        np.array([[0.5, 0.25, 0.25], [0.1, 0.9, 0.0]]), [0.0, 0.0], [-1, 3], precision=8
    )
    symbols = np.array([-1, 0, 1, 3, 4, 4, 5, -7, 1000])
    indexes = np.array([0, 0, 0, 1, 1, 1, 1, 0, 1])
    data = encode(symbols, indexes, tables)
    assert data.hex() == KNOWN_HEX
    assert decode(data, indexes, tables).tolist() == symbols.tolist()


KNOWN_HEX = "f437049c2781094c36000000"


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(["flip", "truncate", "drop", "junk"]))
def test_corrupt_data_raises_format_error_or_decodes_wrongly(seed: int, mode: str) -> None:
    """Never hang, crash or raise anything but FormatError on damaged streams."""
    rng = np.random.default_rng(seed)
    tables = random_tables(rng, 3, int(rng.integers(8, 25)))
    indexes = rng.integers(0, 3, int(rng.integers(1, 400)))
    symbols = random_symbols(rng, indexes, tables)
    data = bytearray(encode(symbols, indexes, tables))
    if mode == "flip" and data:
        position = int(rng.integers(0, len(data)))
        data[position] ^= 1 << int(rng.integers(0, 8))
    elif mode == "truncate":
        data = data[: int(rng.integers(0, len(data) + 1))]
    elif mode == "drop":
        data = data[4 * int(rng.integers(0, len(data) // 4 + 1)) :]
    else:
        data = bytearray(rng.bytes(int(rng.integers(0, 64))))
    try:
        decoded = decode(bytes(data), indexes, tables)
    except FormatError:
        return
    assert decoded.shape == indexes.shape and decoded.dtype == np.int32


def test_wrong_length_and_trailing_words() -> None:
    tables = gaussian_tables([3.0])
    indexes = np.zeros(1000, dtype=np.int32)
    symbols = np.arange(1000) % 7 - 3
    data = encode(symbols, indexes, tables)
    with pytest.raises(FormatError, match="multiple of 4"):
        decode(data[:-1], indexes, tables)
    with pytest.raises(FormatError, match="does not end"):
        decode(b"\x01\x00\x00\x00" + data, indexes, tables)
    for damaged in (data + b"\x01\x00\x00\x00", data[:-4], data[4:]):
        try:
            decoded = decode(damaged, indexes, tables)
        except FormatError:
            continue
        assert not np.array_equal(decoded, symbols)  # the container's CRC catches this case


@pytest.mark.parametrize(
    ("symbols", "indexes", "message"),
    [
        (np.zeros(3), np.zeros(3, dtype=int), "integers"),
        (np.zeros(3, dtype=int), np.zeros(4, dtype=int), "shape"),
        (np.zeros(3, dtype=int), np.array([0, 1, 2]), "indexes"),
        (np.zeros(3, dtype=int), np.array([0, -1, 0]), "indexes"),
        (np.zeros(3, dtype=int), np.zeros(3), "indexes must be integers"),
        (np.array([0, 2**31, 0]), np.zeros(3, dtype=int), "int32"),
        (np.array([0, -(2**31) - 1, 0]), np.zeros(3, dtype=int), "int32"),
    ],
)
def test_bad_encode_inputs_raise_input_error(symbols, indexes, message) -> None:
    tables = gaussian_tables([1.0, 2.0])
    with pytest.raises(InputError, match=message):
        encode(symbols, indexes, tables)


def test_tables_and_data_arguments_are_checked() -> None:
    with pytest.raises(InputError, match="CdfTables"):
        encode(np.zeros(2, dtype=int), np.zeros(2, dtype=int), {"cdf": None})
    with pytest.raises(InputError, match="bytes"):
        decode("0000", np.zeros(2, dtype=int), gaussian_tables([1.0]))
