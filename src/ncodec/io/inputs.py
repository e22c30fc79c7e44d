"""Checked input files: missing, directory, unreadable or empty inputs become one-line errors."""

from __future__ import annotations

import os
from pathlib import Path

from ncodec.errors import InputError


def check_input_file(path: str | os.PathLike[str], allow_empty: bool = False) -> Path:
    """Return `path` if it is an existing regular file (non-empty unless allowed), else fail."""
    source = Path(path)
    if not source.exists():
        raise InputError(f"cannot read {source}: no such file")
    if source.is_dir():
        raise InputError(f"cannot read {source}: it is a directory")
    if not source.is_file():
        raise InputError(f"cannot read {source}: not a regular file")
    if not allow_empty and source.stat().st_size == 0:
        raise InputError(f"cannot read {source}: empty file")
    return source


def read_input_file(path: str | os.PathLike[str]) -> bytes:
    """Read a whole input file (e.g. an .ncz) after check_input_file; empty files are allowed
    so that the format parser can say precisely what is wrong with them."""
    source = check_input_file(path, allow_empty=True)
    try:
        return source.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {source}: {err.strerror or err}") from None
