"""LiDAR geometry: lidar-octree (learned and adaptive contexts) against Draco, on real files.

    OMP_NUM_THREADS=1 python bench/lidar_eval.py [--sets kitti_test pandaset] [--out DIR]

For every scan: Draco (DracoPy, compression level 10) at quantization bits 8..16, and
lidar-octree at the step Draco uses for the same bits, 8..15 (range / (2**bits - 1), range = the
largest bounding-box side), with learned and with adaptive (non-learned) contexts. Rates are bits
per input point of the whole file (.ncz container included); distortion is symmetric D1 and D2 PSNR
with peak 59.70 m (`ncodec.pointcloud.metrics`); times are CPU seconds of one thread per scan.
BD-rate against Draco (PCHIP, D1 and D2) over the PSNR range of Draco's 10- to 14-bit points,
per scan and then averaged. Records are appended to records.jsonl (a rerun skips what is
there); summary.json, summary.md and plots are rewritten from all records.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from ncodec import api
from ncodec.eval.bdrate import bd_rate
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.pointcloud.files import read_points
from ncodec.pointcloud.metrics import KITTI_PEAK, distortion, estimate_normals

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "lidar"
SETS = {
    "kitti_test": ("kitti_object", "test_*.bin"),
    "pandaset": ("pandaset_pandar64", "*.bin"),
}
DRACO_BITS = tuple(range(8, 17))
OUR_BITS = tuple(range(8, 16))
BD_BITS = (10, 14)
CODECS = ("draco", "learned", "adaptive")


def draco_run(xyz: np.ndarray, bits: int) -> tuple[int, np.ndarray, float, float]:
    """Draco bytes, decoded points and CPU seconds to encode and decode."""
    import DracoPy

    t0 = time.process_time()
    data = DracoPy.encode(xyz, quantization_bits=bits, compression_level=10)
    t1 = time.process_time()
    points = np.asarray(DracoPy.decode(data).points, dtype=np.float32)
    t2 = time.process_time()
    return len(data), points, t1 - t0, t2 - t1


def ours_run(
    xyz: np.ndarray, model: str, step_mm: float, contexts: str
) -> tuple[int, np.ndarray, float, float]:
    """lidar-octree .ncz bytes, decoded points and CPU seconds to encode and decode."""
    t0 = time.process_time()
    data = api.compress(xyz, model, options={"step_mm": step_mm, "contexts": contexts})
    t1 = time.process_time()
    points = api.decode(data).data
    t2 = time.process_time()
    return len(data), points, t1 - t0, t2 - t1


def run_scan(
    path: Path, dataset: str, model: str, done: set, log, codecs: tuple[str, ...] = CODECS
) -> None:
    """Every codec and bits of one scan, appended to the log as they finish."""
    xyz = read_points(path).xyz
    extent = float((xyz.max(axis=0) - xyz.min(axis=0)).max())
    normals = None
    for bits in DRACO_BITS:
        for name in CODECS:
            key = (dataset, path.name, name, bits)
            if key in done or name not in codecs or (name != "draco" and bits not in OUR_BITS):
                continue
            normals = estimate_normals(xyz) if normals is None else normals
            step_mm = 1000.0 * extent / (2**bits - 1)
            if name == "draco":
                size, points, enc, dec = draco_run(xyz, bits)
            else:
                size, points, enc, dec = ours_run(xyz, model, step_mm, name)
            d = distortion(xyz, points, KITTI_PEAK, normals)
            record = {
                "set": dataset, "scan": path.name, "codec": name, "bits": bits,
                "step_mm": step_mm, "points": len(xyz), "decoded_points": len(points),
                "bytes": size, "bpp": 8 * size / len(xyz), "d1_psnr": d.d1_psnr,
                "d2_psnr": d.d2_psnr, "encode_s": enc, "decode_s": dec,
            }  # fmt: skip
            log.write(json.dumps(record) + "\n")
            log.flush()
            print(
                f"{dataset} {path.name} {name:8s} {bits:2d} bits: {record['bpp']:.3f} bpp "
                f"D1 {d.d1_psnr:.2f} dB, enc {enc:.2f} s, dec {dec:.2f} s",
                flush=True,
            )


def unique_records(path: Path) -> list[dict]:
    """The log's records, the first one of each (set, scan, codec, bits) only."""
    seen, records = set(), []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        key = (record["set"], record["scan"], record["codec"], record["bits"])
        if key not in seen:
            seen.add(key)
            records.append(record)
    return records


