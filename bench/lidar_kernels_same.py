"""The lidar-octree kernels change nothing: every scan coded and decoded with and without them.

    OMP_NUM_THREADS=1 python bench/lidar_kernels_same.py [--sets kitti_test pandaset]

For every scan of the sets at Draco's step for 10, 12 and 14 bits: `.ncz` bytes from the
compiled kernels and from the numpy path (`KERNELS.reference_only()`), and the points each path
decodes from the kernels' file. Prints one line per file (size, stream digest) and exits 1 if any
bytes or points differ. Real shipped weights, full-size scans (the unit tests use small clouds).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

from ncodec import api
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.pointcloud.files import read_points
from ncodec.pointcloud.kernels import KERNELS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "lidar"
SETS = {"kitti_test": ("kitti_object", "test_*.bin"), "pandaset": ("pandaset_pandar64", "*.bin")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    args = parser.parse_args()
    if KERNELS.compiled() is None:
        sys.exit("lidar_kernels_same: the compiled kernels are not built or are switched off")
    different = 0
    for name in args.sets:
        folder, pattern = SETS[name]
        for path in sorted((DATA / folder).glob(pattern)):
            xyz = read_points(path).xyz
            for bits in (10, 12, 14):
                step = 1000.0 * float((xyz.max(0) - xyz.min(0)).max()) / (2**bits - 1)
                options = {"step_mm": step}
                data = api.compress(xyz, "lidar-octree", options=options)
                points = api.decode(data).data
                with KERNELS.reference_only():
                    same = api.compress(xyz, "lidar-octree", options=options) == data
                    same = same and np.array_equal(api.decode(data).data, points)
                different += not same
                digest = hashlib.sha256(data).hexdigest()[:12]
                verdict = "same" if same else "DIFFERENT"
                line = f"{name} {path.name} {bits} bits: {len(data)} B {digest} {verdict}"
                print(line, flush=True)
    print("all identical" if not different else f"{different} files DIFFERENT")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
