"""One unit of batch work, run inside a cluster worker: read a file, code it, write atomically.

Outputs appear complete or not at all (`write_file_atomic`), so a run that is interrupted at
any moment leaves only finished outputs, and the next run skips exactly those.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("compress", "decompress", "eval")


@dataclass(frozen=True)
class Job:
    """What to do with one input file; `target` is the output it must leave behind."""

    kind: str
    source: str
    target: str
    model: str | None = None
    quality: int = 75
    threads: int = 1
    """PyTorch threads in the worker (one per worker process keeps the cores busy)."""


def run_job(job: Job) -> dict[str, Any]:
    """Do the job (in a worker process) and return a small record of what was done."""
    import torch

    torch.set_num_threads(job.threads)
    start = time.perf_counter()
    Path(job.target).parent.mkdir(parents=True, exist_ok=True)
    record = {"compress": _compress, "decompress": _decompress, "eval": _evaluate}[job.kind](job)
    seconds = time.perf_counter() - start
    return {"source": job.source, "target": job.target, **record, "seconds": seconds}


def _compress(job: Job) -> dict[str, Any]:
    from ncodec import api
    from ncodec.io import load_image, write_file_atomic

    image = load_image(job.source)
    data = api.compress(image, job.model, job.quality)
    write_file_atomic(job.target, data)
    return {"bytes": len(data), "bpp": 8 * len(data) / (image.height * image.width)}


def _decompress(job: Job) -> dict[str, Any]:
    from ncodec import api
    from ncodec.io import encode_image, read_input_file, write_file_atomic

    decoded = api.decode(read_input_file(job.source))
    png = encode_image(decoded.rgb, decoded.header.mode, Path(job.target).suffix)
    write_file_atomic(job.target, png)
    return {"bytes": len(png)}


def _evaluate(job: Job) -> dict[str, Any]:
    """Code and decode one image; the record (bytes, bpp, PSNR, MS-SSIM, times) is the output."""
    from ncodec import api
    from ncodec.io import load_image, write_file_atomic
    from ncodec.metrics import msssim, psnr

    image = load_image(job.source)
    start = time.perf_counter()
    data = api.compress(image, job.model, job.quality)
    encoded = time.perf_counter()
    decoded = api.decode(data)
    done = time.perf_counter()
    pixels = image.height * image.width
    record = {
        "image": job.source,
        "model": decoded.header.model,
        "weights_hash": decoded.header.weights_hash,
        "quality": job.quality,
        "bytes": len(data),
        "bpp": 8 * len(data) / pixels,
        "psnr": psnr(image.rgb, decoded.rgb),
        "ms_ssim": _finite(msssim(image.rgb, decoded.rgb)),
        "encode_s": encoded - start,
        "decode_s": done - encoded,
    }
    write_file_atomic(job.target, (json.dumps(record) + "\n").encode())
    return record


def _finite(value: float) -> float | None:
    """JSON has no NaN: MS-SSIM of a small image is null."""
    return value if value == value else None