def summarize(records: list[dict]) -> dict:
    """Mean curves, per-scan BD-rates vs Draco (D1, D2) and mean times, per set and codec."""
    summary: dict = {}
    for dataset in sorted({r["set"] for r in records}):
        rows = [r for r in records if r["set"] == dataset]
        scans = sorted({r["scan"] for r in rows})
        entry: dict = {"scans": len(scans), "codecs": {}}
        for name in CODECS:
            mine = [r for r in rows if r["codec"] == name]
            if not mine:
                continue
            curve = []
            for bits in sorted({r["bits"] for r in mine}):
                at = [r for r in mine if r["bits"] == bits]
                curve.append(
                    {
                        "bits": bits,
                        "scans": len(at),
                        **{
                            k: float(np.mean([r[k] for r in at]))
                            for k in (
                                "step_mm",
                                "bpp",
                                "d1_psnr",
                                "d2_psnr",
                                "encode_s",
                                "decode_s",
                            )
                        },
                    }
                )
            entry["codecs"][name] = {"curve": curve}
            if name == "draco":
                continue
            for metric in ("d1_psnr", "d2_psnr"):
                values = []
                for scan in scans:
                    anchor = [
                        r for r in rows
                        if r["scan"] == scan and r["codec"] == "draco"
                        and BD_BITS[0] <= r["bits"] <= BD_BITS[1]
                    ]  # fmt: skip
                    test = [r for r in mine if r["scan"] == scan]
                    if len(anchor) < 2 or len(test) < 2:
                        continue
                    result = bd_rate(
                        [r["bpp"] for r in anchor], [r[metric] for r in anchor],
                        [r["bpp"] for r in test], [r[metric] for r in test],
                    )  # fmt: skip
                    if result.defined:
                        values.append(result.value)
                key = f"bd_rate_vs_draco_{metric.split('_')[0]}"
                entry["codecs"][name][key] = float(np.mean(values)) if values else None
                entry["codecs"][name][key + "_scans"] = len(values)
        summary[dataset] = entry
    return summary


def markdown(summary: dict) -> str:
    """Tables of the summary, one per set."""
    lines = []
    for dataset, entry in summary.items():
        lines += [f"### {dataset} ({entry['scans']} scans)", ""]
        lines += ["| codec | BD-rate vs Draco (D1) | BD-rate vs Draco (D2) |", "|---|---:|---:|"]
        for name, data in entry["codecs"].items():
            if name == "draco":
                continue
            d1, d2 = data.get("bd_rate_vs_draco_d1"), data.get("bd_rate_vs_draco_d2")
            fmt = lambda v: "–" if v is None else f"{v:+.1f} %"  # noqa: E731
            lines.append(f"| lidar-octree {name} | {fmt(d1)} | {fmt(d2)} |")
        lines += ["", "| codec | bits | step mm | bpp | D1 dB | D2 dB | enc s | dec s |"]
        lines += ["|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, data in entry["codecs"].items():
            for p in data["curve"]:
                lines.append(
                    f"| {name} | {p['bits']} | {p['step_mm']:.1f} | {p['bpp']:.3f} | "
                    f"{p['d1_psnr']:.2f} | {p['d2_psnr']:.2f} | {p['encode_s']:.3f} | "
                    f"{p['decode_s']:.3f} |"
                )
        lines.append("")
    return "\n".join(lines)


def plot(summary: dict, out: Path) -> None:
    """rd_<set>.png: bpp vs D1 and D2 PSNR of every codec."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for dataset, entry in summary.items():
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        for ax, metric in zip(axes, ("d1_psnr", "d2_psnr"), strict=True):
            for name, data in entry["codecs"].items():
                curve = data["curve"]
                label = "Draco (level 10)" if name == "draco" else f"lidar-octree ({name})"
                ax.plot([p["bpp"] for p in curve], [p[metric] for p in curve], "o-", label=label)
            ax.set_xlabel("bits per input point")
            ax.set_ylabel(f"{metric.split('_')[0].upper()} PSNR (dB, peak {KITTI_PEAK} m)")
            ax.grid(alpha=0.3)
            ax.legend()
        fig.suptitle(f"LiDAR geometry, {dataset} ({entry['scans']} scans)")
        fig.tight_layout()
        fig.savefig(out / f"rd_{dataset}.png", dpi=110)
        plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--model", default="lidar-octree")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "lidar")
    parser.add_argument("--limit", type=int, default=0, help="scans per set (0: all)")
    parser.add_argument("--card", type=Path, help="model card JSON to store the summary in")
    parser.add_argument("--codecs", nargs="+", default=list(CODECS), choices=list(CODECS))
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("note: set OMP_NUM_THREADS=1 for single-thread timings", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    log_path = args.out / "records.jsonl"
    records = (
        [json.loads(x) for x in log_path.read_text().splitlines()] if log_path.exists() else []
    )
    done = {(r["set"], r["scan"], r["codec"], r["bits"]) for r in records}
    with log_path.open("a") as log:
        for dataset in args.sets:
            folder, pattern = SETS[dataset]
            scans = sorted((DATA / folder).glob(pattern))
            for path in scans[: args.limit or None]:
                run_scan(path, dataset, args.model, done, log, tuple(args.codecs))
    records = unique_records(log_path)
    summary = summarize(records)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    (args.out / "summary.md").write_text(markdown(summary))
    plot(summary, args.out)
    if args.card:
        card = json.loads(args.card.read_text())
        card["results"] = {
            dataset: {
                name: {k: v for k, v in data.items() if k.startswith("bd_rate")}
                for name, data in entry["codecs"].items()
                if name != "draco"
            }
            for dataset, entry in summary.items()
        }
        args.card.write_text(json.dumps(card, indent=2) + "\n")
    print(markdown(summary))


if __name__ == "__main__":
    main()
