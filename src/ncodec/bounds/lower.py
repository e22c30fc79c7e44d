"""Sample-based lower bound on R(D) from the dual formulation (Yang & Mandt, ICLR 2022).

For any λ ≥ 0 and any function a(x) = -log u(x),
    R(D) ≥ E[a(X)] - log sup_y E[exp(a(X) - λ·ρ(X, y))] - λ·D      (nats, ρ = ‖x - y‖²),
so every trained a(·) gives a line below R(D); the bound is the upper envelope of the lines.
Both expectations are replaced by averages over M samples, and the sup over y is found by
weighted mean-shift (a monotone ascent for Gaussian kernels) from many starts. The estimator is
biased: the sup of a noisy average over-estimates the sup (pulling the bound down), while an
incomplete search under-estimates it (pushing the bound up); bench/bounds_lower_bias.py measures it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from ncodec.errors import InputError

LOG2 = math.log(2.0)


class LogU(nn.Module):
    """a(x) = -log u(x): a learned quadratic (plus optional MLP) with a learned soft cap.

    The quadratic is exact for Gaussian sources; the cap keeps the rare huge weights exp(a(x))
    from dominating the Monte Carlo sup, which is what makes the estimator usable at finite M.
    """

    def __init__(
        self, shift: torch.Tensor, scale: torch.Tensor, cap: float, hidden: int = 0
    ) -> None:
        """`shift`/`scale` standardise x; the quadratic starts at 0.5‖z‖² (a Gaussian's optimum)."""
        super().__init__()
        dim = shift.numel()
        self.register_buffer("shift", shift)
        self.register_buffer("scale", scale)
        self.proj = nn.Linear(dim, dim)
        with torch.no_grad():
            self.proj.weight.copy_(torch.eye(dim))
            self.proj.bias.zero_()
        self.cap = nn.Parameter(torch.tensor(float(cap)))
        self.mlp = (
            nn.Sequential(nn.Linear(dim, hidden), nn.SiLU(), nn.Linear(hidden, 1))
            if hidden
            else None
        )
        if self.mlp is not None:
            nn.init.zeros_(self.mlp[-1].weight)
            nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """a(x) for a batch (N, dim) -> (N,)."""
        z = (x - self.shift) / self.scale
        q = 0.5 * (self.proj(z) ** 2).sum(-1)
        if self.mlp is not None:
            q = q + self.mlp(z).squeeze(-1)
        return self.cap - F.softplus(self.cap - q)


def log_c_hat(a: torch.Tensor, x: torch.Tensor, lam: float, y: torch.Tensor) -> torch.Tensor:
    """log of (1/M) Σ_i exp(a_i - λ‖x_i - y_k‖²) for each candidate y_k -> (K,)."""
    sq = torch.cdist(y, x).pow(2)  # (K, M)
    return torch.logsumexp(a[None, :] - lam * sq, dim=1) - math.log(x.shape[0])


@torch.no_grad()
def find_sup(
    a: torch.Tensor, x: torch.Tensor, lam: float, starts: int = 32, iters: int = 30, seed: int = 0
) -> torch.Tensor:
    """Approximate argmax_y of log Ĉ(y) by weighted mean-shift from many starting points.

    Starts: the samples with the largest weights a_i (where the spikes of Ĉ are) and random ones.
    """
    gen = torch.Generator().manual_seed(seed)
    m = x.shape[0]
    top = torch.topk(a, min(starts, m)).indices
    rand = torch.randint(0, m, (starts,), generator=gen)
    y = x[torch.cat([top, rand])].clone()
    for _ in range(iters):
        logits = a[None, :] - lam * torch.cdist(y, x).pow(2)
        y = torch.softmax(logits, dim=1) @ x
    best = torch.argmax(log_c_hat(a, x, lam, y))
    return y[best : best + 1]


def dual_estimate(
    log_u: LogU, x: torch.Tensor, lam: float, starts: int = 32, iters: int = 30, seed: int = 0
) -> torch.Tensor:
    """Monte Carlo estimate of E[a(X)] - log sup_y E[exp(a(X) - λ‖X - y‖²)] (nats, total)."""
    a = log_u(x)
    y_star = find_sup(a.detach(), x, lam, starts, iters, seed)
    return a.mean() - log_c_hat(a, x, lam, y_star)[0]


@dataclass(frozen=True)
class LowerLine:
    """One dual line R(D) ≥ (intercept - λ·dim·D) / (dim·ln 2), in bits per dimension."""

    lam: float
    intercept_nats: float
    dim: int
    samples: int
    train_seconds: float

    def rate_bits(self, distortion: float) -> float:
        """The line's value at per-dimension MSE `distortion` (may be negative)."""
        return (self.intercept_nats - self.lam * self.dim * distortion) / (self.dim * LOG2)

    def as_dict(self) -> dict:
        """JSON form."""
        return {
            "lambda": self.lam,
            "intercept_nats": self.intercept_nats,
            "dim": self.dim,
            "samples": self.samples,
            "train_seconds": self.train_seconds,
        }


def make_log_u(train: np.ndarray, batch: int, hidden: int = 0) -> LogU:
    """A LogU standardised on the training data, cap started a little below log M."""
    shift = torch.from_numpy(train.mean(0)).float()
    scale = torch.from_numpy(train.std(0).clip(min=1e-6)).float()
    return LogU(shift, scale, cap=max(math.log(batch) - 2.0, 1.0), hidden=hidden)


def train_lower(
    log_u: LogU,
    train: np.ndarray,
    lam: float,
    steps: int = 400,
    batch: int = 8192,
    lr: float = 1e-2,
    seed: int = 0,
    progress: bool = True,
) -> LogU:
    """Maximise the M-sample dual estimate over minibatches of size M = `batch` with Adam."""
    if lam <= 0:
        raise InputError(f"λ must be > 0, got {lam:g}")
    gen = torch.Generator().manual_seed(seed)
    data = torch.from_numpy(train)
    opt = torch.optim.Adam(log_u.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=lr * 1e-2)
    bar = tqdm(range(steps), desc=f"lower λ={lam:.3g}", disable=not progress, leave=False)
    for step in bar:
        idx = torch.randint(0, data.shape[0], (min(batch, data.shape[0]),), generator=gen)
        loss = -dual_estimate(log_u, data[idx], lam, starts=32, iters=15, seed=seed + step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return log_u


@torch.no_grad()
def calibrate_cap(log_u: LogU, calib: np.ndarray, lam: float, train_batch: int) -> LogU:
    """Re-choose the cap for the evaluation sample size on a calibration set (not the test set).

    The useful cap grows like log M, so the search is centred on cap + log(M_eval / M_train).
    """
    x = torch.from_numpy(calib)
    base = float(log_u.cap) + math.log(max(calib.shape[0] / train_batch, 1.0))
    best_val, best_cap = -math.inf, base
    for cap in base + np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]):
        log_u.cap.fill_(float(cap))
        val = float(dual_estimate(log_u, x, lam, starts=16, iters=20))
        if val > best_val:
            best_val, best_cap = val, float(cap)
    log_u.cap.fill_(best_cap)
    return log_u


@torch.no_grad()
def evaluate_lower(log_u: LogU, heldout: np.ndarray, lam: float, seconds: float = 0.0) -> LowerLine:
    """The dual line estimated on held-out samples (M = len(heldout))."""
    x = torch.from_numpy(heldout)
    value = float(dual_estimate(log_u, x, lam, starts=32, iters=30))
    return LowerLine(lam, value, heldout.shape[1], heldout.shape[0], seconds)


def lower_envelope(lines: list[LowerLine], distortions: np.ndarray) -> list[dict]:
    """Best line at each distortion, clipped at zero rate: the lower-bound curve (bits/dim)."""
    if not lines:
        raise InputError("no dual lines to form a lower bound")
    out = []
    for d in distortions:
        rate = max(max(line.rate_bits(float(d)) for line in lines), 0.0)
        out.append({"distortion": float(d), "rate_bits": rate})
    return out
