"""Lossless digits: the HCLT circuit (real .ncz files) against PNG, WebP lossless, JPEG XL lossless
and a PixelCNN baseline, on MNIST or Fashion-MNIST test digits.

    OMP_NUM_THREADS=1 .venv/bin/python bench/circuits_mnist.py --set mnist \
        [--parts circuit,files,classical,baseline] [--baseline-run /work/runs/pc/pixelcnn-mnist]

Parts (each merged into docs/results/circuits/<set>.json, then <set>.md is rewritten):
- circuit: the whole test set as ONE batched .ncz (api.compress of N x 28 x 28), decoded and
  compared with every digit; wall and CPU time of one process, one thread; also the integer
  circuit's ideal -log2 P (no coder) for comparison.
- files: one .ncz file per digit for the first --files digits (every byte counted: container
  header + stream), each decoded and compared.
- classical: one file per digit for every test digit, each decoded and compared; PNG (zlib 9),
  WebP lossless (effort 100, method 6; gray replicated to RGB), JPEG XL lossless (effort 7 and 9).
- baseline: the PixelCNN coded as one stream of the first --baseline-count digits (one network
  pass per pixel when decoding), plus its ideal bits per dimension on the whole test set.
Bits per dimension = 8 * bytes / pixels. Times are medians over --repeat runs where stated.
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
from ncodec.circuits import pixelcnn
from ncodec.circuits.coder import ideal_bits
from ncodec.circuits.digits import load_digits
from ncodec.classical import LOSSLESS_CODECS
from ncodec.format.container import read_ncz

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SETS = {
    "mnist": (DATA / "mnist" / "t10k-images-idx3-ubyte.gz", "pc-mnist"),
    "fashion-mnist": (DATA / "fashion_mnist" / "t10k-images-idx3-ubyte.gz", "pc-fashion-mnist"),
}
CLASSICAL = (
    ("png", "png", 9, {}),
    ("webp-lossless", "webp-lossless", 100, {"method": 6}),
    ("jpegxl-lossless e7", "jpegxl-lossless", 100, {"effort": 7}),
    ("jpegxl-lossless e9", "jpegxl-lossless", 100, {"effort": 9}),
)


def timed(function, *args, **kwargs):
    """(result, wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def circuit_part(images: np.ndarray, model: str, repeat: int) -> dict:
    codec = api.load_model(model)
    runs = []
    for _ in range(repeat):
        data, enc_wall, enc_cpu = timed(api.compress, images, model)
        decoded, dec_wall, dec_cpu = timed(api.decode, data)
        if not np.array_equal(decoded.data, images):
            raise SystemExit("circuit: a digit did not round-trip")
        runs.append((enc_wall, enc_cpu, dec_wall, dec_cpu))
    enc_wall, enc_cpu, dec_wall, dec_cpu = np.median(np.array(runs), axis=0)
    ideal = float(ideal_bits(codec.circuit, images).sum())
    return {
        "digits": len(images),
        "file_bytes": len(data),
        "bpd": 8 * len(data) / images.size,
        "ideal_bpd": ideal / images.size,
        "encode_s": enc_wall,
        "decode_s": dec_wall,
        "encode_cpu_s": enc_cpu,
        "decode_cpu_s": dec_cpu,
        "runs": repeat,
        "round_trip": "all digits identical",
    }


def files_part(images: np.ndarray, model: str) -> dict:
    sizes, enc, dec = [], 0.0, 0.0
    for digit in images:
        data, wall, _ = timed(api.compress, digit, model)
        decoded, dwall, _ = timed(api.decode, data)
        if not np.array_equal(decoded.data, digit):
            raise SystemExit("files: a digit did not round-trip")
        sizes.append(len(data))
        enc, dec = enc + wall, dec + dwall
    data = api.compress(images[0], model)
    header = len(data) - sum(len(stream) for stream in read_ncz(data)[1])
    return {
        "digits": len(images),
        "mean_file_bytes": float(np.mean(sizes)),
        "bpd": 8 * float(np.sum(sizes)) / images.size,
        "container_bytes_per_file": header,
        "encode_ms_per_digit": 1000 * enc / len(images),
        "decode_ms_per_digit": 1000 * dec / len(images),
    }


def classical_part(images: np.ndarray) -> dict:
    out = {}
    for label, name, level, settings in CLASSICAL:
        codec = LOSSLESS_CODECS[name]
        total, enc, dec = 0, 0.0, 0.0
        for digit in images:
            source = digit if codec.gray_input else np.repeat(digit[:, :, None], 3, axis=2)
            data, wall, _ = timed(codec.encode, source, level, threads=1, **settings)
            decoded, dwall, _ = timed(codec.decode, data, threads=1)
            if not np.array_equal(decoded if decoded.ndim == 2 else decoded[..., 0], digit):
                raise SystemExit(f"{label}: a digit did not round-trip")
            total, enc, dec = total + len(data), enc + wall, dec + dwall
        out[label] = {
            "version": codec.version,
            "bpd": 8 * total / images.size,
            "encode_ms_per_digit": 1000 * enc / len(images),
            "decode_ms_per_digit": 1000 * dec / len(images),
        }
    return out


def baseline_part(images: np.ndarray, run: Path, count: int) -> dict:
    state = torch.load(run / "checkpoint.pt")
    args = state["args"]
    model = pixelcnn.PixelCnn(args["channels"], args["layers"]).eval()
    model.load_state_dict(state["model"])
    subset = np.ascontiguousarray(images[:count])
    data, enc_wall, enc_cpu = timed(pixelcnn.encode, model, subset)
    decoded, dec_wall, dec_cpu = timed(pixelcnn.decode, model, data, len(subset))
    if not np.array_equal(decoded, subset):
        raise SystemExit("baseline: a digit did not round-trip")
    with torch.no_grad():
        bits = sum(
            float(model.nll_bits(torch.from_numpy(images[s : s + 500]))) * len(images[s : s + 500])
            for s in range(0, len(images), 500)
        )
    return {
        "digits": len(subset),
        "stream_bytes": len(data),
        "bpd_subset": 8 * len(data) / subset.size,
        "ideal_bpd_all": bits / len(images),
        "encode_s": enc_wall,
        "decode_s": dec_wall,
        "encode_cpu_s": enc_cpu,
        "decode_cpu_s": dec_cpu,
        "training": state["history"][-1] | {"config": {k: args[k] for k in ("channels", "layers")}},
    }


def write_markdown(path: Path, results: dict) -> None:
    lines = [f"# Lossless {results['set']} test digits ({results.get('digits', '?')} digits)", ""]
    lines += [
        f"Generated by `bench/circuits_mnist.py --set {results['set']}` on {results['machine']}.",
        "",
    ]
    lines += [
        "| codec | bits/dim | encode ms/digit | decode ms/digit | notes |",
        "|---|---:|---:|---:|---|",
    ]
    c = results.get("circuit")
    if c:
        n = c["digits"]
        lines.append(
            f"| **HCLT `{results['model']}`, one batched file** | **{c['bpd']:.4f}** | "
            f"{1000 * c['encode_s'] / n:.2f} | {1000 * c['decode_s'] / n:.2f} | {c['file_bytes']} "
            f"bytes for {n} digits; ideal {c['ideal_bpd']:.4f}; CPU "
            f"{1000 * c['encode_cpu_s'] / n:.2f} / {1000 * c['decode_cpu_s'] / n:.2f} ms; "
            f"median of {c['runs']} |"
        )
    f = results.get("files")
    if f:
        lines.append(
            f"| HCLT, one .ncz per digit | {f['bpd']:.4f} | {f['encode_ms_per_digit']:.2f} | "
            f"{f['decode_ms_per_digit']:.2f} | first {f['digits']} digits; mean file "
            f"{f['mean_file_bytes']:.1f} bytes, {f['container_bytes_per_file']} of them container |"
        )
    for label, r in results.get("classical", {}).items():
        if label == "measured":
            continue
        lines.append(
            f"| {label} ({r['version']}) | {r['bpd']:.4f} | {r['encode_ms_per_digit']:.3f} | "
            f"{r['decode_ms_per_digit']:.3f} | one file per digit |"
        )
    b = results.get("baseline")
    if b:
        n = b["digits"]
        lines.append(
            f"| PixelCNN baseline, one stream | {b['bpd_subset']:.4f} | "
            f"{1000 * b['encode_s'] / n:.1f} | {1000 * b['decode_s'] / n:.1f} | first {n} digits; "
            f"ideal {b['ideal_bpd_all']:.4f} on all; CPU {1000 * b['encode_cpu_s'] / n:.1f} / "
            f"{1000 * b['decode_cpu_s'] / n:.1f} ms |"
        )
    if c and b:
        pc = (c["encode_s"] + c["decode_s"]) / c["digits"]
        nn = (b["encode_s"] + b["decode_s"]) / b["digits"]
        lines += [
            "",
            f"Compress + decompress per digit: HCLT {1000 * pc:.2f} ms, PixelCNN "
            f"{1000 * nn:.1f} ms: the circuit is {nn / pc:.0f}x faster.",
        ]
        if c.get("measured") != b.get("measured"):
            lines[-1] += (
                f" Timed in separate runs (circuit {c.get('measured', 'earlier')}, PixelCNN "
                f"{b.get('measured', 'an earlier session')}) under different machine load: "
                "the ratio is rough."
            )
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=SETS, default="mnist")
    parser.add_argument("--parts", default="circuit,files,classical,baseline")
    parser.add_argument("--model", default=None)
    parser.add_argument("--limit", type=int, default=None, help="first N test digits only")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-run", type=Path, default=None)
    parser.add_argument("--baseline-count", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "circuits")
    args = parser.parse_args()
    torch.set_num_threads(1)
    source, default_model = SETS[args.set]
    model = args.model or default_model
    images = load_digits(source)[: args.limit]
    path = args.out / f"{args.set}.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results |= {
        "set": args.set,
        "model": model,
        "digits": len(images),
        "test_data": str(source.relative_to(ROOT.parent)),
        "machine": f"{platform.machine()}, 1 thread, shared 2-core machine under load",
    }
    parts = args.parts.split(",")
    measured = {"measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if "circuit" in parts:
        results["circuit"] = circuit_part(images, model, args.repeat) | measured
    if "files" in parts:
        results["files"] = files_part(images[: args.files], model) | measured
    if "classical" in parts:
        results["classical"] = classical_part(images) | measured
    if "baseline" in parts:
        baseline = baseline_part(images, args.baseline_run, args.baseline_count)
        results["baseline"] = baseline | measured
    args.out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    write_markdown(path.with_suffix(".md"), results)
    print(path.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
