"""Peak memory of hostile headers, measured in a fresh process (ru_maxrss): a file whose streams
cannot describe its header is rejected before the synthesis allocates anything image-sized."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("memory_probe.py")


@pytest.fixture(scope="module")
def peaks() -> dict[str, dict]:
    cases = ["empty:16384", "empty:4096", "valid-z:1024"]
    env_free = {k: v for k, v in __import__("os").environ.items() if k != "NCODEC_WEIGHTS_PATH"}
    done = subprocess.run(
        [sys.executable, str(PROBE), *cases],
        capture_output=True,
        text=True,
        timeout=600,
        env=env_free,
        check=True,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return {row["case"]: row for row in rows}


@pytest.mark.parametrize("case", ["empty:16384", "empty:4096"])
def test_empty_streams_under_a_huge_header_cost_no_memory(peaks, case):
    # Regression: 49 bytes announcing 16384x16384 made torch ask for a 15 GB block.
    row = peaks[case]
    assert row["outcome"] == "FormatError"
    assert row["after_mb"] - row["before_mb"] < 16


def test_a_valid_z_stream_without_y_is_rejected_before_the_synthesis(peaks):
    # A real 1024x1024 decode peaks about 600 MB above the loaded model (docs/hardening.md).
    row = peaks["valid-z:1024"]
    assert row["outcome"] == "FormatError"
    assert row["after_mb"] - row["before_mb"] < 160
