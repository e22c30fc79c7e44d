"""The ANS stack: context-model round trips, size vs the ideal, push/pop properties, bad data."""

from __future__ import annotations

import bisect
import contextlib
import doctest
from collections.abc import Callable
from dataclasses import dataclass

import constriction
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncodec.coding import (
    AnsStack,
    CdfTables,
    DecodeOrderWriter,
    decode,
    encode,
    stream,
    tables_from_pmf,
)
from ncodec.errors import FormatError, InputError

MODELS = constriction.stream.model
INT32 = np.iinfo(np.int32)
EXTREMES = [INT32.min, INT32.min + 1, INT32.max, INT32.max - 1, 2**30, -(2**30), 65537, -70000]
ALPHABET = 16


def transition_matrix(seed: int = 1) -> np.ndarray:
    """A fixed random first-order Markov transition matrix, rows from skewed Dirichlets."""
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.full(ALPHABET, 0.4), size=ALPHABET)


def markov_chain(matrix: np.ndarray, length: int, seed: int) -> np.ndarray:
    """A sample path x_0..x_{length-1} started from the state before it, x_{-1} = 0."""
    cumulative = [np.cumsum(row).tolist() for row in matrix]
    uniforms = np.random.default_rng(seed).random(length).tolist()
    path, state = [], 0
    for u in uniforms:
        state = min(bisect.bisect_right(cumulative[state], u), ALPHABET - 1)
        path.append(state)
    return np.array(path, dtype=np.int64)


def context_tables(matrix: np.ndarray) -> CdfTables:
    """Table t codes the symbol after state t (the escape keeps a single count)."""
    return tables_from_pmf(matrix, np.zeros(ALPHABET), np.zeros(ALPHABET, dtype=np.int64))


def test_markov_chain_round_trips_symbol_by_symbol() -> None:
    """Each symbol's table is the previously decoded symbol; the encoder queues in decode order."""
    tables = context_tables(transition_matrix())
    chain = markov_chain(transition_matrix(), 20_000, seed=2)
    writer = DecodeOrderWriter()
    previous = 0
    for symbol in chain.tolist():
        writer.write(np.array([symbol]), np.array([previous]), tables)
        previous = symbol
    assert len(writer) == chain.size
    stack = AnsStack.from_bytes(writer.to_bytes())
    decoded, previous = [], 0
    for _ in range(chain.size):
        previous = int(stack.pop(np.array([previous]), tables)[0])
        decoded.append(previous)
    assert decoded == chain.tolist()
    assert stack.is_empty()


def test_markov_chain_size_within_a_tenth_of_a_percent_of_ideal(record_property) -> None:
    """10**6 symbols: coded bits vs -sum log2 p(x_t | x_{t-1}) under the float transitions."""
    matrix = transition_matrix()
    chain = markov_chain(matrix, 1_000_000, seed=3)
    previous = np.concatenate([[0], chain[:-1]])
    stack = AnsStack()
    stack.push(chain, previous, context_tables(matrix))
    ideal_bits = float(-np.log2(matrix[previous, chain]).sum())
    overhead = stack.num_bits() / ideal_bits - 1
    record_property("markov_overhead_percent", 100 * overhead)
    print(f"Markov chain: ideal {ideal_bits:.0f} bits, coded {stack.num_bits()}, {overhead:+.5%}")
    assert abs(overhead) <= 1e-3
    assert np.array_equal(stack.pop(previous, context_tables(matrix)), chain)


@dataclass
class Chunk:
    """One push and the pop that undoes it, with the symbols it must give back."""

    symbols: np.ndarray
    push: Callable[[AnsStack], None]
    pop: Callable[[AnsStack], np.ndarray]
    write: Callable[[DecodeOrderWriter], None]


def random_tables(rng: np.random.Generator) -> CdfTables:
    """A few tables with ragged lengths, zero-probability symbols and assorted offsets."""
    count, width = int(rng.integers(1, 5)), int(rng.integers(1, 12))
    pmf = rng.random((count, width)) ** 3
    pmf[rng.random(pmf.shape) < 0.2] = 0.0
    pmf[:, 0] += 1e-3
    lengths = rng.integers(1, width + 1, count)
    offsets = rng.integers(-50, 50, count)
    precision = int(rng.integers(8, 25))
    return tables_from_pmf(pmf, rng.random(count) * 0.1, offsets, precision, lengths=lengths)


