"""Shipping check for a retrained lidar-octree: real file sizes on held-out TRAINING-set scans.

    OMP_NUM_THREADS=1 NCODEC_WEIGHTS_PATH=DIR python bench/lidar_heldout.py --candidate NAME

Codes the validation frames of scripts/train_lidar.py (odd kitti_seq1 frames that no training
example came from; never the KITTI test_ frames or PandaSet) with the shipped `lidar-octree` and
with the candidate model NAME (a weights file in DIR), at Draco's steps for 10..14 bits, and
checks both decode to the same points. Prints the mean bits per input point of each and the
candidate's change; writes heldout.md beside the other LiDAR results.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ncodec import api
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.pointcloud.files import read_points

ROOT = Path(__file__).resolve().parents[1]
SEQUENCE = ROOT.parent / "shared" / "data" / "lidar" / "kitti_seq1"
BITS = (10, 11, 12, 13, 14)


def validation_scans() -> list[Path]:
    """The three odd kitti_seq1 frames scripts/train_lidar.py validates on."""
    return sorted(SEQUENCE.glob("*.bin"))[1::2][::4][:3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--shipped", default="lidar-octree")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "lidar")
    args = parser.parse_args()
    rows = []
    for bits in BITS:
        sizes = {args.shipped: [], args.candidate: []}
        for scan in validation_scans():
            xyz = read_points(scan).xyz
            step_mm = 1000.0 * float((xyz.max(axis=0) - xyz.min(axis=0)).max()) / (2**bits - 1)
            decoded = []
            for model in sizes:
                data = api.compress(xyz, model, options={"step_mm": step_mm})
                sizes[model].append(8 * len(data) / len(xyz))
                decoded.append(api.decode(data).data)
            if not np.array_equal(decoded[0], decoded[1]):
                raise AssertionError("the two models decoded different points")
        old, new = (float(np.mean(v)) for v in sizes.values())
        rows.append((bits, old, new, 100 * (new / old - 1)))
        print(f"{bits} bits: {old:.4f} -> {new:.4f} bpp ({rows[-1][3]:+.2f} %)", flush=True)
    scans = ", ".join(p.name for p in validation_scans())
    lines = [
        f"Held-out training-set scans ({scans}), bits per input point of the whole .ncz file,",
        f"`{args.shipped}` (before) and `{args.candidate}` (after), same decoded points.",
        "",
        "| bits | before | after | change |",
        "|---:|---:|---:|---:|",
        *(f"| {b} | {o:.4f} | {n:.4f} | {c:+.2f} % |" for b, o, n, c in rows),
        "",
    ]
    (args.out / "heldout.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
