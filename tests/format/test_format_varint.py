"""Varints: known encodings, canonical-only decoding, and clean failures on bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ncodec.format.varint import VarintError, decode_varint, encode_varint


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (300, b"\xac\x02"),
        (16383, b"\xff\x7f"),
        (16384, b"\x80\x80\x01"),
    ],
)
def test_known_encodings(value, encoded):
    assert encode_varint(value) == encoded
    assert decode_varint(b"xx" + encoded + b"yy", 2) == (value, 2 + len(encoded))


@given(st.integers(0, 2**63 - 1))
def test_round_trip(value):
    encoded = encode_varint(value)
    assert decode_varint(encoded, 0) == (value, len(encoded))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "past the end"),
        (b"\x80", "past the end"),
        (b"\x80\x00", "canonical"),
        (b"\xff\x80\x00", "canonical"),
        (b"\xff" * 10, "longer than 9 bytes"),
    ],
)
def test_bad_varints_raise(data, message):
    with pytest.raises(VarintError, match=message):
        decode_varint(data, 0)


def test_negative_values_cannot_be_encoded():
    with pytest.raises(ValueError, match="non-negative"):
        encode_varint(-1)
