"""LiDAR intensity: what lidar-octree's intensity stream costs, against Draco and plain baselines.

    OMP_NUM_THREADS=1 python bench/lidar_intensity.py [--sets kitti_test pandaset] [--out DIR]

For every scan and geometry step (Draco's step at 10, 12 and 14 quantization bits, as in
bench/lidar_eval.py):

- ours: the .ncz file with `intensity="lossless"` minus the same file without intensity (real
  bytes: the second stream and its header fields), and quantized at 2 and 4 times the lossless
  step (with the RMS error of every input point's decoded intensity, in the file's unit);
- Draco (DracoPy, compression level 10, same quantization bits): its buffer with the lossless
  levels as a one-channel uint8 attribute minus its buffer without (checked to decode to the
  same levels);
- zlib (level 9) and lzma (preset 9, extreme) of the levels we code (one per geometry cell,
  decoded Morton order, uint8 or uint16), lzma also in our ring order, and the levels'
  zeroth-order entropy (an estimate).

Bits are per input point (Draco keeps duplicates, we keep one per cell) and, for ours, also per
coded point. Times: CPU seconds of one thread for the intensity coder alone (encode, decode).
Records are appended to intensity_records.jsonl (a rerun skips what is already there);
intensity.md and intensity.json are rewritten from all records.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import time
import zlib
from pathlib import Path

import numpy as np

from ncodec import api
from ncodec.format import read_ncz
from ncodec.pointcloud import (
    codec,  # noqa: F401  (registers lidar-octree)
    geometry,
    intensity,
    morton,
)
from ncodec.pointcloud.files import PointCloud, read_points
from ncodec.pointcloud.quantize import quantize

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "lidar"
SETS = {
    "kitti_test": ("kitti_object", "test_*.bin"),
    "pandaset": ("pandaset_pandar64", "*.bin"),
}
BITS = (10, 12, 14)
LOSSY = (2, 4)


def draco_intensity_bits(xyz: np.ndarray, levels: np.ndarray, bits: int) -> float:
    """Bits per input point Draco adds for the levels as a uint8 attribute (checked lossless)."""
    import DracoPy

    plain = DracoPy.encode(xyz, quantization_bits=bits, compression_level=10)
    data = DracoPy.encode(
        xyz, quantization_bits=bits, compression_level=10, colors=levels.astype(np.uint8)[:, None]
    )
    back = np.asarray(DracoPy.decode(data).colors).reshape(-1)
    if not np.array_equal(np.sort(back), np.sort(levels)):
        raise AssertionError("Draco did not return the intensity levels")
    return 8 * (len(data) - len(plain)) / len(xyz)


def coded_levels(
    cloud: PointCloud, step_mm: float, step: float
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """The per-cell levels in decoded (Morton) order as lidar-octree codes them, the level
    count, the cells and the sensor's cell."""
    levels, _, count = intensity.quantize(cloud.intensity, step)
    origin = cloud.xyz.min(axis=0).astype(np.float64)
    codes, cell = np.unique(
        morton.encode(quantize(cloud.xyz, origin, step_mm)), return_inverse=True
    )
    per_cell = intensity.per_cell(levels, cell.reshape(-1), len(codes))
    return per_cell, count, morton.decode(codes), geometry.sensor_cell(origin, step_mm)


def baselines(levels: np.ndarray, count: int, points: int, ring: np.ndarray) -> dict[str, float]:
    """zlib, lzma (Morton and ring order) and zeroth-order entropy of the levels, bits per
    input point."""
    dtype = np.uint8 if count <= 256 else np.uint16
    raw, ring_raw = levels.astype(dtype).tobytes(), levels[ring].astype(dtype).tobytes()
    p = np.bincount(levels) / len(levels)
    p = p[p > 0]
    xz = lambda data: 8 * len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)) / points  # noqa: E731
    return {
        "zlib_bpp": 8 * len(zlib.compress(raw, 9)) / points,
        "lzma_bpp": xz(raw),
        "lzma_ring_bpp": xz(ring_raw),
        "entropy_bpp": float(-(p * np.log2(p)).sum()) * len(levels) / points,
    }


def rms_error(cloud: PointCloud, decoded: PointCloud, step_mm: float) -> float:
    """RMS difference between every input point's intensity and its cell's decoded one."""
    origin = cloud.xyz.min(axis=0).astype(np.float64)
    key = morton.encode(quantize(decoded.xyz, origin, step_mm))
    order = np.argsort(key)
    mine = morton.encode(quantize(cloud.xyz, origin, step_mm))
    at = order[np.searchsorted(key[order], mine)]
    diff = decoded.intensity[at].astype(np.float64) - cloud.intensity
    return float(np.sqrt(np.mean(diff**2)))


