"""Fuzz target: the `.ncz` container parser (`read_ncz` and `describe`, as `ncodec info` runs).

    .venv/bin/python fuzz/container_target.py CORPUS_DIR [libFuzzer flags]

Half of the mutations keep the CRC valid so that they reach the header fields.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["ncodec.format"]):
    from ncodec.format.container import describe, read_ncz

from ncz_mutator import Mutator, engine_argv, fix_crc

from ncodec.errors import FormatError


def test_one_input(data: bytes) -> None:
    """Parse: a header and streams, or FormatError; describing a parsed file never fails."""
    try:
        header, streams = read_ncz(data)
    except FormatError:
        return
    describe(header, streams, len(data))


def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    """libFuzzer's mutations, half of them with the CRC fixed, or structured ones."""
    rng = random.Random(seed)
    choice = rng.random()
    if choice < 0.3:
        return atheris.Mutate(data, max_size)
    if choice < 0.6:
        return fix_crc(atheris.Mutate(data, max_size))
    return Mutator(rng).mutate(data)[:max_size]


def main() -> None:
    atheris.Setup(engine_argv(), test_one_input, custom_mutator=custom_mutator)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
