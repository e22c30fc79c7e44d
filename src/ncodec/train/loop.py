"""`ncodec train` for image models: a run's settings and how they become a task for the Trainer."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ncodec.errors import InputError
from ncodec.models import ARCHITECTURES
from ncodec.train.data import find_images
from ncodec.train.distributed import DataParallel
from ncodec.train.image_task import ImageRateDistortionTask
from ncodec.train.trainer import LoopSettings, Trainer, TrainState, Validator


@dataclass
class TrainConfig:
    """Everything that defines a run; saved as run.json and checked on --resume."""

    model: str
    lambdas: list[float]
    data: list[str]
    steps: int
    out: str
    batch_size: int = 8
    patch: int = 128
    seed: int = 0
    device: str = "cpu"
    lr: float = 1e-4
    lr_drop_at: float = 0.9
    aux_lr: float = 1e-3
    clip: float = 1.0
    distortion: str = "mse"
    n: int = 128
    m: int = 192
    holdout: int = 16
    val_every: int = 1000
    checkpoint_minutes: float = 5.0
    log_every: int = 20
    precision: str = "fp32"
    init_from: str | None = None
    start_step: int = 0
    max_minutes: float | None = None
    extra: dict = field(default_factory=dict)
    """Further architecture settings passed to its config (e.g. {"model_config": {...}})."""

    def model_config(self) -> dict:
        """The architecture config of this run: widths, rate levels and any extra settings."""
        return {
            "n": self.n,
            "m": self.m,
            "lambdas": self.lambdas,
            **self.extra.get("model_config", {}),
        }

    def loop_settings(self) -> LoopSettings:
        """The task-independent part of the run."""
        return LoopSettings(
            steps=self.steps,
            out=Path(self.out),
            lr=self.lr,
            lr_drop_at=self.lr_drop_at,
            clip=self.clip,
            device=self.device,
            precision=self.precision,
            seed=self.seed,
            checkpoint_minutes=self.checkpoint_minutes,
            log_every=self.log_every,
            val_every=self.val_every,
            max_minutes=self.max_minutes,
        )

    def validate(self) -> None:
        """Reject bad settings before any data is loaded or any step is taken."""
        if self.model not in ARCHITECTURES:
            raise InputError(f"unknown model '{self.model}' (known: {', '.join(ARCHITECTURES)})")
        if not self.lambdas or any(not (lam > 0 and math.isfinite(lam)) for lam in self.lambdas):
            raise InputError(f"lambda must be positive, got {self.lambdas}")
        if self.steps <= 0 or self.batch_size <= 0 or self.patch < 64 or self.patch % 64:
            raise InputError("steps and batch size must be positive; patch a multiple of 64")
        if self.precision not in ("fp32", "bf16"):
            raise InputError(f"unknown precision '{self.precision}' (fp32 or bf16)")
        if self.distortion not in ("mse", "ms-ssim"):
            raise InputError(f"unknown distortion '{self.distortion}' (mse or ms-ssim)")
        if not 0 < self.lr_drop_at <= 1:
            raise InputError(f"lr drop point must be in (0, 1], got {self.lr_drop_at}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise InputError(f"--max-minutes must be positive, got {self.max_minutes}")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise InputError("--device cuda requested but no CUDA device is available")


def lr_dropped(cfg: TrainConfig, step: int, run_seconds: float) -> bool:
    """Whether the learning rate of the run is dropped (x0.1) at this step and time."""
    return cfg.loop_settings().lr_dropped(step, run_seconds)


def _warm_start(cfg: TrainConfig, out: Path) -> Callable[[TrainState], None]:
    """Load matching weights from `cfg.init_from` (fresh optimizer), e.g. to continue a model
    whose training checkpoint was not kept; the step counter continues from `start_step`."""

    def init(state: TrainState) -> None:
        from ncodec.zoo import load_model_weights

        loaded = load_model_weights(Path(cfg.init_from))
        own = state.model.state_dict()
        matching = {k: v for k, v in loaded.items() if k in own and own[k].shape == v.shape}
        if not matching:
            raise InputError(f"{cfg.init_from} shares no weights with a {cfg.model} model")
        # Partial warm starts are allowed: e.g. a factorized-prior model can take the transforms
        # and gains of a trained hyperprior and learn only its own density.
        state.model.load_state_dict(matching, strict=False)
        record = {"source": cfg.init_from, "loaded": sorted(matching)}
        record["fresh"] = sorted(set(own) - set(matching))
        (out / "init_from.json").write_text(json.dumps(record, indent=1))
        state.step = cfg.start_step

    return init


def train(cfg: TrainConfig, resume: bool = False, validate_fn: Validator | None = None) -> Path:
    """Run (or resume) training; returns the checkpoint path."""
    cfg.validate()
    out = Path(cfg.out)
    if resume and not (out / "checkpoint.pt").exists():
        raise InputError(f"--resume given but no checkpoint in {out}")
    if not resume and (out / "checkpoint.pt").exists():
        raise InputError(f"{out} already holds a run; pass --resume to continue it")
    parallel = DataParallel.from_env(cfg.device)  # under torchrun: this process's share
    parallel.check_batch(cfg.batch_size)
    files = find_images(cfg.data)
    if len(files) <= cfg.holdout:
        raise InputError(f"only {len(files)} training images; need more than the holdout")
    train_files, val_files = (
        (files[: -cfg.holdout], files[-cfg.holdout :]) if cfg.holdout else (files, [])
    )
    out.mkdir(parents=True, exist_ok=True)
    if parallel.is_main:
        (out / "run.json").write_text(json.dumps(asdict(cfg), indent=2))
        (out / "holdout.txt").write_text("\n".join(str(f) for f in val_files))
    if torch.device(cfg.device).type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed crop size: pick the fastest conv kernels
    task = ImageRateDistortionTask(
        cfg.model,
        cfg.model_config(),
        train_files,
        cfg.patch,
        cfg.batch_size,
        cfg.seed,
        cfg.distortion,
        cfg.aux_lr,
    )
    validate = validate_fn if val_files else None
    trainer = Trainer(task, cfg.loop_settings(), asdict(cfg), validate, parallel)
    init = _warm_start(cfg, out) if cfg.init_from else None
    return trainer.run(trainer.start(resume, init))
