"""PNG plots: PSNR–bpp, MS-SSIM(dB)–bpp, and decode time against BD-rate."""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state
from matplotlib.ticker import FuncFormatter

from ncodec.eval.perception import plot_perception_distortion
from ncodec.eval.reference import PUBLISHED_SUFFIX
from ncodec.eval.report import BDRow

MARKERS = "osD^v<>pP*hX"
MEASURED_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")
PUBLISHED_COLORS = ("#7f7f7f", "#bcbd22", "#17becf", "#e377c2", "#8c564b", "#1a55a0", "#a05a1a")


def curve_styles(names: list[str]) -> dict[str, dict]:
    """Line styles: ncodec bold black, measured codecs solid with markers, published curves
    dashed; a published curve of a codec we measured too shares that codec's colour."""
    styles: dict[str, dict] = {}
    measured = [n for n in names if not n.endswith(PUBLISHED_SUFFIX)]
    for index, name in enumerate(measured):
        if name.startswith("ncodec"):
            styles[name] = {"color": "k", "linewidth": 2.6, "marker": "o", "markersize": 5}
        else:
            styles[name] = {
                "color": MEASURED_COLORS[index % len(MEASURED_COLORS)],
                "linewidth": 1.6,
                "marker": MARKERS[index % len(MARKERS)],
                "markersize": 4,
            }
        styles[name]["linestyle"] = "-"
    others = 0
    for name in names:
        if name in styles:
            continue
        base = name.removesuffix(PUBLISHED_SUFFIX)
        if base in styles:
            color = styles[base]["color"]
        else:
            color = PUBLISHED_COLORS[others % len(PUBLISHED_COLORS)]
            others += 1
        styles[name] = {"color": color, "linestyle": "--", "linewidth": 1.0, "marker": "."}
    return styles


def plot_rd(
    curves: dict[str, dict],
    metric: str,
    ylabel: str,
    title: str,
    path: Path,
    max_bpp: float = 2.5,
) -> None:
    """One R-D plot of `metric` against bpp for every curve that has it, up to `max_bpp`."""
    fig = Figure(figsize=(11, 6.5), dpi=110)
    ax = fig.subplots()
    styles = curve_styles(list(curves))
    for name, curve in curves.items():
        pairs = [
            (b, v)
            for b, v in zip(curve["bpp"], curve.get(metric) or [], strict=False)
            if b is not None and v is not None and math.isfinite(v) and b <= max_bpp
        ]
        if len(pairs) < 2:
            continue
        xs, ys = zip(*sorted(pairs), strict=True)
        ax.plot(xs, ys, label=name, **styles[name])
    ax.set_xlabel("rate (bits per pixel, real file size)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.set_xlim(left=0)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path)


def plot_speed_tradeoff(rows: list[BDRow], anchor: str, title: str, path: Path) -> None:
    """Mean decode time (log axis) against BD-rate vs the anchor, one point per measured codec."""
    fig = Figure(figsize=(8, 6), dpi=120)
    ax = fig.subplots()
    points = [
        r
        for r in rows
        if not r.published and r.decode_cpu_s and math.isfinite(r.bd_rate_psnr.value)
    ]
    styles = curve_styles([r.name for r in rows])
    for row in points:
        style = styles[row.name]
        ax.scatter(
            row.decode_cpu_s * 1e3,
            row.bd_rate_psnr.value,
            s=60,
            marker=style.get("marker", "o"),
            color=style.get("color"),
            label=row.name,
        )
        ax.annotate(
            row.name,
            (row.decode_cpu_s * 1e3, row.bd_rate_psnr.value),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8,
        )
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.margins(x=0.2, y=0.1)  # room for the point labels
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))
    ax.set_xlabel("mean decode CPU time per image (ms, log scale)")
    ax.set_ylabel(f"BD-rate vs {anchor} on PSNR (%)  — lower is better")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if points:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def write_plots(results: dict, rows: list[BDRow], out_dir: Path) -> list[Path]:
    """Write rd_psnr.png, rd_msssim.png, speed_vs_bdrate.png and, when the curves carry a
    realism distance, perception_distortion.png; return their paths."""
    dataset = results["dataset"]
    name = f"{dataset['name']} ({dataset['n_images']} images)"
    curves = {**results["curves"], **results["reference_curves"]}
    paths = [out_dir / "rd_psnr.png", out_dir / "rd_msssim.png", out_dir / "speed_vs_bdrate.png"]
    plot_rd(curves, "psnr_rgb", "PSNR over RGB (dB)", f"Rate–distortion on {name}: PSNR", paths[0])
    plot_rd(
        curves,
        "ms_ssim_db",
        "MS-SSIM (dB) = −10·log10(1 − MS-SSIM)",
        f"Rate–distortion on {name}: MS-SSIM",
        paths[1],
    )
    plot_speed_tradeoff(rows, results["anchor"], f"Decode speed vs compression on {name}", paths[2])
    plane = out_dir / "perception_distortion.png"
    if plot_perception_distortion(results, plane, curve_styles(list(curves))):
        paths.append(plane)
    return paths
