"""Lower-bound op whose gradient still flows when it would push the input back above the bound."""

from __future__ import annotations

import torch


class _LowerBoundFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, bound: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, bound)
        return torch.max(x, bound)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, bound = ctx.saved_tensors
        pass_through = (x >= bound) | (grad < 0)
        return pass_through.to(grad.dtype) * grad, None


def lower_bound(x: torch.Tensor, bound: float) -> torch.Tensor:
    """max(x, bound) whose gradient can lift x off the bound (tensorflow-compression style)."""
    return _LowerBoundFn.apply(x, torch.as_tensor(bound, dtype=x.dtype, device=x.device))
