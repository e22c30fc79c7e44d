"""`ncodec train`: train a codec from image folders, resumable, with progress and logs."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import click
import torch
from click.core import ParameterSource

from ncodec.errors import InputError
from ncodec.train.data import find_images
from ncodec.train.loop import TrainConfig, train
from ncodec.train.resume import resume_config
from ncodec.train.validate import make_real_validator


def _parse_lambdas(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise InputError(f"--lmbda must be a number or a comma-separated list: {text}") from err


def _on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--model", "model", required=True, help="Architecture, e.g. mean-scale-hyperprior.")
@click.option(
    "--lmbda",
    required=True,
    help="Lambda, or comma-separated lambdas of a variable-rate model's levels.",
)
@click.option("--data", "data", required=True, multiple=True, help="Image folder (repeatable).")
@click.option("--steps", type=int, required=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False))
@click.option("--resume", is_flag=True, help="Continue the run in --out exactly where it stopped.")
@click.option("--batch-size", type=int, default=8, show_default=True)
@click.option("--patch", type=int, default=128, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--lr", type=float, default=1e-4, show_default=True)
@click.option("--distortion", type=click.Choice(["mse", "ms-ssim"]), default="mse")
@click.option(
    "--channels", "channels", default="128,192", show_default=True, help="N,M channel widths."
)
@click.option(
    "--holdout",
    type=int,
    default=16,
    show_default=True,
    help="Last K images of the data set are held out for validation.",
)
@click.option("--val-every", type=int, default=1000, show_default=True)
@click.option("--checkpoint-minutes", type=float, default=5.0, show_default=True)
@click.option("--threads", type=int, default=None, help="Torch CPU threads.")
@click.option(
    "--init-from",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="Warm start from a weights file (fresh optimizer), e.g. weights/NAME.safetensors.",
)
@click.option(
    "--start-step",
    type=int,
    default=0,
    show_default=True,
    help="With --init-from: the step the warm-started model had reached.",
)
@click.option(
    "--precision",
    type=click.Choice(["fp32", "bf16"]),
    default="fp32",
    show_default=True,
    help="bf16 autocasts the transforms (about 2x faster on CPUs with AVX512-BF16); "
    "entropy models always run in float32.",
)
@click.option(
    "--max-minutes",
    type=float,
    default=None,
    help="Stop (with a checkpoint) after this many minutes of this invocation, e.g. on a lent "
    "GPU; the learning-rate drop then comes at 90% of this time unless the step count says so.",
)
def train_command(
    model: str,
    lmbda: str,
    data: tuple[str, ...],
    steps: int,
    out: str,
    resume: bool,
    batch_size: int,
    patch: int,
    seed: int,
    device: str,
    lr: float,
    distortion: str,
    channels: str,
    holdout: int,
    val_every: int,
    checkpoint_minutes: float,
    threads: int | None,
    precision: str,
    init_from: str | None,
    start_step: int,
    max_minutes: float | None,
) -> None:
    """Train MODEL on random crops from DATA folders (never on the test set)."""
    if threads:
        torch.set_num_threads(threads)
    try:
        n, m = (int(v) for v in channels.split(","))
    except ValueError as err:
        raise InputError(f"--channels must be N,M, got {channels}") from err
    cfg = TrainConfig(
        model=model,
        lambdas=_parse_lambdas(lmbda),
        data=list(data),
        steps=steps,
        out=out,
        batch_size=batch_size,
        patch=patch,
        seed=seed,
        device=device,
        lr=lr,
        distortion=distortion,
        n=n,
        m=m,
        holdout=holdout,
        val_every=val_every,
        checkpoint_minutes=checkpoint_minutes,
        precision=precision,
        init_from=init_from,
        start_step=start_step,
        max_minutes=max_minutes,
    )
    if resume:
        saved_path = Path(out) / "run.json"
        if saved_path.exists():
            explicit = {
                name
                for name in click.get_current_context().params
                if click.get_current_context().get_parameter_source(name)
                is not ParameterSource.DEFAULT
            }
            cfg = resume_config(json.loads(saved_path.read_text()), cfg, explicit)
    cfg.validate()
    files = find_images(cfg.data)
    validator = (
        make_real_validator(files[-cfg.holdout :], len(cfg.lambdas)) if (cfg.holdout) else None
    )
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        path = train(cfg, resume=resume, validate_fn=validator)
    except KeyboardInterrupt:
        click.echo(f"interrupted; checkpoint saved in {out} (continue with --resume)", err=True)
        raise SystemExit(130) from None
    click.echo(f"checkpoint: {path}")
