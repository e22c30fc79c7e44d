"""The shipped MS-SSIM model `hyperprior-msssim`: installed, exact fixed-point synthesis at every
quality, and files that decode to the same pixels with 1 or 2 threads in fresh processes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ncodec import api
from ncodec.format import read_ncz
from ncodec.zoo import ENV_PATH, find_model, load_codec

MODEL = "hyperprior-msssim"
DECODE = textwrap.dedent(
    """
    import hashlib, sys, torch
    torch.set_num_threads(int(sys.argv[2]))
    from ncodec import api
    pixels = api.decompress_image(open(sys.argv[1], "rb").read())
    print(hashlib.sha256(pixels.tobytes()).hexdigest())
    """
)


@pytest.fixture(scope="module")
def shipped():
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_PATH, raising=False)
        entry = find_model(MODEL)
        return entry, load_codec(entry)


def test_card_says_it_was_trained_for_ms_ssim(shipped):
    entry, _ = shipped
    assert entry.card["training"]["distortion"] == "ms-ssim"
    assert entry.card["architecture"] == "mean-scale-hyperprior"
    assert len(entry.card["config"]["lambdas"]) == 8


def test_every_quality_builds_an_exact_fixed_point_synthesis(shipped):
    _, codec = shipped
    for q in range(0, 100, 9):  # raises if an integer sum could leave float64's exact range
        codec.synthesis.layers[0].weights(codec.y_inverse_gain[q], q)


def test_file_decodes_identically_with_1_and_2_threads(shipped, tmp_path):
    from skimage.data import astronaut

    rgb = np.ascontiguousarray(astronaut())  # the full 512x512 photo, as the README promises
    env = {k: v for k, v in os.environ.items() if k != ENV_PATH}
    data = api.compress_image(rgb, MODEL, quality=40)
    header, _ = read_ncz(data)
    assert header.model == MODEL
    path = tmp_path / "a.ncz"
    path.write_bytes(data)
    here = hashlib.sha256(api.decompress_image(data).tobytes()).hexdigest()
    for threads in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", DECODE, str(path), threads],
            env=env,
            capture_output=True,
            check=True,
            timeout=300,
        )
        assert out.stdout.decode().strip() == here
