"""What the compress/decompress commands do beyond images: point clouds, encoder options and the
encoder's progress bar, chosen by the model's payload kind and declared options (no architecture
is named here)."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ncodec.circuits.digits import load_digits
from ncodec.errors import InputError
from ncodec.format import PayloadKind
from ncodec.io import encode_image, load_image, load_image_bytes
from ncodec.io.arrays import is_grayscale_mode
from ncodec.models import FrozenCodec
from ncodec.pointcloud.files import OUTPUT_SUFFIXES, SUFFIXES, cloud_bytes, read_points
from ncodec.zoo import installed_models

POINT_CLOUD_MODEL = "lidar-octree"
"""Model used for point-cloud inputs when none is named."""
LOSSLESS_MODEL = "lossless-photo"
"""Model used by `compress --lossless` when none is named."""


def default_model_for(input_path: str) -> str | None:
    """The model a file calls for when --model is not given (None: the default image model);
    a file of digits needs a named digit model (InputError listing the installed ones)."""
    if Path(input_path).suffix.lower() in SUFFIXES:
        return POINT_CLOUD_MODEL
    if input_path.lower().endswith(TENSOR_SUFFIXES):
        digit_models = [
            name
            for name, entry in installed_models().items()
            if entry.card.get("kind") == PayloadKind.INTEGER_TENSOR.label
        ]
        choices = " or ".join(f"--model {name}" for name in digit_models) or "--model NAME"
        raise InputError(f"{input_path} holds digits: name a digit model ({choices})")
    return None


def writes_points(output: str) -> bool:
    """Whether an output name asks for a point-cloud file."""
    return Path(output).suffix.lower() in OUTPUT_SUFFIXES


def encoder_options(frozen: FrozenCodec, **given: Any) -> dict[str, Any]:
    """The options given on the command line (None = not given), each checked against what the
    model accepts, so a flag that a model would ignore is an error instead."""
    options = {name: value for name, value in given.items() if value is not None}
    accepted = frozen.effort_options()
    for name in options:
        if name not in accepted:
            flag = "--" + name.replace("_mm", "").replace("_", "-")
            raise InputError(f"{flag} does not apply to this model")
    if "step_mm" in options and not options["step_mm"] > 0:
        raise InputError(
            f"--step must be a positive number of millimetres, got {options['step_mm']}"
        )
    return options


@contextmanager
def encoder_progress(frozen: FrozenCodec, options: dict[str, Any]) -> Iterator[None]:
    """A progress bar with the running bpp and PSNR for encoders that report their iterations."""
    if "progress" not in frozen.effort_options():
        yield
        return
    bars: list[tqdm] = []  # opened at the first report, so an early error stays one line

    def report(iteration: int, total: int, bpp: float, psnr: float) -> None:
        if not bars:
            bars.append(tqdm(desc="encode", unit="it", leave=False, total=total))
        bar = bars[0]
        bar.total = total
        bar.set_postfix(bpp=f"{bpp:.3f}", psnr=f"{psnr:.2f}", refresh=False)
        bar.update(iteration - bar.n)

    options["progress"] = report
    try:
        yield
    finally:
        for bar in bars:
            bar.close()
        options.pop("progress", None)


def load_points(input_path: str, with_intensity: bool = False) -> Any:
    """The points of a point-cloud file (standard input is for images only): the (N, 3)
    coordinates, or the whole PointCloud when its intensities are to be coded."""
    if input_path == "-":
        raise InputError("point clouds are read from files (.bin, .ply, .pcd), not standard input")
    cloud = read_points(input_path)
    return cloud if with_intensity else cloud.xyz


def points_summary(label: str, size: int, points: int, header_points: int) -> str:
    """One line about a written point-cloud file."""
    return (
        f"{label}: {size} bytes, {8 * size / points:.4f} bits per input point "
        f"({points} points in, {header_points} after quantization)"
    )


def point_file_bytes(decoded: Any, output: str) -> bytes:
    """The bytes of the output file for decoded points."""
    if decoded.header.kind != PayloadKind.POINT_CLOUD:
        raise InputError(f"{output}: a point-cloud output needs a point-cloud file")
    if output == "-":
        raise InputError("point clouds are written to files (.bin, .ply), not standard output")
    return cloud_bytes(decoded.data, Path(output).suffix)


def lossless_summary(label: str, size: int, image: Any) -> str:
    """One line about a written lossless-image file."""
    gray = is_grayscale_mode(image.mode)
    subpixels = image.height * image.width * (1 if gray else 3)
    return (
        f"{label}: {size} bytes, {8 * size / subpixels:.4f} bits per subpixel, lossless "
        f"({image.width}x{image.height} {'gray' if gray else 'RGB'})"
    )


TENSOR_SUFFIXES = (".npz", ".npy", ".gz", ".idx", "-ubyte")
"""Names of files of many digits (npz array `x`, npy, idx, gzipped idx): read as N x H x W."""
TENSOR_OUTPUT_SUFFIXES = (".npz", ".npy")


def writes_tensor(output: str) -> bool:
    """Whether an output name asks for a batch of digits (.npz with array `x`, or .npy)."""
    return output.lower().endswith(TENSOR_OUTPUT_SUFFIXES)


def load_tensor_input(input_path: str, stdin: Any) -> Any:
    """What an integer-tensor model codes: N x H x W digits from an npz/idx file, else one
    image (a file, or standard input read by `stdin()`)."""
    if input_path == "-":
        return load_image_bytes(stdin(), "<stdin>")
    if input_path.lower().endswith(TENSOR_SUFFIXES):
        return load_digits(input_path)
    return load_image(input_path)


def tensor_summary(label: str, size: int, shape: tuple[int, ...]) -> str:
    """One line about a written integer-tensor file."""
    count = 1 if len(shape) == 2 else shape[0]
    pixels = math.prod(shape)
    return (
        f"{label}: {size} bytes, {8 * size / pixels:.4f} bits per pixel, lossless "
        f"({count} image{'s' if count > 1 else ''} of {shape[-1]}x{shape[-2]})"
    )


def tensor_file_bytes(decoded: Any, output: str) -> bytes:
    """The bytes of the output file for decoded digits: .npz (array `x`) or one gray image."""
    if decoded.header.kind != PayloadKind.INTEGER_TENSOR:
        raise InputError(f"{output}: an .npz or .npy output needs a file of digits")
    array = np.asarray(decoded.data)
    if writes_tensor(output):
        batch = array if array.ndim == 3 else array[np.newaxis]
        buffer = io.BytesIO()
        if output.lower().endswith(".npy"):
            np.save(buffer, batch, allow_pickle=False)
        else:
            np.savez_compressed(buffer, x=batch)
        return buffer.getvalue()
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2:
        raise InputError(
            f"{output}: the file holds {array.shape[0]} images; write them to .npz or .npy"
        )
    suffix = Path(output).suffix if output != "-" else ".png"
    return encode_image(np.repeat(array[:, :, np.newaxis], 3, axis=2), "L", suffix or ".png")
