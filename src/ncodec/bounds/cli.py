"""The `ncodec bounds` command: estimate R(D) bounds from samples and write JSON + PNG."""

from __future__ import annotations

import click
import numpy as np

from ncodec.bounds import exact
from ncodec.bounds.codecs import eval_record_curves
from ncodec.bounds.experiment import Settings, gaussian_experiment, patch_experiment
from ncodec.bounds.report import check_output, write_result
from ncodec.bounds.sources import default_variances
from ncodec.errors import InputError


def _floats(text: str | None, what: str) -> list[float] | None:
    """Parse a comma-separated list of numbers, or raise InputError."""
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise InputError(f"{what} must be comma-separated numbers, got {text!r}") from err
    if not values:
        raise InputError(f"{what} is empty")
    return values


@click.command()
@click.option("--source", type=click.Choice(["gaussian"]), help="Synthetic source with exact R(D).")
@click.option("--dim", type=int, default=2, show_default=True, help="Gaussian dimension.")
@click.option("--variances", help="Comma-separated Gaussian variances (default: U(0,2), seeded).")
@click.option("--distortions", help="Comma-separated target MSE per dimension (Gaussian).")
@click.option("--data", "data_dir", type=click.Path(), help="Folder of training images (patches).")
@click.option("--test-data", "test_dir", type=click.Path(), help="Folder of test images.")
@click.option("--patch", type=int, default=8, show_default=True, help="Patch side in pixels.")
@click.option("--rgb", is_flag=True, help="RGB patches (default: gray).")
@click.option(
    "--psnr",
    "psnr_text",
    default="26,30,34,38",
    show_default=True,
    help="Comma-separated target PSNRs (dB) that set the λ sweep for patches.",
)
@click.option(
    "--codecs", "codec_text", default="", help="Codecs to overlay: jpeg,webp,avif,jpegxl,ncodec."
)
@click.option(
    "--eval-records",
    type=click.Path(),
    help="records.jsonl from `ncodec eval`: overlay full-image curves (bpp/3, RGB MSE).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for data and training.")
@click.option("--samples", type=int, default=100_000, show_default=True, help="Training samples.")
@click.option("--heldout", type=int, default=200_000, show_default=True, help="Held-out samples.")
@click.option("--steps", type=int, default=3000, show_default=True, help="Upper-bound steps per λ.")
@click.option("--lower-steps", type=int, default=300, show_default=True, help="Dual steps per λ.")
@click.option("--lower-batch", type=int, default=4096, show_default=True, help="M during training.")
@click.option("--lower-eval", type=int, default=100_000, show_default=True, help="M at evaluation.")
@click.option("--no-lower", is_flag=True, help="Skip the lower bound.")
@click.option("--out", "out_path", required=True, type=click.Path(), help="Output JSON file.")
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def bounds_command(**opts) -> None:
    """Estimate upper and lower bounds on R(D) from samples (JSON + PNG plot)."""
    if bool(opts["source"]) == bool(opts["data_dir"]):
        raise InputError("give exactly one of --source gaussian or --data DIR")
    for key in ("samples", "heldout", "steps", "lower_steps", "lower_batch", "lower_eval"):
        if opts[key] < 1:
            raise InputError(f"--{key.replace('_', '-')} must be >= 1")
    out = check_output(opts["out_path"], opts["force"])
    settings = Settings(
        seed=opts["seed"],
        train_samples=opts["samples"],
        heldout_samples=opts["heldout"],
        upper_steps=opts["steps"],
        lower=not opts["no_lower"],
        lower_steps=opts["lower_steps"],
        lower_batch=opts["lower_batch"],
        lower_eval_samples=opts["lower_eval"],
        progress=not opts["quiet"],
    )
    codecs = [c.strip() for c in opts["codec_text"].split(",") if c.strip()]
    if opts["source"]:
        if codecs:
            raise InputError("--codecs applies to image patches (--data), not Gaussian sources")
        variances = _floats(opts["variances"], "--variances")
        var = (
            exact.check_variances(variances)
            if variances
            else default_variances(opts["dim"], opts["seed"])
        )
        d_max = float(var.mean())
        targets = _floats(opts["distortions"], "--distortions") or [
            f * d_max for f in (0.05, 0.1, 0.2, 0.4, 0.7)
        ]
        result = gaussian_experiment(np.asarray(var), targets, settings)
        title = f"Gaussian, dim {var.size}: bounds from samples vs exact R(D)"
    else:
        if opts["patch"] < 1:
            raise InputError("--patch must be >= 1")
        result = patch_experiment(
            opts["data_dir"],
            opts["test_dir"] or opts["data_dir"],
            opts["patch"],
            not opts["rgb"],
            _floats(opts["psnr_text"], "--psnr") or [],
            settings,
            codecs,
        )
        if opts["eval_records"]:
            channels = 3 if opts["rgb"] else 1
            result["codecs"].update(eval_record_curves(opts["eval_records"], channels))
        kind = "RGB" if opts["rgb"] else "gray"
        title = f"{opts['patch']}x{opts['patch']} {kind} patches: R(D) bounds and codecs"
    write_result(result, out, title, force=opts["force"])
    click.echo(f"wrote {out} and {out.with_suffix('.png')}")
