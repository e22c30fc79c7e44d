"""What stochastic Gumbel annealing buys: plain vs searched real files, same model, same decoder.

For every image and quality, encodes plainly and with each search variant (`sga:N` = N SGA steps,
`adam:N` = N steps of the older Adam refinement), decodes each file with the unchanged decoder and
records real bpp, PSNR, real rate + lambda * distortion and single-thread encode time (process CPU
seconds and wall seconds). Records are appended to a JSON-lines file as they are made, so an
interrupted run resumes where it stopped; variants run one after the other over all points, so a
partial run still gives whole curves. Reports BD-rate of each variant against plain over the
images' mean curves and writes docs/results/sga.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from ncodec import api
from ncodec.eval.bdrate import bd_quality, bd_rate
from ncodec.io import find_images, load_rgb
from ncodec.metrics import bits_per_pixel, psnr
from ncodec.zoo import find_model, load_codec


def measure(rgb: np.ndarray, model: str, quality: int, variant: str, precision: str) -> dict:
    """One real file of `variant` ('plain', 'sga:N' or 'adam:N'): size, quality, cost, time."""
    method, _, steps = variant.partition(":")
    options = {} if method == "plain" else {"refine_method": method, "refine_precision": precision}
    wall, cpu = time.perf_counter(), time.process_time()
    data = api.compress_image(rgb, model, quality, int(steps or 0), options)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    decoded = api.decompress_image(data)
    mse = float(np.mean((decoded.astype(np.float64) - rgb.astype(np.float64)) ** 2)) / 255.0**2
    bpp = bits_per_pixel(len(data), *rgb.shape[:2])
    lmbda = load_codec(find_model(model)).rate_lambda(quality)
    return {
        "bytes": len(data),
        "bpp": bpp,
        "psnr_rgb": psnr(rgb, decoded),
        "real_cost": bpp + lmbda * 255.0**2 * mse,
        "encode_cpu_s": cpu,
        "encode_wall_s": wall,
    }


def load_records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def summarize(records: list[dict], variants: list[str], qualities: list[int]) -> dict:
    """Mean curves of the variants measured on every point, and BD-rate / BD-PSNR vs plain."""
    points = {(r["image"], r["quality"]) for r in records if r["variant"] == "plain"}
    curves, gains = {}, {}
    for name in variants:
        rows = [r for r in records if r["variant"] == name]
        if {(r["image"], r["quality"]) for r in rows} != points or not points:
            continue

        def mean(key: str, rows: list[dict] = rows) -> list[float]:
            return [float(np.mean([r[key] for r in rows if r["quality"] == q])) for q in qualities]

        curves[name] = {"quality": qualities} | {
            key: mean(key)
            for key in ("bpp", "psnr_rgb", "real_cost", "encode_cpu_s", "encode_wall_s")
        }
        curves[name]["encode_cpu_s_per_image"] = float(np.mean([r["encode_cpu_s"] for r in rows]))
    base = curves.get("plain")
    for name, curve in curves.items():
        if name == "plain" or base is None:
            continue
        rate = bd_rate(base["bpp"], base["psnr_rgb"], curve["bpp"], curve["psnr_rgb"])
        quality = bd_quality(base["bpp"], base["psnr_rgb"], curve["bpp"], curve["psnr_rgb"])
        gains[name] = {
            "bd_rate_vs_plain_percent": round(rate.value, 2),
            "bd_psnr_vs_plain_db": round(quality.value, 3),
            "encode_cpu_s_per_image": round(curve["encode_cpu_s_per_image"], 1),
        }
    return {"curves": curves, "gains": gains}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="Folder of test images (e.g. Kodak).")
    parser.add_argument("--model", default=None)
    parser.add_argument("--qualities", default="15,43,72")
    parser.add_argument("--every", type=int, default=6, help="Use every k-th image (sorted).")
    parser.add_argument(
        "--variants", default="sga:20,adam:20,sga:50", help="Searches, in the order they run."
    )
    parser.add_argument("--precision", default="fp32", choices=api.REFINE_PRECISIONS)
    parser.add_argument("--records", type=Path, required=True, help="JSON-lines file (resumed).")
    parser.add_argument("--out", type=Path, default=Path("docs/results/sga.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    entry = find_model(args.model)
    qualities = [int(q) for q in args.qualities.split(",")]
    images = find_images(args.data)[:: args.every]
    variants = ["plain", *args.variants.split(",")]
    names = {path.name for path in images}
    records = [
        r for r in load_records(args.records) if r["image"] in names and r["quality"] in qualities
    ]
    done = {(r["image"], r["quality"], r["variant"]) for r in records}
    args.records.parent.mkdir(parents=True, exist_ok=True)
    for variant in variants:
        for path in images:
            for quality in qualities:
                if (path.name, quality, variant) in done:
                    continue
                row = measure(load_rgb(path), entry.name, quality, variant, args.precision)
                record = {"image": path.name, "quality": quality, "variant": variant, **row}
                with args.records.open("a") as f:
                    f.write(json.dumps(record) + "\n")
                records.append(record)
                print(json.dumps(record), flush=True)
    summary = summarize(records, variants, qualities)
    for name, gain in summary["gains"].items():
        print(f"{name}: {gain}")
    result = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": entry.name,
        "weights_hash": entry.weights_hash,
        "data": str(args.data),
        "images": [p.name for p in images],
        "qualities": qualities,
        "search_precision": args.precision,
        "method": "real .ncz files decoded by the unchanged decoder; PSNR over RGB per image, "
        "averaged per quality; BD-rate of the mean curves vs plain; real_cost = file bpp + "
        "lambda * 255^2 * MSE of the decoded pixels; encode time = process CPU seconds and wall "
        "seconds, one thread, on a shared, loaded machine",
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": 1},
        **summary,
        "records": [r for r in records if r["variant"] in variants],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
