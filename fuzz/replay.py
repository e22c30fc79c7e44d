"""Deterministic fuzzing without a fuzzing engine: replay a corpus, then mutate it with a seeded
`random.Random` (the same structured, CRC-keeping mutations the atheris targets use).

    .venv/bin/python fuzz/replay.py --mutations 2000 [--seed 0] [CORPUS_DIR ...]

Used by tests/fuzz (a short run in `make test`) and for quick local runs; prints the outcomes.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from ncz_mutator import Mutator

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus_files(folders: Iterable[Path]) -> list[bytes]:
    """The inputs of corpus folders, in a stable order."""
    return [path.read_bytes() for folder in folders for path in sorted(folder.iterdir())]


def fuzz(
    inputs: list[bytes],
    contract: Callable[[bytes], str],
    mutations: int,
    seed: int,
    models: dict[str, bytes] | None = None,
    max_seconds_per_input: float = 30.0,
) -> Counter:
    """Run `contract` on every input, then on `mutations` mutants; outcome counts. Raises what
    the contract raises (with the offending input attached) and DecoderDefect on a slow input."""
    rng = random.Random(seed)
    mutator = Mutator(rng, models)
    outcomes: Counter = Counter()
    pool = list(inputs)
    for index in range(len(inputs) + mutations):
        data = pool[index] if index < len(inputs) else mutator.mutate(rng.choice(pool), pool)
        if models:
            data = harness.retarget(data, models)
        start = time.perf_counter()
        try:
            outcome = contract(data)
        except BaseException as err:
            err.add_note(f"input #{index} (seed {seed}): {data.hex()}")
            raise
        elapsed = time.perf_counter() - start
        if elapsed > max_seconds_per_input:
            raise harness.DecoderDefect(f"input #{index} took {elapsed:.1f} s: {data.hex()}")
        outcomes[outcome] += 1
        if outcome in ("pixels", "parsed") and len(pool) < 4 * len(inputs) + 64:
            pool.append(data)  # mutants that still decode are worth mutating further
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[CORPUS / "decoder"])
    parser.add_argument("--mutations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", type=Path, default=Path("/tmp/ncodec-fuzz-weights"))
    parser.add_argument("--container", action="store_true", help="Fuzz the parser only.")
    args = parser.parse_args()
    models = harness.install_models(args.weights)
    contract = harness.container_contract if args.container else harness.decode_contract
    start = time.perf_counter()
    outcomes = fuzz(corpus_files(args.folders), contract, args.mutations, args.seed, models)
    total = sum(outcomes.values())
    print(f"{total} inputs in {time.perf_counter() - start:.1f} s: {dict(outcomes)}")


if __name__ == "__main__":
    main()
