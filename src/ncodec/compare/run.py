"""Build a comparison: choose the codecs, code the image with each at the budget, write the page."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ncodec.compare.measure import Entry, measure
from ncodec.compare.render import Shown, render
from ncodec.errors import InputError
from ncodec.format.payloads import PayloadKind
from ncodec.io import encode_image, write_file_atomic

CLASSICAL = ("jpeg", "webp", "avif", "jpegxl")
"""Classical codecs on the page by default (browsers show all of them decoded, as PNG)."""

SLOW_ENCODER_UNIT = "encoder iterations"
"""A model card's effort unit for encoders that train on each image (e.g. `overfit`): left out of
the default list, since the size search encodes several times; name them in --codecs."""


def default_codecs() -> list[str]:
    """Every installed lossy-image model with a feed-forward encoder, then the classical codecs."""
    from ncodec import api
    from ncodec.zoo import installed_models

    specs = []
    for name, entry in installed_models().items():
        if entry.card.get("effort", {}).get("unit") == SLOW_ENCODER_UNIT:
            continue
        if api.load_model(name).kind == PayloadKind.LOSSY_IMAGE:
            specs.append(f"ncodec:{name}")
    return [*specs, *CLASSICAL]


def budget_bytes(size: int | None, bpp: float | None, height: int, width: int) -> int:
    """The byte budget from --size or --bpp (exactly one of them)."""
    if (size is None) == (bpp is None):
        raise InputError("give the target as either --size BYTES or --bpp B")
    if size is not None:
        if size <= 0:
            raise InputError(f"--size must be a positive number of bytes, got {size}")
        return size
    assert bpp is not None
    if not 0 < bpp <= 24:
        raise InputError(f"--bpp must be above 0 and at most 24, got {bpp}")
    return max(1, int(bpp * height * width / 8))


def parse_crop(text: str, height: int, width: int) -> tuple[slice, slice]:
    """`WxH+X+Y` (as ImageMagick writes it) as row and column slices inside the image."""
    match = re.fullmatch(r"(\d+)x(\d+)\+(\d+)\+(\d+)", text.strip())
    if not match:
        raise InputError(f"--crop must look like WxH+X+Y (e.g. 256x256+300+100), got {text!r}")
    w, h, x, y = (int(v) for v in match.groups())
    if w == 0 or h == 0 or x + w > width or y + h > height:
        raise InputError(f"--crop {text} does not fit in the {width}x{height} image")
    return slice(y, y + h), slice(x, x + w)


def slug(spec: str) -> str:
    """A file name stem for a codec spec: 'ncodec:hyperprior-mse' -> 'ncodec-hyperprior-mse'."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", spec).strip("-")


def label(spec: str) -> str:
    """How the page names a codec."""
    return spec.removeprefix("ncodec:") + (" (ncodec)" if spec.startswith("ncodec") else "")


def write_comparison(
    image: np.ndarray,
    image_name: str,
    codecs: Sequence,
    budget: int,
    out: Path,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[Entry]:
    """Code `image` with every codec at `budget` bytes and write `out/index.html` with the
    original, each decoded image (PNG) and each coded file beside it."""
    out.mkdir(parents=True, exist_ok=True)
    height, width = image.shape[:2]
    shown = [Shown("original", "original", "original.png")]
    files = {"original.png": encode_image(image, "RGB", ".png")}
    entries = []
    for codec in codecs:
        if progress:
            progress(codec.spec)
        entry = measure(codec, image, budget)
        stem = slug(entry.spec)
        files[f"{stem}.png"] = encode_image(entry.decoded, "RGB", ".png")
        files[f"{stem}{entry.suffix}"] = entry.data
        shown.append(Shown(stem, label(entry.spec), f"{stem}.png", f"{stem}{entry.suffix}", entry))
        entries.append(entry)
    title = f"{image_name} at {budget} bytes: ncodec and classical codecs"
    files["index.html"] = render(title, image_name, (width, height), budget, shown).encode()
    for name, data in files.items():
        write_file_atomic(out / name, data, force)
    return entries
