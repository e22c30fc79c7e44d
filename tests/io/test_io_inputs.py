"""read_input_file / check_input_file: one-line errors instead of OSError tracebacks."""

from __future__ import annotations

import os

import pytest

from ncodec.errors import InputError
from ncodec.io import check_input_file, read_input_file


def test_reads_exact_bytes_and_allows_empty_files(tmp_path):
    (tmp_path / "a.ncz").write_bytes(b"\x89NCZ\x01\x00")
    (tmp_path / "empty.ncz").write_bytes(b"")
    assert read_input_file(tmp_path / "a.ncz") == b"\x89NCZ\x01\x00"
    assert read_input_file(str(tmp_path / "empty.ncz")) == b""


def test_missing_directory_and_special_files(tmp_path):
    with pytest.raises(InputError, match=r"cannot read .*gone\.ncz: no such file"):
        read_input_file(tmp_path / "gone.ncz")
    with pytest.raises(InputError, match="it is a directory"):
        read_input_file(tmp_path)
    if os.path.exists("/dev/null"):
        with pytest.raises(InputError, match="not a regular file"):
            read_input_file("/dev/null")


def test_check_input_file_rejects_empty_unless_allowed(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        check_input_file(path)
    assert check_input_file(path, allow_empty=True) == path
