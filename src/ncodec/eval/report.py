"""Turn an evaluation run into results.json and the Bjøntegaard table bd_rate.md."""

from __future__ import annotations

import math
import os
import platform
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import imagecodecs
import numpy as np
import torch

from ncodec import __version__
from ncodec.errors import InputError
from ncodec.eval.aggregate import average_curves, complete_images, timed_images
from ncodec.eval.bdrate import BDResult, bd_quality, bd_rate
from ncodec.eval.harness import EvalRun
from ncodec.eval.perception import perception_points
from ncodec.eval.reference import PUBLISHED_SUFFIX, has_msssim
from ncodec.eval.timing import MEMORY_METHOD


@dataclass(frozen=True)
class BDRow:
    """One codec against the anchor: BD-rate (PSNR and MS-SSIM dB), BD-PSNR, mean speed."""

    name: str
    published: bool
    bd_rate_psnr: BDResult
    bd_psnr: BDResult
    bd_rate_msssim: BDResult | None
    encode_cpu_s: float | None  # measured curves only (published ones were timed elsewhere)
    decode_cpu_s: float | None
    decode_wall_s: float | None


def choose_anchor(anchor: str | None, measured: list[str], published: list[str]) -> str:
    """The anchor curve's name: a measured codec spec or a published curve (suffix optional)."""
    if anchor is None:
        return "jpeg" if "jpeg" in measured else measured[0]
    for candidate in (anchor, anchor + PUBLISHED_SUFFIX):
        if candidate in measured or candidate in published:
            return candidate
    choices = ", ".join([*measured, *published])
    raise InputError(f"--anchor {anchor!r} is not among the curves ({choices})")


def _mean_time(values: list | None) -> float | None:
    """Mean over the ladder of per-image mean times; None if absent."""
    if not values or any(v is None for v in values):
        return None
    return float(np.mean(values))


def bd_rows(curves: dict[str, dict], anchor: str) -> list[BDRow]:
    """BD numbers of every curve (anchor included, as the zero row) against `anchor`."""
    ref = curves[anchor]
    rows = []
    for name, curve in curves.items():
        published = name.endswith(PUBLISHED_SUFFIX)
        ms = None
        if has_msssim(ref) and has_msssim(curve):
            ms = bd_rate(ref["bpp"], ref["ms_ssim_db"], curve["bpp"], curve["ms_ssim_db"])
        rows.append(
            BDRow(
                name=name,
                published=published,
                bd_rate_psnr=bd_rate(ref["bpp"], ref["psnr_rgb"], curve["bpp"], curve["psnr_rgb"]),
                bd_psnr=bd_quality(ref["bpp"], ref["psnr_rgb"], curve["bpp"], curve["psnr_rgb"]),
                bd_rate_msssim=ms,
                encode_cpu_s=None if published else _mean_time(curve.get("encoding_cpu_s")),
                decode_cpu_s=None if published else _mean_time(curve.get("decoding_cpu_s")),
                decode_wall_s=None if published else _mean_time(curve.get("decoding_time_s")),
            )
        )
    return rows


def timing_label(records: list[dict], spec: str, images: list[str]) -> str:
    """How a codec's reported times were taken, e.g. "median of 3 after 1 warm-up, 9 of 24
    images" (the other images were coded once and are not in the time averages)."""
    (repeats, warmup), timed = timed_images(records, spec, images)
    if not timed:
        return "not measured"
    label = f"median of {repeats} after {warmup} warm-up"
    if len(timed) < len(images):
        label += f", {len(timed)} of {len(images)} images ({', '.join(timed)})"
    return label


def machine_info() -> dict[str, object]:
    """Where the numbers were taken: CPU, OS, Python and library versions."""
    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):  # noqa: SIM115 - short read
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "torch": torch.__version__,
        "imagecodecs": imagecodecs.__version__,
        "ncodec": __version__,
    }


