"""Core CLI commands: compress, decompress, info, models (thin wrappers over `ncodec.api`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from ncodec import api
from ncodec.errors import InputError
from ncodec.format.container import describe, read_ncz
from ncodec.format.payloads import MAX_PIXELS, PayloadKind
from ncodec.io import (
    check_image_output_path,
    check_not_input,
    check_output_path,
    encode_image,
    load_image,
    load_image_bytes,
    read_input_file,
    save_image,
    write_file_atomic,
)
from ncodec.kind_commands import (
    LOSSLESS_MODEL,
    default_model_for,
    encoder_options,
    encoder_progress,
    load_points,
    load_tensor_input,
    lossless_summary,
    point_file_bytes,
    points_summary,
    tensor_file_bytes,
    tensor_summary,
    writes_points,
    writes_tensor,
)
from ncodec.metrics import psnr
from ncodec.zoo import installed_models

STDIO = "-"
"""Stands for standard input (as IN) or standard output (as -o)."""


@click.command("compress")
@click.argument("input_path", metavar="IN")
@click.option("-o", "--output", required=True, help="Output .ncz file ('-': standard output).")
@click.option("--model", default=None, help="Installed model name (default: the default model).")
@click.option(
    "--quality",
    "-q",
    default=str(api.DEFAULT_QUALITY),
    show_default=True,
    metavar="1..100",
    help="Whole number from 1 to 100, higher is better (as in JPEG).",
)
@click.option(
    "--effort",
    type=int,
    default=None,
    help="Encoder effort: more encoder time for fewer bits at the same quality; decoding is "
    "unchanged. For the amortized image models it is the number of latent search steps "
    "(default 0). For overfit it is a level 1..6 of encoder iterations, 250/1000/2500/6000/"
    "15000/40000 with the shipped config (0: level 2); seconds per level on a CPU thread and a "
    "GPU are in docs/results/overfit.md.",
)
@click.option("--refine", type=int, default=None, help="Same as --effort (older name).")
@click.option(
    "--refine-precision",
    type=click.Choice(api.REFINE_PRECISIONS),
    default=None,
    help="Arithmetic of the refinement's synthesis pass (fp32 or bf16); the file decodes in "
    "float32 either way.",
)
@click.option(
    "--refine-method",
    type=click.Choice(api.REFINE_METHODS),
    default=None,
    help="Latent search of the amortized image models: sga (stochastic Gumbel annealing, the "
    "default) or adam (the older noisy-rate refinement).",
)
@click.option(
    "--bits-back",
    is_flag=True,
    default=None,
    help="Hyperprior models: lossy bits-back coding of the hyper-latent (one stream; a single "
    "image gains nothing, see docs/results/bits_back.md).",
)
@click.option(
    "--realism",
    type=float,
    default=None,
    metavar="BETA",
    help="Models with a realism head: the default beta (0-1, steps of 0.01) stored in the file; "
    "0 = the MSE decoder, 1 = most realistic. The coded latents are the same for every beta.",
)
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda"]),
    default=None,
    help="Where an optimizing encoder (e.g. --model overfit) runs; the file decodes on a CPU "
    "either way.",
)
@click.option(
    "--step",
    "step_mm",
    type=float,
    default=None,
    help="Point clouds: quantization step in millimetres (instead of --quality).",
)
@click.option(
    "--intensity",
    default=None,
    metavar="lossless|STEP",
    help="Point clouds: code the intensity too, exactly ('lossless') or quantized to STEP "
    "(in the intensity's unit).",
)
@click.option(
    "--lossless",
    is_flag=True,
    help="Code the exact pixels of an 8-bit RGB or gray image (model lossless-photo unless "
    "--model names another lossless-image model).",
)
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists (never IN).")
def compress_command(
    input_path: str,
    output: str,
    model: str | None,
    quality: str,
    effort: int | None,
    refine: int | None,
    refine_precision: str | None,
    refine_method: str | None,
    bits_back: bool | None,
    realism: float | None,
    device: str | None,
    step_mm: float | None,
    intensity: str | None,
    lossless: bool,
    force: bool,
) -> None:
    """Compress an image ('-': standard input), a point cloud (.bin, .ply, .pcd) or, with a
    digit model, a batch of digits (.npz, .npy, idx) into a .ncz file; prints real size, bits
    per pixel and PSNR (on stderr when the file goes to standard output)."""
    q = _quality(quality)
    if effort is not None and refine is not None and effort != refine:
        raise InputError(f"--effort {effort} and --refine {refine} disagree (give one)")
    steps = effort if effort is not None else refine if refine is not None else 0
    model = model or (LOSSLESS_MODEL if lossless else default_model_for(input_path))
    frozen = api.load_model(model)
    if lossless and frozen.kind != PayloadKind.LOSSLESS_IMAGE:
        raise InputError(f"--lossless needs a lossless-image model; '{model}' is not one")
    api.check_effort(steps, frozen)
    options = encoder_options(
        frozen,
        refine_precision=refine_precision,
        refine_method=refine_method,
        bits_back=bits_back or None,
        realism=realism,
        device=device,
        step_mm=step_mm,
        intensity=intensity,
    )
    _check_output(input_path, output, force, check_output_path)
    if frozen.kind == PayloadKind.POINT_CLOUD:
        points = load_points(input_path, intensity is not None)
        data = api.compress(points, model, q, steps, options)
        _write_output(output, data, force)
        header, _ = read_ncz(data)
        summary = points_summary(_label(output), len(data), len(points), header.payload.point_count)
        click.echo(summary, err=output == STDIO)
        return
    if frozen.kind == PayloadKind.INTEGER_TENSOR:
        data = api.compress(load_tensor_input(input_path, _read_stdin), model, q, steps, options)
        _write_output(output, data, force)
        shape = read_ncz(data)[0].payload.shape
        click.echo(tensor_summary(_label(output), len(data), shape), err=output == STDIO)
        return
    if input_path == STDIO:
        image = load_image_bytes(_read_stdin(), "<stdin>")
    else:
        image = load_image(input_path)
    for notice in image.notices if frozen.kind == PayloadKind.LOSSY_IMAGE else ():
        click.echo(f"notice: {notice}", err=True)  # a lossless model refuses conversions
    with encoder_progress(frozen, options):
        data = api.compress(image, model, q, steps, options)
    _write_output(output, data, force)
    if frozen.kind == PayloadKind.LOSSLESS_IMAGE:
        click.echo(lossless_summary(_label(output), len(data), image), err=output == STDIO)
        return
    decoded = api.decode(data, MAX_PIXELS)
    pixels = image.height * image.width
    click.echo(
        f"{_label(output)}: {len(data)} bytes, {8 * len(data) / pixels:.4f} bpp, "
        f"PSNR {psnr(decoded.rgb, image.rgb):.2f} dB "
        f"(model {decoded.header.model}, quality {q}, {image.width}x{image.height})",
        err=output == STDIO,
    )


@click.command("decompress")
@click.argument("input_path", metavar="IN.ncz")
@click.option(
    "-o",
    "--output",
    required=True,
    help="Output image (.png, .ppm, .bmp, .tif; '-': PNG on standard output); digits: also "
    ".npz (array x) or .npy; point clouds: .ply or .bin.",
)
@click.option(
    "--max-pixels",
    type=int,
    default=api.DEFAULT_MAX_PIXELS,
    show_default=True,
    help=f"Refuse images with more pixels (decoding memory grows with the pixel count; the "
    f"format allows up to {MAX_PIXELS}).",
)
@click.option(
    "--realism",
    type=float,
    default=None,
    metavar="BETA",
    help="Models with a realism head: decode at this beta (0-1) instead of the file's default.",
)
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists (never IN).")
def decompress_command(
    input_path: str, output: str, max_pixels: int, realism: float | None, force: bool
) -> None:
    """Decompress a .ncz file ('-': standard input) into a lossless image file, a point cloud
    into a .ply or .bin file, or a batch of digits into .npz or .npy."""
    points = writes_points(output)
    plain = points or writes_tensor(output)
    _check_output(
        input_path, output, force, check_output_path if plain else check_image_output_path
    )
    decoded = api.decode(_read_ncz_input(input_path), max_pixels, {"realism": realism})
    if writes_tensor(output) or decoded.header.kind == PayloadKind.INTEGER_TENSOR:
        _write_output(output, tensor_file_bytes(decoded, output), force)
        shape = decoded.header.payload.shape
        click.echo(
            f"{_label(output)}: {shape} uint8 (model {decoded.header.model})", err=output == STDIO
        )
        return
    if points or decoded.header.kind == PayloadKind.POINT_CLOUD:
        write_file_atomic(output, point_file_bytes(decoded, output), force)
        click.echo(f"{output}: {len(decoded.data)} points (model {decoded.header.model})")
        return
    if output == STDIO:
        _write_stdout(encode_image(decoded.rgb, decoded.header.mode, ".png"))
    else:
        save_image(output, decoded.rgb, decoded.header.mode, force)
    lossy = decoded.header.kind == PayloadKind.LOSSY_IMAGE
    click.echo(
        f"{_label(output)}: {decoded.header.width}x{decoded.header.height} "
        f"(model {decoded.header.model}, "
        f"{f'quality {decoded.header.quality}' if lossy else 'lossless'})",
        err=output == STDIO,
    )


@click.command("info")
@click.argument("input_path", metavar="IN.ncz")
@click.option("--json", "as_json", is_flag=True, help="Print the header as JSON.")
def info_command(input_path: str, as_json: bool) -> None:
    """Print the header of a .ncz file ('-': standard input)."""
    data = _read_ncz_input(input_path)
    header, streams = read_ncz(data)
    fields = describe(header, streams, len(data))
    if as_json:
        click.echo(json.dumps(fields, indent=2, default=str))
        return
    for key, value in fields.items():
        click.echo(f"{key:>16}: {value}")


def _quality(text: str) -> int:
    """The --quality text as the API's quality (a whole number 1..100), or InputError."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"quality must be a whole number from 1 to 100, got {text!r}") from None
    return api.check_quality(value)


