"""Data-parallel training under `torchrun`: one process per device, gradients averaged by DDP.

`torchrun --nproc-per-node N -m ncodec train ...` (or `--nnodes` for many machines) sets RANK,
WORLD_SIZE, LOCAL_RANK and the rendezvous address; `DataParallel.from_env` joins the process
group (gloo on the CPU, NCCL on GPUs) and the `Trainer` then:

- gives each rank its share of the step's batch: rows `[rank*B/N, (rank+1)*B/N)` of the batch
  the task returns for the step (a pure function of the step), so N processes together see the
  same global batch as one process, and a resumed run the same batches again;
- seeds each rank's random numbers (training noise) from (seed, step, rank) at every step, so
  the ranks draw independent noise and a resumed run draws the same noise again;
- runs the task's whole loss inside DistributedDataParallel's forward, so DDP averages the
  gradient of every parameter the loss touches (auxiliary losses and parameters used outside
  `model.forward` included), and each rank's mean loss over its equal share averages to the
  global mean;
- logs the mean of each scalar over the ranks, and lets only rank 0 write logs, validation
  results and checkpoints; every rank resumes from the same checkpoint;
- takes decisions that depend on a clock (the time budget, the time-based learning-rate drop)
  on rank 0 and broadcasts them, so the replicas never diverge.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from ncodec.errors import InputError

ENV_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


@dataclass(frozen=True)
class DataParallel:
    """This process's place in a data-parallel run (rank 0 of 1 when not distributed)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def active(self) -> bool:
        """True when there are other processes to talk to."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that logs, validates and writes checkpoints."""
        return self.rank == 0

    @classmethod
    def from_env(cls, device: str) -> DataParallel:
        """The run torchrun describes in the environment (a single process without it); joins
        the process group, gloo for `device` 'cpu' and NCCL for 'cuda'."""
        if "WORLD_SIZE" not in os.environ:
            return cls()
        try:
            rank, world, local = (int(os.environ[name]) for name in ENV_VARS)
        except (KeyError, ValueError):
            names = ", ".join(ENV_VARS)
            raise InputError(f"torchrun environment incomplete: need {names}") from None
        if world == 1:
            return cls()
        if not dist.is_initialized():
            backend = "nccl" if device == "cuda" else "gloo"
            if device == "cuda":
                torch.cuda.set_device(local)
            dist.init_process_group(backend, rank=rank, world_size=world)
        return cls(rank, world, local)

    def device(self, name: str) -> torch.device:
        """This rank's device: its own GPU (by local rank) for 'cuda', else as named."""
        if name == "cuda" and self.active:
            return torch.device("cuda", self.local_rank)
        return torch.device(name)

    def check_batch(self, size: int) -> None:
        """The global batch must split evenly over the ranks (equal shares average exactly)."""
        if size % self.world_size:
            raise InputError(
                f"the batch of {size} does not split over {self.world_size} processes; "
                "use a batch size that is a multiple of the process count"
            )

    def share(self, batch: Any) -> Any:
        """This rank's rows of a batch (tensors, or tuples, lists and dicts of them)."""
        if not self.active:
            return batch
        if isinstance(batch, torch.Tensor):
            self.check_batch(batch.shape[0])
            size = batch.shape[0] // self.world_size
            return batch[self.rank * size : (self.rank + 1) * size]
        if isinstance(batch, tuple | list):
            return type(batch)(self.share(item) for item in batch)
        if isinstance(batch, dict):
            return {key: self.share(value) for key, value in batch.items()}
        raise TypeError(f"cannot split a batch of type {type(batch).__name__} over processes")

    def seed_step(self, seed: int, step: int) -> None:
        """Seed this rank's torch generators for one step (independent across ranks)."""
        if self.active:
            state = np.random.SeedSequence([seed, step, self.rank]).generate_state(2)
            torch.manual_seed(int(state[0]) << 32 | int(state[1]))

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        """The mean of each logged scalar over the ranks (every rank must call this)."""
        if not self.active or not values:
            return values
        keys = sorted(values)
        tensor = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64)
        tensor = self._on_backend_device(tensor)
        dist.all_reduce(tensor)
        return {k: float(v) / self.world_size for k, v in zip(keys, tensor.tolist(), strict=True)}

    def decide(self, flags: list[bool]) -> list[bool]:
        """Rank 0's values of clock-based decisions, on every rank."""
        if not self.active:
            return flags
        tensor = self._on_backend_device(torch.tensor([int(f) for f in flags], dtype=torch.int32))
        dist.broadcast(tensor, src=0)
        return [bool(v) for v in tensor.tolist()]

    def barrier(self) -> None:
        """Wait for every rank (e.g. until rank 0 has written a checkpoint)."""
        if self.active:
            dist.barrier()

    def _on_backend_device(self, tensor: torch.Tensor) -> torch.Tensor:
        """NCCL only moves GPU tensors."""
        if dist.get_backend() == "nccl":
            return tensor.cuda(self.local_rank)
        return tensor


class LossModule(nn.Module):
    """The task's loss as a module, so that DDP's forward covers the whole loss computation."""

    def __init__(self, model: nn.Module, loss: Callable[[nn.Module, Any], dict]) -> None:
        super().__init__()
        self.model = model
        self.loss = loss

    def forward(self, batch: Any) -> dict[str, torch.Tensor]:
        return self.loss(self.model, batch)


def wrap_loss(
    model: nn.Module, loss: Callable[[nn.Module, Any], dict], parallel: DataParallel
) -> Callable[[Any], dict[str, torch.Tensor]]:
    """`batch -> loss terms`: the plain call in one process, a DDP module across processes."""
    if not parallel.active:
        return lambda batch: loss(model, batch)
    device_ids = [parallel.local_rank] if next(model.parameters()).is_cuda else None
    # Every parameter must take part in each step's loss (DDP then reduces without searching
    # the graph); a task with parameters it leaves unused would need find_unused_parameters.
    return nn.parallel.DistributedDataParallel(LossModule(model, loss), device_ids=device_ids)
