"""Write a bounds result: JSON (exact / upper / lower / codecs) and a PNG plot beside it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from ncodec.errors import OutputExistsError
from ncodec.metrics import psnr_from_mse


def check_output(path: str | Path, force: bool) -> Path:
    """Refuse to overwrite an existing JSON or PNG unless `force`."""
    out = Path(path)
    for target in (out, out.with_suffix(".png")):
        if target.exists() and not force:
            raise OutputExistsError(f"{target} exists (use --force to overwrite)")
    return out


def plot_result(result: dict, png: Path, title: str) -> None:
    """Rate (bits/dim) against distortion (MSE/dim, log axis) for every curve in `result`."""
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    styles = {
        "exact": {"color": "black", "lw": 2, "label": "exact R(D)"},
        "upper": {"color": "tab:blue", "marker": "o", "ls": "--", "label": "upper bound (samples)"},
        "lower": {"color": "tab:red", "ls": "-.", "label": "lower bound (samples)"},
    }
    for key, style in styles.items():
        pts = sorted(result.get(key) or [], key=lambda p: p["distortion"])
        if pts:
            ax.plot([p["distortion"] for p in pts], [p["rate_bits"] for p in pts], **style)
    for name, pts in (result.get("codecs") or {}).items():
        pts = sorted((p for p in pts if "distortion" in p), key=lambda p: p["distortion"])
        ax.plot(
            [p["distortion"] for p in pts],
            [p["rate_bits"] for p in pts],
            marker=".",
            lw=1,
            label=name,
        )
    ax.set_xscale("log")
    ax.set_xlabel(
        f"distortion: MSE per dimension ({result.get('distortion_scale', 'source units')})"
    )
    ax.set_ylabel("rate (bits per dimension)")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)


def write_result(result: dict, path: str | Path, title: str, force: bool = False) -> Path:
    """Write `result` as JSON at `path` and its plot at the same path with `.png`."""
    out = check_output(path, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    plot_result(result, out.with_suffix(".png"), title)
    return out


def psnr_at_rate(points: list[dict], rate: float) -> float | None:
    """PSNR of a rate–distortion curve at `rate`, linear in (log rate, PSNR); None outside it."""
    pts = sorted(
        (p for p in points if "distortion" in p and p.get("rate_bits", 0) > 0),
        key=lambda p: p["rate_bits"],
    )
    if not pts or not pts[0]["rate_bits"] <= rate <= pts[-1]["rate_bits"]:
        return None
    logs = [math.log(p["rate_bits"]) for p in pts]
    return float(np.interp(math.log(rate), logs, [psnr_from_mse(p["distortion"]) for p in pts]))


def lower_psnr_ceiling(lines: list[dict], rate: float, scale: float = 255.0) -> float:
    """Highest PSNR any codec can reach at `rate` bits/dim by the dual lines (inf if vacuous).

    Each line says R ≥ (c - λ·n·D)/(n ln 2) with D the MSE per dim on the 0..1 scale, i.e.
    D ≥ (c - n·ln2·R)/(λ·n); the tightest line gives the smallest reachable D.
    """
    floors = [
        (ln["intercept_nats"] - ln["dim"] * math.log(2.0) * rate) / (ln["lambda"] * ln["dim"])
        for ln in lines
    ]
    floor = max(floors, default=0.0)
    return psnr_from_mse(floor * scale**2)


def codec_distances(result: dict, rates: list[float]) -> list[dict]:
    """Per codec and rate: PSNR and its distance in dB to the lower and upper bound.

    `db_to_lower` = lower-bound PSNR ceiling − codec PSNR (≥ 0: the most any codec could still
    gain; inf where the lower bound is vacuous). `db_to_upper` = upper-bound PSNR − codec PSNR
    (positive: the codec is worse than a point known to be achievable; negative: it beats our
    achievable point, so the upper bound is loose there). None where a curve does not reach.
    """
    rows = []
    for name, curve in result.get("codecs", {}).items():
        for rate in rates:
            codec_db = psnr_at_rate(curve, rate)
            if codec_db is None:
                continue
            upper_db = psnr_at_rate(result["upper"], rate)
            ceiling = lower_psnr_ceiling(result.get("lower_lines", []), rate)
            rows.append(
                {
                    "codec": name,
                    "rate_bits": rate,
                    "codec_psnr": codec_db,
                    "upper_psnr": upper_db,
                    "lower_psnr_ceiling": ceiling,
                    "db_to_upper": None if upper_db is None else upper_db - codec_db,
                    "db_to_lower": ceiling - codec_db,
                }
            )
    return rows
