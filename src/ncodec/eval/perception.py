"""The perception–distortion plane (Blau & Michaeli 2018): each codec's PSNR and realism
distance (`ncodec.swd`) at a few fixed rates, read off its averaged rate curve.

A codec's value at a rate is interpolated linearly in log(bpp) between the two ladder points
around it (no extrapolation: a rate outside the measured range has no point).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

FIXED_RATES = (0.15, 0.3, 0.6)
"""Rates (bpp) at which the plane is drawn."""

PLANE_FIELDS = ("psnr_rgb", "ms_ssim_db", "realism_swd", "niqe")
RATE_MARKERS = "os^Dv"


def at_rate(curve: dict, metric: str, bpp: float) -> float | None:
    """`metric` of an averaged curve at rate `bpp`, linear in log(bpp); None outside the
    measured range or where the metric is missing."""
    pairs = sorted(
        (b, v)
        for b, v in zip(curve.get("bpp") or [], curve.get(metric) or [], strict=False)
        if b is not None and v is not None and b > 0 and math.isfinite(v)
    )
    if len(pairs) < 2 or not pairs[0][0] <= bpp <= pairs[-1][0]:
        return None
    rates, values = zip(*pairs, strict=True)
    return float(np.interp(math.log(bpp), np.log(rates), values))


def perception_points(
    curves: dict[str, dict], rates: tuple[float, ...] = FIXED_RATES
) -> dict[str, dict[str, dict[str, float | None]]]:
    """Per codec and rate ("0.15"), the interpolated PSNR, MS-SSIM (dB) and realism distance;
    only codecs whose curves carry a realism distance appear."""
    points: dict[str, dict[str, dict[str, float | None]]] = {}
    for name, curve in curves.items():
        if not any(v is not None for v in curve.get("realism_swd") or []):
            continue
        points[name] = {f"{r:g}": {m: at_rate(curve, m, r) for m in PLANE_FIELDS} for r in rates}
    return points


def _fmt(value: float | None, pattern: str) -> str:
    """A number, or an en dash where undefined."""
    return "–" if value is None or not math.isfinite(value) else format(value, pattern)


def render_realism_markdown(results: dict) -> str:
    """realism.md: per codec, the realism distance and PSNR at the fixed rates."""
    dataset = results["dataset"]
    points = results.get("perception_distortion") or {}
    rates = sorted({r for by_rate in points.values() for r in by_rate}, key=float)
    lines = [
        f"# Perception–distortion on {dataset['name']} ({dataset['n_images']} images)",
        "",
        "Realism distance: sliced Wasserstein distance between the Laplacian-pyramid 7x7 patch "
        "distributions of each reconstruction and its original (`ncodec.swd`; lower = more "
        "like the original's patch statistics), per image, then averaged. Values at each rate are "
        "interpolated linearly in log(bpp) along the codec's averaged curve between the two "
        "measured points around it (– = outside the measured range). NIQE: the NIQE-style "
        "no-reference score of the reconstruction alone (`ncodec.niqe`, model fitted on our "
        "training photos; higher = less natural).",
        "",
        "| codec | "
        + " | ".join(f"SWD @ {r} bpp | PSNR @ {r} bpp (dB) | NIQE @ {r} bpp" for r in rates)
        + " |",
        "|---|" + "---:|---:|---:|" * len(rates),
    ]
    for name, by_rate in points.items():
        cells = [
            f"{_fmt(by_rate[r]['realism_swd'], '.4f')} | {_fmt(by_rate[r]['psnr_rgb'], '.2f')} | "
            f"{_fmt(by_rate[r].get('niqe'), '.2f')}"
            for r in rates
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_perception_distortion(results: dict, path: Path, styles: dict[str, dict]) -> bool:
    """PSNR (x) against realism distance (y) at the fixed rates, one colour per codec, one marker
    per rate; a codec's points are joined. False (nothing written) without realism data."""
    points = results.get("perception_distortion") or {}
    if not points:
        return False
    fig = Figure(figsize=(9, 6), dpi=110)
    ax = fig.subplots()
    rates = sorted({r for by_rate in points.values() for r in by_rate}, key=float)
    for name, by_rate in points.items():
        color = styles.get(name, {}).get("color")
        xy = [(by_rate[r]["psnr_rgb"], by_rate[r]["realism_swd"], r) for r in rates]
        xy = [(x, y, r) for x, y, r in xy if x is not None and y is not None]
        if not xy:
            continue
        ax.plot([p[0] for p in xy], [p[1] for p in xy], color=color, linewidth=1.0, label=name)
        for x, y, r in xy:
            marker = RATE_MARKERS[rates.index(r) % len(RATE_MARKERS)]
            ax.scatter(x, y, color=color, marker=marker, s=50, zorder=3)
    for index, r in enumerate(rates):  # legend entries for the rate markers
        marker = RATE_MARKERS[index % len(RATE_MARKERS)]
        ax.scatter([], [], color="grey", marker=marker, label=f"{r} bpp")
    dataset = results["dataset"]
    ax.set_xlabel("distortion: PSNR over RGB (dB) — higher is better")
    ax.set_ylabel("realism distance: patch SWD to the original — lower is better")
    ax.set_title(
        f"Perception–distortion plane on {dataset['name']} ({dataset['n_images']} images), "
        "interpolated at fixed rates"
    )
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path)
    return True
