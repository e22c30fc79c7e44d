"""The header's extra JSON: bounded nesting, no duplicate keys, only ever a one-line FormatError."""

from __future__ import annotations

import pytest

from ncodec.errors import FormatError, InputError
from ncodec.format import NczHeader, read_header, write_ncz
from ncodec.format.extra import MAX_EXTRA_DEPTH

from .layout import raw_file, v1_header, v2_header


def _nested(depth: int) -> dict:
    """{"a": [[...[1]...]]} with `depth` levels of containers in all."""
    value: object = 1
    for _ in range(depth - 1):
        value = [value]
    return {"a": value}


def test_extra_at_the_depth_limit_round_trips():
    header = NczHeader.image("m", "0" * 16, 1, 1, extra=_nested(MAX_EXTRA_DEPTH))
    assert read_header(write_ncz(header, [])) == header


def test_writing_extra_nested_too_deeply_is_refused():
    header = NczHeader.image("m", "0" * 16, 1, 1, extra=_nested(MAX_EXTRA_DEPTH + 1))
    with pytest.raises(InputError, match=f"nested more than {MAX_EXTRA_DEPTH} levels deep"):
        write_ncz(header, [])


def test_writing_a_cyclic_extra_is_refused_without_hanging():
    cyclic: dict = {}
    cyclic["self"] = cyclic
    cyclic["again"] = cyclic
    with pytest.raises(InputError, match="nested more than"):
        write_ncz(NczHeader.image("m", "0" * 16, 1, 1, extra=cyclic), [])


@pytest.mark.parametrize("depth", [MAX_EXTRA_DEPTH + 1, 1_000, 30_000])
@pytest.mark.parametrize("version", [(2, 0), (1, 0)])
def test_reading_extra_nested_too_deeply_is_a_one_line_format_error(depth, version):
    extra = b'{"a":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    header = v2_header(extra=extra) if version[0] == 2 else v1_header(extra=extra)
    too_deep = f"^invalid header: extra is nested more than {MAX_EXTRA_DEPTH} levels deep$"
    with pytest.raises(FormatError, match=too_deep):
        read_header(raw_file(header, version=version))


def test_unterminated_deep_nesting_is_a_format_error():
    extra = b"{" + b'"a":[' * 13_000
    with pytest.raises(FormatError, match=r"^invalid header: extra is"):
        read_header(raw_file(v2_header(extra=extra)))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (b'{"k":1,"k":2}', "duplicate key 'k'"),
        (b'{"a":{"k":1,"k":1}}', "duplicate key 'k'"),
        (b'{"k":Infinity}', "non-standard JSON constant Infinity"),
        (b'{"k":1', "not valid JSON"),
        (b'{"k":1e999}', "number 1e999 is out of the float range"),
        (b"\xff", "extra is not valid UTF-8"),
        (b'{"k":' + b"9" * 5000 + b"}", "not valid JSON"),
        (b'"text"', "must be a non-empty JSON object"),
        (b"null", "must be a non-empty JSON object"),
    ],
)
def test_bad_extra_is_rejected_in_one_line(extra, message):
    with pytest.raises(FormatError, match=f"^invalid header: .*{message}") as err:
        read_header(raw_file(v2_header(extra=extra)))
    assert "\n" not in str(err.value)
