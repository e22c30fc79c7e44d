"""Bit-exact decoding: same pixels with 1 or 2 threads, in fresh processes, after reloading."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

from ncodec import api
from ncodec.zoo import ENV_PATH

DECODE = textwrap.dedent(
    """
    import hashlib, sys, torch
    torch.set_num_threads(int(sys.argv[2]))
    from ncodec import api
    data = open(sys.argv[1], "rb").read()
    print(hashlib.sha256(api.decompress_image(data).tobytes()).hexdigest())
    """
)
ENCODE = textwrap.dedent(
    """
    import sys, torch
    import numpy as np
    torch.set_num_threads(int(sys.argv[3]))
    from ncodec import api
    rgb = np.load(sys.argv[1])
    sys.stdout.buffer.write(api.compress_image(rgb, model=sys.argv[2], quality=70))
    """
)


def _run(code: str, *args: str, env: dict) -> bytes:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, check=True, timeout=300
    )
    return out.stdout


@pytest.mark.parametrize("model", ["tiny-hp", "tiny-fp"])
def test_decode_is_identical_across_threads_and_processes(installed, photo, tmp_path, model):
    import numpy as np

    env = {**os.environ, ENV_PATH: str(installed)}
    image = tmp_path / "photo.npy"
    np.save(image, photo)
    files = {threads: _run(ENCODE, str(image), model, str(threads), env=env) for threads in (1, 2)}
    # The encoder picks the same tables and symbols whatever the thread count.
    assert files[1] == files[2]
    path = tmp_path / "photo.ncz"
    path.write_bytes(files[1])
    in_process = hashlib.sha256(api.decompress_image(files[1]).tobytes()).hexdigest()
    for threads in (1, 2):
        digest = _run(DECODE, str(path), str(threads), env=env).decode().strip()
        assert digest == in_process
