"""`summary.json` of a batch eval: the mean rate and quality over every finished image."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ncodec.io import write_file_atomic


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means of bpp, PSNR and MS-SSIM (over the images that have one) and the images."""

    def mean(key: str) -> float | None:
        values = [r[key] for r in records if r.get(key) is not None]
        return math.fsum(values) / len(values) if values else None

    return {
        "images": len(records),
        "models": sorted({r["model"] for r in records}),
        "qualities": sorted({r["quality"] for r in records}),
        "mean_bpp": mean("bpp"),
        "mean_psnr": mean("psnr"),
        "mean_ms_ssim": mean("ms_ssim"),
        "per_image": sorted(records, key=lambda r: r["image"]),
    }


def write_summary(targets: Sequence[Path], out: Path) -> dict[str, Any]:
    """Read every per-image record of the run (earlier runs' included) and write the summary."""
    records = [json.loads(Path(t).read_text()) for t in targets if Path(t).exists()]
    summary = summarize(records)
    write_file_atomic(out / "summary.json", (json.dumps(summary, indent=1) + "\n").encode(), True)
    return summary