def table_chunk(rng: np.random.Generator, shape: tuple[int, ...]) -> Chunk:
    """Integers under tables, mostly in range, some just outside, some at the int32 extremes."""
    tables = random_tables(rng)
    indexes = rng.integers(0, tables.num_tables, shape)
    low = tables.offsets[indexes].astype(np.int64)
    span = tables.lengths[indexes].astype(np.int64) - 1
    symbols = low + (rng.random(shape) * (span + 4)).astype(np.int64) - 2
    far = rng.random(shape) < 0.1
    symbols[far] = rng.choice(EXTREMES, int(far.sum()))
    return Chunk(
        symbols,
        lambda s: s.push(symbols, indexes, tables),
        lambda s: s.pop(indexes, tables),
        lambda w: w.write(symbols, indexes, tables),
    )


def quantized_chunk(rng: np.random.Generator, shape: tuple[int, ...]) -> Chunk:
    """QuantizedGaussian or QuantizedLaplace on -64..64 with per-symbol means and scales."""
    family_type = MODELS.QuantizedGaussian if rng.random() < 0.5 else MODELS.QuantizedLaplace
    family = family_type(-64, 64)
    means = rng.normal(size=shape) * 20
    scales = np.exp(rng.uniform(-1, 4, shape))
    symbols = np.clip(np.rint(means + rng.normal(size=shape) * scales), -64, 64).astype(np.int64)
    return Chunk(
        symbols,
        lambda s: s.push_family(symbols, family, means, scales),
        lambda s: s.pop_family(family, means, scales, shape=shape),
        lambda w: w.write_family(symbols, family, means, scales),
    )


def categorical_chunk(rng: np.random.Generator, shape: tuple[int, ...]) -> Chunk:
    """Categorical with one probability row per symbol (zeros allowed: still codable)."""
    family = MODELS.Categorical(perfect=False)
    size = int(rng.integers(2, 20))
    probabilities = rng.random((*shape, size)) ** 4
    probabilities[..., 0] += 1e-6
    probabilities[rng.random(probabilities.shape) < 0.1] = 0.0
    probabilities[..., 1] += 1e-9
    symbols = rng.integers(0, size, shape)
    return Chunk(
        symbols,
        lambda s: s.push_family(symbols, family, probabilities),
        lambda s: s.pop_family(family, probabilities, shape=shape),
        lambda w: w.write_family(symbols, family, probabilities),
    )


def uniform_chunk(rng: np.random.Generator, shape: tuple[int, ...]) -> Chunk:
    """Uniform symbols, per-symbol alphabet sizes from 1 (free) up to 2**24."""
    sizes = rng.choice([1, 2, 3, 1000, 2**16 + 1, 2**24], shape)
    symbols = (rng.random(shape) * sizes).astype(np.int64)
    return Chunk(
        symbols,
        lambda s: s.push_uniform(symbols, sizes),
        lambda s: s.pop_uniform(sizes),
        lambda w: w.write_uniform(symbols, sizes),
    )


KINDS = {
    "tables": table_chunk,
    "quantized": quantized_chunk,
    "categorical": categorical_chunk,
    "uniform": uniform_chunk,
}
shapes = st.lists(st.integers(0, 12), min_size=1, max_size=2).map(tuple)
chunk_specs = st.tuples(st.sampled_from(sorted(KINDS)), shapes)


def build(specs: list[tuple[str, tuple[int, ...]]], seed: int) -> list[Chunk]:
    """Chunks of the given kinds and shapes, with arrays from one seeded generator."""
    rng = np.random.default_rng(seed)
    return [KINDS[kind](rng, shape) for kind, shape in specs]


def check_popped(chunk: Chunk, popped: np.ndarray) -> None:
    """The pop gave back exactly the pushed symbols, as int32 of the same shape."""
    assert popped.dtype == np.int32 and popped.shape == chunk.symbols.shape
    assert np.array_equal(popped, chunk.symbols)


