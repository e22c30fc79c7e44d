"""LiDAR speed: CPU seconds of one thread to encode and decode a scan, lidar-octree vs Draco.

    OMP_NUM_THREADS=1 python bench/lidar_speed.py [--sets kitti_test] [--repeat 3]

For every scan at Draco's step for 10, 12 and 14 bits: the median over --repeat runs of the CPU
time (and wall time) of lidar-octree's compress (points to .ncz bytes) and decode (bytes to
points, entropy decoding included), and of Draco's (compression level 10) in the same process.
Decoded points are checked against the quantized input. Writes speed.md and speed.json beside
the other LiDAR results. The machine is shared: the load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from ncodec import api
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.pointcloud.files import read_points
from ncodec.pointcloud.quantize import quantize

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "lidar"
SETS = {"kitti_test": ("kitti_object", "test_*.bin"), "pandaset": ("pandaset_pandar64", "*.bin")}
BITS = (10, 12, 14)


def timed(call, *args, **kwargs) -> tuple[object, float, float]:
    """The call's result, CPU seconds and wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    out = call(*args, **kwargs)
    return out, time.process_time() - cpu, time.perf_counter() - wall


def measure(xyz: np.ndarray, bits: int, model: str, repeat: int) -> dict:
    """Median CPU and wall seconds of both codecs at one step, and our points per second."""
    import DracoPy

    step_mm = 1000.0 * float((xyz.max(axis=0) - xyz.min(axis=0)).max()) / (2**bits - 1)
    runs: dict[str, list[float]] = {}
    for _ in range(repeat):
        data, *enc = timed(api.compress, xyz, model, options={"step_mm": step_mm})
        decoded, *dec = timed(api.decode, data)
        draco, *denc = timed(DracoPy.encode, xyz, quantization_bits=bits, compression_level=10)
        _, *ddec = timed(DracoPy.decode, draco)
        for key, (cpu, wall) in {
            "enc": enc,
            "dec": dec,
            "draco_enc": denc,
            "draco_dec": ddec,
        }.items():
            runs.setdefault(key + "_cpu", []).append(cpu)
            runs.setdefault(key + "_wall", []).append(wall)
    cells = np.unique(quantize(xyz, xyz.min(axis=0).astype(np.float64), step_mm), axis=0)
    if len(decoded.data) != len(cells):
        raise AssertionError("decoded point count differs from the quantized cloud")
    row = {k: float(np.median(v)) for k, v in runs.items()}
    row.update(bits=bits, step_mm=step_mm, bpp=8 * len(data) / len(xyz), points=len(xyz))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["kitti_test"], choices=list(SETS))
    parser.add_argument("--model", default="lidar-octree")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "lidar")
    args = parser.parse_args()
    rows = []
    for name in args.sets:
        folder, pattern = SETS[name]
        for path in sorted((DATA / folder).glob(pattern)):
            xyz = read_points(path).xyz
            for bits in BITS:
                load = os.getloadavg()[0]
                row = {"set": name, "scan": path.name, "load": load}
                row.update(measure(xyz, bits, args.model, args.repeat))
                rows.append(row)
                print(json.dumps(row), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = [
        f"CPU seconds of one thread per scan (median of {args.repeat} runs; wall in brackets),",
        "`lidar-octree` vs Draco (level 10) in the same process, by `bench/lidar_speed.py`.",
        "",
        "| set | bits | scans | points | ours enc | ours dec | Draco enc | Draco dec | "
        "worst ours enc / dec | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in args.sets:
        for bits in BITS:
            at = [r for r in rows if r["set"] == name and r["bits"] == bits]

            def mean(key: str, at: list = at) -> float:
                return float(np.mean([r[key] for r in at]))

            lines.append(
                f"| {name} | {bits} | {len(at)} | {mean('points'):.0f} | "
                f"{mean('enc_cpu'):.2f} ({mean('enc_wall'):.2f}) | "
                f"{mean('dec_cpu'):.2f} ({mean('dec_wall'):.2f}) | "
                f"{mean('draco_enc_cpu'):.3f} | {mean('draco_dec_cpu'):.3f} | "
                f"{max(r['enc_cpu'] for r in at):.2f} / {max(r['dec_cpu'] for r in at):.2f} | "
                f"{mean('load'):.1f} |"
            )
    (args.out / "speed.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
