"""The realism knob on Kodak (issue 19): the perception–distortion trade-off over beta, real files.

Every image is coded once per quality by hyperprior-mse (the file is the same for every beta)
and decoded at each beta with the installed realism head; JPEG, WebP and AVIF (the harness's
settings: `ncodec.eval`) code the same images in the same run. Per file: real bpp, PSNR, MS-SSIM
(dB), the patch realism distance `ncodec.swd.realism_swd` and the NIQE-style score. The summary
reads each codec's averaged curve at 0.15 and 0.3 bpp (linear in log bpp,
`ncodec.eval.perception.at_rate`) and plots the plane: PSNR across, realism distance up, the
beta curve as a line. Decode time (one thread, file bytes to pixels) of beta 0 and beta 1 is
measured on every file. Resumable: records are appended per image.

    OMP_NUM_THREADS=1 python bench/realism_knob.py --images ../shared/data/kodak \\
        --out docs/results/realism/knob [--shard K/N]   # N processes, then --report-only
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from ncodec import api
from ncodec.eval.perception import at_rate
from ncodec.eval.registry import resolve_codec_list
from ncodec.format.container import read_ncz
from ncodec.io import find_images, load_rgb
from ncodec.metrics import msssim, msssim_db, psnr
from ncodec.models import realism
from ncodec.niqe import niqe
from ncodec.swd import realism_swd

MODEL = "hyperprior-mse"
QUALITIES = (10, 18, 29, 43, 55)
BETAS = (0.0, 0.25, 0.5, 0.75, 1.0)
CLASSICAL = "jpeg:q=3/5/8/12/18/25,webp:q=0/2/10/20/35,avif:q=8/15/25/35/45"
RATES = (0.15, 0.3)
FIELDS = ("psnr", "ms_ssim_db", "swd", "niqe")


def scores(original: np.ndarray, decoded: np.ndarray) -> dict[str, float]:
    return {
        "psnr": psnr(original, decoded),
        "ms_ssim_db": msssim_db(msssim(original, decoded)),
        "swd": realism_swd(original, decoded),
        "niqe": niqe(decoded),
    }


def timed(fn, *args, **kwargs):
    start = time.process_time()
    out = fn(*args, **kwargs)
    return out, time.process_time() - start


def image_records(name: str, image: np.ndarray, classical: list) -> list[dict]:
    """Every record of one image."""
    codec = api.load_model(MODEL)
    head = realism.head_of(codec)
    pixels_count = image.shape[0] * image.shape[1]
    records = []
    for q in QUALITIES:
        data = api.compress_image(image, MODEL, q)
        plain, plain_s = timed(api.decompress_image, data)
        realistic, realistic_s = timed(api.decompress_image, data, realism=1.0)
        header, streams = read_ncz(data)
        base, y_hat = codec.realism_inputs(streams, header)
        assert np.array_equal(base, plain)
        for beta in BETAS:
            decoded = head.fixed(base, y_hat, beta) if beta else base
            if beta == 1.0:
                assert np.array_equal(decoded, realistic)
            records.append(
                {
                    "image": name,
                    "codec": f"{MODEL} beta={beta:g}",
                    "beta": beta,
                    "quality": q,
                    "bytes": len(data),
                    "bpp": 8 * len(data) / pixels_count,
                    **scores(image, decoded),
                    "decode_cpu_s": plain_s if beta == 0 else realistic_s if beta == 1 else None,
                }
            )
    for codec_spec in classical:
        for q in codec_spec.ladder:
            data = codec_spec.encode(image, q)
            decoded, seconds = timed(codec_spec.decode, data)
            records.append(
                {
                    "image": name,
                    "codec": codec_spec.spec,
                    "quality": q,
                    "bytes": len(data),
                    "bpp": 8 * len(data) / pixels_count,
                    **scores(image, decoded),
                    "decode_cpu_s": seconds,
                }
            )
    return records


def summarize(records: list[dict]) -> dict:
    """Per codec: the mean curve over images (per quality), read at the fixed rates."""
    by_codec: dict[str, dict[float, list[dict]]] = {}
    for r in records:
        by_codec.setdefault(r["codec"], {}).setdefault(r["quality"], []).append(r)
    images = {r["image"] for r in records}
    summary = {}
    for codec, by_q in by_codec.items():
        complete = {q: rs for q, rs in by_q.items() if len(rs) == len(images)}
        qs = sorted(complete)
        curve = {"bpp": [float(np.mean([r["bpp"] for r in complete[q]])) for q in qs]}
        for field in FIELDS:
            curve[field] = [float(np.mean([r[field] for r in complete[q]])) for q in qs]
        times = [r["decode_cpu_s"] for rs in complete.values() for r in rs if r["decode_cpu_s"]]
        summary[codec] = {
            "curve": curve,
            "at": {f"{b:g}": {f: at_rate(curve, f, b) for f in FIELDS} for b in RATES},
            "decode_cpu_s_median": float(np.median(times)) if times else None,
        }
    return {"images": len(images), "codecs": summary}


def markdown(summary: dict) -> str:
    lines = [
        f"Kodak, {summary['images']} images, real files; values read at the rate on each "
        "codec's mean curve (linear in log bpp). SWD: patch realism distance (lower = nearer "
        "the originals' statistics); NIQE-style: no-reference (lower = more natural).",
        "",
        "| codec | " + " | ".join(f"{f} @ {b:g}" for b in RATES for f in FIELDS) + " | decode s |",
        "|---|" + "---:|" * (len(RATES) * len(FIELDS) + 1),
    ]
    for codec, entry in summary["codecs"].items():
        cells = []
        for b in RATES:
            for f in FIELDS:
                v = entry["at"][f"{b:g}"][f]
                cells.append("–" if v is None else f"{v:.4f}" if f == "swd" else f"{v:.2f}")
        t = entry["decode_cpu_s_median"]
        cells.append("–" if t is None else f"{t:.3f}")
        lines.append(f"| {codec} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(summary: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.5))
    for i, b in enumerate(RATES):
        ax = fig.add_subplot(1, len(RATES), i + 1)
        betas = [c for c in summary["codecs"] if c.startswith(MODEL)]
        xs = [summary["codecs"][c]["at"][f"{b:g}"]["psnr"] for c in betas]
        ys = [summary["codecs"][c]["at"][f"{b:g}"]["swd"] for c in betas]
        ax.plot(xs, ys, "o-", color="C3", label=f"{MODEL} + realism head, beta 0..1")
        for c, x, y in zip(betas, xs, ys, strict=True):
            if x is not None:
                ax.annotate(c.split("=")[1], (x, y), textcoords="offset points", xytext=(4, 4))
        for j, c in enumerate(c for c in summary["codecs"] if not c.startswith(MODEL)):
            point = summary["codecs"][c]["at"][f"{b:g}"]
            if point["psnr"] is not None:
                ax.plot(point["psnr"], point["swd"], "s", color=f"C{j}", label=c.split(":")[0])
        ax.set_xlabel("PSNR (dB)")
        ax.set_ylabel("realism distance (patch SWD, lower = more realistic)")
        ax.set_title(f"Kodak at {b:g} bpp")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--shard", default="0/1", help="K/N: this process codes images K, K+N, ...")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    shard, shards = (int(v) for v in args.shard.split("/"))
    path = args.out / ("records.jsonl" if shards == 1 else f"records.{shard}.jsonl")
    done = set()
    if path.exists():
        done = {json.loads(line)["image"] for line in path.read_text().splitlines()}
    if not args.report_only:
        classical = resolve_codec_list(CLASSICAL)
        for file in find_images([args.images])[: args.limit][shard::shards]:
            if file.stem in done:
                continue
            records = image_records(file.stem, load_rgb(file), classical)
            with path.open("a") as f:
                f.writelines(json.dumps(r) + "\n" for r in records)
            print(file.stem, flush=True)
    if shards > 1:
        return
    parts = sorted(args.out.glob("records*.jsonl"))
    records = [json.loads(line) for part in parts for line in part.read_text().splitlines()]
    summary = summarize(records)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    (args.out / "summary.md").write_text(markdown(summary))
    plot(summary, args.out / "perception_distortion_beta.png")
    print(markdown(summary))


if __name__ == "__main__":
    main()