@settings(max_examples=60, deadline=None)
@given(specs=st.lists(chunk_specs, max_size=6), seed=st.integers(0, 2**32 - 1), via=st.booleans())
def test_chunks_pop_in_reverse_push_order(specs, seed: int, via: bool) -> None:
    chunks = build(specs, seed)
    stack = AnsStack()
    for chunk in chunks:
        chunk.push(stack)
    assert stack.num_bits() == 8 * len(stack.to_bytes())
    if via:
        stack = AnsStack.from_bytes(stack.to_bytes())
    for chunk in reversed(chunks):
        check_popped(chunk, chunk.pop(stack))
    assert stack.is_empty() and stack.to_bytes() == b""


@settings(max_examples=60, deadline=None)
@given(
    program=st.lists(st.one_of(chunk_specs, st.just("pop"), st.just("reload")), max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_interleaved_pushes_and_pops_behave_as_a_stack(program, seed: int) -> None:
    rng = np.random.default_rng(seed)
    stack, mirror = AnsStack(), []
    for step in program:
        if step == "pop":
            if mirror:
                chunk = mirror.pop()
                check_popped(chunk, chunk.pop(stack))
        elif step == "reload":
            stack = AnsStack.from_bytes(stack.to_bytes())
        else:
            kind, shape = step
            mirror.append(KINDS[kind](rng, shape))
            mirror[-1].push(stack)
    while mirror:
        chunk = mirror.pop()
        check_popped(chunk, chunk.pop(stack))
    assert stack.is_empty()


@settings(max_examples=40, deadline=None)
@given(specs=st.lists(chunk_specs, max_size=6), seed=st.integers(0, 2**32 - 1))
def test_writer_pushes_chunks_so_that_they_pop_in_write_order(specs, seed: int) -> None:
    chunks = build(specs, seed)
    writer, stack = DecodeOrderWriter(), AnsStack()
    for chunk in chunks:
        chunk.write(writer)
    for chunk in reversed(chunks):
        chunk.push(stack)
    data = writer.to_bytes()
    assert data == stack.to_bytes() == writer.to_bytes()
    popper = AnsStack.from_bytes(data)
    for chunk in chunks:
        check_popped(chunk, chunk.pop(popper))
    assert popper.is_empty()


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.integers(INT32.min, INT32.max), max_size=8),
    offset=st.integers(-(2**20), 2**20),
    below=st.integers(0, 3),
)
def test_any_int32_values_round_trip_through_the_escape(values, offset: int, below: int) -> None:
    tables = tables_from_pmf(np.array([[0.5, 0.3, 0.2], [0.9, 0.1, 0.0]]), [1e-3, 0.0], [offset, 0])
    symbols = np.array(values, dtype=np.int64)
    indexes = np.arange(symbols.size) % 2
    stack = AnsStack()
    stack.push_uniform(np.arange(below), 7)  # something underneath, as in a larger stream
    stack.push(symbols, indexes, tables)
    assert stack.pop(indexes, tables).tolist() == values
    assert stack.pop_uniform(7, (below,)).tolist() == list(range(below))
    assert stack.is_empty()


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_pop_then_push_restores_the_stack_exactly(kind: str, shape, seed: int) -> None:
    """Bits-back coding pops symbols from unrelated data; pushing them back undoes it."""
    rng = np.random.default_rng(seed)
    stack = AnsStack()
    stack.push_uniform(rng.integers(0, 2**20, 1024), 2**20)
    before = stack.to_bytes()
    template = KINDS[kind](rng, shape)
    try:
        borrowed = template.pop(stack)
    except FormatError:
        return  # an escape decoded out of int32: the bits are not a stream of this chunk
    assert borrowed.shape == shape
    template.symbols[...] = borrowed
    template.push(stack)
    assert stack.to_bytes() == before


def test_empty_pushes_and_pops_change_nothing() -> None:
    tables = tables_from_pmf(np.array([[0.5, 0.5]]), 0.1, 0)
    stack = AnsStack()
    stack.push(np.array([1, 0, 5]), np.zeros(3, dtype=int), tables)
    before = stack.to_bytes()
    empty = np.zeros((0, 4), dtype=np.int64)
    stack.push(empty, empty, tables)
    stack.push_family(empty, MODELS.QuantizedGaussian(-5, 5), 0.0, 1.0)
    stack.push_uniform(empty, 9)
    assert stack.to_bytes() == before
    assert stack.pop(empty, tables).shape == (0, 4)
    assert stack.pop_family(MODELS.QuantizedGaussian(-5, 5), 0.0, 1.0, shape=(0,)).shape == (0,)
    assert stack.pop_uniform(9, (3, 0)).shape == (3, 0)
    assert stack.to_bytes() == before
    assert encode(empty, empty, tables) == b"" and AnsStack().is_empty()


