"""Fill a shipped model's card with its measured Kodak numbers, from an `ncodec eval` results.json.

Adds to weights/NAME.json: bpp range, the R-D points with decode times, BD-rates against every
classical codec of the same run (PSNR-RGB, PCHIP), and PSNR at 0.25/0.5/0.75 bpp next to the
published bmshj2018-hyperprior curve. Also writes docs/results/model_NAME.md.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from scipy.interpolate import PchipInterpolator

from ncodec.eval.bdrate import bd_quality, bd_rate

RATES = (0.25, 0.5, 0.75)


def psnr_at(bpp: list[float], psnr: list[float], rate: float) -> float | None:
    """PSNR interpolated (PCHIP in log-rate) at `rate`, None outside the curve."""
    order = np.argsort(bpp)
    x, y = np.log(np.asarray(bpp)[order]), np.asarray(psnr)[order]
    if not x[0] <= math.log(rate) <= x[-1]:
        return None
    return round(float(PchipInterpolator(x, y)(math.log(rate))), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path, help="results.json written by `ncodec eval`")
    parser.add_argument("--name", default="hyperprior-mse")
    parser.add_argument("--weights", type=Path, default=Path("weights"))
    parser.add_argument(
        "--reference", type=Path, default=Path("../shared/reference/kodak_published.json")
    )
    parser.add_argument("--docs", type=Path, default=Path("docs/results"))
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    curves = results["curves"]
    ours_key = next(k for k in curves if k.startswith("ncodec") and args.name in k)
    ours = curves[ours_key]
    points = [
        {
            "quality": q,
            "bpp": round(b, 4),
            "psnr_rgb": round(p, 3),
            "ms_ssim_db": round(m, 3) if m is not None and math.isfinite(m) else None,
            "decode_cpu_s": round(d, 3) if d is not None else None,
            "encode_cpu_s": round(e, 3) if e is not None else None,
        }
        for q, b, p, m, d, e in zip(
            ours["quality"],
            ours["bpp"],
            ours["psnr_rgb"],
            ours["ms_ssim_db"],
            ours.get("decoding_cpu_s"),
            ours.get("encoding_cpu_s"),
            strict=False,
        )
    ]
    bd = {}
    for key, curve in curves.items():
        if key == ours_key or key.startswith("ncodec"):
            continue
        rate = bd_rate(curve["bpp"], curve["psnr_rgb"], ours["bpp"], ours["psnr_rgb"])
        quality = bd_quality(curve["bpp"], curve["psnr_rgb"], ours["bpp"], ours["psnr_rgb"])
        bd[key] = {
            "bd_rate_percent": round(rate.value, 2) if rate.defined else None,
            "bd_psnr_db": round(quality.value, 3) if quality.defined else None,
            "psnr_overlap_db": [round(v, 2) for v in rate.overlap] if rate.overlap else None,
        }
    published = {}
    if args.reference.exists():
        ref = json.loads(args.reference.read_text())["curves"]["bmshj2018-hyperprior"]
        published = {str(r): psnr_at(ref["bpp"], ref["psnr_rgb"], r) for r in RATES}
    at_rates = {str(r): psnr_at(ours["bpp"], ours["psnr_rgb"], r) for r in RATES}
    kodak = {
        "images": results["dataset"]["n_images"],
        "bpp_range": [min(ours["bpp"]), max(ours["bpp"])],
        "points": points,
        "bd_vs_classical_same_run": bd,
        "psnr_at_bpp": at_rates,
        "published_bmshj2018_hyperprior_psnr_at_bpp": published,
        "source": str(args.results),
        "note": "real .ncz sizes; PSNR over RGB per image, then averaged; single-thread CPU times",
    }
    card_path = args.weights / f"{args.name}.json"
    card = json.loads(card_path.read_text())
    card["kodak"] = kodak
    card["quality_ladder"] = list(ours["quality"])
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    lines = [
        f"# {args.name} on Kodak",
        "",
        f"From `{args.results}` (same run as the classical codecs).",
        "",
        "| quality | bpp | PSNR dB | MS-SSIM dB | encode s | decode s |",
        "|---|---|---|---|---|---|",
    ]
    for p in points:
        lines.append(
            f"| {p['quality']} | {p['bpp']:.3f} | {p['psnr_rgb']:.2f} | {p['ms_ssim_db']} | "
            f"{p['encode_cpu_s']} | {p['decode_cpu_s']} |"
        )
    lines += ["", "| anchor | BD-rate of ours | BD-PSNR of ours |", "|---|---|---|"]
    for key, row in bd.items():
        lines.append(f"| {key} | {row['bd_rate_percent']} % | {row['bd_psnr_db']} dB |")
    lines += [
        "",
        "| bpp | ours PSNR dB | published bmshj2018-hyperprior PSNR dB |",
        "|---|---|---|",
    ]
    for r in RATES:
        lines.append(f"| {r} | {at_rates[str(r)]} | {published.get(str(r))} |")
    (args.docs / f"model_{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
