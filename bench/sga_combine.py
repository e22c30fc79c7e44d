"""Pool the records of several `bench/sga_gain.py` runs and report each variant's BD-rate vs plain
over the images that have every quality of both (a run stopped early leaves whole images only).

    python bench/sga_combine.py RECORDS.jsonl [RECORDS.jsonl ...] --variant sga:80 \
        --out docs/results/sga_more_images.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path


def _sga_gain():
    """The sibling bench module (its record format and summary)."""
    path = Path(__file__).with_name("sga_gain.py")
    spec = importlib.util.spec_from_file_location("sga_gain", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", type=Path, nargs="+")
    parser.add_argument("--variant", required=True)
    parser.add_argument("--qualities", default="15,43,72")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sga_gain = _sga_gain()
    qualities = [int(q) for q in args.qualities.split(",")]
    variants = ["plain", args.variant]
    records = [
        r
        for path in args.records
        for r in sga_gain.load_records(path)
        if r["variant"] in variants and r["quality"] in qualities
    ]
    have = {(r["image"], r["quality"], r["variant"]) for r in records}
    images = sorted(
        image
        for image in {r["image"] for r in records}
        if all((image, q, v) in have for q in qualities for v in variants)
    )
    chosen = [r for r in records if r["image"] in images]
    summary = sga_gain.summarize(chosen, variants, qualities)
    gain = summary["gains"].get(args.variant)
    print(f"{len(images)} images: {', '.join(images)}")
    print(f"{args.variant}: {gain}")
    args.out.write_text(
        json.dumps(
            {
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "sources": [str(p) for p in args.records],
                "images": images,
                "qualities": qualities,
                **summary,
                "records": chosen,
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
