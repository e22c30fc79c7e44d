"""Gaussian validation of the sample-based bounds: writes docs/results/bounds/gaussian_d{N}.json.

Usage: nice -n 10 python bench/bounds_gaussian.py --dim 2 [--distortions 0.05,0.1] [--no-lower]
Variances are U(0, 2) drawn with --seed (default 0); one torch thread (the CPU is shared).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import torch

from ncodec.bounds.experiment import Settings, gaussian_experiment
from ncodec.bounds.report import write_result
from ncodec.bounds.sources import default_variances


def main() -> None:
    """Run one Gaussian experiment and write its JSON and plot."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dim", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--distortions", help="comma-separated targets (default: fractions of D_max)"
    )
    parser.add_argument("--train", type=int, default=100_000)
    parser.add_argument("--heldout", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--no-lower", action="store_true")
    parser.add_argument("--diagonal", action="store_true", help="diagonal linear maps (large dim)")
    parser.add_argument("--lower-steps", type=int, default=300)
    parser.add_argument("--lower-batch", type=int, default=4096)
    parser.add_argument("--lower-eval", type=int, default=100_000, help="M (calibration, test)")
    parser.add_argument("--lower-shape", default="taper", choices=["taper", "softcap"])
    parser.add_argument("--out-dir", default="docs/results/bounds")
    args = parser.parse_args()
    torch.set_num_threads(1)
    variances = default_variances(args.dim, args.seed)
    d_max = float(variances.mean())
    if args.distortions:
        targets = [float(v) for v in args.distortions.split(",")]
    else:
        targets = [f * d_max for f in (0.05, 0.1, 0.2, 0.4, 0.7)]
    settings = Settings(
        seed=args.seed,
        train_samples=args.train,
        heldout_samples=args.heldout,
        upper_steps=args.steps,
        upper_batch=args.batch,
        lower=not args.no_lower,
        lower_steps=args.lower_steps,
        lower_batch=args.lower_batch,
        lower_eval_samples=args.lower_eval,
        lower_shape=args.lower_shape,
        diagonal=args.diagonal,
        progress=False,
    )
    wall = time.perf_counter()
    result = gaussian_experiment(np.asarray(variances), targets, settings)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["wall_seconds"] = time.perf_counter() - wall
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    out = Path(args.out_dir) / f"gaussian_d{args.dim}.json"
    write_result(result, out, f"Gaussian dim {args.dim} (U(0,2) variances, seed {args.seed})", True)
    print(f"wrote {out}: wall {result['wall_seconds']:.0f} s, cpu {result['cpu_seconds']:.0f} s")
    for row in result["upper"]:
        print(
            f"upper D={row['distortion']:.4f} R={row['rate_bits']:.4f} "
            f"exact={row.get('exact_rate_bits', float('nan')):.4f} "
            f"gap={100 * (row.get('gap_relative') or 0):.3f}%"
        )
    for row in result.get("lower_at_targets", []):
        print(
            f"lower D={row['distortion']:.4f} R={row['rate_bits']:.4f} "
            f"exact={row['exact_rate_bits']:.4f} gap={100 * row['gap_relative']:.2f}%"
        )


if __name__ == "__main__":
    main()
