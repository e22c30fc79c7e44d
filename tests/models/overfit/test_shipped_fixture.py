"""A file of the shipped `overfit` model decodes to pinned pixels, on any machine and revision.

The fixture (a 72x100 crop of skimage's astronaut, quality 60, 60 encoder iterations) was
written by revision 75518fe; its pixels were the same with the decoder before that revision's
rewrite of the synthesis. Decoding is exact integer arithmetic, so the hash below must hold on
every machine and thread count; a change to the decoder that moves one pixel fails here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ncodec import api

FIXTURE = Path(__file__).parents[2] / "fixtures" / "overfit" / "astronaut-72x100-q60.ncz"
PIXELS_SHA256 = "ca4bf372d6a9f1e9a6673d0d380bda5ba4c89fe2afd33d8f2dbc70412e6f8ef3"


def test_shipped_model_file_decodes_to_pinned_pixels():
    decoded = api.decode(FIXTURE.read_bytes())
    assert decoded.header.model == "overfit"
    assert decoded.rgb.shape == (72, 100, 3)
    assert hashlib.sha256(decoded.rgb.tobytes()).hexdigest() == PIXELS_SHA256
