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
from typing import NamedTuple

import numpy as np
import torch
from scipy.ndimage import maximum_filter
from scipy.signal import fftconvolve
from torch import nn
from torch.nn import functional as F

from ncodec.bounds.fitting import Fit, check_lambda, identity_linear, minimise
from ncodec.errors import InputError

LOG2 = math.log(2.0)


class LogU(nn.Module):
    """a(x) = -log u(x): a learned quadratic q (plus optional MLP) with a learned limit τ.

    `shape="softcap"`: a = τ - softplus(τ - q). `shape="taper"`: a = q - exp((q - τ)/2), which
    lowers a where samples are rare (the Monte Carlo noise of Ĉ grows like 1/√p(x) ∝ e^{q/2}), so
    the sup of Ĉ sits where samples are plentiful; its maximum is τ + 2 ln 2 - 2. Both keep the
    rare huge weights exp(a(x)) from dominating the Monte Carlo sup at finite M.
    """

    def __init__(
        self,
        shift: torch.Tensor,
        scale: torch.Tensor,
        cap: float,
        hidden: int = 0,
        shape: str = "softcap",
    ) -> None:
        """`shift`/`scale` standardise x; the quadratic starts at 0.5‖z‖² (a Gaussian's optimum)."""
        super().__init__()
        if shape not in ("softcap", "taper"):
            raise InputError(f"unknown a(x) shape {shape!r} (softcap or taper)")
        dim = shift.numel()
        self.shape = shape
        self.register_buffer("shift", shift)
        self.register_buffer("scale", scale)
        self.proj = identity_linear(dim, dim)
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
        if self.shape == "taper":
            return q - torch.exp(0.5 * (q - self.cap))
        return self.cap - F.softplus(self.cap - q)


