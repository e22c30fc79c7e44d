"""The training loop: R-D loss with gain-unit rate levels, one Adam optimizer, exact resume."""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from tqdm import tqdm

from ncodec.errors import InputError
from ncodec.models import ARCHITECTURES, build_model
from ncodec.train.checkpoint import load_checkpoint, save_checkpoint
from ncodec.train.data import CropDataset, find_images
from ncodec.train.loss import rd_loss

LOG_FIELDS = ["step", "seconds", "lr", "loss", "bpp", "mse", "psnr", "aux"]


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


def lambda_at(lambdas: list[float], level: torch.Tensor) -> torch.Tensor:
    """Geometric interpolation of the level lambdas at continuous positions."""
    logs = torch.log(torch.tensor(lambdas, dtype=torch.float32, device=level.device))
    if len(lambdas) == 1:
        return torch.exp(logs[0]).expand_as(level)
    low = level.floor().long().clamp(0, len(lambdas) - 2)
    frac = level - low
    return torch.exp(logs[low] * (1 - frac) + logs[low + 1] * frac)


def lr_dropped(cfg: TrainConfig, step: int, run_seconds: float) -> bool:
    """The learning rate drops x0.1 at lr_drop_at of the steps, or of --max-minutes if set.

    The time-based drop is for a fixed wall-clock budget (a lent GPU); it is per invocation,
    so a resumed time-limited run restarts at the full rate.
    """
    if step >= cfg.lr_drop_at * cfg.steps:
        return True
    return cfg.max_minutes is not None and run_seconds >= cfg.lr_drop_at * cfg.max_minutes * 60


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Adam:
    """One Adam; the density quantiles (trained only by the aux loss) get their own param group."""
    quantiles = [p for n, p in model.named_parameters() if n.endswith("quantiles")]
    others = [p for n, p in model.named_parameters() if not n.endswith("quantiles")]
    return torch.optim.Adam(
        [
            {"params": others, "lr": cfg.lr, "name": "main"},
            {"params": quantiles, "lr": cfg.aux_lr, "name": "quantiles"},
        ]
    )


def train(
    cfg: TrainConfig,
    resume: bool = False,
    validate_fn: Callable[[torch.nn.Module, int], dict] | None = None,
) -> Path:
    """Run (or resume) training; returns the checkpoint path."""
    cfg.validate()
    out = Path(cfg.out)
    ckpt_path = out / "checkpoint.pt"
    if resume and not ckpt_path.exists():
        raise InputError(f"--resume given but no checkpoint in {out}")
    if not resume and ckpt_path.exists():
        raise InputError(f"{out} already holds a run; pass --resume to continue it")
    files = find_images(cfg.data)
    if len(files) <= cfg.holdout:
        raise InputError(f"only {len(files)} training images; need more than the holdout")
    train_files, val_files = (
        (files[: -cfg.holdout], files[-cfg.holdout :]) if cfg.holdout else (files, [])
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "run.json").write_text(json.dumps(asdict(cfg), indent=2))
    (out / "holdout.txt").write_text("\n".join(str(f) for f in val_files))

    device = torch.device(cfg.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed crop size: pick the fastest conv kernels
    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model, {"n": cfg.n, "m": cfg.m, "lambdas": cfg.lambdas}).to(device)
    optimizer = make_optimizer(model, cfg)
    step, elapsed = 0, 0.0
    if cfg.init_from and not resume:
        # Warm start from shipped weights (fresh optimizer), e.g. to continue a model whose
        # training checkpoint was not kept; the step counter continues from `start_step`.
        from ncodec.zoo import load_model_weights

        loaded = load_model_weights(Path(cfg.init_from))
        own = model.state_dict()
        matching = {k: v for k, v in loaded.items() if k in own and own[k].shape == v.shape}
        if not matching:
            raise InputError(f"{cfg.init_from} shares no weights with a {cfg.model} model")
        # Partial warm starts are allowed: e.g. a factorized-prior model can take the transforms
        # and gains of a trained hyperprior and learn only its own density.
        model.load_state_dict(matching, strict=False)
        (out / "init_from.json").write_text(
            json.dumps(
                {
                    "source": cfg.init_from,
                    "loaded": sorted(matching),
                    "fresh": sorted(set(own) - set(matching)),
                },
                indent=1,
            )
        )
        step = cfg.start_step
    if resume:
        state = load_checkpoint(ckpt_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed = state["step"], state["seconds"]
    data = CropDataset(train_files, cfg.patch, cfg.seed)
    log_path = out / "log.csv"
    new_log = not log_path.exists()
    log_file = log_path.open("a", newline="")
    log = csv.DictWriter(log_file, LOG_FIELDS)
    if new_log:
        log.writeheader()

    def checkpoint() -> None:
        save_checkpoint(
            ckpt_path,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "step": step,
                "seconds": elapsed,
                "config": asdict(cfg),
            },
        )

    levels = len(cfg.lambdas)
    last_ckpt = run_start = time.monotonic()
    bar = tqdm(total=cfg.steps, initial=step, desc=f"train {cfg.model}", unit="step")
    model.train()
    try:
        while step < cfg.steps:
            t0 = time.monotonic()
            run_seconds = t0 - run_start
            if cfg.max_minutes is not None and run_seconds >= 60 * cfg.max_minutes:
                break
            lr_scale = 0.1 if lr_dropped(cfg, step, run_seconds) else 1.0
            for group in optimizer.param_groups:
                group["lr"] = (cfg.lr if group["name"] == "main" else cfg.aux_lr) * lr_scale
            x = data.batch_uint8(step, cfg.batch_size).to(device).float().div_(255.0)
            level = data.levels(step, cfg.batch_size, levels).to(device)
            with torch.autocast(device.type, torch.bfloat16, enabled=cfg.precision == "bf16"):
                out_ = model(x, level)
            terms = rd_loss(out_, x, lambda_at(cfg.lambdas, level), cfg.distortion)
            aux = model.aux_loss()
            optimizer.zero_grad(set_to_none=True)
            (terms["loss"] + aux).backward()
            torch.nn.utils.clip_grad_norm_(
                [p for g in optimizer.param_groups if g["name"] == "main" for p in g["params"]],
                cfg.clip,
            )
            optimizer.step()
            step += 1
            elapsed += time.monotonic() - t0
            if step % cfg.log_every == 0 or step == cfg.steps:
                mse = float(terms["mse"].detach())
                row = {
                    "step": step,
                    "seconds": round(elapsed, 1),
                    "lr": optimizer.param_groups[0]["lr"],
                    "loss": float(terms["loss"].detach()),
                    "bpp": float(terms["bpp"].detach()),
                    "mse": mse,
                    "psnr": 10 * math.log10(1 / max(mse, 1e-10)),
                    "aux": float(aux.detach()),
                }
                log.writerow(row)
                log_file.flush()
                bar.set_postfix(
                    loss=f"{row['loss']:.3f}", bpp=f"{row['bpp']:.3f}", psnr=f"{row['psnr']:.2f}"
                )
            bar.update(1)
            if validate_fn and val_files and (step % cfg.val_every == 0 or step == cfg.steps):
                model.eval()
                result = validate_fn(model, step)
                model.train()
                with (out / "val.jsonl").open("a") as f:
                    f.write(json.dumps({"step": step, **result}) + "\n")
            if time.monotonic() - last_ckpt > 60 * cfg.checkpoint_minutes:
                checkpoint()
                last_ckpt = time.monotonic()
    finally:
        bar.close()
        log_file.close()
        checkpoint()
    return ckpt_path
