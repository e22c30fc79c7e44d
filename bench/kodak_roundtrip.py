"""Round-trip every image of a folder through the real CLI: `ncodec compress` then `decompress`.

Checks, per image, that the reported size equals the file size on disk, that the reported PSNR
equals the PSNR of the decoded PNG, and records bpp, PSNR and single-thread encode/decode times.
Writes docs/results/kodak_roundtrip.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from click.testing import CliRunner
from tqdm import tqdm

from ncodec import api
from ncodec.cli import main as cli
from ncodec.io import find_images, load_rgb
from ncodec.metrics import psnr
from ncodec.zoo import find_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, nargs="?", default=Path("../shared/data/kodak"))
    parser.add_argument("--model", default=None)
    parser.add_argument("--qualities", default="25,50,75")
    parser.add_argument("--out", type=Path, default=Path("docs/results/kodak_roundtrip.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    files = find_images(args.data)
    entry = find_model(args.model)
    qualities = [int(q) for q in args.qualities.split(",")]
    runner = CliRunner()
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in tqdm(files, desc="kodak round trip"):
            original = load_rgb(path)
            for q in qualities:
                ncz, png = Path(tmp) / "x.ncz", Path(tmp) / "x.png"
                res = runner.invoke(
                    cli,
                    [
                        "compress",
                        str(path),
                        "-o",
                        str(ncz),
                        "--model",
                        entry.name,
                        "-q",
                        str(q),
                        "--force",
                    ],
                )
                assert res.exit_code == 0, res.output
                reported_bytes = int(re.search(r"(\d+) bytes", res.output).group(1))
                reported_psnr = float(re.search(r"PSNR ([\d.]+) dB", res.output).group(1))
                res = runner.invoke(cli, ["decompress", str(ncz), "-o", str(png), "--force"])
                assert res.exit_code == 0, res.output
                decoded = load_rgb(png)
                data = ncz.read_bytes()
                start = time.perf_counter()
                api.compress_image(original, entry.name, q)
                encode_s = time.perf_counter() - start
                start = time.perf_counter()
                again = api.decompress_image(data)
                decode_s = time.perf_counter() - start
                records.append(
                    {
                        "image": path.name,
                        "quality": q,
                        "bytes_on_disk": ncz.stat().st_size,
                        "reported_bytes": reported_bytes,
                        "bpp": 8 * ncz.stat().st_size / (original.shape[0] * original.shape[1]),
                        "psnr_decoded_png": round(psnr(original, decoded), 4),
                        "psnr_reported": reported_psnr,
                        "decode_repeatable": bool(np.array_equal(again, decoded)),
                        "encode_s": round(encode_s, 4),
                        "decode_s": round(decode_s, 4),
                    }
                )
    summary = {}
    for q in qualities:
        rows = [r for r in records if r["quality"] == q]
        summary[str(q)] = {
            "mean_bpp": round(float(np.mean([r["bpp"] for r in rows])), 4),
            "mean_psnr": round(float(np.mean([r["psnr_decoded_png"] for r in rows])), 3),
            "mean_encode_s": round(float(np.mean([r["encode_s"] for r in rows])), 3),
            "mean_decode_s": round(float(np.mean([r["decode_s"] for r in rows])), 3),
        }
    checks = {
        "size_on_disk_equals_reported": all(
            r["bytes_on_disk"] == r["reported_bytes"] for r in records
        ),
        "max_abs_psnr_difference_reported_vs_png": max(
            abs(r["psnr_decoded_png"] - r["psnr_reported"]) for r in records
        ),
        "all_decodes_repeatable": all(r["decode_repeatable"] for r in records),
    }
    result = {
        "model": entry.name,
        "weights_hash": entry.weights_hash,
        "images": len(files),
        "threads": 1,
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "checks": checks,
        "summary": summary,
        "records": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"checks": checks, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
