"""The strict decoder: streams too short for what is popped fail fast, streams that run out
before their last symbols fail, and every stream the encoder writes still decodes."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncodec.coding import AnsStack, decode, encode, gaussian_tables, tables_from_pmf
from ncodec.coding.chunks import TableChunk
from ncodec.coding.limits import (
    MAX_OVERRUN_BITS,
    SLACK_BITS,
    capacity_bits,
    min_stream_bytes,
    needed_bits,
)
from ncodec.coding.tables import CdfTables
from ncodec.errors import FormatError, InputError


def test_an_empty_stream_cannot_hold_a_million_symbols_and_says_so_at_once() -> None:
    # Regression: decode(b"") used to return any number of symbols (the first of each table).
    tables = gaussian_tables(np.array([0.5, 4.0]))
    indexes = np.zeros(1_000_000, dtype=np.int32)
    start = time.perf_counter()
    with pytest.raises(FormatError, match="0 bytes cannot hold 1000000 symbols"):
        decode(b"", indexes, tables)
    assert time.perf_counter() - start < 0.5


def test_an_empty_stream_for_a_few_symbols_ends_early() -> None:
    tables = gaussian_tables(np.array([0.5, 4.0]))
    with pytest.raises(FormatError, match="ends 10 symbols early"):
        decode(b"", np.ones(10, dtype=np.int32), tables)


def test_asking_for_more_symbols_than_were_coded_fails() -> None:
    rng = np.random.default_rng(1)
    tables = gaussian_tables(np.array([1.0, 3.0, 8.0]))
    indexes = rng.integers(0, 3, 2000)
    symbols = np.rint(rng.normal(0, 3, 2000)).astype(np.int64)
    data = encode(symbols, indexes, tables)
    assert np.array_equal(decode(data, indexes, tables), symbols)
    for extra in (1, 7, 100, 2000):
        longer = np.concatenate([indexes, rng.integers(0, 3, extra)])
        with pytest.raises(FormatError):
            decode(data, longer, tables)


def test_a_lenient_stack_counts_the_overrun_instead_of_failing() -> None:
    tables = gaussian_tables(np.array([0.5]))
    stack = AnsStack.from_bytes(b"")
    values = stack.pop(np.zeros(5, dtype=np.int32), tables)
    assert np.all(values == tables.offsets[0])
    assert stack.overrun_bits == pytest.approx(5 * tables.first_symbol_bits[0])
    assert stack.is_empty()


def test_a_strict_stack_checks_uniform_pops_too() -> None:
    with pytest.raises(FormatError, match="cannot hold"):
        AnsStack.from_bytes(b"", strict=True).pop_uniform(np.full(1000, 256))


def test_capacity_and_minimum_stream_length_agree() -> None:
    tables = gaussian_tables(np.array([1.0, 2.0]))
    bits = needed_bits(tables, np.array([5000, 7000]))
    size = min_stream_bytes(bits)
    assert size % 4 == 0 and capacity_bits(size) >= bits > capacity_bits(size - 4)
    assert min_stream_bytes(SLACK_BITS) == 0


def test_the_encoder_refuses_streams_the_strict_decoder_would_reject() -> None:
    # First symbol is the mode: coding only first symbols onto an empty coder costs nothing,
    # so a long run of them is indistinguishable from a truncated stream.
    tables = tables_from_pmf(np.array([[0.5, 0.3, 0.2]]), np.array([1e-6]), np.array([0]))
    few = np.zeros(20, dtype=np.int64)
    assert np.array_equal(
        decode(encode(few, np.zeros(20, int), tables), np.zeros(20, int), tables), few
    )
    many = np.zeros(500, dtype=np.int64)
    with pytest.raises(InputError, match="strict decoder"):
        encode(many, np.zeros(500, dtype=np.int32), tables)
    # The same symbols with something else decoded last are fine.
    many[-1] = 2
    assert np.array_equal(
        decode(encode(many, np.zeros(500, int), tables), np.zeros(500, int), tables), many
    )


def test_escapes_just_below_the_range_are_free_and_do_not_stop_the_overrun() -> None:
    tables = gaussian_tables(np.array([0.5]))
    low = int(tables.offsets[0])
    symbols = np.array([low] * 3 + [low - 1], dtype=np.int64)  # 3 first symbols, then an escape
    chunk = TableChunk(symbols, np.zeros(4, dtype=np.int32), tables)
    assert chunk.overrun_bits() == 0.0  # the escape's coder symbol ends the run
    symbols = np.array([low - 1, low, low], dtype=np.int64)
    chunk = TableChunk(symbols, np.zeros(3, dtype=np.int32), tables)
    assert chunk.overrun_bits() == pytest.approx(2 * tables.first_symbol_bits[0])


@st.composite
def coded_chunks(draw):
    """Random tables (flat, peaked, near-deterministic, first symbol as mode) and symbols drawn
    from them, with escapes and runs of first symbols mixed in."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    num_tables = draw(st.integers(1, 6))
    width = draw(st.integers(1, 40))
    concentration = draw(st.sampled_from([0.05, 0.3, 1.0, 10.0]))
    pmf = rng.dirichlet(np.full(width, concentration), size=num_tables)
    tail = draw(st.sampled_from([1e-9, 1e-4, 0.05]))
    precision = draw(st.sampled_from([12, 16, 24]))
    tables = tables_from_pmf(
        pmf + 1e-12, np.full(num_tables, tail), rng.integers(-50, 50, num_tables), precision
    )
    count = draw(st.integers(0, 3000))
    indexes = rng.integers(0, num_tables, count)
    counts = tables.counts()
    symbols = np.empty(count, dtype=np.int64)
    for i, t in enumerate(indexes):
        length = int(tables.lengths[t])
        p = counts[t, :length] / counts[t, :length].sum()
        symbols[i] = rng.choice(length, p=p) + tables.offsets[t]
    escape = rng.random(count) < draw(st.sampled_from([0.0, 0.01, 0.2]))
    symbols[escape] = tables.offsets[indexes[escape]] + rng.choice(
        [-1, -2, -300, 400], escape.sum()
    )
    if count and draw(st.booleans()):
        tail_run = rng.integers(0, count + 1)
        symbols[tail_run:] = tables.offsets[indexes[tail_run:]]
    return symbols, indexes, tables


