"""BD-rates of the learned models against every classical codec of one `ncodec eval` run.

`ncodec eval` reports deltas against one anchor; this reads its results.json and writes the
whole matrix (each ncodec model vs each classical codec, in MS-SSIM dB and in PSNR-RGB, PCHIP
over the overlapping quality range) as OUT/bd_matrix.md and OUT/bd_matrix.json.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from ncodec.eval.bdrate import bd_rate

METRICS = (("ms_ssim_db", "MS-SSIM dB"), ("psnr_rgb", "PSNR-RGB"))


def matrix(curves: dict) -> dict:
    """{model: {classical: {metric: (BD-rate %, overlap)}}} for every ncodec curve."""
    models = [k for k in curves if k.startswith("ncodec")]
    anchors = [k for k in curves if not k.startswith("ncodec")]
    table: dict = {}
    for model in models:
        test = curves[model]
        table[model] = {}
        for anchor in anchors + [m for m in models if m != model]:
            ref = curves[anchor]
            row = {}
            for key, _ in METRICS:
                result = bd_rate(ref["bpp"], ref[key], test["bpp"], test[key])
                missing = result.overlap is None or not math.isfinite(result.value)
                row[key] = {
                    "bd_rate_percent": None if missing else round(result.value, 2),
                    "overlap": None if missing else [round(v, 3) for v in result.overlap],
                }
            table[model][anchor] = row
    return table


def markdown(table: dict) -> str:
    """One table per model: rows = the other codecs, columns = the two metrics."""
    lines = []
    for model, rows in table.items():
        heads = " | ".join(f"BD-rate {name}" for _, name in METRICS)
        lines += [f"### {model}", "", f"| against | {heads} |"]
        lines.append("|---|" + "---:|" * len(METRICS))
        for anchor, row in rows.items():
            cells = []
            for key, _ in METRICS:
                value = row[key]["bd_rate_percent"]
                cells.append("–" if value is None else f"{value:+.1f} %")
            lines.append(f"| {anchor} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path, help="results.json of `ncodec eval`")
    parser.add_argument("--out", type=Path, default=Path("docs/results/msssim"))
    args = parser.parse_args()
    if not args.results.is_file():
        sys.exit(f"msssim_bd: error: not found: {args.results}")
    table = matrix(json.loads(args.results.read_text())["curves"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bd_matrix.json").write_text(json.dumps(table, indent=1) + "\n")
    (args.out / "bd_matrix.md").write_text(
        "# BD-rate of each ncodec model against every other codec (Kodak, same run)\n\n"
        "Negative = fewer bits at equal quality; PCHIP over the overlapping quality range "
        f"(`bench/msssim_bd.py {args.results}`).\n\n" + markdown(table)
    )
    print(markdown(table))


if __name__ == "__main__":
    main()