def run_scan(path: Path, dataset: str, model: str, done: set, log) -> None:
    """Every geometry step of one scan not yet in the log, appended to it."""
    cloud = read_points(path)
    n = len(cloud)
    extent = float((cloud.xyz.max(axis=0) - cloud.xyz.min(axis=0)).max())
    step = intensity.choose_step(cloud.intensity, intensity.LOSSLESS)
    for bits in BITS:
        if (dataset, path.name, bits) in done:
            continue
        step_mm = 1000.0 * extent / (2**bits - 1)
        options = {"step_mm": step_mm}
        plain = len(api.compress(cloud, model, options=options))
        data = api.compress(cloud, model, options={**options, "intensity": "lossless"})
        decoded = api.decode(data).data
        levels, count, cells, sensor = coded_levels(cloud, step_mm, step)
        t0 = time.process_time()
        stream, order = intensity.encode_best(levels, count, cells, sensor)
        t1 = time.process_time()
        intensity.decode_ordered(stream, count, cells, sensor, order)
        t2 = time.process_time()
        if stream != read_ncz(data)[1][1]:
            raise AssertionError("the intensity stream differs from the file's")
        record = {
            "set": dataset, "scan": path.name, "bits": bits, "step_mm": step_mm, "points": n,
            "coded_points": len(levels), "intensity_step": step, "levels": count,
            "ours_bpp": 8 * (len(data) - plain) / n,
            "ours_bits_per_coded_point": 8 * (len(data) - plain) / len(levels),
            "draco_bpp": draco_intensity_bits(cloud.xyz, levels_of(cloud, step), bits),
            **baselines(levels, count, n, intensity.point_order("ring", cells, sensor)),
            "order": order, "encode_s": t1 - t0, "decode_s": t2 - t1,
            "rms_error_lossless": rms_error(cloud, decoded, step_mm),
        }  # fmt: skip
        for factor in LOSSY:
            lossy = api.compress(cloud, model, options={**options, "intensity": factor * step})
            record[f"ours_bpp_step_x{factor}"] = 8 * (len(lossy) - plain) / n
            record[f"rms_error_step_x{factor}"] = rms_error(cloud, api.decode(lossy).data, step_mm)
        log.write(json.dumps(record) + "\n")
        log.flush()
        print(
            f"{dataset} {path.name} {bits} bits: ours {record['ours_bpp']:.3f}, "
            f"draco {record['draco_bpp']:.3f}, lzma {record['lzma_bpp']:.3f} bits/point",
            flush=True,
        )


def levels_of(cloud: PointCloud, step: float) -> np.ndarray:
    """Every input point's lossless level (what Draco codes)."""
    return intensity.quantize(cloud.intensity, step)[0]


def summarize(records: list[dict]) -> dict:
    """Means per set and geometry bits."""
    summary: dict = {}
    for dataset in sorted({r["set"] for r in records}):
        rows = [r for r in records if r["set"] == dataset]
        curve = []
        for bits in sorted({r["bits"] for r in rows}):
            at = [r for r in rows if r["bits"] == bits]
            keys = [k for k in at[0] if isinstance(at[0][k], float) and k != "intensity_step"]
            curve.append(
                {"bits": bits, "scans": len(at)}
                | {k: float(np.mean([r[k] for r in at])) for k in keys}
            )
        summary[dataset] = {"scans": len({r["scan"] for r in rows}), "curve": curve}
    return summary


def markdown(summary: dict) -> str:
    """One table per set."""
    lines = []
    for dataset, entry in summary.items():
        lines += [f"### {dataset} ({entry['scans']} scans), bits per input point", ""]
        lines += [
            "| geometry bits | step mm | ours lossless | per coded point | Draco | zlib | lzma "
            "| lzma, ring order | H0 (estimate) | ours step×2 (RMS) | ours step×4 (RMS) "
            "| enc / dec s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for p in entry["curve"]:
            lines.append(
                f"| {p['bits']} | {p['step_mm']:.1f} | **{p['ours_bpp']:.3f}** | "
                f"{p['ours_bits_per_coded_point']:.3f} | {p['draco_bpp']:.3f} | "
                f"{p['zlib_bpp']:.3f} | {p['lzma_bpp']:.3f} | {p['lzma_ring_bpp']:.3f} | "
                f"{p['entropy_bpp']:.3f} | "
                f"{p['ours_bpp_step_x2']:.3f} ({p['rms_error_step_x2']:.4g}) | "
                f"{p['ours_bpp_step_x4']:.3f} ({p['rms_error_step_x4']:.4g}) | "
                f"{p['encode_s']:.3f} / {p['decode_s']:.3f} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "lidar")
    parser.add_argument("--model", default="lidar-octree")
    parser.add_argument("--limit", type=int, default=None, help="scans per set")
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("warning: set OMP_NUM_THREADS=1 for single-thread timings", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "intensity_records.jsonl"
    done = set()
    if path.exists():
        records = map(json.loads, path.read_text().splitlines())
        done = {(r["set"], r["scan"], r["bits"]) for r in records}
    with path.open("a") as log:
        for dataset in args.sets:
            folder, pattern = SETS[dataset]
            for scan in sorted((DATA / folder).glob(pattern))[: args.limit]:
                run_scan(scan, dataset, args.model, done, log)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    summary = summarize(records)
    (args.out / "intensity.json").write_text(json.dumps(summary, indent=1) + "\n")
    (args.out / "intensity.md").write_text(markdown(summary))
    print(markdown(summary))


if __name__ == "__main__":
    main()