@settings(max_examples=300, deadline=None)
@given(coded_chunks())
def test_every_stream_the_encoder_writes_decodes_strictly(case) -> None:
    symbols, indexes, tables = case
    try:
        data = encode(symbols, indexes, tables)
    except InputError:
        # Only for runs of first symbols worth more than the overrun allowance (refused by the
        # overrun rule, or by the capacity rule when only an escape payload lies under them).
        assert TableChunk(symbols, indexes, tables).trailing_run_bits() > MAX_OVERRUN_BITS
        return
    stack = AnsStack.from_bytes(data, strict=True)
    assert np.array_equal(stack.pop(indexes, tables), symbols)
    assert stack.is_empty()
    assert stack.overrun_bits == pytest.approx(TableChunk(symbols, indexes, tables).overrun_bits())


def test_streams_announcing_more_symbols_almost_always_fail() -> None:
    # A decoder asked for more symbols than were coded decodes garbage from the point where the
    # groups shift; it passes only if that garbage happens to use up the stream exactly.
    rejected = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        tables = gaussian_tables(rng.uniform(0.3, 20.0, 8))
        count = int(rng.integers(50, 3000))
        indexes = rng.integers(0, 8, count)
        symbols = np.rint(rng.normal(0, 4, count)).astype(np.int64)
        data = encode(symbols, indexes, tables)
        longer = np.concatenate([indexes, rng.integers(0, 8, int(rng.integers(1, count)))])
        try:
            decode(data, longer, tables)
        except FormatError:
            rejected += 1
    assert rejected >= 196


def test_first_symbols_over_an_escape_payload_are_refused_by_capacity() -> None:
    """A case hypothesis found: a long trailing run of first symbols with only an escape's
    payload under it in the coder costs almost nothing, so the stream is too short for a strict
    decoder; the encoder refuses it by the capacity rule (the overrun rule does not see it), and
    the run's information explains the refusal."""
    cdf = np.array([[0, 323, 324, 734, 1166, 1167, 1615, 1616, 1653, 2900, 2941, 3490, 3901, 4096]])
    tables = CdfTables(cdf, np.array([13]), np.array([-47]), 12)
    head = [2, 3, 7, 8, 3, 10, 11, 5, 5, 2, 8, 8, 8, 10, 8, 7, 10, 2, 3, 11, 5, 11, 8, 11, 3]
    head += [10, 8, 10, 12, 8, 0, 8, 0, 5]
    symbols = np.array(head + [0] * 193, dtype=np.int64) - 47
    indexes = np.zeros(symbols.size, dtype=np.int32)
    chunk = TableChunk(symbols, indexes, tables)
    assert chunk.overrun_bits() == 0.0 and chunk.trailing_run_bits() > MAX_OVERRUN_BITS
    with pytest.raises(InputError, match="need at least"):
        encode(symbols, indexes, tables)
