"""Ctrl-C during `python -m ncodec compress`, many times: every run must end with status 130.

tests/cli/test_cli_safety.py interrupts three times per `make test`; a rare wrong status (a
process killed by SIGINT, -2, or aborted, -6) needs more runs to show. Each run starts the
command on a 256x384 photo with a long latent search (or `info -` on an open pipe), waits until
torch is loading, sleeps a delay from `--first` in steps of 0.25 s (or, with `--window W`, a
seeded uniform delay in first..first+W), sends SIGINT and records the status and stderr.

    OMP_NUM_THREADS=1 python bench/cli_interrupt_repeat.py --runs 72
    OMP_NUM_THREADS=1 python bench/cli_interrupt_repeat.py --command info --runs 250 \
        --first 0 --window 0.35          # Ctrl-C while the subcommand imports torch
"""

from __future__ import annotations

import argparse
import collections
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data


def wait_for_torch(pid: int) -> None:
    """Until the process has torch's libraries mapped (its imports are under way)."""
    while True:
        try:
            if "libtorch" in Path(f"/proc/{pid}/maps").read_text():
                return
        except FileNotFoundError:
            return
        time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=36)
    parser.add_argument("--first", type=float, default=0.5)
    parser.add_argument("--window", type=float, help="seeded uniform delays in first..first+W")
    parser.add_argument("--command", choices=("compress", "info"), default="compress")
    args = parser.parse_args()
    rng = random.Random(0)
    folder = Path(tempfile.mkdtemp())
    Image.fromarray(np.tile(data.astronaut()[:128, :192], (2, 2, 1))).save(folder / "in.png")
    statuses: collections.Counter[int] = collections.Counter()
    for run in range(args.runs):
        (folder / "out.ncz").unlink(missing_ok=True)
        command = [sys.executable, "-m", "ncodec", "info", "-"]
        if args.command == "compress":
            command[3:] = ["compress", "in.png", "-o", "out.ncz", "--effort", "60"]
        process = subprocess.Popen(
            command,
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        wait_for_torch(process.pid)
        step = rng.uniform(0, args.window) if args.window else 0.25 * (run % 12)
        time.sleep(args.first + step)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate()
        statuses[process.returncode] += 1
        if process.returncode not in (0, 130):
            print(f"run {run}: status {process.returncode}: {err.decode()[-400:]}")
    print(dict(statuses))
    if set(statuses) - {0, 130}:
        raise SystemExit("some runs did not end with 0 (finished first) or 130")


if __name__ == "__main__":
    main()
