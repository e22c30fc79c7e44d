"""Peak memory of compressing and decompressing large and thin images with the shipped model.

Builds a 6000x4000 (24 Mpixel) photo by tiling training photos (resized to 1000x1000 each) and
3-pixel-high strips from one training photo; each step runs in its own single-thread process,
which reports its peak resident set (VmHWM: unlike `ru_maxrss`, it does not include the forking
parent's memory) and CPU time. Loading the model alone is
measured the same way, as the baseline.

    python bench/tiled_memory.py ../shared/data/train --out /tmp/tiled_memory.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from ncodec.io import find_images

STEP = r"""
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
from ncodec import api
op, source, target, model, quality = sys.argv[1:6]
start = time.process_time()
if op == "load":
    api.load_model(model)
elif op == "compress":
    rgb = np.load(source)
    open(target, "wb").write(api.compress_image(rgb, model, int(quality)))
else:
    pixels = api.decompress_image(open(source, "rb").read())
    np.save(target, pixels)
status = open("/proc/self/status").read().split("VmHWM:")[1]
peak = int(status.split()[0]) / 1024  # this process's own peak (ru_maxrss counts the forked parent)
cpu = time.process_time() - start
print(json.dumps({"op": op, "peak_mib": round(peak, 1), "cpu_s": round(cpu, 1)}))
"""


def photo_grid(paths: list[Path], rows: int, cols: int, side: int) -> np.ndarray:
    """rows x cols training photos, each resized to side x side."""
    tiles = [
        np.asarray(Image.open(p).convert("RGB").resize((side, side), Image.BICUBIC))
        for p in paths[: rows * cols]
    ]
    return np.concatenate(
        [np.concatenate(tiles[r * cols : (r + 1) * cols], axis=1) for r in range(rows)], axis=0
    )


def strip(path: Path, width: int) -> np.ndarray:
    """A 3-pixel-high strip: a training photo resized to 3 x width."""
    return np.asarray(Image.open(path).convert("RGB").resize((width, 3), Image.BICUBIC))


def step(op: str, source: Path, target: Path, model: str, quality: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", STEP, op, str(source), str(target), model, str(quality)],
        capture_output=True,
        text=True,
        check=True,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help="folder of training photos (not a test set)")
    parser.add_argument("--model", default="hyperprior-mse")
    parser.add_argument("--quality", type=int, default=50)
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    parser.add_argument("--out", type=Path, default=Path("tiled_memory.json"))
    args = parser.parse_args()
    photos = find_images(args.data, recursive=True)
    cases = {
        "24 Mpixel (4000x6000)": photo_grid(photos, 4, 6, 1000),
        "3x100000 strip": strip(photos[0], 100000),
        "3x20000 strip": strip(photos[1], 20000),
    }
    results = {"model_load": step("load", Path(), Path(), args.model, args.quality)}
    print(json.dumps(results), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, rgb in cases.items():
            if args.only not in name:
                continue
            source, packed, back = (Path(tmp) / n for n in ("in.npy", "x.ncz", "out.npy"))
            np.save(source, rgb)
            row = {
                "shape": list(rgb.shape),
                "compress": step("compress", source, packed, args.model, args.quality),
                "decompress": step("decompress", packed, back, args.model, args.quality),
                "bytes": packed.stat().st_size,
            }
            decoded = np.load(back)
            error = (decoded.astype(np.float64) - rgb.astype(np.float64)) ** 2
            row["psnr"] = round(float(10 * np.log10(255**2 / error.mean())), 2)
            results[name] = row
            print(json.dumps({name: row}), flush=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