def test_fixed_model_and_shared_parameters() -> None:
    """A fully specified model needs no parameters; scalar parameters are shared by all."""
    fixed = MODELS.Categorical(np.array([0.7, 0.2, 0.1]), perfect=False)
    gaussian = MODELS.QuantizedGaussian(-10, 10)
    stack = AnsStack()
    stack.push_family(np.array([[0, 2], [1, 0]]), fixed)
    stack.push_family(np.array([3, -4, 10]), gaussian, np.array([2.0, -3.0, 8.0]), 2.5)
    assert stack.pop_family(gaussian, np.array([2.0, -3.0, 8.0]), 2.5, shape=(3,)).tolist() == [
        3,
        -4,
        10,
    ]
    assert stack.pop_family(fixed, shape=(2, 2)).tolist() == [[0, 2], [1, 0]]
    assert stack.is_empty()


def test_one_shot_encode_is_one_table_chunk() -> None:
    rng = np.random.default_rng(5)
    tables = random_tables(rng)
    indexes = rng.integers(0, tables.num_tables, 300)
    symbols = rng.integers(-60, 60, 300)
    symbols[::50] = EXTREMES[:6]
    stack = AnsStack()
    stack.push(symbols, indexes, tables)
    data = encode(symbols, indexes, tables)
    assert stack.to_bytes() == data
    assert np.array_equal(decode(data, indexes, tables), symbols)


def test_refused_family_push_leaves_the_stack_unchanged() -> None:
    stack = AnsStack()
    stack.push_uniform(np.arange(10), 10)
    before = stack.to_bytes()
    symbols = np.array([0, 1, 2, 99, 3])  # 99 is outside the family's support -20..20
    with pytest.raises(InputError, match="cannot code"):
        stack.push_family(symbols, MODELS.QuantizedLaplace(-20, 20), 0.0, 3.0)
    writer = DecodeOrderWriter()
    writer.write_family(symbols, MODELS.QuantizedLaplace(-20, 20), 0.0, 3.0)
    with pytest.raises(InputError, match="cannot code"):
        writer.to_bytes()
    assert stack.to_bytes() == before
    assert stack.pop_uniform(10, (10,)).tolist() == list(range(10))


def test_writer_keeps_copies_of_what_it_was_given() -> None:
    tables = tables_from_pmf(np.array([[0.5, 0.5]]), 0.1, 0)
    symbols, indexes, means = np.array([0, 1, 7]), np.zeros(3, dtype=int), np.zeros(3)
    writer = DecodeOrderWriter()
    writer.write(symbols, indexes, tables)
    writer.write_family(symbols, MODELS.QuantizedGaussian(-9, 9), means, 1.0)
    writer.write_uniform(symbols, 8)
    expected = writer.to_bytes()
    symbols[:], means[:] = 3, 5.0
    assert writer.to_bytes() == expected


GAUSSIAN = MODELS.QuantizedGaussian(-5, 5)


