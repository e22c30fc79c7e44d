"""Validate the realism distance (`ncodec.swd`) on held-out training photos: does it rank known
degradations in the expected order? Never Kodak.

Photos: the last --count files of the sorted training folder (as `ncodec train` holds them out).
Conditions per photo: the original itself; JPEG (libjpeg-turbo) at quality 90, 50, 10; Gaussian
blur with sigma 0.5, 1, 2; blur sigma 1 plus white noise with the energy the blur removed (a
crude stand-in for synthesised texture); JPEG at the quality whose PSNR is nearest to that of
blur sigma 1 (blocking at equal distortion). For each: the per-image distance and PSNR, their
means, the fraction of photos where each expected order holds, and the pooled-set distance.
The NIQE-style no-reference score (`ncodec.niqe`, model fitted on the other training photos by
bench/realism_niqe_fit.py) of every condition, and how often it orders JPEG and blur as expected.
Also the CPU time of one distance on a Kodak-sized (768x512) image. One process, one thread.

    OMP_NUM_THREADS=1 .venv/bin/python bench/realism_validation.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import time
from pathlib import Path

import imagecodecs
import numpy as np
from scipy.ndimage import gaussian_filter

from ncodec.metrics import psnr
from ncodec.niqe import NiqeModel, niqe
from ncodec.swd import realism_swd, realism_swd_set
from ncodec.train.data import find_images, load_training_image

ORDERS = {
    "identity is zero": ["original"],
    "JPEG q90 < q50 < q10": ["jpeg90", "jpeg50", "jpeg10"],
    "blur 0.5 < 1 < 2": ["blur0.5", "blur1", "blur2"],
    "JPEG at blur-1 PSNR < blur 1 (blocking nearer than texture loss)": ["jpeg@blur1", "blur1"],
    "blur 1 + noise < blur 1 (noise-like texture nearer than blur)": ["blur1+noise", "blur1"],
}
NIQE_ORDERS = {
    "NIQE: JPEG q90 < q50 < q10": ["jpeg90", "jpeg50", "jpeg10"],
    "NIQE: blur 0.5 < 1 < 2": ["blur0.5", "blur1", "blur2"],
    "NIQE: original < blur 1": ["original", "blur1"],
    "NIQE: original < JPEG q10": ["original", "jpeg10"],
}


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """libjpeg-turbo round trip (optimised Huffman tables do not change the pixels)."""
    return imagecodecs.jpeg8_decode(imagecodecs.jpeg8_encode(image, level=quality))


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of each colour plane, rounded back to uint8."""
    out = gaussian_filter(image.astype(np.float64), (sigma, sigma, 0))
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def conditions(image: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Every degraded version of one photo, by condition name."""
    out = {"original": image.copy()}
    for q in (90, 50, 10):
        out[f"jpeg{q}"] = jpeg(image, q)
    for s in (0.5, 1.0, 2.0):
        out[f"blur{s:g}"] = blur(image, s)
    lost = image.astype(np.float64) - out["blur1"]
    noise = np.random.RandomState(seed).standard_normal(image.shape) * lost.std()
    out["blur1+noise"] = np.clip(np.round(out["blur1"] + noise), 0, 255).astype(np.uint8)
    target = psnr(image, out["blur1"])
    quality = min(range(2, 96, 2), key=lambda q: abs(psnr(image, jpeg(image, q)) - target))
    out["jpeg@blur1"] = jpeg(image, quality)
    return out


def order_holds(values: dict[str, float], names: list[str]) -> bool:
    """The listed conditions' values increase strictly (one name: the value is 0)."""
    if len(names) == 1:
        return values[names[0]] == 0.0
    return all(values[a] < values[b] for a, b in itertools.pairwise(names))


def _mean_finite(values: list[float | None]) -> float | None:
    """Mean of the values; None when any is None (an infinite PSNR)."""
    return None if any(v is None for v in values) else float(np.mean(values))


def kodak_sized_cpu_s(image: np.ndarray, repeats: int = 5) -> float:
    """Median CPU seconds of one distance on a 512x768 image made from a training photo."""
    pad = [(0, max(0, 512 - image.shape[0])), (0, max(0, 768 - image.shape[1])), (0, 0)]
    big = np.pad(image, pad, mode="reflect")[:512, :768]
    other = jpeg(big, 30)
    times = []
    for _ in range(repeats):
        start = time.process_time()
        realism_swd(big, other)
        times.append(time.process_time() - start)
    return float(np.median(times))


def render(summary: dict) -> str:
    """validation.md: the means per condition and how often each order holds."""
    lines = [
        "# Realism distance (`ncodec.swd`): validation on held-out training photos",
        "",
        f"{summary['n_images']} photos: the last {summary['n_images']} of the sorted "
        f"`{summary['data']}` (never Kodak). Made by `bench/realism_validation.py`; "
        f"one process, one thread, shared machine (load: {summary['load_average']}).",
        "",
        "| condition | mean SWD (per image) | pooled-set SWD | mean PSNR (dB) | mean NIQE-style |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in summary["conditions"].items():
        lines.append(
            f"| {name} | {row['mean_swd']:.4f} | {row['pooled_swd']:.4f} | "
            f"{'∞' if row['mean_psnr'] is None else format(row['mean_psnr'], '.2f')} | "
            f"{row['mean_niqe']:.2f} |"
        )
    lines += ["", "| expected order | photos where it holds |", "|---|---:|"]
    for name, count in {**summary["orders"], **summary["niqe_orders"]}.items():
        lines.append(f"| {name} | {count} / {summary['n_images']} |")
    lines += [
        "",
        f"CPU time of one distance on a 768x512 image: {summary['kodak_sized_cpu_s']:.2f} s "
        "(median of 5, `time.process_time`).",
        "",
        "No-reference statistic (issue 19, part a): scikit-video 1.1.11's NIQE fails with this "
        "SciPy (`scipy.misc.imresize` was removed) and piq's BRISQUE downloads its SVM at first "
        "use (no network here), so `ncodec.niqe` is a NIQE-style score (Mittal et al. 2013 "
        "features) whose pristine model is fitted on the other "
        f"{summary['niqe_fit_photos']} training photos (`bench/realism_niqe_fit.py`); its "
        "numbers are not comparable with published NIQE values. Images with fewer than about "
        "6 whole 96x96 patches give a noisy covariance; BSDS photos have 15.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/train/bsds500"))
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--out", type=Path, default=Path("docs/results/realism"))
    args = parser.parse_args()
    paths = find_images([args.data])[-args.count :]
    model = NiqeModel.load()
    per_image: dict[str, dict[str, dict[str, float]]] = {}
    pooled: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for index, path in enumerate(paths):
        image = load_training_image(path)
        rows = {}
        for name, degraded in conditions(image, index).items():
            error = psnr(image, degraded)
            rows[name] = {
                "swd": realism_swd(image, degraded),
                "psnr": error if math.isfinite(error) else None,  # None: identical
                "niqe": niqe(degraded, model),
            }
            pooled.setdefault(name, []).append((image, degraded))
        per_image[path.name] = rows
        print(path.name, {k: round(v["swd"], 4) for k, v in rows.items()}, flush=True)
    names = list(next(iter(per_image.values())))
    summary = {
        "data": str(args.data),
        "n_images": len(paths),
        "images": [p.name for p in paths],
        "load_average": " ".join(f"{v:.1f}" for v in os.getloadavg()),
        "conditions": {
            name: {
                "mean_swd": float(np.mean([r[name]["swd"] for r in per_image.values()])),
                "pooled_swd": realism_swd_set(pooled[name]),
                "mean_psnr": _mean_finite([r[name]["psnr"] for r in per_image.values()]),
                "mean_niqe": float(np.mean([r[name]["niqe"] for r in per_image.values()])),
            }
            for name in names
        },
        "orders": {
            label: sum(
                order_holds({k: v["swd"] for k, v in r.items()}, order) for r in per_image.values()
            )
            for label, order in ORDERS.items()
        },
        "niqe_orders": {
            label: sum(
                order_holds({k: v["niqe"] for k, v in r.items()}, order) for r in per_image.values()
            )
            for label, order in NIQE_ORDERS.items()
        },
        "niqe_fit_photos": len(find_images([args.data])) - args.count,
        "kodak_sized_cpu_s": kodak_sized_cpu_s(load_training_image(paths[0])),
        "per_image": per_image,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "validation.json").write_text(json.dumps(summary, indent=1) + "\n")
    (args.out / "validation.md").write_text(render(summary))
    print(render(summary))


if __name__ == "__main__":
    main()
