"""Core CLI commands: compress, decompress, info, models (thin wrappers over `ncodec.api`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ncodec import api
from ncodec.errors import InputError
from ncodec.format.container import describe, read_ncz
from ncodec.io import check_image_output_path, check_output_path, load_image, save_image
from ncodec.io.inputs import read_input_file
from ncodec.io.output import write_file_atomic
from ncodec.metrics import psnr
from ncodec.zoo import installed_models


@click.command("compress")
@click.argument("input_path", metavar="IN")
@click.option("-o", "--output", required=True, help="Output .ncz file.")
@click.option("--model", default=None, help="Installed model name (default: the default model).")
@click.option(
    "--quality",
    "-q",
    type=float,
    default=api.DEFAULT_QUALITY,
    show_default=True,
    help="1..100, higher is better (as in JPEG).",
)
@click.option(
    "--effort",
    type=int,
    default=None,
    help="Encoder effort: more encoder time for fewer bits at the same quality; decoding is "
    "unchanged. For the amortized image models it is the number of latent refinement steps "
    "(default 0; timings in docs/results).",
)
@click.option("--refine", type=int, default=None, help="Same as --effort (older name).")
@click.option(
    "--refine-precision",
    type=click.Choice(api.REFINE_PRECISIONS),
    default=None,
    help="Arithmetic of the refinement's synthesis pass (fp32 or bf16); the file decodes in "
    "float32 either way.",
)
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def compress_command(
    input_path: str,
    output: str,
    model: str | None,
    quality: float,
    effort: int | None,
    refine: int | None,
    refine_precision: str | None,
    force: bool,
) -> None:
    """Compress an image file into a .ncz file; prints real size, bits per pixel and PSNR."""
    q = api.check_quality(quality)
    if effort is not None and refine is not None and effort != refine:
        raise InputError(f"--effort {effort} and --refine {refine} disagree (give one)")
    steps = effort if effort is not None else refine if refine is not None else 0
    options = {} if refine_precision is None else {"refine_precision": refine_precision}
    api.check_effort(steps, api.load_model(model))
    check_output_path(output, force)
    image = load_image(input_path)
    for notice in image.notices:
        click.echo(f"notice: {notice}", err=True)
    data = api.compress(image, model, q, steps, options)
    write_file_atomic(output, data, force)
    size = Path(output).stat().st_size
    decoded = api.decode(data)
    pixels = image.height * image.width
    click.echo(
        f"{output}: {size} bytes, {8 * size / pixels:.4f} bpp, "
        f"PSNR {psnr(decoded.rgb, image.rgb):.2f} dB "
        f"(model {decoded.header.model}, quality {q}, {image.width}x{image.height})"
    )


@click.command("decompress")
@click.argument("input_path", metavar="IN.ncz")
@click.option("-o", "--output", required=True, help="Output image (.png, .ppm, .bmp, .tif).")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def decompress_command(input_path: str, output: str, force: bool) -> None:
    """Decompress a .ncz file into a lossless image file."""
    check_image_output_path(output, force)
    decoded = api.decode(read_input_file(input_path))
    save_image(output, decoded.rgb, decoded.header.mode, force)
    click.echo(
        f"{output}: {decoded.header.width}x{decoded.header.height} "
        f"(model {decoded.header.model}, quality {decoded.header.quality})"
    )


@click.command("info")
@click.argument("input_path", metavar="IN.ncz")
@click.option("--json", "as_json", is_flag=True, help="Print the header as JSON.")
def info_command(input_path: str, as_json: bool) -> None:
    """Print the header of a .ncz file."""
    data = read_input_file(input_path)
    header, streams = read_ncz(data)
    fields = describe(header, streams, len(data))
    if as_json:
        click.echo(json.dumps(fields, indent=2, default=str))
        return
    for key, value in fields.items():
        click.echo(f"{key:>16}: {value}")


@click.command("models")
def models_command() -> None:
    """List installed models."""
    models = installed_models()
    if not models:
        click.echo("no models installed (see weights/ or $NCODEC_WEIGHTS_PATH)")
        return
    default = api.default_model()
    for name, entry in models.items():
        card = entry.card
        mark = "*" if name == default else " "
        rate = card.get("kodak", {}).get("bpp_range")
        rate_text = f", Kodak {rate[0]:.2f}-{rate[1]:.2f} bpp" if rate else ""
        click.echo(
            f"{mark} {name:<20} {card.get('architecture', '?')}{rate_text}  "
            f"[{entry.weights_hash}] {entry.path}"
        )
    click.echo("(* = default)")
