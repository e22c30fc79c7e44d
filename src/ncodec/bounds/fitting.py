"""How the networks of both bounds are fitted: identity-started linear maps, small MLPs, and
Adam with a cosine decay on seeded minibatches of the training samples."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ncodec.errors import InputError


def identity_linear(in_dim: int, out_dim: int) -> nn.Linear:
    """nn.Linear started at W = I (truncated/padded) and b = 0, so fitting starts from x ↦ x."""
    linear = nn.Linear(in_dim, out_dim)
    with torch.no_grad():
        linear.weight.copy_(torch.eye(out_dim, in_dim))
        linear.bias.zero_()
    return linear


def mlp(in_dim: int, hidden: int, out_dim: int) -> nn.Sequential:
    """Two SiLU hidden layers of width `hidden`."""
    return nn.Sequential(
        nn.Linear(in_dim, hidden),
        nn.SiLU(),
        nn.Linear(hidden, hidden),
        nn.SiLU(),
        nn.Linear(hidden, out_dim),
    )


def check_lambda(lam: float) -> None:
    """λ weighs distortion against rate; it must be positive."""
    if lam <= 0:
        raise InputError(f"λ must be > 0, got {lam:g}")


@dataclass(frozen=True)
class Fit:
    """The optimisation budget of one bound network."""

    steps: int
    """Adam steps."""
    batch: int
    """Samples per minibatch (for the lower bound, the M of the dual estimate)."""
    lr: float = 1e-2
    """Starting learning rate; a cosine schedule decays it."""
    seed: int = 0
    """Seeds the minibatch draws (and the upper bound's Monte Carlo draws)."""
    progress: bool = True
    """Show a progress bar."""


def minimise(
    loss_of: Callable[[torch.Tensor, int], torch.Tensor],
    parameters: Iterable[nn.Parameter],
    train: np.ndarray,
    fit: Fit,
    final_lr: float,
    desc: str,
) -> None:
    """Adam on `loss_of(minibatch, step)`, the rate decaying from `fit.lr` to `final_lr`
    (cosine); minibatches are drawn with replacement by a generator seeded `fit.seed`."""
    gen = torch.Generator().manual_seed(fit.seed)
    data = torch.from_numpy(train)
    opt = torch.optim.Adam(parameters, lr=fit.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, fit.steps, eta_min=final_lr)
    for step in tqdm(range(fit.steps), desc=desc, disable=not fit.progress, leave=False):
        size = min(fit.batch, data.shape[0])
        idx = torch.randint(0, data.shape[0], (size,), generator=gen)
        loss = loss_of(data[idx], step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
