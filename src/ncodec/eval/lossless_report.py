"""Reports of `ncodec eval --lossless`: results.json, lossless.md and a rate-against-decode-time
plot. Codecs are compared on the images every one of them coded (the common set)."""

from __future__ import annotations

import platform
import statistics
from pathlib import Path

from matplotlib.figure import Figure

from ncodec.eval.lossless import LosslessRun
from ncodec.eval.plots import curve_styles


def build_lossless_results(run: LosslessRun) -> dict:
    """Per codec over the common images: bits per subpixel of all files together (total bytes),
    the mean of the per-image rates, and mean per-image median coding times."""
    by_codec = {
        c.spec: {r["image"]: r for r in run.records if r["codec"] == c.spec} for c in run.codecs
    }
    common = sorted(set(run.images).intersection(*(set(v) for v in by_codec.values())))
    rows = []
    for codec in run.codecs:
        records = [by_codec[codec.spec][name] for name in common]
        row: dict = {"codec": codec.spec, "version": codec.version, "settings": codec.settings}
        if records:
            total_bytes = sum(r["bytes"] for r in records)
            subpixels = sum(r["subpixels"] for r in records)
            row |= {
                "n_images": len(records),
                "bytes": total_bytes,
                "bits_per_subpixel": 8 * total_bytes / subpixels,
                "mean_bits_per_subpixel": statistics.fmean(r["bits_per_subpixel"] for r in records),
            }
            for what in ("encoding_time_s", "decoding_time_s", "encoding_cpu_s", "decoding_cpu_s"):
                row[f"mean_{what}"] = statistics.fmean(r[what] for r in records)
        rows.append(row)
    return {
        "mode": "lossless",
        "dataset": {
            "path": str(run.data_dir),
            "n_images": len(run.images),
            "n_common": len(common),
            "skipped": run.skipped,
        },
        "timing": {
            "threads": run.timing.threads,
            "warmup": run.timing.warmup,
            "repeats": run.timing.repeats,
            "statistic": "median of the timed repeats per image, averaged over the images",
        },
        "machine": {"node": platform.node(), "processor": platform.machine()},
        "codecs": rows,
        "failures": run.failures,
    }


def render_lossless_markdown(results: dict) -> str:
    """A table of rates and times, best rate first, with what was measured and how."""
    data = results["dataset"]
    timing = results["timing"]
    lines = [
        f"# Lossless: {data['n_common']} images of {data['path']}",
        "",
        "Rates are real files (every byte); every file was decoded and compared with the "
        f"original. Times: {timing['threads']} thread(s), {timing['statistic']} "
        f"({timing['warmup']} warm-up, {timing['repeats']} timed).",
        "",
        "| codec | bits/subpixel | mean of per-image bpsp | encode ms | decode ms "
        "| encode / decode CPU ms | version |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    measured = [r for r in results["codecs"] if "bits_per_subpixel" in r]
    for row in sorted(measured, key=lambda r: r["bits_per_subpixel"]):
        lines.append(
            f"| {row['codec']} | {row['bits_per_subpixel']:.4f} "
            f"| {row['mean_bits_per_subpixel']:.4f} "
            f"| {_ms(row, 'encoding_time_s')} | {_ms(row, 'decoding_time_s')} "
            f"| {_ms(row, 'encoding_cpu_s')} / {_ms(row, 'decoding_cpu_s')} "
            f"| {row['version']} |"
        )
    missing = [r["codec"] for r in results["codecs"] if "bits_per_subpixel" not in r]
    if missing:
        lines += ["", "No common image coded by: " + ", ".join(missing)]
    if results["failures"]:
        lines += ["", "Failures:", ""]
        lines += [f"- {f['image']} {f['codec']}: {f['error']}" for f in results["failures"]]
    return "\n".join(lines) + "\n"


def _ms(row: dict, what: str) -> str:
    """A row's mean time `what` in milliseconds, two decimals."""
    return f"{1000 * row['mean_' + what]:.2f}"


def plot_lossless(results: dict, path: Path) -> Path | None:
    """Bits per subpixel against mean decode time (log scale), one point per codec."""
    rows = [r for r in results["codecs"] if "bits_per_subpixel" in r]
    if not rows:
        return None
    styles = curve_styles([r["codec"] for r in rows])
    fig = Figure(figsize=(8, 5), dpi=110)
    ax = fig.subplots()
    for row in rows:
        style = styles[row["codec"]]
        ax.plot(
            [1000 * row["mean_decoding_time_s"]],
            [row["bits_per_subpixel"]],
            marker=style["marker"] or "o",
            color=style["color"],
            linestyle="none",
            markersize=8,
            label=row["codec"],
        )
    ax.set_xscale("log")
    ax.set_xlabel("decode time per image, ms (log scale)")
    ax.set_ylabel("bits per subpixel (real files)")
    ax.set_title(f"Lossless on {results['dataset']['n_common']} images")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path