def build_results(
    run: EvalRun, anchor: str, reference: dict[str, dict] | None = None
) -> tuple[dict, list[BDRow]]:
    """The results.json document and the BD rows of the measured and published curves."""
    images = complete_images(run.records, run.codecs, run.images)
    if not images:
        raise InputError("no image was measured completely by every codec; nothing to report")
    curves = average_curves(run.records, run.codecs, images)
    all_curves = {**curves, **(reference or {})}
    rows = bd_rows(all_curves, anchor)
    incomplete = sorted(set(run.images) - set(images))
    results = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": {
            "path": str(run.data_dir),
            "name": run.data_dir.name,
            "n_images": len(images),
            "images": images,
            "skipped_unreadable": run.skipped,
            "excluded_incomplete": incomplete,
        },
        "method": {
            "rate": "bytes of the complete encoded file * 8 / (height * width), per image",
            "psnr_rgb": "10*log10(255^2 / MSE over all RGB samples), per image, then averaged",
            "ms_ssim_rgb": "pytorch-msssim on RGB in [0, 255], data_range=255, averaged",
            "ms_ssim_db": "-10*log10(1 - averaged MS-SSIM)",
            "realism_swd": "sliced Wasserstein distance between the 7x7 patch distributions of "
            "the Laplacian pyramids of reconstruction and original (ncodec.swd), per image, "
            "averaged; null for points stored before it was measured",
            "niqe": "NIQE-style no-reference score of the reconstruction (ncodec.niqe, pristine "
            "model fitted on BSDS500 training photos), per image, averaged; NaN below 96x96",
            "perception_distortion": "PSNR, MS-SSIM dB and realism_swd of each averaged curve "
            "at fixed rates, linear in log(bpp) between the two ladder points around the rate",
            "timing": {
                **asdict(run.timing),
                "statistic": "median of `repeats` timed runs after `warmup` untimed runs, "
                "time.perf_counter wall clock, one image in memory, no file I/O; "
                "curves hold the mean over images of these medians",
                "thread_control": "torch.set_num_threads, OMP/MKL/BLAS env vars, imagecodecs "
                "numthreads where the codec has it",
                "clocks": "encoding/decoding_cpu_s: time.process_time (CPU seconds of the whole "
                "process, robust on a shared machine); encoding/decoding_time_s: wall clock",
                "jobs": run.jobs,
            },
            "decode_peak_mem_bytes": MEMORY_METHOD,
            "bd": "Bjøntegaard delta, PCHIP interpolation over the overlapping interval only",
        },
        "machine": machine_info(),
        "codecs": {
            c.spec: {
                "version": c.version,
                "settings": c.settings,
                "quality_meaning": c.quality_meaning,
                "ladder": list(c.ladder),
                "timing": timing_label(run.records, c.spec, images),
            }
            for c in run.codecs
        },
        "anchor": anchor,
        "curves": curves,
        "reference_curves": reference or {},
        "perception_distortion": perception_points(curves),
        "bd": [_row_json(r) for r in rows],
        "failures": run.failures,
        "per_image": sorted(
            (r for r in run.records if r["image"] in set(images)),
            key=lambda r: (r["codec"], r["image"], float(r["quality"])),
        ),
    }
    return results, rows


def _row_json(row: BDRow) -> dict:
    """A BD row as plain JSON (NaN for undefined deltas)."""

    def pack(result: BDResult | None) -> dict | None:
        """A BD result as {value, overlap}."""
        if result is None:
            return None
        return {"value": result.value, "overlap": list(result.overlap) if result.overlap else None}

    return {
        "name": row.name,
        "published": row.published,
        "bd_rate_psnr_percent": pack(row.bd_rate_psnr),
        "bd_psnr_db": pack(row.bd_psnr),
        "bd_rate_msssim_db_percent": pack(row.bd_rate_msssim),
        "mean_encoding_cpu_s": row.encode_cpu_s,
        "mean_decoding_cpu_s": row.decode_cpu_s,
        "mean_decoding_wall_s": row.decode_wall_s,
    }


