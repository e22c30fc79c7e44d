"""`ncodec compare IMAGE --bpp B --out DIR`: a static page comparing codecs at one file size."""

from __future__ import annotations

from pathlib import Path

import click

from ncodec.errors import InputError, OutputExistsError


@click.command("compare")
@click.argument("image_path", metavar="IMAGE", type=click.Path(path_type=Path))
@click.option("--size", type=int, default=None, help="Target file size in bytes.")
@click.option("--bpp", type=float, default=None, help="Target rate in bits per pixel.")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for the page."
)
@click.option(
    "--codecs",
    default=None,
    help="Comma-separated codecs as in `ncodec eval` (e.g. ncodec:hyperprior-mse,jpeg,avif). "
    "Default: installed lossy-image models (not per-image-trained ones) and jpeg, webp, avif, "
    "jpegxl.",
)
@click.option("--crop", default=None, help="Compare a crop WxH+X+Y of the image.")
@click.option("--force", is_flag=True, help="Overwrite the files of an earlier page in --out.")
def compare_command(
    image_path: Path,
    size: int | None,
    bpp: float | None,
    out_dir: Path,
    codecs: str | None,
    crop: str | None,
    force: bool,
) -> None:
    """Code IMAGE with every codec at about the same file size and write OUT/index.html: a
    split view with zoom and, per codec, bytes, bpp, PSNR, MS-SSIM and decode time."""
    from ncodec.compare.run import (
        budget_bytes,
        default_codecs,
        parse_crop,
        write_comparison,
    )
    from ncodec.eval.codec import split_codec_list
    from ncodec.eval.registry import resolve_codec_list
    from ncodec.io import load_rgb

    image = load_rgb(image_path)
    name = image_path.name
    if crop:
        rows, cols = parse_crop(crop, *image.shape[:2])
        image = image[rows, cols].copy()
        name += f" (crop {crop})"
    budget = budget_bytes(size, bpp, *image.shape[:2])
    index = out_dir / "index.html"
    if index.exists() and not force:
        raise OutputExistsError(f"{index} exists (use --force to overwrite the page)")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is not a folder")
    specs = ",".join(split_codec_list(codecs)) if codecs else ",".join(default_codecs())
    chosen = resolve_codec_list(specs)
    entries = write_comparison(
        image,
        name,
        chosen,
        budget,
        out_dir,
        force=force,
        progress=lambda spec: click.echo(f"coding with {spec} ...", err=True),
    )
    for entry in entries:
        note = "" if entry.fits else " (over budget)"
        click.echo(
            f"{entry.spec:<24} q={entry.quality:<4} {len(entry.data):>8} bytes "
            f"{entry.bpp:.4f} bpp  PSNR {entry.psnr:.2f} dB{note}"
        )
    click.echo(f"wrote {index}")