@pytest.mark.parametrize(
    ("push", "message"),
    [
        (lambda s, t: s.push(np.zeros(3), np.zeros(3, dtype=int), t), "integers"),
        (lambda s, t: s.push(np.zeros(2, dtype=int), np.zeros(3, dtype=int), t), "shape"),
        (lambda s, t: s.push(np.array([2**31]), np.zeros(1, dtype=int), t), "int32"),
        (lambda s, t: s.push(np.zeros(1, dtype=int), np.array([1]), t), "indexes"),
        (lambda s, t: s.push_family(np.array([2**40]), GAUSSIAN, 0.0, 1.0), "int32"),
        (lambda s, t: s.push_family(np.zeros(2, dtype=int), "gauss", 0.0, 1.0), "constriction"),
        (lambda s, t: s.push_family(np.zeros(2, dtype=int), GAUSSIAN, np.zeros(3), 1.0), "fit"),
        (lambda s, t: s.push_family(np.zeros(2, dtype=int), GAUSSIAN, 0.0, np.inf), "finite"),
        (lambda s, t: s.push_uniform(np.array([0, 5]), 5), "0..size-1"),
        (lambda s, t: s.push_uniform(np.array([0, -1]), 5), "0..size-1"),
        (lambda s, t: s.push_uniform(np.array([0, 0]), 0), "sizes"),
        (lambda s, t: s.push_uniform(np.array([0, 0]), 2**24 + 1), "sizes"),
        (lambda s, t: s.push_uniform(np.array([0, 0]), 2.0), "integers"),
        (lambda s, t: s.push_uniform(np.array([0, 0]), np.array([2, 3, 4])), "fit"),
        (lambda s, t: s.pop_family(GAUSSIAN, 0.0, 1.0, shape=(-1,)), "negative"),
        (lambda s, t: s.pop_uniform(5, "x"), "shape"),
        (lambda s, t: AnsStack.from_bytes("0000"), "bytes"),
    ],
)
def test_bad_arguments_raise_input_error_and_change_nothing(push, message: str) -> None:
    tables = tables_from_pmf(np.array([[0.5, 0.5]]), 0.1, 0)
    stack = AnsStack()
    stack.push_uniform(np.array([3]), 4)
    with pytest.raises(InputError, match=message):
        push(stack, tables)
    assert stack.pop_uniform(4, (1,)).tolist() == [3] and stack.is_empty()


def decode_all(data: bytes, chunks: list[Chunk]) -> None:
    """What a decoder does: pop every chunk in write order, then insist the stream ended."""
    stack = AnsStack.from_bytes(data)
    for chunk in chunks:
        assert chunk.pop(stack).shape == chunk.symbols.shape
    if not stack.is_empty():
        raise FormatError("stream does not end where it should")


@settings(max_examples=100, deadline=None)
@given(
    specs=st.lists(chunk_specs, min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
    mode=st.sampled_from(["flip", "truncate", "drop", "junk", "append"]),
)
def test_damaged_streams_raise_format_error_or_decode_to_something(specs, seed, mode) -> None:
    """Never hang, crash or raise anything but FormatError on damaged bytes."""
    chunks = build(specs, seed)
    writer = DecodeOrderWriter()
    for chunk in chunks:
        chunk.write(writer)
    data = bytearray(writer.to_bytes())
    rng = np.random.default_rng(seed)
    if mode == "flip" and data:
        data[int(rng.integers(0, len(data)))] ^= 1 << int(rng.integers(0, 8))
    elif mode == "truncate":
        data = data[: int(rng.integers(0, len(data) + 1))]
    elif mode == "drop":
        data = data[4 * int(rng.integers(0, len(data) // 4 + 1)) :]
    elif mode == "append":
        data += rng.bytes(int(rng.integers(1, 9)))
    else:
        data = bytearray(rng.bytes(int(rng.integers(0, 64))))
    with contextlib.suppress(FormatError):
        decode_all(bytes(data), chunks)


def test_truncated_and_padded_streams_are_format_errors() -> None:
    rng = np.random.default_rng(9)
    chunks = [table_chunk(rng, (200,)), uniform_chunk(rng, (50,)), quantized_chunk(rng, (80,))]
    writer = DecodeOrderWriter()
    for chunk in chunks:
        chunk.write(writer)
    data = writer.to_bytes()
    decode_all(data, chunks)
    with pytest.raises(FormatError, match="multiple of 4"):
        AnsStack.from_bytes(data[:-3])
    with pytest.raises(FormatError, match="zero word"):
        AnsStack.from_bytes(data + bytes(4))
    with pytest.raises(FormatError, match="does not end"):
        decode_all(b"\x01\x00\x00\x00" + data, chunks)
    for damaged in (data[:-4], data[4:], data[: len(data) // 2]):
        with contextlib.suppress(FormatError):
            decode_all(damaged, chunks)


def test_module_docstring_example() -> None:
    result = doctest.testmod(stream)
    assert result.attempted >= 5 and result.failed == 0
