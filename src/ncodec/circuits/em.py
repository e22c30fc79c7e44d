"""Mini-batch EM for an HCLT: expected counts are d logP / d theta * theta (one backward pass),
the M-step normalises counts plus a pseudocount, and a step size blends it into the old theta."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ncodec.circuits.hclt import Hclt


@dataclass(frozen=True)
class EmSettings:
    """Step size of mini-batch EM and the pseudocounts that smooth each distribution."""

    step: float = 0.2
    leaf_pseudocount: float = 0.01
    """Pseudocount of each leaf value, or with `leaf_prior` the total spread by the prior."""
    edge_pseudocount: float = 0.1
    leaf_prior: torch.Tensor | None = None
    """Distribution over the 256 values (e.g. the training pixels' histogram) that shapes the
    leaf pseudocounts: few images reach some hidden states, and smoothing them towards what
    pixels usually are generalises better than towards uniform."""
    tie_bins: torch.Tensor | None = None
    """Bin of each of the 256 values (`value_bins`): with `tie_strength` > 0 every leaf is
    smoothed towards a tied leaf, P(bin | pixel, state) times a within-bin distribution shared by
    all pixels and states, so sparse counts of rare grey levels borrow from the whole circuit."""
    tie_strength: float = 0.0
    """Weight (in images) of the tied leaf as a Dirichlet prior on each untied leaf."""


def em_step(model: Hclt, x: torch.Tensor, settings: EmSettings) -> float:
    """One mini-batch EM update of `model` on B x D pixels; returns the batch's mean
    log-likelihood in nats (before the update)."""
    root = model.root.clone().requires_grad_(True)
    edges = model.edges.clone().requires_grad_(True)
    leaves = model.leaves.clone().requires_grad_(True)
    ll = model.log_likelihood(x, root, edges, leaves)
    ll.sum().backward()
    leaf_pseudo: float | torch.Tensor = settings.leaf_pseudocount
    if settings.leaf_prior is not None:
        leaf_pseudo = settings.leaf_pseudocount * settings.leaf_prior.to(leaves.dtype)
    with torch.no_grad():
        for current, tensor, pseudo in (
            (model.root, root, settings.edge_pseudocount),
            (model.edges, edges, settings.edge_pseudocount),
            (model.leaves, leaves, leaf_pseudo),
        ):
            counts = tensor.grad * tensor + pseudo
            if tensor is leaves and settings.tie_bins is not None and settings.tie_strength > 0:
                counts = counts + settings.tie_strength * tied_leaves(counts, settings.tie_bins)
            target = counts / counts.sum(-1, keepdim=True)
            current.mul_(1 - settings.step).add_(settings.step * target)
    return float(ll.detach().mean())


def tied_leaves(counts: torch.Tensor, bins: torch.Tensor) -> torch.Tensor:
    """The tied estimate of leaves from expected counts (D x K x 256): per pixel and state a
    distribution over value bins, times one within-bin distribution over values shared by all."""
    bins = bins.to(counts.device).long()
    n_bins = int(bins.max()) + 1
    per_bin = counts.new_zeros(*counts.shape[:-1], n_bins).index_add_(-1, bins, counts)
    of_bin = per_bin / per_bin.sum(-1, keepdim=True)
    overall = counts.sum((0, 1))
    bin_total = overall.new_zeros(n_bins).index_add_(0, bins, overall)
    within = overall / bin_total[bins]
    return of_bin[..., bins] * within


def value_bins(pixels: torch.Tensor, bins: int) -> torch.Tensor:
    """Contiguous bins of the 256 values of about equal pixel mass (a value heavier than one
    bin's share gets a bin of its own); returns the bin index of each value."""
    counts = torch.bincount(pixels.reshape(-1).long(), minlength=256).double() + 1e-3
    share = counts / counts.sum()
    start = torch.floor(bins * (torch.cumsum(share, 0) - share))  # bin where each value starts
    heavy = share >= 1.0 / bins
    cut = (start[1:] != start[:-1]) | heavy[1:] | heavy[:-1]  # a new bin begins at value v
    return torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(cut.long(), 0)])


def value_prior(pixels: torch.Tensor, uniform: float = 0.01) -> torch.Tensor:
    """Histogram of the pixel values (256), mixed with a little of the uniform distribution."""
    counts = torch.bincount(pixels.reshape(-1).long(), minlength=256).double()
    return (1 - uniform) * counts / counts.sum() + uniform / 256


def bits_per_dimension(model: Hclt, x: torch.Tensor, batch: int = 1000) -> float:
    """Mean -log2 P(x) per pixel of the float circuit (a theoretical rate, not a file size)."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            total += float(model.log_likelihood(x[start : start + batch]).sum())
    return -total / (len(x) * model.size * torch.log(torch.tensor(2.0)).item())
