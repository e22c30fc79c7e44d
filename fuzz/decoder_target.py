"""Fuzz target: the full decoder (`api.decode`) on CRC-valid mutations of `.ncz` files.

    .venv/bin/python fuzz/decoder_target.py CORPUS_DIR [libFuzzer flags]

Environment: NCODEC_FUZZ_WEIGHTS (folder for the tiny models; default /tmp/ncodec-fuzz-weights),
NCODEC_FUZZ_MAX_PIXELS (pixel limit), NCODEC_FUZZ_STATS (a JSON file of outcome counts).
Guards: a pixel limit per input (harness.FUZZ_MAX_PIXELS), an address-space cap on the process
(harness.MEMORY_HEADROOM above the loaded models) and libFuzzer's -timeout per input.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["ncodec"]):
    import harness
    from ncz_mutator import Mutator, engine_argv, fix_crc, split

MODELS = harness.install_models(
    Path(os.environ.get("NCODEC_FUZZ_WEIGHTS", "/tmp/ncodec-fuzz-weights"))
)


OUTCOMES: Counter = Counter()
STATS = os.environ.get("NCODEC_FUZZ_STATS")


def test_one_input(data: bytes) -> None:
    """The contract: pixels or an ncodec error (harness.decode_contract)."""
    OUTCOMES[harness.decode_contract(harness.retarget(data, MODELS))] += 1
    if STATS and OUTCOMES.total() % 10_000 == 0:  # libFuzzer exits without Python's atexit
        Path(STATS).write_text(json.dumps(OUTCOMES))


def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    """Structured CRC-keeping mutations, or libFuzzer's own followed by a CRC fix-up."""
    rng = random.Random(seed)
    if rng.random() < 0.35:
        out = fix_crc(atheris.Mutate(data, max_size))
    else:
        out = Mutator(rng, MODELS).mutate(data)
    return out[:max_size]


def custom_crossover(data1: bytes, data2: bytes, max_size: int, seed: int) -> bytes:
    """A stream of one file in the other."""
    rng = random.Random(seed)
    parts = split(data1)
    if parts is None:
        return data1[:max_size]
    return Mutator(rng, MODELS).mutate_streams(parts, [data2]).to_bytes()[:max_size]


def main() -> None:
    for model in MODELS:  # warm every model before the address space is capped
        harness.api.load_model(model)
    harness.limit_memory()
    atheris.Setup(
        engine_argv(),
        test_one_input,
        custom_mutator=custom_mutator,
        custom_crossover=custom_crossover,
    )
    atheris.Fuzz()


if __name__ == "__main__":
    main()
