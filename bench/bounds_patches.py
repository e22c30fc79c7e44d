"""Natural-image patches: R(D) bounds next to codecs on the same patches (docs/results/bounds/).

Trains on patches from --train (never Kodak), measures bounds and codecs on patches of --test.
Usage: nice -n 10 python bench/bounds_patches.py --train /work/shared/data/train \
           --test /work/shared/data/kodak [--eval-records docs/results/kodak/records.jsonl]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
import torch

from ncodec.bounds.codecs import codec_curve, eval_record_curves, mosaic
from ncodec.bounds.experiment import MOSAIC_PATCHES, Settings, draw_samples, patch_experiment
from ncodec.bounds.report import plot_result, write_result
from ncodec.bounds.sources import PatchSource
from ncodec.metrics import psnr_from_mse


def psnr_at_rate(points: list[dict], rate: float) -> float | None:
    """PSNR of a curve at `rate` by linear interpolation in (rate, PSNR); None outside it."""
    pts = sorted((p for p in points if "distortion" in p), key=lambda p: p["rate_bits"])
    rates = [p["rate_bits"] for p in pts]
    if not pts or rate < rates[0] or rate > rates[-1]:
        return None
    return float(np.interp(rate, rates, [psnr_from_mse(p["distortion"]) for p in pts]))


def gap_table(result: dict) -> list[dict]:
    """For each codec, dB below the upper bound (and above the lower bound) at the bound's rates."""
    rows = []
    for name, curve in result["codecs"].items():
        for point in result["upper"]:
            rate = point["rate_bits"]
            codec_db = psnr_at_rate(curve, rate)
            lower_db = psnr_at_rate(result["lower"], rate) if result["lower"] else None
            if codec_db is None:
                continue
            rows.append(
                {
                    "codec": name,
                    "rate_bits": rate,
                    "codec_psnr": codec_db,
                    "upper_bound_psnr": psnr_from_mse(point["distortion"]),
                    "db_below_upper_bound": psnr_from_mse(point["distortion"]) - codec_db,
                    "lower_bound_psnr_limit": lower_db,
                }
            )
    return rows


def add_codecs(path: str, names: list[str]) -> None:
    """Add codec curves to an existing result, on the same held-out patches (same seed/sizes)."""
    result = json.loads(Path(path).read_text())
    src, settings = result["source"], result["settings"]
    train = PatchSource(src["train"], src["patch"], src["gray"], src.get("max_train_images"))
    test = PatchSource(src["test"], src["patch"], src["gray"])
    keys = ("seed", "train_samples", "heldout_samples")
    drawn = draw_samples(train, test, Settings(**{k: settings[k] for k in keys}, lower=False))
    img = mosaic(drawn.heldout[:MOSAIC_PATCHES], src["patch"], src["gray"])
    if list(img.shape) != result["codec_mosaic_shape"]:
        raise SystemExit("regenerated mosaic does not match the result")
    for name in names:
        start = time.process_time()
        result["codecs"][name] = codec_curve(name, img)
        print(f"{name}: {time.process_time() - start:.0f} s CPU")
    result["gaps"] = gap_table(result)
    Path(path).write_text(json.dumps(result, indent=1))
    plot_result(result, Path(path).with_suffix(".png"), result.get("title", Path(path).stem))


def main() -> None:
    """Run the patch experiment and write JSON, plot and a gap table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--patch", type=int, default=4)
    parser.add_argument("--gray", action="store_true", help="gray patches (default RGB)")
    parser.add_argument("--psnr", default="22,26,30,34,38")
    parser.add_argument("--codecs", default="jpeg,webp,avif,jpegxl")
    parser.add_argument("--eval-records", help="ncodec eval records.jsonl for full-image curves")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-samples", type=int, default=100_000)
    parser.add_argument("--heldout", type=int, default=65_536)
    parser.add_argument("--max-train-images", type=int, help="random subset of training images")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--lower-steps", type=int, default=150)
    parser.add_argument("--lower-batch", type=int, default=4096)
    parser.add_argument("--lower-eval", type=int, default=50_000)
    parser.add_argument("--no-lower", action="store_true")
    parser.add_argument("--out", default="docs/results/bounds/patches.json")
    parser.add_argument("--add-codecs", help="only add these codecs to the existing --out result")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.add_codecs:
        add_codecs(args.out, [c for c in args.add_codecs.split(",") if c])
        return
    settings = Settings(
        seed=args.seed,
        train_samples=args.train_samples,
        heldout_samples=args.heldout,
        upper_steps=args.steps,
        lower=not args.no_lower,
        lower_steps=args.lower_steps,
        lower_batch=args.lower_batch,
        lower_eval_samples=args.lower_eval,
        lower_shape="softcap",  # the committed patches.json was made with the soft cap
        progress=False,
    )
    codecs = [c for c in args.codecs.split(",") if c]
    wall = time.perf_counter()
    result = patch_experiment(
        args.train,
        args.test,
        args.patch,
        args.gray,
        [float(v) for v in args.psnr.split(",")],
        settings,
        codecs,
        max_train_images=args.max_train_images,
    )
    if args.eval_records:
        result["codecs"].update(eval_record_curves(args.eval_records, 1 if args.gray else 3))
    result["gaps"] = gap_table(result)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["wall_seconds"] = time.perf_counter() - wall
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    kind = "gray" if args.gray else "RGB"
    title = (
        f"{args.patch}x{args.patch} {kind} patches (train: {Path(args.train).name}, test: Kodak)"
    )
    result["title"] = title
    out = write_result(result, args.out, title, force=True)
    print(f"wrote {out}: wall {result['wall_seconds']:.0f} s, cpu {result['cpu_seconds']:.0f} s")
    for p in result["upper"]:
        print(f"upper R={p['rate_bits']:.3f} bits/dim PSNR={psnr_from_mse(p['distortion']):.2f} dB")
    for row in result["gaps"]:
        print(
            f"{row['codec']}: R={row['rate_bits']:.3f} codec {row['codec_psnr']:.2f} dB, "
            f"{row['db_below_upper_bound']:.2f} dB below upper bound"
        )


if __name__ == "__main__":
    main()
