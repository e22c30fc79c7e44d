"""Fit the NIQE-style pristine model (`ncodec.niqe`) on BSDS500 training photos and ship it.

All photos of the sorted folder except the last --holdout (kept for
`bench/realism_validation.py`); never Kodak. Writes src/ncodec/niqe_data/niqe_bsds500.npz.

    OMP_NUM_THREADS=1 .venv/bin/python bench/realism_niqe_fit.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ncodec.niqe import DEFAULT_MODEL, fit_niqe
from ncodec.train.data import find_images, load_training_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/train/bsds500"))
    parser.add_argument("--holdout", type=int, default=24)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    paths = find_images([args.data])[: -args.holdout]
    model = fit_niqe([load_training_image(p) for p in paths])
    model.save(args.out)
    print(f"fitted on {len(paths)} photos of {args.data}; wrote {args.out}")


if __name__ == "__main__":
    main()