def _chunk(k: int, m: int, elements: int = 1 << 23) -> int:
    """Samples per chunk so that a (k, chunk) matrix has at most `elements` entries."""
    return max(1024, min(m, elements // max(k, 1)))


def log_c_hat(a: torch.Tensor, x: torch.Tensor, lam: float, y: torch.Tensor) -> torch.Tensor:
    """log of (1/M) Σ_i exp(a_i - λ‖x_i - y_k‖²) for each candidate y_k -> (K,), in chunks."""
    step = _chunk(y.shape[0], x.shape[0])
    parts = [
        torch.logsumexp(a[None, i : i + step] - lam * torch.cdist(y, x[i : i + step]).pow(2), 1)
        for i in range(0, x.shape[0], step)
    ]
    return torch.logsumexp(torch.stack(parts, 1), 1) - math.log(x.shape[0])


@torch.no_grad()
def mean_shift_step(
    a: torch.Tensor, x: torch.Tensor, lam: float, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """One weighted mean-shift step from each y_k (chunked): (new y, log Ĉ at the old y)."""
    step = _chunk(y.shape[0], x.shape[0])
    top = torch.full((y.shape[0],), -math.inf)
    total = torch.zeros(y.shape[0])
    moment = torch.zeros_like(y)
    for i in range(0, x.shape[0], step):
        xc = x[i : i + step]
        logits = a[None, i : i + step] - lam * torch.cdist(y, xc).pow(2)
        new_top = torch.maximum(top, logits.max(1).values)
        old = torch.exp(top - new_top)
        w = torch.exp(logits - new_top[:, None])
        total = total * old + w.sum(1)
        moment = moment * old[:, None] + w @ xc
        top = new_top
    return moment / total[:, None], top + torch.log(total) - math.log(x.shape[0])


@torch.no_grad()
def _ascend(
    a: torch.Tensor, x: torch.Tensor, lam: float, y: torch.Tensor, iters: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean-shift every start; return all visited points and their log Ĉ (the final one too)."""
    seen, values = [], []
    for _ in range(iters):
        y_next, value = mean_shift_step(a, x, lam, y)
        seen.append(y)
        values.append(value)
        y = y_next
    seen.append(y)
    values.append(log_c_hat(a, x, lam, y))
    return torch.cat(seen), torch.cat(values)


def _distinct(y: torch.Tensor, values: torch.Tensor, count: int, spacing: float) -> torch.Tensor:
    """Up to `count` points of `y`, best `values` first, no two closer than `spacing`."""
    picked: list[torch.Tensor] = []
    for i in torch.argsort(values, descending=True).tolist():
        if len(picked) == count:
            break
        if all(float(torch.dist(y[i], p)) >= spacing for p in picked):
            picked.append(y[i])
    return torch.stack(picked)


@torch.no_grad()
def _proposals(
    a: torch.Tensor, x: torch.Tensor, lam: float, starts: int, iters: int, seed: int, keep: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean-shift on (a subset of) the samples; the `keep` best distinct points and their values.

    Starts: the samples with the largest weights a_i (where the spikes of Ĉ are) and random ones.
    """
    gen = torch.Generator().manual_seed(seed)
    top = torch.topk(a, min(starts, a.shape[0])).indices
    rand = torch.randint(0, a.shape[0], (starts,), generator=gen)
    seen, values = _ascend(a, x, lam, x[torch.cat([top, rand])].clone(), iters)
    picked = _distinct(seen, values, keep, 0.5 / math.sqrt(2.0 * lam))
    return picked, log_c_hat(a, x, lam, picked)


def _subset(m: int, size: int, seed: int) -> torch.Tensor:
    """Indices of a random subset of `size` out of `m` (all of them if m ≤ size)."""
    if m <= size:
        return torch.arange(m)
    return torch.randperm(m, generator=torch.Generator().manual_seed(seed))[:size]


def _grid_proposals(a: torch.Tensor, x: torch.Tensor, lam: float, keep: int) -> torch.Tensor:
    """In dimension ≤ 2: log Ĉ on a fine grid (binned weights ⊛ kernel by FFT); its `keep` best
    local maxima, at least a kernel width apart. An exhaustive search of the whole sample range.
    """
    width = 1.0 / math.sqrt(2.0 * lam)  # kernel standard deviation
    xn = x.double().numpy()
    lo, hi = xn.min(0) - 3 * width, xn.max(0) + 3 * width
    bins = [int(min(1024, math.ceil(span / (width / 5)))) for span in hi - lo]
    edges = [np.linspace(low, h, n + 1) for low, h, n in zip(lo, hi, bins, strict=True)]
    w = torch.exp(a.double() - a.max()).numpy()
    hist, _ = np.histogramdd(xn, bins=edges, weights=w)
    step = [e[1] - e[0] for e in edges]
    axes = [np.arange(-r, r + 1) * st for st in step for r in [math.ceil(5 * width / st)]]
    grids = np.meshgrid(*axes, indexing="ij")
    kernel = np.exp(-lam * sum(g**2 for g in grids))
    smooth = fftconvolve(hist, kernel, mode="same")
    size = [max(3, int(2 * width / st) | 1) for st in step]
    peaks = (smooth == maximum_filter(smooth, size=size)) & (smooth > 0)
    idx = np.argwhere(peaks)
    order = np.argsort(-smooth[peaks])[:keep]
    centres = [(e[:-1] + e[1:]) / 2 for e in edges]
    pts = np.stack([centres[k][idx[order, k]] for k in range(len(edges))], 1)
    return torch.from_numpy(pts).to(x.dtype)


class SupSearch(NamedTuple):
    """How hard `find_sup` searches for the sup over y of log Ĉ(y) (its seed is separate)."""

    starts: int = 32
    """Mean-shift starts: as many heaviest samples and as many random ones."""
    iters: int = 30
    """Mean-shift steps from each start."""
    coarse: int = 100_000
    """For M above this, places are proposed on a subset of this size (or a grid, d ≤ 2)."""
    keep: int = 16
    """Distinct proposed places kept."""
    refine: int = 4
    """Mean-shift steps on all M samples from each kept place."""


FULL_SEARCH = SupSearch()
"""The search of every evaluation (training uses fewer mean-shift steps)."""


@torch.no_grad()
def find_sup(
    a: torch.Tensor, x: torch.Tensor, lam: float, search: SupSearch = FULL_SEARCH, seed: int = 0
) -> torch.Tensor:
    """Approximate argmax_y of log Ĉ(y) by weighted mean-shift from many starting points.

    For M > `coarse`, places are proposed first: in dimension ≤ 2 the best local maxima of log Ĉ
    on a fine grid over the whole sample range; otherwise by ascent on a random subset of `coarse`
    samples (whose spikes are M/coarse times too high). The `keep` best distinct places are
    refined with `refine` steps on all M samples, and the `starts` heaviest samples of the full
    set are evaluated there too. The best point ever evaluated on all M is returned.
    """
    s = search
    if x.shape[1] <= 2 and x.shape[0] > s.coarse:
        seen = _grid_proposals(a, x, lam, s.keep)
    else:
        sub = _subset(x.shape[0], s.coarse, seed)
        seen, values = _proposals(a[sub], x[sub], lam, s.starts, s.iters, seed, s.keep)
    if x.shape[0] > s.coarse:
        seen, values = _ascend(a, x, lam, seen, s.refine)
        heavy = x[torch.topk(a, min(s.starts, x.shape[0])).indices]
        seen, values = torch.cat([seen, heavy]), torch.cat([values, log_c_hat(a, x, lam, heavy)])
    i = int(torch.argmax(values))
    return seen[i : i + 1]


def dual_estimate(
    log_u: LogU, x: torch.Tensor, lam: float, search: SupSearch = FULL_SEARCH, seed: int = 0
) -> torch.Tensor:
    """Monte Carlo estimate of E[a(X)] - log sup_y E[exp(a(X) - λ‖X - y‖²)] (nats, total)."""
    a = log_u(x)
    y_star = find_sup(a.detach(), x, lam, search, seed)
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


def make_log_u(train: np.ndarray, batch: int, hidden: int = 0, shape: str = "softcap") -> LogU:
    """A LogU standardised on the training data, cap (or taper) started a little below log M."""
    shift = torch.from_numpy(train.mean(0)).float()
    scale = torch.from_numpy(train.std(0).clip(min=1e-6)).float()
    return LogU(shift, scale, cap=max(math.log(batch) - 2.0, 1.0), hidden=hidden, shape=shape)


LOWER_FIT = Fit(steps=400, batch=8192)
"""Default budget of `train_lower`."""


def train_lower(log_u: LogU, train: np.ndarray, lam: float, fit: Fit = LOWER_FIT) -> LogU:
    """Maximise the M-sample dual estimate over minibatches of size M = `fit.batch` with Adam."""
    check_lambda(lam)

    def loss(x: torch.Tensor, step: int) -> torch.Tensor:
        """Minus the dual estimate on a minibatch (a quicker sup search than at evaluation)."""
        return -dual_estimate(log_u, x, lam, SupSearch(iters=15), seed=fit.seed + step)

    minimise(loss, log_u.parameters(), train, fit, fit.lr * 1e-2, f"lower λ={lam:.3g}")
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
        val = float(dual_estimate(log_u, x, lam, SupSearch(starts=16, iters=20)))
        if val > best_val:
            best_val, best_cap = val, float(cap)
    log_u.cap.fill_(best_cap)
    return log_u


@torch.no_grad()
def calibrate(
    log_u: LogU,
    calib: np.ndarray,
    lam: float,
    train_batch: int,
    shifts: tuple[float, ...] = (-2.0, -1.0, 0.0, 1.0),
    scales: tuple[float, ...] = (0.95, 1.0, 1.05, 1.1),
    coarse: int = 100_000,
) -> LogU:
    """Re-choose τ and the scale of the quadratic for the calibration size (not the test set).

    Training at a small M shrinks the quadratic and lowers τ; at the evaluation size both can
    grow (τ like log M). Grid over τ = cap + log(M_cal / M_train) + shift and proj × scale; the
    sup for each setting is taken over places (in dimension ≤ 2 that setting's grid maxima, else
    places proposed once) plus that setting's heaviest samples, refined by one mean-shift step
    (the final evaluation on held-out samples searches afresh).
    """
    x = torch.from_numpy(calib)
    base = float(log_u.cap) + math.log(max(calib.shape[0] / train_batch, 1.0))
    weight = log_u.proj.weight.clone()
    log_u.cap.fill_(base)
    sub = _subset(x.shape[0], coarse, 0)
    low_dim = x.shape[1] <= 2
    places = None if low_dim else _proposals(log_u(x[sub]), x[sub], lam, 16, 20, 0, 16)[0]
    best_val, best = -math.inf, (base, 1.0)
    for shift in shifts:
        for scale in scales:
            log_u.cap.fill_(base + shift)
            log_u.proj.weight.copy_(weight * scale)
            a = log_u(x)
            heavy = x[torch.topk(a, min(16, x.shape[0])).indices]
            if low_dim:
                places = _grid_proposals(a, x, lam, 8)
            _, values = _ascend(a, x, lam, torch.cat([places, heavy]), 1)
            val = float(a.mean() - values.max())
            if val > best_val:
                best_val, best = val, (base + shift, scale)
    log_u.cap.fill_(best[0])
    log_u.proj.weight.copy_(weight * best[1])
    return log_u


@torch.no_grad()
def evaluate_lower(
    log_u: LogU,
    heldout: np.ndarray,
    lam: float,
    seconds: float = 0.0,
    search: SupSearch = FULL_SEARCH,
) -> LowerLine:
    """The dual line estimated on held-out samples (M = len(heldout)), sup searched afresh."""
    value = float(dual_estimate(log_u, torch.from_numpy(heldout), lam, search))
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
