"""`ncodec eval --html`: the R–D plots and tables of a run as a static page (index.html).

The same page shell as `ncodec compare` (ncodec.compare.page); the numbers are those of
results.json and bd_rate.md (ncodec.eval.report), the plots the PNGs written beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ncodec.compare.page import esc, number, page, table


def _percent(block: dict | None) -> float | None:
    """The value of a {value, overlap} BD block, or None."""
    return None if block is None else block.get("value")


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else 1e3 * seconds


def bd_table(results: dict) -> str:
    """One row per curve against the anchor (as bd_rate.md), measured curves first."""
    rows, classes = [], []
    anchor = results["anchor"]
    for row in sorted(results["bd"], key=lambda r: (r["published"], r["name"])):
        rows.append(
            [
                row["name"] + (" (anchor)" if row["name"] == anchor else ""),
                number(_percent(row["bd_rate_psnr_percent"]), "+.1f"),
                number(_percent(row["bd_psnr_db"]), "+.2f"),
                number(_percent(row["bd_rate_msssim_db_percent"]), "+.1f"),
                number(_ms(row["mean_encoding_cpu_s"]), ".1f"),
                number(_ms(row["mean_decoding_cpu_s"]), ".1f"),
                number(_ms(row["mean_decoding_wall_s"]), ".1f"),
            ]
        )
        classes.append("ours" if row["name"].startswith("ncodec") else "")
    headers = [
        "codec",
        "BD-rate PSNR (%)",
        "BD-PSNR (dB)",
        "BD-rate MS-SSIM dB (%)",
        "encode CPU ms",
        "decode CPU ms",
        "decode wall ms",
    ]
    return table(headers, rows, numeric=(1, 2, 3, 4, 5, 6), row_classes=classes)


def curve_table(name: str, curve: dict) -> str:
    """The averaged R–D points of one measured curve."""
    qualities = curve.get("quality") or [None] * len(curve["bpp"])
    rows = [
        [
            number(q, "g"),
            number(b, ".4f"),
            number(p, ".2f"),
            number(m, ".4f"),
        ]
        for q, b, p, m in zip(
            qualities,
            curve["bpp"],
            curve["psnr_rgb"],
            curve.get("ms_ssim_rgb") or [None] * len(curve["bpp"]),
            strict=True,
        )
    ]
    return f"<h3>{esc(name)}</h3>" + table(
        ["quality", "bpp", "PSNR dB", "MS-SSIM"], rows, numeric=(0, 1, 2, 3)
    )


def render_eval_page(results: dict, plots: Sequence[Path]) -> str:
    """The page: BD table, plots (files beside the page), codec versions and the curves."""
    dataset = results["dataset"]
    title = f"Rate–distortion on {dataset['name']} ({dataset['n_images']} images)"
    figures = "".join(
        f'<img class="plot" src="{esc(path.name)}" alt="{esc(path.stem)}">' for path in plots
    )
    versions = "".join(
        f"<li><code>{esc(spec)}</code>: {esc(info['version'])}; timing: {esc(info['timing'])}</li>"
        for spec, info in results["codecs"].items()
    )
    curves = "".join(curve_table(name, curve) for name, curve in results["curves"].items())
    machine = results["machine"]
    body = f"""
<h1>{esc(title)}</h1>
<p class="note">Real files: rate = bytes of each complete file × 8 / pixels, averaged per
quality over the images. Anchor <b>{esc(results["anchor"])}</b>: negative BD-rate = fewer
bits at equal quality. Measured on {esc(machine["cpu"])} ({esc(machine["logical_cpus"])}
logical CPUs), {esc(results["created"])}.</p>
<h2>Bjøntegaard deltas</h2>
{bd_table(results)}
<h2>Plots</h2>
{figures}
<h2>Codecs</h2>
<ul>{versions}</ul>
<h2>Curves (mean over images)</h2>
{curves}
"""
    return page(title, body)
