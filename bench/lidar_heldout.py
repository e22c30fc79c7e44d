"""Shipping check for a retrained lidar-octree: real file sizes on held-out TRAINING-set scans.

    OMP_NUM_THREADS=1 NCODEC_WEIGHTS_PATH=DIR python bench/lidar_heldout.py --candidate NAME

Codes the validation frames of scripts/train_lidar.py (odd kitti_seq1 frames that no training
example came from; never the KITTI test_ frames or PandaSet) with the shipped `lidar-octree` and
with the candidate model NAME (a weights file in DIR), at Draco's steps for 10..14 bits, and
checks both decode to the same points. Prints the mean bits per input point of each and the
candidate's change; writes heldout.md beside the other LiDAR results.

When the shipped weights cannot run on the current code (a candidate with new context
features), `--baseline FILE` takes the shipped model's sizes from the "after" column of an
earlier heldout.md (written by this script when that model was the candidate) and codes only
the candidate (checking it decodes every quantized cell).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ncodec import api
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.pointcloud.files import read_points
from ncodec.pointcloud.quantize import quantize

ROOT = Path(__file__).resolve().parents[1]
SEQUENCE = ROOT.parent / "shared" / "data" / "lidar" / "kitti_seq1"
BITS = (10, 11, 12, 13, 14)


def validation_scans() -> list[Path]:
    """The three odd kitti_seq1 frames scripts/train_lidar.py validates on."""
    return sorted(SEQUENCE.glob("*.bin"))[1::2][::4][:3]


def recorded_sizes(path: Path) -> dict[int, float]:
    """bits -> the "after" bits per point of a heldout.md table."""
    rows = [line.split("|") for line in path.read_text().splitlines() if line.startswith("| 1")]
    return {int(row[1]): float(row[3]) for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--shipped", default="lidar-octree")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "lidar")
    parser.add_argument("--baseline", type=Path, help="earlier heldout.md of the shipped model")
    args = parser.parse_args()
    recorded = recorded_sizes(args.baseline) if args.baseline else {}
    rows = []
    for bits in BITS:
        sizes = {args.candidate: []} if recorded else {args.shipped: [], args.candidate: []}
        for scan in validation_scans():
            xyz = read_points(scan).xyz
            step_mm = 1000.0 * float((xyz.max(axis=0) - xyz.min(axis=0)).max()) / (2**bits - 1)
            decoded = []
            for model in sizes:
                data = api.compress(xyz, model, options={"step_mm": step_mm})
                sizes[model].append(8 * len(data) / len(xyz))
                decoded.append(api.decode(data).data)
            if not np.array_equal(decoded[0], decoded[-1]):
                raise AssertionError("the two models decoded different points")
            cells = np.unique(quantize(xyz, xyz.min(axis=0).astype(np.float64), step_mm), axis=0)
            if len(decoded[-1]) != len(cells):
                raise AssertionError("the candidate lost points")
        new = float(np.mean(sizes[args.candidate]))
        old = recorded[bits] if recorded else float(np.mean(sizes[args.shipped]))
        rows.append((bits, old, new, 100 * (new / old - 1)))
        print(f"{bits} bits: {old:.4f} -> {new:.4f} bpp ({rows[-1][3]:+.2f} %)", flush=True)
    scans = ", ".join(p.name for p in validation_scans())
    lines = [
        f"Held-out training-set scans ({scans}), bits per input point of the whole .ncz file,",
        f"`{args.shipped}` (before) and `{args.candidate}` (after), same decoded points."
        + (f" Before: the after column of {args.baseline}." if recorded else ""),
        "",
        "| bits | before | after | change |",
        "|---:|---:|---:|---:|",
        *(f"| {b} | {o:.4f} | {n:.4f} | {c:+.2f} % |" for b, o, n, c in rows),
        "",
    ]
    (args.out / "heldout.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
