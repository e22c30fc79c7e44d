"""Print BD-rate / BD-PSNR of every published Kodak curve against one anchor (markdown table).

Usage: python bench/published_bd.py [REFERENCE_JSON] [--anchor bpg444]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ncodec.eval.bdrate import bd_quality, bd_rate
from ncodec.eval.reference import PUBLISHED_SUFFIX, load_reference


def main() -> None:
    """Compute and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "reference",
        nargs="?",
        type=Path,
        default=Path("/work/shared/reference/kodak_published.json"),
    )
    parser.add_argument("--anchor", default="bpg444")
    args = parser.parse_args()
    curves = load_reference(args.reference)
    anchor = curves[args.anchor + PUBLISHED_SUFFIX]
    print(f"| curve | BD-rate vs {args.anchor} (%) | PSNR overlap (dB) | BD-PSNR (dB) |")
    print("|---|---:|---|---:|")
    for name, curve in curves.items():
        rate = bd_rate(anchor["bpp"], anchor["psnr_rgb"], curve["bpp"], curve["psnr_rgb"])
        gain = bd_quality(anchor["bpp"], anchor["psnr_rgb"], curve["bpp"], curve["psnr_rgb"])
        low, high = rate.overlap or (float("nan"), float("nan"))
        label = name.removesuffix(PUBLISHED_SUFFIX)
        print(f"| {label} | {rate.value:+.1f} | {low:.2f}–{high:.2f} | {gain.value:+.2f} |")


if __name__ == "__main__":
    main()
