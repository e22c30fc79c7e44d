"""Kodak lossless benchmark: lossless-photo beside PNG, JPEG 2000, WebP and JPEG XL lossless.

Runs `ncodec eval --lossless` on the 24 Kodak images (real files, every byte; every file
decoded and compared with the original: a mismatch fails the run), one thread, and writes the
records and reports to docs/results/lossless_photos/kodak/. Resumable: stored points whose
codec version is unchanged are kept, so re-running after a model change re-measures only it.

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python bench/lossless_photos.py [--repeats 3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ncodec.eval.lossless_cli import run_lossless_command

ROOT = Path(__file__).resolve().parents[1]
KODAK = ROOT.parent / "shared" / "data" / "kodak"
OUT = ROOT / "docs" / "results" / "lossless_photos" / "kodak"
CODECS = ",".join(
    [
        "png",
        "jpeg2000-lossless",
        "webp-lossless",
        "jpegxl-lossless",
        "jpegxl-lossless:effort=9",
        "ncodec:lossless-photo",
    ]
)


def main() -> None:
    """Measure (or resume) and write OUT/results.json, lossless.md, lossless.png."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=KODAK)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    run_lossless_command(
        args.data,
        CODECS,
        args.out,
        threads=1,
        warmup=args.warmup,
        repeats=args.repeats,
        report_only=False,
        fresh=False,
        no_progress=True,
    )


if __name__ == "__main__":
    main()
