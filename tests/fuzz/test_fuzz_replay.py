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
KIND_MUTATIONS = 600


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


def test_every_payload_kind_and_decoder_decodes_or_fails_cleanly(installed, one_thread):
    # The corpus above is mostly image files; mutate the seeds of the shipped models with
    # decoders of their own (lossless photos, overfit, circuits, point clouds) on their own.
    inputs = [
        path.read_bytes()
        for path in sorted((replay.CORPUS / "decoder").glob("seed-*"))
        if path.name.startswith(tuple(f"seed-{model}-" for model in harness.KIND_MODELS))
    ]
    assert len(inputs) == 5, "fuzz/corpus/decoder lacks the seeds of harness.KIND_MODELS"
    outcomes = replay.fuzz(
        inputs,
        harness.decode_contract,
        KIND_MUTATIONS,
        seed=17,
        models=harness.model_hashes(),
        max_seconds_per_input=20.0,
    )
    # A shipped model's new weights make its seed a ModelNotFoundError: rerun make_seeds.py.
    assert outcomes["pixels"] > 10 and outcomes["tensor"] > 0 and outcomes["points"] > 0, outcomes
    assert outcomes["FormatError"] > 100
