"""The training loop, independent of what is trained: a task supplies model, batches and loss.

A `TrainingTask` says how to build the trainable module, which batch belongs to each step (a
pure function of the step, so a resumed run sees exactly the batches it would have seen), and
the loss with the scalars to log. The `Trainer` owns everything else: Adam with named parameter
groups, the learning-rate drop, gradient clipping, bf16 autocast, the CSV log, periodic
validation, atomic checkpoints with every RNG state, exact resume and a wall-clock budget.
Under `torchrun` it trains data-parallel (`ncodec.train.distributed`).
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from tqdm import tqdm

from ncodec.errors import InputError
from ncodec.train.checkpoint import load_checkpoint, save_checkpoint
from ncodec.train.distributed import DataParallel, wrap_loss

Validator = Callable[[torch.nn.Module, int], dict]


class TrainingTask(Protocol):
    """What a kind of training plugs into the loop."""

    name: str
    log_fields: tuple[str, ...]
    """Scalars the loss returns besides 'loss', logged in this order."""

    def build_model(self) -> torch.nn.Module:
        """A fresh trainable module (seeded by the trainer before the call)."""

    def param_groups(self, model: torch.nn.Module, lr: float) -> list[dict[str, Any]]:
        """Adam parameter groups, each with a 'name', a base 'lr' and 'clip' (bool)."""

    def batch(self, step: int, device: torch.device) -> Any:
        """The batch of a step: a deterministic function of (task seed, step)."""

    def loss(self, model: torch.nn.Module, batch: Any) -> dict[str, torch.Tensor]:
        """{'loss': the objective, optionally 'aux': an auxiliary loss minimised with it (e.g. a
        density's quantile loss), plus the `log_fields` scalars}."""


@dataclass
class LoopSettings:
    """How long and how to optimise; the task decides what."""

    steps: int
    out: Path
    lr: float = 1e-4
    lr_drop_at: float = 0.9
    clip: float = 1.0
    device: str = "cpu"
    precision: str = "fp32"
    seed: int = 0
    checkpoint_minutes: float = 5.0
    log_every: int = 20
    val_every: int = 1000
    max_minutes: float | None = None

    def lr_dropped(self, step: int, run_seconds: float) -> bool:
        """The learning rate drops x0.1 at lr_drop_at of the steps, or of max_minutes if set.

        The time-based drop is for a fixed wall-clock budget (a lent GPU); it is per invocation,
        so a resumed time-limited run restarts at the full rate.
        """
        if step >= self.lr_drop_at * self.steps:
            return True
        limit = self.max_minutes
        return limit is not None and run_seconds >= self.lr_drop_at * limit * 60


@dataclass
class TrainState:
    """What a checkpoint restores."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    step: int = 0
    seconds: float = 0.0


class Trainer:
    """Runs a task for `settings.steps` steps with checkpoints in `settings.out`."""

    def __init__(
        self,
        task: TrainingTask,
        settings: LoopSettings,
        config: dict[str, Any],
        validate: Validator | None = None,
        parallel: DataParallel | None = None,
    ) -> None:
        self.task = task
        self.parallel = parallel or DataParallel.from_env(settings.device)
        """This process's share of a data-parallel run (one process: rank 0 of 1)."""
        self.settings = settings
        self.config = config
        """Saved in every checkpoint (the run's own description)."""
        self.validate = validate
        self.checkpoint_path = Path(settings.out) / "checkpoint.pt"

    def start(self, resume: bool, init: Callable[[TrainState], None] | None = None) -> TrainState:
        """A new state (then `init`, e.g. a warm start) or the one saved in the checkpoint."""
        path = self.checkpoint_path
        if resume and not path.exists():
            raise InputError(f"--resume given but no checkpoint in {self.settings.out}")
        if not resume and path.exists():
            raise InputError(
                f"{self.settings.out} already holds a run; pass --resume to continue it"
            )
        Path(self.settings.out).mkdir(parents=True, exist_ok=True)
        torch.manual_seed(self.settings.seed)
        device = self.parallel.device(self.settings.device)
        model = self.task.build_model().to(device)
        groups = self.task.param_groups(model, self.settings.lr)
        optimizer = torch.optim.Adam(groups)
        state = TrainState(model, optimizer)
        if resume:
            saved = load_checkpoint(path)
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            state.step, state.seconds = saved["step"], saved["seconds"]
        # This invocation's settings (an explicit --lr on resume applies from the next step).
        for group, fresh in zip(optimizer.param_groups, groups, strict=True):
            group["base_lr"], group["clip"] = fresh["lr"], fresh.get("clip", True)
        if resume:
            return state
        if init is not None:
            init(state)
        return state

    def save(self, state: TrainState) -> None:
        """Atomic checkpoint of model, optimizer, step, time and config (rank 0 only)."""
        if not self.parallel.is_main:
            return
        save_checkpoint(
            self.checkpoint_path,
            {
                "model": state.model.state_dict(),
                "optimizer": state.optimizer.state_dict(),
                "step": state.step,
                "seconds": state.seconds,
                "config": self.config,
            },
        )

    def _set_lr(self, state: TrainState, dropped: bool) -> None:
        scale = 0.1 if dropped else 1.0
        for group in state.optimizer.param_groups:
            group["lr"] = group["base_lr"] * scale

    def _step(
        self, state: TrainState, device: torch.device, loss: Callable[[Any], dict]
    ) -> dict[str, torch.Tensor]:
        """One optimisation step on this rank's share of the step's batch."""
        batch = self.parallel.share(self.task.batch(state.step, device))
        self.parallel.seed_step(self.settings.seed, state.step)
        bf16 = self.settings.precision == "bf16"
        with torch.autocast(device.type, torch.bfloat16, enabled=bf16):
            terms = loss(batch)
        state.optimizer.zero_grad(set_to_none=True)
        total = terms["loss"] + terms["aux"] if "aux" in terms else terms["loss"]
        total.backward()
        clipped = [p for g in state.optimizer.param_groups if g["clip"] for p in g["params"]]
        torch.nn.utils.clip_grad_norm_(clipped, self.settings.clip)
        state.optimizer.step()
        return terms

    def run(self, state: TrainState) -> Path:
        """Train until `steps` (or the time budget), logging and checkpointing; the path of the
        checkpoint, which is also written when the run is interrupted."""
        settings, out = self.settings, Path(self.settings.out)
        parallel, main = self.parallel, self.parallel.is_main
        device = parallel.device(settings.device)
        log_path = out / "log.csv"
        new_log = not log_path.exists()
        fields = ["step", "seconds", "lr", "loss", *self.task.log_fields]
        last_checkpoint = run_start = time.monotonic()
        bar = tqdm(
            total=settings.steps,
            initial=state.step,
            desc=f"train {self.task.name}",
            disable=not main,
        )
        state.model.train()
        loss = wrap_loss(state.model, self.task.loss, parallel)
        with log_path.open("a", newline="") if main else open(os.devnull, "w") as log_file:
            log = csv.DictWriter(log_file, fields, extrasaction="ignore")
            if new_log:
                log.writeheader()
            try:
                while state.step < settings.steps:
                    t0 = time.monotonic()
                    limit = settings.max_minutes
                    stop = limit is not None and t0 - run_start >= 60 * limit
                    dropped = settings.lr_dropped(state.step, t0 - run_start)
                    if limit is not None:  # clock decisions: rank 0's, for every rank
                        stop, dropped = parallel.decide([stop, dropped])
                    if stop:
                        break
                    self._set_lr(state, dropped)
                    terms = self._step(state, device, loss)
                    state.step += 1
                    state.seconds += time.monotonic() - t0
                    if state.step % settings.log_every == 0 or state.step == settings.steps:
                        row = self._row(state, terms)
                        log.writerow(row)
                        log_file.flush()
                        bar.set_postfix({k: f"{row[k]:.3f}" for k in fields[3:6] if k in row})
                    bar.update(1)
                    self._maybe_validate(state)
                    if time.monotonic() - last_checkpoint > 60 * settings.checkpoint_minutes:
                        self.save(state)
                        last_checkpoint = time.monotonic()
            finally:
                bar.close()
                self.save(state)
        return self.checkpoint_path

    def _row(self, state: TrainState, terms: dict[str, torch.Tensor]) -> dict[str, float]:
        row = {
            "step": state.step,
            "seconds": round(state.seconds, 1),
            "lr": state.optimizer.param_groups[0]["lr"],
        }
        scalars = {k: float(v.detach()) for k, v in terms.items() if v.numel() == 1}
        row.update(self.parallel.mean(scalars))  # the global batch's mean over the ranks
        return row

    def _maybe_validate(self, state: TrainState) -> None:
        every, steps = self.settings.val_every, self.settings.steps
        if not self.parallel.is_main:
            return
        if self.validate is None or (state.step % every and state.step != steps):
            return
        state.model.eval()
        result = self.validate(state.model, state.step)
        state.model.train()
        if result:
            with (Path(self.settings.out) / "val.jsonl").open("a") as f:
                f.write(json.dumps({"step": state.step, **result}) + "\n")
