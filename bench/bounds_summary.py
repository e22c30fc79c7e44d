"""Print the markdown tables of docs/bounds.md from the JSON files in docs/results/bounds/."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from ncodec.bounds.experiment import compare_upper
from ncodec.bounds.report import codec_distances
from ncodec.metrics import psnr_from_mse

DISTANCE_RATES = [0.15, 0.26, 0.3, 0.5, 1.0]


def gaussian_tables(path: Path) -> None:
    """Upper- and lower-bound gaps of one Gaussian experiment."""
    r = json.loads(path.read_text())
    var = np.array(r["source"]["variances"])
    s = r["settings"]
    print(f"\n#### {path.name}: dim {r['source']['dim']}, D_max = {var.mean():.4f}")
    print(
        f"seed {s['seed']}, {s['train_samples']} train / {s['heldout_samples']} held-out samples, "
        f"{s['upper_steps']} steps per λ, wall {r.get('wall_seconds', 0):.0f} s, "
        f"CPU {r.get('cpu_seconds', 0):.0f} s\n"
    )
    print("| target D | reported D | upper R (bits/dim) | exact R(D) | gap | ± 1 SE (rate) |")
    print("|---|---|---|---|---|---|")
    for target, row in zip(r["targets"], r["upper"], strict=True):
        row = compare_upper(dict(row), var)
        print(
            f"| {target:.4f} | {row['distortion']:.4f} | {row['rate_bits']:.4f} | "
            f"{row['exact_rate_bits']:.4f} | {100 * row['gap_relative']:+.2f} % | "
            f"{row['rate_se']:.1e} |"
        )
    if r.get("lower_at_targets"):
        print(f"\nLower bound ({s.get('lower_shape', 'softcap')} a(x)): M = {s['lower_batch']} in "
              f"training ({s['lower_steps']} steps), M = {s['lower_eval_samples']} for calibration "
              f"and, separately, held-out evaluation.\n")  # fmt: skip
        print("| D | lower R (bits/dim) | exact R(D) | gap below |")
        print("|---|---|---|---|")
        for row in r["lower_at_targets"]:
            print(
                f"| {row['distortion']:.4f} | {row['rate_bits']:.4f} | "
                f"{row['exact_rate_bits']:.4f} | {100 * row['gap_relative']:.1f} % |"
            )


def bias_table(path: Path) -> None:
    """Bias and spread of the dual estimator over M."""
    r = json.loads(path.read_text())
    print(f"\n#### {path.name}: D = {r['distortion']:.4f}, true F(λ) = "
          f"{r['true_dual_value_nats']:.4f} nats, {r['repeats']} repeats\n")  # fmt: skip
    print("| a(x) | M | mean (nats) | std (nats) | bias (nats) | bias (bits/dim) |")
    print("|---|---|---|---|---|---|")
    for row in r["rows"]:
        print(
            f"| {row['a']} | {row['M']} | {row['mean_nats']:.3f} | {row['std_nats']:.3f} | "
            f"{row['bias_nats']:+.3f} | {row['bias_bits_per_dim']:+.3f} |"
        )


def patch_tables(path: Path) -> None:
    """Bounds and codec gaps on image patches."""
    r = json.loads(path.read_text())
    print(f"\n#### {path.name}: {r['source']}, wall {r.get('wall_seconds', 0):.0f} s\n")
    print("| λ | upper R (bits/dim) | upper PSNR (dB) | lower-bound R at that D |")
    print("|---|---|---|---|")
    lower = sorted(r["lower"], key=lambda p: p["distortion"])
    for p in r["upper"]:
        lb = (
            float(
                np.interp(
                    p["distortion"],
                    [q["distortion"] for q in lower],
                    [q["rate_bits"] for q in lower],
                )
            )
            if lower
            else float("nan")
        )
        upper_db = psnr_from_mse(p["distortion"])
        print(f"| {p['lambda']:.4g} | {p['rate_bits']:.3f} | {upper_db:.2f} | {lb:.3f} |")
    print("\n| codec | rate (bits/dim) | codec PSNR | upper-bound PSNR | dB below upper bound |")
    print("|---|---|---|---|---|")
    for g in r.get("gaps", []):
        print(
            f"| {g['codec']} | {g['rate_bits']:.3f} | {g['codec_psnr']:.2f} | "
            f"{g['upper_bound_psnr']:.2f} | {g['db_below_upper_bound']:+.2f} |"
        )


def _db(value: float | None) -> str:
    """A signed dB cell: '—' where not defined, '∞' where the lower bound is vacuous."""
    if value is None:
        return "—"
    return "∞ (vacuous)" if math.isinf(value) else f"{value:+.2f}"


def distance_table(path: Path) -> None:
    """Per codec and rate: dB to the lower-bound ceiling and to the upper bound at equal rate."""
    r = json.loads(path.read_text())
    print(f"\n#### {path.name}: codec distance to the bounds at equal rate (bits/dim)\n")
    print(
        "| codec | rate | codec PSNR | lower-bound ceiling | dB to lower | upper PSNR | "
        "dB to upper |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in codec_distances(r, DISTANCE_RATES):
        ceiling = row["lower_psnr_ceiling"]
        upper = row["upper_psnr"]
        print(
            f"| {row['codec']} | {row['rate_bits']:.2f} | {row['codec_psnr']:.2f} | "
            f"{'∞' if math.isinf(ceiling) else f'{ceiling:.2f}'} | {_db(row['db_to_lower'])} | "
            f"{'—' if upper is None else f'{upper:.2f}'} | {_db(row['db_to_upper'])} |"
        )


def main() -> None:
    """Summarise every result file found."""
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/results/bounds")
    for path in sorted(root.glob("gaussian_d*.json"), key=lambda p: int(p.stem[10:])):
        gaussian_tables(path)
    if (root / "lower_bias.json").exists():
        bias_table(root / "lower_bias.json")
    for path in sorted(root.glob("patches*.json")):
        patch_tables(path)
        distance_table(path)


if __name__ == "__main__":
    main()
