"""`ncodec batch` on a local Dask cluster of two worker processes (localhost only): Ctrl-C in
the middle of a run leaves only complete outputs, and the rerun finishes the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from ncodec import api

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("NCODEC_MULTIPROCESS_TESTS"),
        reason="starts a cluster of worker processes (`make test-multiprocess`)",
    ),
]


def _command(folder, out):
    return [sys.executable, "-m", "ncodec", "batch", "compress", str(folder), "--out", str(out),
            "--workers", "2", "--model", "tiny-hp", "--no-progress"]  # fmt: skip


def test_interrupted_run_resumes(installed, photo, tmp_path):
    folder, out = tmp_path / "photos", tmp_path / "out"
    folder.mkdir()
    for i in range(4):  # small ones first, then large ones that take a while
        Image.fromarray(np.roll(photo, 7 * i, axis=1)).save(folder / f"a{i}.png")
        Image.fromarray(np.tile(np.roll(photo, 5 * i, axis=0), (12, 12, 1))).save(
            folder / f"b{i}.png"
        )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # NCODEC_WEIGHTS_PATH: the tiny models
    run = subprocess.Popen(
        _command(folder, out), env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not list(out.glob("*.ncz")) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)  # Ctrl-C at the terminal: the whole process group
    output = run.communicate(timeout=120)[0]
    assert run.returncode == 130, output
    finished = sorted(p.name for p in out.iterdir())
    assert 1 <= len(finished) < 8 and all(name.endswith(".ncz") for name in finished), finished

    rerun = subprocess.run(_command(folder, out), env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(finished)} finished earlier, {8 - len(finished)} to do" in rerun.stderr
    assert "2 workers" in rerun.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{p.stem}.ncz" for p in folder.iterdir()
    )
    for name in ("a0", "b3"):
        pixels = api.load_image_array(np.asarray(Image.open(folder / f"{name}.png")))
        expected = api.compress(pixels, "tiny-hp", 75)
        assert (out / f"{name}.ncz").read_bytes() == expected
