"""A short, deterministic fuzz run in the test suite: the committed corpora replayed, then a
bounded number of fresh CRC-keeping mutations, all under the decoder contract (pixels or an
`ncodec.errors` exception, within the pixel limit and a time limit per input)."""

from __future__ import annotations

import harness
import pytest
import replay
import torch

CONTAINER_MUTATIONS = 50_000
DECODER_MUTATIONS = 1_500


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_the_container_corpus_and_fresh_mutations_parse_or_fail_cleanly() -> None:
    inputs = replay.corpus_files([replay.CORPUS / "container"])
    assert inputs, "fuzz/corpus/container is empty"
    outcomes = replay.fuzz(inputs, harness.container_contract, CONTAINER_MUTATIONS, seed=16)
    assert outcomes["parsed"] > 100 and outcomes["FormatError"] > 100


def test_the_decoder_corpus_and_fresh_mutations_decode_or_fail_cleanly(installed, one_thread):
    inputs = replay.corpus_files([replay.CORPUS / "decoder"])
    assert inputs, "fuzz/corpus/decoder is empty"
    models = harness.model_hashes()
    outcomes = replay.fuzz(
        inputs,
        harness.decode_contract,
        DECODER_MUTATIONS,
        seed=16,
        models=models,
        max_seconds_per_input=20.0,
    )
    assert outcomes["pixels"] > 10 and outcomes["FormatError"] > 10
