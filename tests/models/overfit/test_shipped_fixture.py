"""Files of the shipped `overfit` model decode to pinned pixels, on any machine and revision.

The small fixture (a 72x100 crop of skimage's astronaut, quality 60, 60 encoder iterations) was
written by revision 75518fe; its pixels were the same with the decoder before that revision's
rewrite of the synthesis. The full-size one (the whole 512x512 astronaut, quality 60, 80
iterations, all 7 latent grids coded) was written when the compiled kernels arrived, and
decodes to the same pixels with and without them. Decoding is exact integer arithmetic, so the
hashes below must hold on every machine and thread count; a change to the decoder that moves
one pixel fails here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ncodec import api
from ncodec.models.overfit.kernels import DISABLE_VARIABLE

FIXTURE = Path(__file__).parents[2] / "fixtures" / "overfit" / "astronaut-72x100-q60.ncz"
PIXELS_SHA256 = "ca4bf372d6a9f1e9a6673d0d380bda5ba4c89fe2afd33d8f2dbc70412e6f8ef3"
FULL_SIZE = FIXTURE.with_name("astronaut-512x512-q60.ncz")
FULL_SIZE_SHA256 = "504b7bffaf5864b913d33734da68d98f587aa4aaf5245d52e52c212cedb347ad"
DECODE_AND_HASH = """
import hashlib, sys, torch
torch.set_num_threads(int(sys.argv[2]))
from ncodec import api
print(hashlib.sha256(api.decode(open(sys.argv[1], 'rb').read()).rgb.tobytes()).hexdigest())
"""


def test_shipped_model_file_decodes_to_pinned_pixels():
    decoded = api.decode(FIXTURE.read_bytes())
    assert decoded.header.model == "overfit"
    assert decoded.rgb.shape == (72, 100, 3)
    assert hashlib.sha256(decoded.rgb.tobytes()).hexdigest() == PIXELS_SHA256


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("reference", [False, True], ids=["kernels", "reference"])
def test_full_size_file_decodes_to_pinned_pixels_in_fresh_processes(threads, reference):
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), DISABLE_VARIABLE: str(int(reference))}
    result = subprocess.run(
        [sys.executable, "-c", DECODE_AND_HASH, str(FULL_SIZE), str(threads)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == FULL_SIZE_SHA256