def _check_output(input_path: str, output: str, force: bool, check_path: Callable) -> None:
    """Before any work: the output can be written, is not the input, and binary data does not
    go to a terminal."""
    if output == STDIO:
        if _binary(sys.stdout).isatty():
            raise InputError(
                "refusing to write binary data to a terminal (redirect standard output or "
                "give -o FILE)"
            )
        return
    check_path(output, force)
    if input_path != STDIO:
        check_not_input(input_path, output)


def _binary(stream: Any) -> Any:
    """The byte stream under a text stream (standard input or output)."""
    return getattr(stream, "buffer", stream)


def _label(output: str) -> str:
    """How messages name an output."""
    return "<stdout>" if output == STDIO else output


def _read_ncz_input(path: str) -> bytes:
    """The bytes of a .ncz input file or of standard input."""
    return _read_stdin() if path == STDIO else read_input_file(path)


def _read_stdin() -> bytes:
    """All of standard input, as bytes (never from a terminal: nobody types image data)."""
    if _binary(sys.stdin).isatty():
        raise InputError("refusing to read binary data from a terminal (redirect standard input)")
    try:
        return _binary(sys.stdin).read()
    except OSError as err:
        raise InputError(f"cannot read standard input: {err.strerror or err}") from None


def _write_output(output: str, data: bytes, force: bool) -> None:
    """Write to the output file (atomically) or to standard output."""
    if output == STDIO:
        _write_stdout(data)
    else:
        write_file_atomic(output, data, force)


def _write_stdout(data: bytes) -> None:
    """Binary data on standard output, unwrapped; a closed pipe raises BrokenPipeError."""
    stream = _binary(sys.stdout)
    stream.write(data)
    stream.flush()


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
