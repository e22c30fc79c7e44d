"""Write a bounds result: JSON (exact / upper / lower / codecs) and a PNG plot beside it."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from ncodec.errors import OutputExistsError


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
