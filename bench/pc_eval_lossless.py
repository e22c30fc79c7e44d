"""`ncodec eval --lossless` on Kodak (classical lossless codecs) and on MNIST test digits written
as 8-bit gray PNGs (the same codecs plus the installed `pc-mnist`, one `.ncz` per digit).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/pc_eval_lossless.py \
        [--sets kodak,digits] [--digits 200] [--work /work/runs/pc2]

Records stay in WORK/eval-<set> (resumable); results.json, lossless.md and lossless.png are
copied to docs/results/circuits/eval-lossless-<set>/.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import imagecodecs

from ncodec.circuits.digits import load_digits

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CLASSICAL = "png,webp-lossless,jpegxl-lossless,jpegxl-lossless:effort=9"


def write_digits(folder: Path, count: int) -> Path:
    """The first `count` MNIST test digits as 8-bit gray PNG files."""
    folder.mkdir(parents=True, exist_ok=True)
    digits = load_digits(DATA / "mnist" / "t10k-images-idx3-ubyte.gz")[:count]
    for index, digit in enumerate(digits):
        path = folder / f"t10k-{index:05d}.png"
        if not path.exists():
            path.write_bytes(imagecodecs.png_encode(digit))
    return folder


def evaluate(images: Path, codecs: str, out: Path, timing: list[str]) -> None:
    """Run `ncodec eval --lossless` in a child process (one thread) and copy its reports."""
    command = [sys.executable, "-m", "ncodec", "eval", str(images), "--lossless"]
    command += ["--codecs", codecs, "--out", str(out), "--no-progress", *timing]
    subprocess.run(command, check=True)
    target = (
        ROOT / "docs" / "results" / "circuits" / f"eval-lossless-{out.name.removeprefix('eval-')}"
    )
    target.mkdir(parents=True, exist_ok=True)
    for name in ("results.json", "lossless.md", "lossless.png"):
        shutil.copyfile(out / name, target / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="kodak,digits")
    parser.add_argument("--digits", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/work/runs/pc2"))
    args = parser.parse_args()
    sets = args.sets.split(",")
    if "kodak" in sets:
        timing = ["--warmup", "0", "--repeats", "1"]  # webp-lossless method 6: ~20 s an encode
        evaluate(DATA / "kodak", CLASSICAL, args.work / "eval-kodak", timing)
    if "digits" in sets:
        folder = write_digits(args.work / "mnist-t10k-png", args.digits)
        codecs = CLASSICAL + ",ncodec:pc-mnist"
        evaluate(folder, codecs, args.work / "eval-digits", ["--warmup", "1", "--repeats", "3"])


if __name__ == "__main__":
    main()