def _fmt(value: float | None, pattern: str) -> str:
    """Format a number, or an en dash for missing/undefined values."""
    if value is None or not math.isfinite(value):
        return "–"
    return format(value, pattern)


def _overlap(result: BDResult | None, pattern: str) -> str:
    """`low–high` of a BD overlap interval, or a note that the curves do not overlap."""
    if result is None or result.overlap is None:
        return "no overlap"
    return f"{format(result.overlap[0], pattern)}–{format(result.overlap[1], pattern)}"


def render_bd_markdown(results: dict, rows: list[BDRow]) -> str:
    """bd_rate.md: one table row per codec against the anchor, with the overlaps used."""
    dataset = results["dataset"]
    timing = results["method"]["timing"]
    lines = [
        f"# Bjøntegaard deltas on {dataset['name']} ({dataset['n_images']} images)",
        "",
        f"Anchor: **{results['anchor']}**. Negative BD-rate = fewer bits than the anchor at equal "
        "quality; positive BD-PSNR = higher PSNR at equal rate. PCHIP interpolation, averaged "
        "over the overlapping interval shown (PSNR range for BD-rate, bpp range for BD-PSNR).",
        "Times: mean over images and quality points of the per-point median (runs per codec "
        f"listed below), {timing['threads']} thread(s); CPU = process CPU "
        "time (what the codec costs), wall = wall clock (inflated when the machine is shared). "
        "Published curves were timed on other hardware and are not shown.",
        "",
        "| codec | BD-rate PSNR (%) | PSNR overlap (dB) | BD-PSNR (dB) | bpp overlap "
        "| BD-rate MS-SSIM dB (%) | encode CPU (ms) | decode CPU (ms) | decode wall (ms) |",
        "|---|---:|---|---:|---|---:|---:|---:|---:|",
    ]
    ordered = sorted(rows, key=lambda r: (r.published, r.name))
    for row in ordered:
        name = f"**{row.name}** (anchor)" if row.name == results["anchor"] else row.name
        enc, dec, dec_wall = (
            None if t is None else t * 1e3
            for t in (row.encode_cpu_s, row.decode_cpu_s, row.decode_wall_s)
        )
        ms = _fmt(row.bd_rate_msssim.value, "+.1f") if row.bd_rate_msssim else "–"
        lines.append(
            f"| {name} | {_fmt(row.bd_rate_psnr.value, '+.1f')} "
            f"| {_overlap(row.bd_rate_psnr, '.2f')} | {_fmt(row.bd_psnr.value, '+.2f')} "
            f"| {_overlap(row.bd_psnr, '.3f')} | {ms} | {_fmt(enc, '.1f')} | {_fmt(dec, '.1f')} "
            f"| {_fmt(dec_wall, '.1f')} |"
        )
    lines += ["", "Codec versions and settings:", ""]
    for spec, info in results["codecs"].items():
        settings = ", ".join(f"{k}={v}" for k, v in info["settings"].items())
        ladder = " ".join(f"{q:g}" for q in info["ladder"])
        lines.append(
            f"- `{spec}`: {info['version']}; {settings}; quality = {info['quality_meaning']}; "
            f"ladder {ladder}; timing: {info['timing']}"
        )
    machine = results["machine"]
    lines += [
        "",
        f"Machine: {machine['cpu']}, {machine['logical_cpus']} logical CPUs, "
        f"{machine['os']}; imagecodecs {machine['imagecodecs']}, torch {machine['torch']}.",
    ]
    if dataset["skipped_unreadable"] or dataset["excluded_incomplete"]:
        lines += [
            "",
            f"Skipped unreadable: {sorted(dataset['skipped_unreadable'])}; "
            f"excluded as incomplete: {dataset['excluded_incomplete']}.",
        ]
    return "\n".join(lines) + "\n"
