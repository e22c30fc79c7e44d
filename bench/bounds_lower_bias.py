"""Bias and variance of the dual lower-bound estimator over seeds and sample sizes M.

Dimension-2 Gaussian (U(0,2) variances, seed 0) at one λ. For a learned a(x) (tapered, or with
the older soft cap; τ and scale recalibrated per M on separate samples) and for the exact optimal
a(x) = -log u*(x) without a cap, the M-sample estimate of the dual value is repeated on fresh
held-out samples and compared to the true optimum F(λ) = min I + λ E‖X - Y‖² (nats).
Writes docs/results/bounds/lower_bias.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from ncodec.bounds.exact import gaussian_rate, water_level
from ncodec.bounds.fitting import Fit
from ncodec.bounds.lower import (
    LogU,
    calibrate,
    calibrate_cap,
    evaluate_lower,
    make_log_u,
    train_lower,
)
from ncodec.bounds.sources import GaussianSource, default_variances


def optimal_log_u(variances: np.ndarray, lam: float) -> LogU:
    """The exact maximiser for independent Gaussians: x²/(2σ²) if coded, else λx² (no cap)."""
    sigma = torch.from_numpy(np.sqrt(variances)).float()
    log_u = LogU(torch.zeros_like(sigma), sigma, cap=200.0)
    theta = 1.0 / (2.0 * lam)
    weights = [1.0 if v > theta else math.sqrt(2.0 * lam * v) for v in variances]
    with torch.no_grad():
        log_u.proj.weight.copy_(torch.diag(torch.tensor(weights)))
    return log_u


def main() -> None:
    """Run the study and print a table of mean, std and bias per M."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fraction", type=float, default=0.1, help="D as a fraction of D_max")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--kinds", default="taper,optimal", help="taper, softcap, optimal")
    parser.add_argument("--steps", type=int, default=200, help="training steps at M = 4096")
    parser.add_argument("--out", default="docs/results/bounds/lower_bias.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    var = default_variances(2, 0)
    src = GaussianSource(var)
    d = args.fraction * float(var.mean())
    theta = water_level(var, d)
    lam = 1.0 / (2.0 * theta)
    f_true = gaussian_rate(var, d) * 2 * math.log(2.0) + lam * 2 * d  # nats, total
    rng = np.random.default_rng(0)
    train = src.sample(100_000, rng)
    kinds = args.kinds.split(",")
    start = time.process_time()
    trained = {
        shape: train_lower(make_log_u(train, 4096, shape=shape), train, lam,
                           Fit(args.steps, 4096, progress=False))
        for shape in ("taper", "softcap") if shape in kinds
    }  # fmt: skip
    train_seconds = time.process_time() - start
    rows = []
    for m in [int(v) for v in args.sizes.split(",")]:
        for name in kinds:
            t0 = time.process_time()
            if name == "optimal":
                log_u = optimal_log_u(var, lam)
            else:
                log_u = copy.deepcopy(trained[name])
                fit = calibrate if name == "taper" else calibrate_cap
                log_u = fit(log_u, src.sample(m, rng), lam, 4096)
            vals = [evaluate_lower(log_u, src.sample(m, rng), lam).intercept_nats
                    for _ in range(args.repeats)]  # fmt: skip
            vals = np.array(vals)
            rows.append(
                {
                    "a": name,
                    "M": m,
                    "mean_nats": float(vals.mean()),
                    "std_nats": float(vals.std(ddof=1)),
                    "bias_nats": float(vals.mean() - f_true),
                    "bias_bits_per_dim": float((vals.mean() - f_true) / (2 * math.log(2.0))),
                    "values": vals.tolist(),
                    "cap": float(log_u.cap.detach()),
                    "proj_diag": torch.diagonal(log_u.proj.weight).tolist(),
                    "cpu_seconds": time.process_time() - t0,
                }
            )
            r = rows[-1]
            print(
                f"{name:8s} M={m:7d} mean {r['mean_nats']:.4f} std {r['std_nats']:.4f} "
                f"bias {r['bias_nats']:+.4f} nats ({r['bias_bits_per_dim']:+.4f} bit/dim)"
            )
    out = {
        "source": {"kind": "gaussian", "dim": 2, "variances": var.tolist()},
        "distortion": d,
        "lambda": lam,
        "true_dual_value_nats": f_true,
        "exact_rate_bits_per_dim": gaussian_rate(var, d),
        "train": {"steps": args.steps, "batch": 4096, "cpu_seconds": train_seconds},
        "repeats": args.repeats,
        "rows": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"true F(λ) = {f_true:.4f} nats; wrote {args.out}")


if __name__ == "__main__":
    main()
