"""Decode time of the shipped model: this tree against an older git revision, in one run.

Each side runs in its own single-thread worker process (its own `src/` on PYTHONPATH); the files
are encoded once by the older revision (format 1, which both read), and each image is decoded by
both workers in turn, so machine load affects both alike. Reports the median CPU and wall time of
`api.decompress_image` (file bytes to pixels, entropy decoding included) and whether the pixels
agree. Writes a JSON file and prints a Markdown table.

    python bench/decode_time_vs_revision.py c0f7503 ../shared/data/kodak --limit 8
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

WORKER = r"""
import sys, time, json, hashlib
import torch
torch.set_num_threads(1)
from ncodec import api
import numpy as np
from PIL import Image
for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "encode":
        rgb = np.asarray(Image.open(request["image"]).convert("RGB"))
        data = api.compress_image(rgb, request["model"], request["quality"])
        open(request["out"], "wb").write(data)
        print(json.dumps({"bytes": len(data)}), flush=True)
        continue
    data = open(request["file"], "rb").read()
    api.decompress_image(data)  # warm-up: model load, caches
    cpu, wall = [], []
    for _ in range(request["repeats"]):
        c0, w0 = time.process_time(), time.perf_counter()
        pixels = api.decompress_image(data)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    digest = hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()
    print(json.dumps({"cpu": cpu, "wall": wall, "sha256": digest}), flush=True)
"""


class Worker:
    """A persistent single-thread Python process importing ncodec from `src`."""

    def __init__(self, src: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=src.parent,
        )

    def ask(self, **request: object) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("worker died (see its error above)")
        return json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("revision", help="older git revision to compare against")
    parser.add_argument("data", type=Path, help="folder of images")
    parser.add_argument("--model", default="hyperprior-mse")
    parser.add_argument("--quality", type=int, default=50)
    parser.add_argument("--limit", type=int, default=8, help="first N images")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=Path("docs/results/decode_time_vs_revision.json")
    )
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    images = sorted(p.resolve() for p in args.data.iterdir() if p.suffix.lower() == ".png")
    images = images[: args.limit]
    if not images:
        raise SystemExit(f"no PNG images in {args.data}")
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(root), "worktree", "add", "--detach", str(old_tree), args.revision],
            check=True,
            capture_output=True,
        )
        try:
            old, new = Worker(old_tree / "src"), Worker(root / "src")
            rows = []
            for image in images:
                file = Path(tmp) / f"{image.stem}.ncz"
                size = old.ask(
                    op="encode",
                    image=str(image),
                    model=args.model,
                    quality=args.quality,
                    out=str(file),
                )["bytes"]
                before = old.ask(op="decode", file=str(file), repeats=args.repeats)
                after = new.ask(op="decode", file=str(file), repeats=args.repeats)
                rows.append(
                    {
                        "image": image.name,
                        "bytes": size,
                        "old_cpu_s": statistics.median(before["cpu"]),
                        "new_cpu_s": statistics.median(after["cpu"]),
                        "old_wall_s": statistics.median(before["wall"]),
                        "new_wall_s": statistics.median(after["wall"]),
                        "same_pixels": before["sha256"] == after["sha256"],
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(root), "worktree", "remove", "--force", str(old_tree)],
                check=False,
                capture_output=True,
            )
    summary = {
        key: statistics.median(r[key] for r in rows)
        for key in ("old_cpu_s", "new_cpu_s", "old_wall_s", "new_wall_s")
    }
    result = {
        "revision": args.revision,
        "model": args.model,
        "quality": args.quality,
        "threads": 1,
        "median": summary,
        "same_pixels_all": all(r["same_pixels"] for r in rows),
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"| | {args.revision} | this tree |\n|---|---|---|")
    print(f"| median decode CPU s | {summary['old_cpu_s']:.3f} | {summary['new_cpu_s']:.3f} |")
    print(f"| median decode wall s | {summary['old_wall_s']:.3f} | {summary['new_wall_s']:.3f} |")
    print(f"| identical pixels | {result['same_pixels_all']} | |")


if __name__ == "__main__":
    main()
