"""Average per-image records into one R-D curve per codec, over a common set of images."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ncodec.eval.codec import Codec
from ncodec.metrics import msssim_db

QUALITY_FIELDS = ("bpp", "psnr_rgb", "ms_ssim_rgb", "realism_swd", "niqe")
TIMING_FIELDS = (
    "encoding_time_s",
    "decoding_time_s",
    "encoding_cpu_s",
    "decoding_cpu_s",
    "decode_peak_mem_bytes",
)


def timing_setting(record: dict) -> tuple[int, int]:
    """(repeats, warmup) a record was timed with; larger sorts as more careful."""
    return (int(record.get("repeats", 1)), int(record.get("warmup", 0)))


def timed_images(
    records: list[dict], spec: str, images: list[str]
) -> tuple[tuple[int, int], list[str]]:
    """The most careful timing setting used for a codec and the images timed that way (time
    averages use only these, so quick once-only timings never mix into them)."""
    chosen = set(images)
    mine = [r for r in records if r["codec"] == spec and r["image"] in chosen]
    if not mine:
        return (1, 0), []
    best = max(timing_setting(r) for r in mine)
    timed = {r["image"] for r in mine if timing_setting(r) == best}
    return best, [name for name in images if name in timed]


def complete_images(records: list[dict], codecs: list[Codec], images: list[str]) -> list[str]:
    """Images measured at every quality of every codec (averages use only these, so that all
    curves average the same images)."""
    have = {(r["image"], r["codec"], float(r["quality"])) for r in records}
    return [
        name
        for name in images
        if all((name, c.spec, float(q)) in have for c in codecs for q in c.ladder)
    ]


def _mean(values: list[float | None]) -> float | None:
    """Mean of the values, None if any is missing (e.g. memory not measurable)."""
    if not values or any(v is None for v in values):
        return None
    return float(np.mean(np.asarray(values, dtype=np.float64)))


def average_curves(
    records: list[dict], codecs: list[Codec], images: list[str]
) -> dict[str, dict[str, list]]:
    """Per codec: quality ladder and, per quality, the mean over `images` of each metric.

    `ms_ssim_db` is -10*log10(1 - mean MS-SSIM), as in published plots. Times and memory are
    averaged over the images timed with the codec's most careful setting (see `timed_images`).
    """
    chosen = set(images)
    by_point: dict[tuple[str, float], list[dict]] = defaultdict(list)
    for r in records:
        if r["image"] in chosen:
            by_point[(r["codec"], float(r["quality"]))].append(r)
    curves: dict[str, dict[str, list]] = {}
    for codec in codecs:
        curve: dict[str, list] = {"quality": list(codec.ladder)}
        points = [by_point[(codec.spec, float(q))] for q in codec.ladder]
        for name in QUALITY_FIELDS:
            curve[name] = [_mean([r.get(name) for r in point]) for point in points]
        _, timed = timed_images(records, codec.spec, images)
        timed_set = set(timed)
        for name in TIMING_FIELDS:
            curve[name] = [
                _mean([r.get(name) for r in point if r["image"] in timed_set]) for point in points
            ]
        curve["ms_ssim_db"] = [
            msssim_db(v) if v is not None else math.nan for v in curve["ms_ssim_rgb"]
        ]
        curves[codec.spec] = curve
    return curves
